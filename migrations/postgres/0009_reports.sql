-- What the admin analytics read (`store::insights`), as migrations/sqlite/0009_reports.sql.

-- A session's first five page views in the order they were recorded, kept by the trigger
-- that already updates the session's row for each batch of events.
ALTER TABLE session_log ADD COLUMN p1 TEXT, ADD COLUMN p2 TEXT, ADD COLUMN p3 TEXT,
                        ADD COLUMN p4 TEXT, ADD COLUMN p5 TEXT;

CREATE OR REPLACE FUNCTION events_counted_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM session_log
      WHERE public_id IN (SELECT session_id FROM inserted)
      ORDER BY public_id FOR UPDATE;
    -- `pages[k - page_views]` is the batch's page that lands in place k (NULL when the
    -- index is out of the array, so a place already filled keeps its page).
    UPDATE session_log l
       SET page_views = l.page_views + n.page_views,
           actions = l.actions + n.actions,
           p1 = COALESCE(l.p1, n.pages[1 - l.page_views]),
           p2 = COALESCE(l.p2, n.pages[2 - l.page_views]),
           p3 = COALESCE(l.p3, n.pages[3 - l.page_views]),
           p4 = COALESCE(l.p4, n.pages[4 - l.page_views]),
           p5 = COALESCE(l.p5, n.pages[5 - l.page_views])
      FROM (SELECT session_id,
                   COUNT(*) FILTER (WHERE kind = 'page_view') AS page_views,
                   COUNT(*) FILTER (WHERE kind = 'action') AS actions,
                   array_agg(name ORDER BY id) FILTER (WHERE kind = 'page_view') AS pages
              FROM inserted GROUP BY session_id) n
     WHERE l.public_id = n.session_id;
    RETURN NULL;
END $$;

UPDATE session_log l SET p1 = f.pages[1], p2 = f.pages[2], p3 = f.pages[3],
                         p4 = f.pages[4], p5 = f.pages[5]
  FROM (SELECT session_id, (array_agg(name ORDER BY id))[1:5] AS pages
          FROM events WHERE kind = 'page_view' GROUP BY session_id) f
 WHERE l.public_id = f.session_id;

CREATE INDEX events_by_name ON events (kind, name, session_id, at, user_id);
CREATE INDEX session_log_by_start ON session_log (started_at);
