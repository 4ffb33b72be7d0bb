-- Session data: small JSON values a session keeps under names (a cart, a form draft).
-- Each key is a row of its own, so writes to different keys never undo each other and a
-- conditional write is one compare on its version (no session-wide blob rewritten whole).
-- `sealed` is the value encrypted by the server (XChaCha20-Poly1305, see
-- domain::session_data::seal); `size` is the length of the value as JSON, for the limits.
-- The rows go with their session: ending one deletes its row in `sessions`.
CREATE TABLE session_data (
    session_id TEXT NOT NULL REFERENCES sessions (public_id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    sealed     BYTEA NOT NULL,
    size       BIGINT NOT NULL,
    version    BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, key)
);
