-- Consent records and the indexes retention needs.

-- Every consent choice a user makes, a repeated one too: the current state of a kind is its
-- newest row. Kept as long as the account (the proof of what was agreed, and when), deleted
-- with it.
CREATE TABLE consents (
    id         INTEGER PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type       TEXT NOT NULL CHECK (type IN ('analytics', 'marketing')),
    granted    INTEGER NOT NULL CHECK (granted IN (0, 1)),
    -- The consent policy version (CONSENT_POLICY_VERSION) the choice was made under.
    version    TEXT NOT NULL,
    at         INTEGER NOT NULL,
    -- How the choice was made: 'api', 'privacy_page' or 'prompt'.
    method     TEXT NOT NULL
);

-- A user's records in the order they were made (the rowid rides at the end of the index),
-- so "the newest choice" is one index seek: it runs on every signed-in request.
CREATE INDEX consents_by_user ON consents (user_id);

-- Retention deletes by age: without these, each hourly purge would scan whole tables.
CREATE INDEX events_by_time ON events (at);
CREATE INDEX session_log_by_end ON session_log (ended_at) WHERE ended_at IS NOT NULL;

-- Erasure is final. A request still in flight when an account is erased (a sign-in that
-- checked the password just before, a page view already queued) must not write a row that
-- names the account afterwards: sessions refuse it, events drop it, and audit entries about
-- an account that no longer exists are anonymised as they land, like those of the erasure.
-- (Preferences and consents refuse it by their foreign key.)
CREATE TRIGGER sessions_need_an_account BEFORE INSERT ON sessions
WHEN NEW.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id)
BEGIN SELECT RAISE(ABORT, 'no such account'); END;

CREATE TRIGGER sessions_move_to_an_account BEFORE UPDATE OF user_id ON sessions
WHEN NEW.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id)
BEGIN SELECT RAISE(ABORT, 'no such account'); END;

CREATE TRIGGER session_log_needs_an_account BEFORE INSERT ON session_log
WHEN NEW.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id)
BEGIN SELECT RAISE(ABORT, 'no such account'); END;

CREATE TRIGGER session_log_moves_to_an_account BEFORE UPDATE OF user_id ON session_log
WHEN NEW.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id)
BEGIN SELECT RAISE(ABORT, 'no such account'); END;

CREATE TRIGGER events_of_no_account_are_dropped BEFORE INSERT ON events
WHEN NEW.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id)
BEGIN SELECT RAISE(IGNORE); END;

CREATE TRIGGER events_move_to_an_account BEFORE UPDATE OF user_id ON events
WHEN NEW.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id)
BEGIN SELECT RAISE(ABORT, 'no such account'); END;

CREATE TRIGGER audit_of_no_account_is_anonymous AFTER INSERT ON audit
WHEN NEW.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id)
BEGIN
    UPDATE audit SET user_id = NULL, ip = NULL, user_agent = NULL, session_id = NULL,
                     session_hash = NULL, details = NULL
     WHERE id = NEW.id;
END;
