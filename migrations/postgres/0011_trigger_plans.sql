-- What keeps the per-session counters cheap as the tables grow. Measured with
-- `squid demo --users 10000 --days 90` (1,133,000 events) into a new database, the
-- command's whole time, migrations included.

-- The counters' triggers look up the sessions of one batch, and an index is always the
-- way to do that. PL/pgSQL plans each statement once per connection and keeps the plan,
-- and one made while `session_log` was small (a new database, or a table autovacuum has
-- not analysed yet) hashes the whole table instead. Kept as the table grew, that plan
-- made each batch read every session row: the demo took 63-82 s, and 42-48 s with the
-- other join paths turned off, which makes the first plan the index one whatever the
-- table's size then. The settings hold only while the function runs; a later
-- CREATE OR REPLACE of either function must repeat them. (`account_held` needs nothing:
-- a lookup of one key takes the primary key even on an empty table.)
ALTER FUNCTION events_counted_on_insert()
    SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off;
ALTER FUNCTION events_counted_on_delete()
    SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off;

-- Each batch of events rewrites its session's row. With room left on the row's page the
-- new version stays there and no index changes (a HOT update; none of the counted columns
-- is indexed); on full pages every update adds an entry to each of the four indexes. Half
-- the page is kept free because a session's first events usually land in the transaction
-- that wrote its row, so both versions must fit: 96% of the demo's updates were HOT, and
-- it took 29-31 s against 42-48 s. Pages written from now on are filled this way.
ALTER TABLE session_log SET (fillfactor = 50);
