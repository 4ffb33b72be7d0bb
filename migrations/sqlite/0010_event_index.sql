-- The analytics' view of events by kind, name and session, kept apart from `events` and
-- brought up to date in batches (`InsightsRepo::index_events`: by the server every few
-- seconds and before a report reads it) instead of in every request's commit.
--
-- As the index `events_by_name` (0009) it cost each event a write at a random place (its
-- session within its name), so each group commit dirtied one more page per event: `make
-- bench` measured 58.2-60.7 us of CPU a request with it against 52.0-53.3 us before the
-- analytics, and a p99 of 16.8-18.0 ms over its 15 ms target (three 10 s runs each,
-- alternately). In sorted batches the same rows share the pages they land on: inserting
-- 200,000 events from 20,000 sessions in commits of 32 took 40-50 us an event with the
-- index, 28-31 us with a copy every 20,000 events and 28-30 us with neither.
DROP INDEX events_by_name;

-- One row per event; `WITHOUT ROWID` makes the table its own covering index, with the
-- same order as `events_by_name`: each name's sessions in order, so distinct sessions
-- are counted without sorting and a funnel's later step is a seek per session.
CREATE TABLE event_index (
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    session_id  TEXT NOT NULL,
    at          INTEGER NOT NULL,
    id          INTEGER NOT NULL,
    user_id     TEXT,
    PRIMARY KEY (kind, name, session_id, at, id)
) WITHOUT ROWID;

-- The last event id copied into `event_index` (one row). SQLite has one writer at a time
-- and gives each new event the highest id yet plus one, so every event above the mark is
-- still to be copied. Deleting the newest events lowers that highest id, so the deletion
-- lowers the mark with it (below).
CREATE TABLE event_index_mark (
    id          INTEGER NOT NULL
);

INSERT INTO event_index (kind, name, session_id, at, id, user_id)
SELECT kind, name, session_id, at, id, user_id FROM events ORDER BY kind, name, session_id, at, id;
INSERT INTO event_index_mark (id) SELECT COALESCE(MAX(id), 0) FROM events;

-- What changes an event already copied changes its copy: erasure and retention delete,
-- `adopt_history` gives a guest's events a user. An event not yet copied has no copy to
-- change and is copied as it then is.
CREATE TRIGGER event_index_on_delete AFTER DELETE ON events BEGIN
    DELETE FROM event_index
     WHERE kind = OLD.kind AND name = OLD.name AND session_id = OLD.session_id
       AND at = OLD.at AND id = OLD.id;
    -- The next event takes the id after the highest left, which may be at or below the
    -- mark: every event up to that highest one is copied, so the mark may come down to it.
    UPDATE event_index_mark SET id = (SELECT COALESCE(MAX(id), 0) FROM events)
     WHERE id > (SELECT COALESCE(MAX(id), 0) FROM events);
END;

CREATE TRIGGER event_index_on_update AFTER UPDATE OF session_id, user_id, kind, name, at ON events BEGIN
    DELETE FROM event_index
     WHERE kind = OLD.kind AND name = OLD.name AND session_id = OLD.session_id
       AND at = OLD.at AND id = OLD.id;
    INSERT INTO event_index (kind, name, session_id, at, id, user_id)
    SELECT NEW.kind, NEW.name, NEW.session_id, NEW.at, NEW.id, NEW.user_id
     WHERE NEW.id <= (SELECT id FROM event_index_mark);
END;
