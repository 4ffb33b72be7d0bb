-- Squid's core schema for SQLite. Times are INTEGER milliseconds since the Unix epoch (UTC).

-- Live sessions: the session store. A row exists only while its session is live; ending a
-- session (sign-out, expiry, revocation) deletes the row, and nothing ever re-inserts it
-- (the store only INSERTs at creation, with a fresh token), so an ended session stays ended.
CREATE TABLE sessions (
    -- SHA-256 of the cookie token. The token itself is never stored.
    token_hash    BLOB PRIMARY KEY NOT NULL,
    -- The id shown in the API and pages; unrelated to the token.
    public_id     TEXT NOT NULL UNIQUE,
    user_id       TEXT,
    user_agent    TEXT NOT NULL DEFAULT '',
    ip            TEXT,
    started_at    INTEGER NOT NULL,
    -- Written at most once per touch interval (see domain::sessions), not on every request.
    last_activity INTEGER NOT NULL,
    auth_at       INTEGER
) WITHOUT ROWID;

CREATE INDEX sessions_by_user ON sessions (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX sessions_by_last_activity ON sessions (last_activity);
CREATE INDEX sessions_by_start ON sessions (started_at);

-- The durable history of every session, live or ended: what the activity feed, devices and
-- analytics read. Outlives the `sessions` row until retention removes it.
CREATE TABLE session_log (
    public_id   TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT,
    user_agent  TEXT NOT NULL DEFAULT '',
    ip          TEXT,
    started_at  INTEGER NOT NULL,
    ended_at    INTEGER,
    end_reason  TEXT,
    -- How many events of each kind the session has, kept by the triggers below: SQLite's
    -- COUNT(*) walks every row, and totals are asked for on every visit and list.
    page_views  INTEGER NOT NULL DEFAULT 0,
    actions     INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX session_log_by_user ON session_log (user_id, started_at) WHERE user_id IS NOT NULL;

-- What sessions do: page visits and actions, appended and never rewritten, so concurrent
-- requests cannot lose one. One table, one id sequence: events recorded in the same
-- millisecond still have a definite order.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    session_id  TEXT NOT NULL,
    user_id     TEXT,
    kind        TEXT NOT NULL CHECK (kind IN ('page_view', 'action')),
    -- The page visited or the action taken.
    name        TEXT NOT NULL,
    -- JSON text of an object (actions only), or NULL.
    details     TEXT,
    at          INTEGER NOT NULL
);

CREATE INDEX events_by_session ON events (session_id, kind, at);
CREATE INDEX events_by_user ON events (user_id, at) WHERE user_id IS NOT NULL;

CREATE TRIGGER events_counted_on_insert AFTER INSERT ON events BEGIN
    UPDATE session_log
       SET page_views = page_views + (NEW.kind = 'page_view'),
           actions = actions + (NEW.kind = 'action')
     WHERE public_id = NEW.session_id;
END;

CREATE TRIGGER events_counted_on_delete AFTER DELETE ON events BEGIN
    UPDATE session_log
       SET page_views = page_views - (OLD.kind = 'page_view'),
           actions = actions - (OLD.kind = 'action')
     WHERE public_id = OLD.session_id;
END;
