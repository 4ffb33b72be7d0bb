-- Nothing to do here (PostgreSQL's 0011 pins its triggers' plans to the indexes). SQLite
-- plans a trigger's statements with the statement that fires it, and without ANALYZE
-- statistics (the server never runs it) always takes an index for a lookup by key.
SELECT 1;
