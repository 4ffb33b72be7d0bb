-- The analytics read events by kind, name and session as `event_index` on both engines.
-- SQLite keeps it as a table copied in batches, off the request's commit (see its
-- 0010). Here it is `events` itself, read through `events_by_name`: PostgreSQL's commits
-- are not what `make bench` found costly, and ids from a sequence do not commit in order,
-- so a copy by id could miss an event committed late.
CREATE VIEW event_index AS SELECT kind, name, session_id, at, id, user_id FROM events;
