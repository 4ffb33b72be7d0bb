-- Accounts, their preferences, sign-in throttling and the audit trail.

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,          -- a UUID
    -- Trimmed and lower-cased before it gets here, so UNIQUE is case-insensitive in effect.
    email         TEXT NOT NULL UNIQUE,
    -- An argon2id PHC string (algorithm, parameters and salt included).
    password_hash TEXT NOT NULL,
    display_name  TEXT,
    role          TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    created_at    INTEGER NOT NULL
);

-- A signed-in user's preferences: one row once they have any, the same on every device.
CREATE TABLE user_preferences (
    user_id       TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    theme         TEXT NOT NULL CHECK (theme IN ('light', 'dark')),
    notifications TEXT NOT NULL CHECK (notifications IN ('enabled', 'disabled')),
    language      TEXT NOT NULL CHECK (language IN ('en', 'es', 'fr', 'de')),
    updated_at    INTEGER NOT NULL
);

-- Sign-in attempts in the sliding window, per email (as a SHA-256, so emails without an
-- account are not collected). A row is written before the password is checked and removed
-- by a success, which makes the limit exact under concurrent attempts.
CREATE TABLE login_attempts (
    email_hash    BLOB NOT NULL,
    at            INTEGER NOT NULL
);

CREATE INDEX login_attempts_by_email ON login_attempts (email_hash, at);

-- Security events. `user_id` is NULL for events of no known account (a failed sign-in for
-- an unknown email, a guest's session) and once an account is erased (anonymised).
-- `session_hash` is a short prefix of the token's SHA-256, never the token.
CREATE TABLE audit (
    id            INTEGER PRIMARY KEY,
    user_id       TEXT,
    type          TEXT NOT NULL,
    at            INTEGER NOT NULL,
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
