//! Analytics over everyone, for administrators (`API.md`, "Analytics", admin only) and the
//! `/admin` dashboard: the store computes each figure in SQL, leaving out the users who
//! objected to analytics; this turns them into the contract's shapes (rates, ISO weeks,
//! series with their empty intervals).

pub mod query;

use self::query::{DashboardQuery, PathQuery, SeriesQuery, Steps, DAY, MINUTE};
use super::visitor::Visitor;
use super::{rfc3339, Millis, Result};
use crate::model::{
    ActiveUsers, Cohort, Dashboard, DurationBucket, Durations, FeatureUse, Funnel, FunnelStep,
    Overview, PageViews, PathCount, Paths, Point, PopularPage, Realtime, Retention, Timeseries,
};
use crate::store::insights::{sql, BucketCount, NameCount, SeriesOf, Window};
use crate::store::Store;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Pages and actions the overview ranks.
const TOP: i64 = 10;
/// "Active" in `activeSessions` and the realtime figure: activity in the last 5 minutes.
const ACTIVE: Millis = 5 * MINUTE;
/// What "right now" covers: the last 30 minutes, per minute.
const RECENT_MINUTES: i64 = 30;
/// The upper bounds of the duration buckets, in seconds: a bounce, a glance, a read, a
/// visit, a session of work.
const DURATION_BOUNDS: [i64; 6] = [10, 30, 60, 180, 600, 1800];

#[derive(Clone, Debug)]
pub struct Insights {
    store: Arc<dyn Store>,
}

