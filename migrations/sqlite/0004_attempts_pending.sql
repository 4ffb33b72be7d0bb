-- A sign-in attempt is reserved as pending before its password is checked, then either
-- settled as a failure (pending = 0) or removed by a success. Only failures, and pending
-- attempts whose check never ended (a crash), count toward the limit for good; a request
-- that finds the limit reached while some attempts are still pending waits for them, so
-- parallel right passwords are not throttled and parallel wrong ones stop at exactly five.
ALTER TABLE login_attempts ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
