-- Accounts, their preferences, sign-in throttling and the audit trail (as
-- migrations/sqlite/0002_accounts.sql).

CREATE TABLE users (
    id            TEXT PRIMARY KEY,                   -- a UUID
    -- Trimmed and lower-cased before it gets here, so UNIQUE is case-insensitive in effect.
    email         TEXT NOT NULL UNIQUE,
    -- An argon2id PHC string (algorithm, parameters and salt included).
    password_hash TEXT NOT NULL,
    display_name  TEXT,
    role          TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    created_at    BIGINT NOT NULL
);

-- A signed-in user's preferences: one row once they have any, the same on every device.
CREATE TABLE user_preferences (
    user_id       TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    theme         TEXT NOT NULL CHECK (theme IN ('light', 'dark')),
    notifications TEXT NOT NULL CHECK (notifications IN ('enabled', 'disabled')),
    language      TEXT NOT NULL CHECK (language IN ('en', 'es', 'fr', 'de')),
    updated_at    BIGINT NOT NULL
);

-- Sign-in attempts in the sliding window, per email's SHA-256. A row is written before
-- the password is checked and removed by a success. `id` is what SQLite's rowid is there:
-- the handle a pending attempt is settled by.
CREATE TABLE login_attempts (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email_hash    BYTEA NOT NULL,
    at            BIGINT NOT NULL
);

CREATE INDEX login_attempts_by_email ON login_attempts (email_hash, at);

-- Security events. `user_id` is NULL for events of no known account and once an account
-- is erased (anonymised). `session_hash` is a short prefix of the token's SHA-256.
CREATE TABLE audit (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       TEXT,
    type          TEXT NOT NULL,
    at            BIGINT NOT NULL,
    ip            TEXT,
    user_agent    TEXT,
    -- The public id of the session concerned, when there is one.
    session_id    TEXT,
    session_hash  TEXT,
    -- JSON text of an object, or NULL.
    details       TEXT
);

CREATE INDEX audit_by_user ON audit (user_id, at) WHERE user_id IS NOT NULL;
CREATE INDEX audit_by_time ON audit (at);
CREATE INDEX audit_by_session ON audit (session_id) WHERE session_id IS NOT NULL;
