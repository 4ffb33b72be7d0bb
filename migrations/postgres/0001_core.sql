-- Squid's core schema for PostgreSQL, one to one with migrations/sqlite/0001_core.sql (the
-- comments there say what each table is for). Times are BIGINT milliseconds since the Unix
-- epoch (UTC); hashes are BYTEA; SQLite's implicit rowids are explicit identity columns.

-- Live sessions: a row exists only while its session is live; ending a session deletes
-- the row, and only a fresh token is ever inserted, so an ended session stays ended.
CREATE TABLE sessions (
    -- SHA-256 of the cookie token. The token itself is never stored.
    token_hash    BYTEA PRIMARY KEY,
    public_id     TEXT NOT NULL UNIQUE,
    user_id       TEXT,
    user_agent    TEXT NOT NULL DEFAULT '',
    ip            TEXT,
    started_at    BIGINT NOT NULL,
    last_activity BIGINT NOT NULL,
    auth_at       BIGINT
);

CREATE INDEX sessions_by_user ON sessions (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX sessions_by_last_activity ON sessions (last_activity);
CREATE INDEX sessions_by_start ON sessions (started_at);

-- The durable history of every session, live or ended.
CREATE TABLE session_log (
    public_id   TEXT PRIMARY KEY,
    user_id     TEXT,
    user_agent  TEXT NOT NULL DEFAULT '',
    ip          TEXT,
    started_at  BIGINT NOT NULL,
    ended_at    BIGINT,
    end_reason  TEXT,
    -- How many events of each kind the session has, kept by the triggers below (totals are
    -- asked for on every visit and list).
    page_views  BIGINT NOT NULL DEFAULT 0,
    actions     BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX session_log_by_user ON session_log (user_id, started_at) WHERE user_id IS NOT NULL;

-- What sessions do, appended and never rewritten. One id sequence for both kinds: events
-- recorded in the same millisecond still have a definite order.
CREATE TABLE events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id  TEXT NOT NULL,
    user_id     TEXT,
    kind        TEXT NOT NULL CHECK (kind IN ('page_view', 'action')),
    name        TEXT NOT NULL,
    -- JSON text of an object (actions only), or NULL.
    details     TEXT,
    at          BIGINT NOT NULL
);

CREATE INDEX events_by_session ON events (session_id, kind, at);
CREATE INDEX events_by_user ON events (user_id, at) WHERE user_id IS NOT NULL;

-- The counters, kept per statement rather than per row: a batch of events costs one
-- UPDATE per session it touches. The rows are locked in one order (by public_id) before
-- they are updated, so two batches that touch the same sessions queue instead of
-- deadlocking. Under READ COMMITTED an UPDATE that waited re-reads the row it updates, so
-- concurrent increments are never lost; and the lock is held to the end of the
-- transaction, so whoever inserted can read back exact totals (`insert_events`).
CREATE FUNCTION events_counted_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM session_log
      WHERE public_id IN (SELECT session_id FROM inserted)
      ORDER BY public_id FOR UPDATE;
    UPDATE session_log l
       SET page_views = l.page_views + n.page_views,
           actions = l.actions + n.actions
      FROM (SELECT session_id,
                   COUNT(*) FILTER (WHERE kind = 'page_view') AS page_views,
                   COUNT(*) FILTER (WHERE kind = 'action') AS actions
              FROM inserted GROUP BY session_id) n
     WHERE l.public_id = n.session_id;
    RETURN NULL;
END $$;

CREATE TRIGGER events_counted_on_insert AFTER INSERT ON events
REFERENCING NEW TABLE AS inserted
FOR EACH STATEMENT EXECUTE FUNCTION events_counted_on_insert();

CREATE FUNCTION events_counted_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM session_log
      WHERE public_id IN (SELECT session_id FROM deleted)
      ORDER BY public_id FOR UPDATE;
    UPDATE session_log l
       SET page_views = l.page_views - n.page_views,
           actions = l.actions - n.actions
      FROM (SELECT session_id,
                   COUNT(*) FILTER (WHERE kind = 'page_view') AS page_views,
                   COUNT(*) FILTER (WHERE kind = 'action') AS actions
              FROM deleted GROUP BY session_id) n
     WHERE l.public_id = n.session_id;
    RETURN NULL;
END $$;

CREATE TRIGGER events_counted_on_delete AFTER DELETE ON events
REFERENCING OLD TABLE AS deleted
FOR EACH STATEMENT EXECUTE FUNCTION events_counted_on_delete();
