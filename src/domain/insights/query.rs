//! What the admin analytics accept, valid by construction: the period, a path's length, a
//! funnel's steps, the weeks of retention, a series' metric and interval, the dashboard's
//! choices. Each is parsed from the raw query values, naming the field at fault.

use super::super::tracking::validate::Label;
use crate::domain::{parse_rfc3339, Error, Millis, Result};
use crate::model::PERIODS;
use crate::store::insights::{SeriesOf, Window};

pub const MINUTE: Millis = 60_000;
pub const HOUR: Millis = 60 * MINUTE;
pub const DAY: Millis = 24 * HOUR;
/// The period when `from` is left out: the 30 days up to `to`.
pub const DEFAULT_PERIOD: Millis = 30 * DAY;
/// The longest period: a year and a day, so "this day last year" is in it.
pub const MAX_PERIOD: Millis = 366 * DAY;
/// The most points a series has: 100 days of hours. More is not readable as a chart and
/// would be a large answer for nothing.
pub const MAX_POINTS: i64 = 2400;
/// The longest path and funnel.
pub use crate::model::MAX_STEPS;
const _: () = assert!(MAX_STEPS == crate::store::insights::sql::MAX_PATH);

/// A whole number in `range`, `default` when absent.
fn number(field: &str, raw: Option<&str>, default: i64, range: (i64, i64)) -> Result<i64> {
    let Some(raw) = raw else { return Ok(default) };
    match raw.trim().parse::<i64>() {
        Ok(n) if (range.0..=range.1).contains(&n) => Ok(n),
        _ => Err(Error::invalid(
            field,
            format!(
                "{field} must be a whole number from {} to {}",
                range.0, range.1
            ),
        )),
    }
}

/// `from`/`to` (RFC 3339): `to` defaults to now (inclusive), `from` to 30 days before
/// `to`; `from` must come before `to`, at most 366 days before.
pub fn period(from: Option<&str>, to: Option<&str>, now: Millis) -> Result<Window> {
    let to = to
        .map(|t| parse_rfc3339("to", t))
        .transpose()?
        // Half-open: "up to now" ends just after now, so this millisecond's events count.
        .unwrap_or(now + 1);
    let from = match from {
        Some(f) => parse_rfc3339("from", f)?,
        None => to - DEFAULT_PERIOD,
    };
    if from >= to {
        return Err(Error::invalid("from", "from must be before to"));
    }
    if to - from > MAX_PERIOD {
        return Err(Error::invalid(
            "from",
            "the period must be at most 366 days",
        ));
    }
    Ok(Window { from, to })
}

/// `length` (1..=5, default 3) and `limit` (1..=100, default 10) of `paths`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PathQuery {
    pub length: usize,
    pub limit: i64,
}

impl PathQuery {
    pub fn parse(length: Option<&str>, limit: Option<&str>) -> Result<PathQuery> {
        Ok(PathQuery {
            length: number("length", length, 3, (1, MAX_STEPS as i64))? as usize,
            limit: number("limit", limit, 10, (1, 100))?,
        })
    }
}

/// A funnel's steps: 1 to 5 page names, comma-separated; blanks are skipped (a form's
/// unfilled step).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Steps(pub Vec<String>);

impl Steps {
    pub fn parse(raw: Option<&str>) -> Result<Steps> {
        let raw = raw.unwrap_or("");
        let steps = raw
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| Label::parse("steps", Some(s.to_string())).map(|l| l.as_str().to_string()))
            .collect::<Result<Vec<String>>>()?;
        if steps.is_empty() {
            return Err(Error::invalid("steps", "steps must name at least one page"));
        }
        if steps.len() > MAX_STEPS {
            return Err(Error::invalid(
                "steps",
                format!("steps must name at most {MAX_STEPS} pages"),
            ));
        }
        Ok(Steps(steps))
    }
}

/// `weeks` of retention: 1..=26, default 8.
pub fn weeks(raw: Option<&str>) -> Result<i64> {
    number("weeks", raw, 8, (1, 26))
}

/// `metric` (default `sessions`) and `interval` (default `day`) of a time series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeriesQuery {
    pub of: SeriesOf,
    pub size: Millis,
}

impl SeriesQuery {
    pub fn parse(metric: Option<&str>, interval: Option<&str>) -> Result<SeriesQuery> {
        let of = match metric.unwrap_or("sessions") {
            "sessions" => SeriesOf::Sessions,
            "pageViews" => SeriesOf::PageViews,
            "activeUsers" => SeriesOf::ActiveUsers,
            _ => {
                return Err(Error::invalid(
                    "metric",
                    "metric must be sessions, pageViews or activeUsers",
                ))
            }
        };
        let size = match interval.unwrap_or("day") {
            "hour" => HOUR,
            "day" => DAY,
            _ => return Err(Error::invalid("interval", "interval must be hour or day")),
        };
        Ok(SeriesQuery { of, size })
    }

