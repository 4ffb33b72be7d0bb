//! Analytics over everyone, as administrators read them: every figure is one SQL statement
//! over the indexed `events`, `event_index` and `session_log` (never events loaded into
//! memory), written once here for both engines (`$n` numbered in order of first
//! appearance, which SQLite reads too), and every one leaves out the users whose newest
//! `analytics` choice is an objection, past data included.
//!
//! `event_index` is the events by kind, name and session: on PostgreSQL a view of `events`
//! (through `events_by_name`), on SQLite a copy brought up to date in batches
//! ([`InsightsRepo::index_events`]), which its statements over it do first.

use super::StoreResult;
use crate::domain::Millis;

/// A half-open period `[from, to)`, in ms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub from: Millis,
    pub to: Millis,
}

/// The sessions started in a period and the mean of their durations.
#[derive(Clone, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionTotals {
    pub sessions: i64,
    /// In ms: each session to its end, or to `now` while it lasts.
    pub avg_duration: i64,
}

/// Distinct signed-in users active in the last day, week and month of a period.
#[derive(Clone, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct ActiveCounts {
    pub day: i64,
    pub week: i64,
    pub month: i64,
}

/// A page or an action: how often, and by how many (distinct sessions for pages; for
/// actions, visitors: a user once across devices, a guest per session).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct NameCount {
    pub name: String,
    pub events: i64,
    pub visitors: i64,
    /// The events of every name of the kind (the same on each row): the breakdown by kind
    /// comes with the ranking instead of from a second reading of the period.
    pub total: i64,
}

/// The first pages of sessions (`p1..`; those past the asked length are `None`).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct PathRow {
    pub p1: Option<String>,
    pub p2: Option<String>,
    pub p3: Option<String>,
    pub p4: Option<String>,
    pub p5: Option<String>,
    pub sessions: i64,
}

/// Sessions that reached a funnel step (1-based) in order.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct StepCount {
    pub step: i64,
    pub sessions: i64,
}

/// Users of a weekly cohort active `offset` weeks after it (weeks counted from the Monday
/// 1970-01-05).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct CohortCount {
    pub cohort: i64,
    pub offset: i64,
    pub users: i64,
}

/// A value in the interval `bucket` (the start divided by the interval's length).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct BucketCount {
    pub bucket: i64,
    pub value: i64,
}

/// What a time series counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeriesOf {
    /// Sessions started.
    Sessions,
    PageViews,
    /// Distinct signed-in users with an event.
    ActiveUsers,
}

/// Where a statement reads the period's events by name from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Read {
    /// `event_index`: each name's sessions in order (long periods, funnels).
    ByName,
    /// `events` through `events_by_time`: a short period's rows one by one.
    ByTime,
}

impl Read {
    fn table(self) -> &'static str {
        match self {
            Read::ByName => "event_index",
            Read::ByTime => "events",
        }
    }

    /// A condition on `events` for the rows this source holds, so a statement that also
    /// reads `events` directly reads the same ones (SQLite: its copy holds the events up
    /// to the mark; one committed since is in `events` only).
    fn same_rows(self) -> &'static str {
        match self {
            Read::ByName => "id <= (SELECT id FROM event_index_mark)",
            Read::ByTime => "TRUE",
        }
    }
}

#[async_trait::async_trait]
pub trait InsightsRepo {
    /// Brings `event_index` up to date with `events`; returns the events it copied (none
    /// where it is a view).
    async fn index_events(&mut self) -> StoreResult<u64>;

    async fn session_totals(&mut self, w: Window, now: Millis) -> StoreResult<SessionTotals>;

    /// Users active in `[to - day, to)`, `[to - week, to)` and `[to - month, to)`.
    async fn active_users(&mut self, to: Millis, spans: [Millis; 3]) -> StoreResult<ActiveCounts>;

    /// Distinct sessions with an event in the period.
    async fn active_sessions(&mut self, w: Window) -> StoreResult<i64>;

    /// The most viewed pages, most views first (then by name).
    async fn popular_pages(&mut self, w: Window, limit: i64) -> StoreResult<Vec<NameCount>>;

    /// The most taken actions, most often first (then by name).
    async fn feature_usage(&mut self, w: Window, limit: i64) -> StoreResult<Vec<NameCount>>;

    /// The commonest first `length` (1..=5) page views of the period's sessions that have
    /// that many, most sessions first.
    async fn paths(&mut self, w: Window, length: usize, limit: i64) -> StoreResult<Vec<PathRow>>;

