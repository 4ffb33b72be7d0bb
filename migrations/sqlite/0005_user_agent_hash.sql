-- A session is bound to the exact bytes of the User-Agent it started with, kept as their
-- SHA-256 (with a prefix telling an absent header apart). Sessions from before this have
-- NULL and are compared by the text, as they were.
ALTER TABLE sessions ADD COLUMN ua_hash BLOB;