impl Insights {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Insights { store }
    }

    /// Brings the store's index of events by name up to date (the server does it every
    /// few seconds, so a report finds little left to do); returns the events it took in.
    pub async fn index_events(&self) -> Result<u64> {
        Ok(self.store.conn().index_events().await?)
    }

    /// `GET /api/admin/analytics/overview`.
    pub async fn overview(&self, visitor: &Visitor, w: Window, now: Millis) -> Result<Overview> {
        visitor.admin()?;
        let live = Window {
            from: w.to - ACTIVE,
            to: w.to,
        };
        // Popular pages read every page view of the period, about as long as the other
        // four statements together: on a connection of their own both halves run at once
        // (90 days at a million page views on PostgreSQL: 0.7 s for the pages, 0.45 s for
        // the rest). The figures may then come from instants a few ms apart.
        let (mut conn, mut other) = (self.store.conn(), self.store.conn());
        let rest = async {
            let totals = conn.session_totals(w, now).await?;
            let active = conn.active_users(w.to, [DAY, 7 * DAY, 30 * DAY]).await?;
            let actions = conn.feature_usage(w, TOP).await?;
            let active_sessions = conn.active_sessions(live).await?;
            Ok::<_, crate::store::StoreError>((totals, active, actions, active_sessions))
        };
        let (pages, (totals, active, actions, active_sessions)) =
            tokio::try_join!(other.popular_pages(w, TOP), rest)?;
        let total = |rows: &[NameCount]| rows.first().map_or(0, |r| r.total);
        let breakdown: BTreeMap<String, i64> = [
            ("page_view".to_string(), total(&pages)),
            ("action".to_string(), total(&actions)),
        ]
        .into();
        Ok(Overview {
            active_users: ActiveUsers {
                day: active.day,
                week: active.week,
                month: active.month,
            },
            active_sessions,
            total_sessions: totals.sessions,
            avg_session_duration: totals.avg_duration / 1000,
            popular_pages: pages
                .into_iter()
                .map(|p| PopularPage {
                    page: p.name,
                    views: p.events,
                    visitors: p.visitors,
                })
                .collect(),
            event_breakdown: breakdown,
            feature_usage: actions
                .into_iter()
                .map(|a| FeatureUse {
                    action: a.name,
                    users: a.visitors,
                    count: a.events,
                })
                .collect(),
        })
    }

    /// `GET /api/admin/analytics/paths`: each session's first `length` pages.
    pub async fn paths(&self, visitor: &Visitor, w: Window, q: PathQuery) -> Result<Paths> {
        visitor.admin()?;
        let rows = self.store.conn().paths(w, q.length, q.limit).await?;
        let items = rows
            .into_iter()
            .map(|r| PathCount {
                path: [r.p1, r.p2, r.p3, r.p4, r.p5]
                    .into_iter()
                    .take(q.length)
                    .flatten()
                    .collect(),
                sessions: r.sessions,
            })
            .collect();
        Ok(Paths { items })
    }

    /// `GET /api/admin/analytics/funnel`.
    pub async fn funnel(&self, visitor: &Visitor, w: Window, steps: &Steps) -> Result<Funnel> {
        visitor.admin()?;
        let counts = self.store.conn().funnel(w, &steps.0).await?;
        let first = counts.first().map_or(0, |c| c.sessions);
        let steps = steps
            .0
            .iter()
            .zip(counts)
            .map(|(step, count)| FunnelStep {
                step: step.clone(),
                sessions: count.sessions,
                conversion: if first == 0 {
                    0.0
                } else {
                    count.sessions as f64 / first as f64
                },
            })
            .collect();
        Ok(Funnel { steps })
    }

    /// `GET /api/admin/analytics/retention`: the cohorts of the `weeks` weeks that end with
    /// the one holding `to`, the oldest first, each followed up to that week.
    pub async fn retention(&self, visitor: &Visitor, weeks: i64, to: Millis) -> Result<Retention> {
        visitor.admin()?;
        let last = (to - 1 - sql::MONDAY_ZERO).div_euclid(sql::WEEK);
        let first = last - weeks + 1;
        let w = Window {
            from: sql::MONDAY_ZERO + first * sql::WEEK,
            to,
        };
        let counts = self.store.conn().cohorts(w).await?;
        let cohorts = (first..=last)
            .map(|week| {
                let mut retained = vec![0; (last - week + 1) as usize];
                for c in counts.iter().filter(|c| c.cohort == week) {
                    if let Some(slot) = retained.get_mut(c.offset as usize) {
                        *slot = c.users;
                    }
                }
                Cohort {
                    cohort: iso_week(week),
                    users: retained[0],
                    retained,
                }
            })
            .collect();
        Ok(Retention { cohorts })
    }

    /// `GET /api/admin/analytics/timeseries`: every interval of the period, empty ones 0.
    pub async fn timeseries(
        &self,
        visitor: &Visitor,
        w: Window,
        q: SeriesQuery,
    ) -> Result<Timeseries> {
        visitor.admin()?;
        let buckets = q.buckets(w)?;
        let counts = self.store.conn().series(w, q.of, q.size).await?;
        Ok(Timeseries {
            points: filled(buckets, q.size, &counts),
        })
    }

    /// `GET /api/admin/analytics/realtime`.
    pub async fn realtime(&self, visitor: &Visitor, now: Millis) -> Result<Realtime> {
        visitor.admin()?;
        let minute = now.div_euclid(MINUTE);
        let recent = Window {
            from: (minute - RECENT_MINUTES + 1) * MINUTE,
            to: now + 1,
        };
        let mut conn = self.store.conn();
        let active = Window {
            from: now - ACTIVE,
            to: now + 1,
        };
        let per_minute = conn.series(recent, SeriesOf::PageViews, MINUTE).await?;
        Ok(Realtime {
            active_sessions: conn.active_sessions(active).await?,
            page_views: filled(minute - RECENT_MINUTES + 1..=minute, MINUTE, &per_minute),
            top_pages: conn
                .popular_pages(recent, TOP)
                .await?
                .into_iter()
                .map(|p| PageViews {
                    page: p.name,
                    views: p.events,
                })
                .collect(),
        })
    }

    /// The period's sessions by duration (the dashboard's distribution).
    pub async fn durations(&self, visitor: &Visitor, w: Window, now: Millis) -> Result<Durations> {
        visitor.admin()?;
        let bounds: Vec<Millis> = DURATION_BOUNDS.iter().map(|s| s * 1000).collect();
        let counts = self.store.conn().durations(w, now, &bounds).await?;
        let buckets = (0..=DURATION_BOUNDS.len())
            .map(|i| DurationBucket {
                from: if i == 0 { 0 } else { DURATION_BOUNDS[i - 1] },
                to: DURATION_BOUNDS.get(i).copied(),
                sessions: counts
                    .iter()
                    .find(|c| c.bucket == i as i64)
                    .map_or(0, |c| c.value),
            })
            .collect();
        Ok(Durations { buckets })
    }

    /// Everything `/admin` draws: the chosen period up to now, 3-page paths, the funnel
    /// (its steps chosen, else the period's three most viewed pages) and 8 weeks of cohorts.
    pub async fn dashboard(
        &self,
        visitor: &Visitor,
        q: &DashboardQuery,
        now: Millis,
    ) -> Result<Dashboard> {
        visitor.admin()?;
        let w = Window {
            from: now + 1 - q.span,
            to: now + 1,
        };
        let overview = self.overview(visitor, w, now).await?;
        let steps = match &q.steps {
            Some(steps) => steps.clone(),
            None => Steps(
                overview
                    .popular_pages
                    .iter()
                    .take(3)
                    .map(|p| p.page.clone())
                    .collect(),
            ),
        };
        let funnel = async {
            match steps.0.is_empty() {
                true => Ok(Funnel::default()),
                false => self.funnel(visitor, w, &steps).await,
            }
        };
        let daily = SeriesQuery {
            of: SeriesOf::ActiveUsers,
            size: DAY,
        };
        let three = PathQuery {
            length: 3,
            limit: 10,
        };
        // Each on a connection of its own, so both cores work (SQLite readers do not block
        // one another in WAL mode).
        let (funnel, active_users, durations, paths, retention, realtime) = tokio::try_join!(
            funnel,
            self.timeseries(visitor, w, daily),
            self.durations(visitor, w, now),
            self.paths(visitor, w, three),
            self.retention(visitor, 8, now),
            self.realtime(visitor, now),
        )?;
        Ok(Dashboard {
            period: q.period.to_string(),
            from: rfc3339(w.from),
            to: rfc3339(w.to),
            active_users,
            durations,
            paths,
            funnel,
            retention,
            realtime,
            overview,
        })
    }
}