    /// For each step, the sessions that viewed it after viewing every earlier one in order.
    async fn funnel(&mut self, w: Window, steps: &[String]) -> StoreResult<Vec<StepCount>>;

    /// The users whose first signed-in session began in the period, by week, and the weeks
    /// (up to the period's end) in which they started a session.
    async fn cohorts(&mut self, w: Window) -> StoreResult<Vec<CohortCount>>;

    /// `of` per interval of `size` ms, for the intervals that have any.
    async fn series(
        &mut self,
        w: Window,
        of: SeriesOf,
        size: Millis,
    ) -> StoreResult<Vec<BucketCount>>;

    /// The period's sessions by duration: bucket `i` holds durations under `bounds[i]` ms
    /// (and at least the previous bound); the last, `bounds.len()`, the rest.
    async fn durations(
        &mut self,
        w: Window,
        now: Millis,
        bounds: &[Millis],
    ) -> StoreResult<Vec<BucketCount>>;
}

/// The statements (both engines). `$1`/`$2` are always the period's bounds.
pub(crate) mod sql {
    use super::{Read, SeriesOf};
    use crate::domain::Millis;

    /// Users whose newest `analytics` record is an objection (`NOT granted` reads an
    /// integer on SQLite and a boolean on PostgreSQL).
    const OBJECTORS: &str = "SELECT c.user_id FROM consents c
        WHERE c.type = 'analytics' AND NOT c.granted
          AND c.id = (SELECT MAX(d.id) FROM consents d
                       WHERE d.user_id = c.user_id AND d.type = 'analytics')";

    /// The period's events of everyone who has not objected (a condition on `events`).
    fn in_period() -> String {
        format!("at >= $1 AND at < $2 AND (user_id IS NULL OR user_id NOT IN ({OBJECTORS}))")
    }

