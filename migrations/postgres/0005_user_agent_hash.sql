-- A session is bound to the exact bytes of the User-Agent it started with, kept as their
-- SHA-256. Sessions from before this have NULL and are compared by the text.
ALTER TABLE sessions ADD COLUMN ua_hash BYTEA;
