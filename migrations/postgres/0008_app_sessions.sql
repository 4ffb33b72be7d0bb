-- Sessions that an app holds by a bearer token (`POST /api/auth/token`) rather than a
-- browser by its cookie: listed among the user's devices as apps.
ALTER TABLE sessions ADD COLUMN app BOOLEAN NOT NULL DEFAULT FALSE;