    /// The sessions started in the period, of everyone who has not objected. `+started_at`
    /// keeps SQLite from reaching the rows one by one through `session_log_by_start`: a
    /// plain scan of the log is 6 times faster for a month or more (0.75 s against 0.13 s
    /// over 345,000 sessions); PostgreSQL plans the same either way.
    fn sessions() -> String {
        format!(
            "sl AS (SELECT public_id, user_id, started_at, ended_at FROM session_log
                     WHERE +started_at >= $1 AND +started_at < $2
                       AND (user_id IS NULL OR user_id NOT IN ({OBJECTORS})))"
        )
    }

    pub fn session_totals() -> String {
        format!(
            "WITH {} SELECT COUNT(*) AS sessions,
                    COALESCE(CAST(SUM(COALESCE(ended_at, $3) - started_at) AS BIGINT)
                             / NULLIF(COUNT(*), 0), 0) AS avg_duration
               FROM sl",
            sessions()
        )
    }

    /// A user is active in a span when one of their sessions was open in it, so when the
    /// last of their sessions to close (or the one still open, to `$2`) closed in it: one
    /// pass over the log by user, where counting distinct users over the events took 0.6
    /// s at a million of them, and three distinct counts over the log 0.7 s (0.11 s this
    /// way). `$1` is the start of the month, `$3` and `$4` of the week and the day.
    pub fn active_users() -> String {
        format!(
            "SELECT COALESCE(SUM(CASE WHEN last >= $4 THEN 1 ELSE 0 END), 0) AS day,
                    COALESCE(SUM(CASE WHEN last >= $3 THEN 1 ELSE 0 END), 0) AS week,
                    COUNT(*) AS month
               FROM (SELECT user_id, MAX(COALESCE(ended_at, $2)) AS last FROM session_log
                      WHERE user_id IS NOT NULL AND started_at < $2 GROUP BY user_id) u
              WHERE last >= $1 AND user_id NOT IN ({OBJECTORS})"
        )
    }

    pub fn active_sessions() -> String {
        format!(
            "SELECT COUNT(DISTINCT session_id) FROM events WHERE {}",
            in_period()
        )
    }

    /// `$3` the limit.
    pub fn popular_pages(read: Read) -> String {
        format!(
            "SELECT name, COUNT(*) AS events, COUNT(DISTINCT session_id) AS visitors,
                    CAST(SUM(COUNT(*)) OVER () AS BIGINT) AS total
               FROM {} WHERE kind = 'page_view' AND {}
              GROUP BY name ORDER BY events DESC, name LIMIT $3",
            read.table(),
            in_period()
        )
    }

    /// SQLite's form of [`popular_pages`]: everyone's views less the objectors'. Testing
    /// each of a million rows against the objectors is a third of the statement on SQLite
    /// (0.64 s against 0.38 s this way over 90 days at a million page views), while the
    /// objectors' own views are few and found through `events_by_user` (`+at` keeps
    /// SQLite off `events_by_time` for them). Exact because all the events of a session
    /// are one user's or nobody's (`adopt_history` gives a guest session's events to the
    /// user who signs in on it), and because both halves read the same events
    /// ([`Read::same_rows`]). PostgreSQL plans this form badly (2.1 s).
    pub fn popular_pages_less_objectors(read: Read) -> String {
        format!(
            "WITH everyone AS (SELECT name, COUNT(*) AS n, COUNT(DISTINCT session_id) AS v
                                 FROM {} WHERE kind = 'page_view' AND at >= $1 AND at < $2
                                GROUP BY name),
                  objectors AS (SELECT name, COUNT(*) AS n, COUNT(DISTINCT session_id) AS v
                                  FROM events
                                 WHERE user_id IN ({OBJECTORS}) AND kind = 'page_view'
                                   AND +at >= $1 AND +at < $2 AND {}
                                 GROUP BY name)
             SELECT e.name, e.n - COALESCE(o.n, 0) AS events, e.v - COALESCE(o.v, 0) AS visitors,
                    CAST(SUM(e.n - COALESCE(o.n, 0)) OVER () AS BIGINT) AS total
               FROM everyone e LEFT JOIN objectors o ON o.name = e.name
              WHERE e.n > COALESCE(o.n, 0)
              ORDER BY events DESC, e.name LIMIT $3",
            read.table(),
            read.same_rows()
        )
    }

    /// `$3` the limit.
    pub fn feature_usage(read: Read) -> String {
        format!(
            "SELECT name, COUNT(*) AS events,
                    COUNT(DISTINCT COALESCE(user_id, session_id)) AS visitors,
                    CAST(SUM(COUNT(*)) OVER () AS BIGINT) AS total
               FROM {} WHERE kind = 'action' AND {}
              GROUP BY name ORDER BY events DESC, name LIMIT $3",
            read.table(),
            in_period()
        )
    }

    /// The longest path asked for: the log keeps each session's first five pages.
    pub const MAX_PATH: usize = 5;

    /// `$3` the length, `$4` the limit: the sessions started in the period with at least
    /// that many page views, by their first pages (the log's `p1..p5`, in the order they
    /// were recorded).
    pub fn paths() -> String {
        let columns: Vec<String> = (1..=MAX_PATH)
            .map(|n| format!("CASE WHEN $3 >= {n} THEN p{n} END AS p{n}"))
            .collect();
        format!(
            "SELECT {}, COUNT(*) AS sessions FROM session_log
              WHERE +started_at >= $1 AND +started_at < $2 AND page_views >= $3
                AND (user_id IS NULL OR user_id NOT IN ({OBJECTORS}))
              GROUP BY 1, 2, 3, 4, 5
              ORDER BY sessions DESC, 1, 2, 3, 4, 5 LIMIT $4",
            columns.join(", ")
        )
    }

    /// Steps as `$3..`: the first time each session viewed step `i` after it reached step
    /// `i - 1`. Taking the first such time is what makes "in order" exact: any later
    /// sighting of step `i` could only come after it. Each step is a range of
    /// `event_index`; the later ones follow the first's sessions.
    pub fn funnel(steps: usize) -> String {
        let mut ctes = vec![format!(
            "s1 AS (SELECT session_id, MIN(at) AS t FROM event_index
                     WHERE kind = 'page_view' AND name = $3 AND {} GROUP BY session_id)",
            in_period()
        )];
        for i in 2..=steps {
            ctes.push(format!(
                "s{i} AS (SELECT e.session_id, MIN(e.at) AS t FROM event_index e
                           JOIN s{p} ON s{p}.session_id = e.session_id AND e.at > s{p}.t
                          WHERE e.kind = 'page_view' AND e.name = ${b} AND e.at < $2
                          GROUP BY e.session_id)",
                p = i - 1,
                b = i + 2
            ));
        }
        let counts: Vec<String> = (1..=steps)
            .map(|i| format!("SELECT CAST({i} AS BIGINT) AS step, COUNT(*) AS sessions FROM s{i}"))
            .collect();
        format!(
            "WITH {} {} ORDER BY step",
            ctes.join(",\n"),
            counts.join(" UNION ALL ")
        )
    }

    /// Weeks start on Mondays: 1970-01-05 is the first one after the epoch (a Thursday).
    pub const MONDAY_ZERO: Millis = 4 * 86_400_000;
    pub const WEEK: Millis = 7 * 86_400_000;

    /// A user's cohort is the week of their first signed-in session ever (so a user who
    /// came before the period is in no cohort of it); they count in a later week when
    /// they started a session in it. `+started_at` lets SQLite read the users' sessions
    /// from `session_log_by_user` alone rather than every row of the period through
    /// `session_log_by_start` (8 weeks at a million page views: 0.09 s against 1.1 s).
    pub fn cohorts() -> String {
        format!(
            "WITH firsts AS (SELECT user_id, MIN(started_at) AS first FROM session_log
                              WHERE user_id IS NOT NULL GROUP BY user_id),
                  cohort AS (SELECT user_id, (first - {z}) / {w} AS week FROM firsts
                              WHERE first >= $1 AND first < $2
                                AND user_id NOT IN ({OBJECTORS})),
                  active AS (SELECT DISTINCT user_id, (started_at - {z}) / {w} AS week
                               FROM session_log
                              WHERE user_id IS NOT NULL AND +started_at >= $1 AND +started_at < $2)
             SELECT c.week AS cohort, a.week - c.week AS \"offset\", COUNT(*) AS users
               FROM cohort c JOIN active a ON a.user_id = c.user_id AND a.week >= c.week
              GROUP BY c.week, a.week - c.week ORDER BY cohort, \"offset\"",
            z = MONDAY_ZERO,
            w = WEEK
        )
    }

    /// `$3` the interval's length; `read` is where page views are found.
    pub fn series(of: SeriesOf, read: Read) -> String {
        match of {
            SeriesOf::Sessions => format!(
                "WITH {} SELECT started_at / $3 AS bucket, COUNT(*) AS value
                   FROM sl GROUP BY 1 ORDER BY 1",
                sessions()
            ),
            SeriesOf::PageViews => format!(
                "SELECT at / $3 AS bucket, COUNT(*) AS value
                   FROM {} WHERE kind = 'page_view' AND {} GROUP BY 1 ORDER BY 1",
                read.table(),
                in_period()
            ),
            // Everyone's distinct users less the objectors' (exact: an objector is one
            // user), read from `events_by_user` alone: 0.69 s against 0.50 s this way over
            // 90 days at a million page views on SQLite, where testing every event against
            // the objectors costs more than counting theirs apart. `+at` keeps SQLite off
            // `events_by_time` (a million lookups: 1.66 s).
            SeriesOf::ActiveUsers => format!(
                "WITH everyone AS (SELECT at / $3 AS bucket, COUNT(DISTINCT user_id) AS n
                                     FROM events
                                    WHERE user_id IS NOT NULL AND +at >= $1 AND +at < $2
                                    GROUP BY 1),
                      objectors AS (SELECT at / $3 AS bucket, COUNT(DISTINCT user_id) AS n
                                      FROM events
                                     WHERE user_id IN ({OBJECTORS}) AND +at >= $1 AND +at < $2
                                     GROUP BY 1)
                 SELECT e.bucket, e.n - COALESCE(o.n, 0) AS value
                   FROM everyone e LEFT JOIN objectors o ON o.bucket = e.bucket
                  WHERE e.n > COALESCE(o.n, 0) ORDER BY 1"
            ),
        }
    }

    /// PostgreSQL's form of the active users series: the distinct (interval, user) pairs
    /// first, then a count per interval. Its `COUNT(DISTINCT)` sorts every event of the
    /// period by interval, on disk past `work_mem` (90 days at a million page views:
    /// 0.85 to 1.3 s, against 0.5 to 0.75 s this way); on SQLite this form is slower
    /// (1.16 s) than either of the others, so each engine keeps its faster form.
    pub fn active_users_series_by_pairs() -> String {
        format!(
            "SELECT bucket, COUNT(*) AS value
               FROM (SELECT at / $3 AS bucket, user_id FROM events
                      WHERE user_id IS NOT NULL AND {} GROUP BY 1, 2) pairs
              GROUP BY 1 ORDER BY 1",
            in_period()
        )
    }

    /// `$3` is now; the bounds are whole numbers written into the statement.
    pub fn durations(bounds: &[Millis]) -> String {
        let arms: String = bounds
            .iter()
            .enumerate()
            .map(|(i, b)| format!("WHEN d < {b} THEN {i} "))
            .collect();
        format!(
            "WITH {}, spans AS (SELECT COALESCE(ended_at, $3) - started_at AS d FROM sl)
             SELECT CAST(CASE {arms}ELSE {} END AS BIGINT) AS bucket, COUNT(*) AS value
               FROM spans GROUP BY 1 ORDER BY 1",
            sessions(),
            bounds.len()
        )
    }
}