/// A point for every interval in `buckets`, 0 where `counts` has none.
fn filled(
    buckets: std::ops::RangeInclusive<i64>,
    size: Millis,
    counts: &[BucketCount],
) -> Vec<Point> {
    let by_bucket: BTreeMap<i64, i64> = counts.iter().map(|c| (c.bucket, c.value)).collect();
    buckets
        .map(|b| Point {
            t: rfc3339(b * size),
            value: by_bucket.get(&b).copied().unwrap_or(0),
        })
        .collect()
}

/// The ISO week (`2026-W40`) of the week `week` Mondays after 1970-01-05.
pub fn iso_week(week: i64) -> String {
    let monday = (sql::MONDAY_ZERO + week * sql::WEEK) / 1000;
    match time::OffsetDateTime::from_unix_timestamp(monday) {
        Ok(t) => {
            let (year, number, _) = t.date().to_iso_week_date();
            format!("{year}-W{number:02}")
        }
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_are_named_by_their_iso_number() {
        assert_eq!(iso_week(0), "1970-W02");
        // 2026-09-28 is the Monday of 2026-W40; 2020-12-28 of 2020-W53.
        let week_of = |ms: Millis| (ms - sql::MONDAY_ZERO).div_euclid(sql::WEEK);
        assert_eq!(iso_week(week_of(1_790_553_600_000)), "2026-W40");
        assert_eq!(iso_week(week_of(1_609_113_600_000)), "2020-W53");
    }

    #[test]
    fn a_series_has_every_interval() {
        let counts = [BucketCount {
            bucket: 2,
            value: 5,
        }];
        let points = filled(1..=3, DAY, &counts);
        let values: Vec<i64> = points.iter().map(|p| p.value).collect();
        assert_eq!(values, [0, 5, 0]);
        assert_eq!(points[0].t, "1970-01-02T00:00:00.000Z");
    }
}
