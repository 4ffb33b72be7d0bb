-- Consent records, the indexes retention needs, and the guards that keep an erased
-- account erased (as migrations/sqlite/0003_privacy.sql).

-- Every consent choice a user makes, a repeated one too: the current state of a kind is its
-- newest row. Kept as long as the account, deleted with it.
CREATE TABLE consents (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type       TEXT NOT NULL CHECK (type IN ('analytics', 'marketing')),
    granted    BOOLEAN NOT NULL,
    -- The consent policy version (CONSENT_POLICY_VERSION) the choice was made under.
    version    TEXT NOT NULL,
    at         BIGINT NOT NULL,
    -- How the choice was made: 'api', 'privacy_page' or 'prompt'.
    method     TEXT NOT NULL
);

-- A user's records in the order they were made, so "the newest choice" is one index seek
-- (SQLite's index carries the rowid at its end; here the id is named).
CREATE INDEX consents_by_user ON consents (user_id, id);

-- Retention deletes by age: without these, each hourly purge would scan whole tables.
CREATE INDEX events_by_time ON events (at);
CREATE INDEX session_log_by_end ON session_log (ended_at) WHERE ended_at IS NOT NULL;

-- Erasure is final. A request still in flight when an account is erased must not write a
-- row that names the account afterwards: sessions refuse it, events drop it, and audit
-- entries about an account that no longer exists are anonymised as they land. (Preferences
-- and consents refuse it by their foreign key.)
--
-- On SQLite the check and the write cannot be split by an erasure, since every write
-- transaction runs alone. Here they can, so the check *holds* the account row as a foreign
-- key does (FOR KEY SHARE, to the end of the transaction): an erasure, which takes the row
-- FOR UPDATE before it deletes anything (`erase_user`), waits for every writer that has
-- already checked, and then sees and deletes its rows; a writer that comes later waits for
-- the erasure and then finds no account.
CREATE FUNCTION account_held(account TEXT) RETURNS BOOLEAN LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM users WHERE id = account FOR KEY SHARE;
    RETURN FOUND;
END $$;

CREATE FUNCTION refuse_without_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT account_held(NEW.user_id) THEN
        RAISE EXCEPTION 'no such account' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION drop_without_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT account_held(NEW.user_id) THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END $$;

-- SQLite anonymises the row just inserted (its triggers cannot change NEW); here the row
-- is anonymised before it is written, to the same effect.
CREATE FUNCTION anonymise_without_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT account_held(NEW.user_id) THEN
        NEW.user_id := NULL;
        NEW.ip := NULL;
        NEW.user_agent := NULL;
        NEW.session_id := NULL;
        NEW.session_hash := NULL;
        NEW.details := NULL;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER sessions_need_an_account BEFORE INSERT ON sessions
FOR EACH ROW WHEN (NEW.user_id IS NOT NULL) EXECUTE FUNCTION refuse_without_account();

CREATE TRIGGER sessions_move_to_an_account BEFORE UPDATE OF user_id ON sessions
FOR EACH ROW WHEN (NEW.user_id IS NOT NULL) EXECUTE FUNCTION refuse_without_account();

CREATE TRIGGER session_log_needs_an_account BEFORE INSERT ON session_log
FOR EACH ROW WHEN (NEW.user_id IS NOT NULL) EXECUTE FUNCTION refuse_without_account();

CREATE TRIGGER session_log_moves_to_an_account BEFORE UPDATE OF user_id ON session_log
FOR EACH ROW WHEN (NEW.user_id IS NOT NULL) EXECUTE FUNCTION refuse_without_account();

CREATE TRIGGER events_of_no_account_are_dropped BEFORE INSERT ON events
FOR EACH ROW WHEN (NEW.user_id IS NOT NULL) EXECUTE FUNCTION drop_without_account();

CREATE TRIGGER events_move_to_an_account BEFORE UPDATE OF user_id ON events
FOR EACH ROW WHEN (NEW.user_id IS NOT NULL) EXECUTE FUNCTION refuse_without_account();

CREATE TRIGGER audit_of_no_account_is_anonymous BEFORE INSERT ON audit
FOR EACH ROW WHEN (NEW.user_id IS NOT NULL) EXECUTE FUNCTION anonymise_without_account();
