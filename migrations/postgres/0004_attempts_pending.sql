-- A sign-in attempt is reserved as pending before its password is checked, then either
-- settled as a failure (pending = FALSE) or removed by a success (as
-- migrations/sqlite/0004_attempts_pending.sql).
ALTER TABLE login_attempts ADD COLUMN pending BOOLEAN NOT NULL DEFAULT FALSE;