    /// The intervals that meet the period, from the one holding `from` (intervals start at
    /// whole hours and days, UTC); too many is refused naming `interval`.
    pub fn buckets(&self, w: Window) -> Result<std::ops::RangeInclusive<i64>> {
        let (first, last) = (
            w.from.div_euclid(self.size),
            (w.to - 1).div_euclid(self.size),
        );
        if last - first + 1 > MAX_POINTS {
            return Err(Error::invalid(
                "interval",
                format!("the period has more than {MAX_POINTS} intervals: choose day"),
            ));
        }
        Ok(first..=last)
    }
}

/// The dashboard's choices: a period among [`PERIODS`] (default the first) and the funnel's
/// steps (default: the period's three most viewed pages).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DashboardQuery {
    pub period: &'static str,
    pub span: Millis,
    pub steps: Option<Steps>,
}

impl DashboardQuery {
    pub fn parse(period: Option<&str>, steps: Option<&str>) -> Result<DashboardQuery> {
        let chosen = period.filter(|p| !p.is_empty()).unwrap_or(PERIODS[0].0);
        let Some(&(period, days)) = PERIODS.iter().find(|(name, _)| *name == chosen) else {
            return Err(Error::invalid("period", "period must be 7d, 30d or 90d"));
        };
        let steps = match steps {
            Some(s) if s.split(',').any(|step| !step.trim().is_empty()) => {
                Some(Steps::parse(Some(s))?)
            }
            _ => None,
        };
        Ok(DashboardQuery {
            period,
            span: days * DAY,
            steps,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(e: Error) -> Option<String> {
        match e {
            Error::Validation { field, .. } => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_period_defaults_to_the_30_days_before_now_and_refuses_nonsense() {
        let now = 100 * DAY;
        assert_eq!(
            period(None, None, now).unwrap(),
            Window {
                from: 70 * DAY + 1,
                to: now + 1
            }
        );
        let to = "1970-01-11T00:00:00Z";
        assert_eq!(
            period(Some(to), Some(to), now).map_err(field),
            Err(Some("from".into()))
        );
        assert_eq!(
            period(None, Some("yesterday"), now).map_err(field),
            Err(Some("to".into()))
        );
        assert!(period(Some("1969-01-01T00:00:00Z"), Some(to), now).is_err());
    }

    #[test]
    fn steps_skip_blanks_and_count() {
        assert_eq!(
            Steps::parse(Some(" home, ,pricing,")).unwrap(),
            Steps(vec!["home".into(), "pricing".into()])
        );
        assert!(Steps::parse(Some(" , ")).is_err());
        assert!(Steps::parse(Some("a,b,c,d,e,f")).is_err());
        assert!(Steps::parse(None).is_err());
    }

    #[test]
    fn numbers_keep_to_their_ranges() {
        assert_eq!(
            PathQuery::parse(None, None).unwrap(),
            PathQuery {
                length: 3,
                limit: 10
            }
        );
        assert_eq!(
            PathQuery::parse(Some("6"), None).map_err(field),
            Err(Some("length".into()))
        );
        assert_eq!(
            PathQuery::parse(None, Some("x")).map_err(field),
            Err(Some("limit".into()))
        );
        assert_eq!(weeks(Some("27")).map_err(field), Err(Some("weeks".into())));
        assert_eq!(weeks(None).unwrap(), 8);
    }

    #[test]
    fn a_series_counts_its_intervals_and_refuses_too_many() {
        let q = SeriesQuery::parse(Some("pageViews"), Some("hour")).unwrap();
        assert_eq!(
            q.buckets(Window {
                from: HOUR / 2,
                to: 2 * HOUR
            })
            .unwrap(),
            0..=1
        );
        assert!(q
            .buckets(Window {
                from: 0,
                to: 101 * DAY
            })
            .is_err());
        assert_eq!(
            SeriesQuery::parse(Some("visits"), None).map_err(field),
            Err(Some("metric".into()))
        );
    }

    #[test]
    fn the_dashboard_knows_three_periods() {
        let q = DashboardQuery::parse(None, Some(" , ")).unwrap();
        assert_eq!((q.period, q.steps), ("30d", None));
        assert!(DashboardQuery::parse(Some("1y"), None).is_err());
        assert_eq!(
            DashboardQuery::parse(Some("7d"), None).unwrap().span,
            7 * DAY
        );
    }
}
