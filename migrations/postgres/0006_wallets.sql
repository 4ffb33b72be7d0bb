-- Sign-In with Ethereum (as migrations/sqlite/0006_wallets.sql): an account may have a
-- wallet, and one made by a wallet has no email and no password.
ALTER TABLE users
    ALTER COLUMN email DROP NOT NULL,
    ALTER COLUMN password_hash DROP NOT NULL,
    -- The linked wallet, EIP-55 checksummed (one spelling per address, so UNIQUE holds).
    ADD COLUMN wallet TEXT UNIQUE,
    -- Every account keeps a way in.
    ADD CONSTRAINT users_way_in CHECK (email IS NOT NULL OR wallet IS NOT NULL),
    ADD CONSTRAINT users_password_with_email CHECK ((email IS NULL) = (password_hash IS NULL));

-- The nonce a session was given for Sign-In with Ethereum: one at a time per session (a
-- new one replaces it), single use, as a SHA-256. Keyed by the session's public id, so it
-- works wherever the sessions live.
CREATE TABLE siwe_nonces (
    session_id  TEXT PRIMARY KEY,
    nonce_hash  BYTEA NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX siwe_nonces_by_expiry ON siwe_nonces (expires_at);
