-- Sign-In with Ethereum: an account may have a wallet, and one made by a wallet has no
-- email and no password. SQLite cannot drop NOT NULL in place, so `users` is rebuilt
-- (https://sqlite.org/lang_altertable.html, "other kinds of table schema changes").
--
-- The documented way turns foreign keys off first, which SQLite ignores inside a
-- transaction, and sqlx runs every SQLite migration in one. With them on, dropping the
-- old table deletes every user's preferences and consents by their ON DELETE CASCADE, so
-- those are kept aside and put back; all of it in the one transaction, so a crash leaves
-- the old schema and every row.
CREATE TEMP TABLE kept_preferences AS SELECT * FROM user_preferences;
CREATE TEMP TABLE kept_consents AS SELECT * FROM consents;

CREATE TABLE users_rebuilt (
    id            TEXT PRIMARY KEY NOT NULL,          -- a UUID
    -- Trimmed and lower-cased before it gets here, so UNIQUE is case-insensitive in effect.
    -- NULL for an account made by a wallet.
    email         TEXT UNIQUE,
    -- An argon2id PHC string (algorithm, parameters and salt included); exactly when there
    -- is an email.
    password_hash TEXT,
    display_name  TEXT,
    role          TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    created_at    INTEGER NOT NULL,
    -- The linked wallet, EIP-55 checksummed (one spelling per address, so UNIQUE holds).
    wallet        TEXT UNIQUE,
    -- Every account keeps a way in.
    CHECK (email IS NOT NULL OR wallet IS NOT NULL),
    CHECK ((email IS NULL) = (password_hash IS NULL))
);
INSERT INTO users_rebuilt (id, email, password_hash, display_name, role, created_at)
     SELECT id, email, password_hash, display_name, role, created_at FROM users;
DROP TABLE users;
-- Triggers of other tables name `users`: between the drop and the rename, the rename's
-- check of the whole schema would stop at them.
PRAGMA legacy_alter_table = ON;
ALTER TABLE users_rebuilt RENAME TO users;
PRAGMA legacy_alter_table = OFF;

INSERT INTO user_preferences SELECT * FROM kept_preferences;
INSERT INTO consents SELECT * FROM kept_consents;
DROP TABLE kept_preferences;
DROP TABLE kept_consents;

-- The nonce a session was given for Sign-In with Ethereum: one at a time per session (a
-- new one replaces it), single use, as a SHA-256. Keyed by the session's public id, so it
-- works wherever the sessions live (SQLite, PostgreSQL or Redis).
CREATE TABLE siwe_nonces (
    session_id  TEXT PRIMARY KEY NOT NULL,
    nonce_hash  BLOB NOT NULL,
    expires_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX siwe_nonces_by_expiry ON siwe_nonces (expires_at);
