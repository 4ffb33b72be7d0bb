//! The arithmetic of the charts, apart from the markup so it can be tested alone: axis
//! tops and ticks, lengths, labels that fit, percentages.

/// The smallest round number (1, 2 or 5 times a power of ten) at or above `max`, the top
/// of an axis; 1 when there is nothing to show, so a chart of zeros still has an axis.
pub fn nice_max(max: i64) -> i64 {
    if max <= 1 {
        return 1;
    }
    let magnitude = magnitude(max);
    [1, 2, 5, 10]
        .into_iter()
        .map(|m| magnitude.saturating_mul(m))
        .find(|top| *top >= max)
        .unwrap_or(i64::MAX)
}

/// The largest power of ten at or below `n` (1 for `n` < 10).
fn magnitude(n: i64) -> i64 {
    let mut m: i64 = 1;
    while let Some(next) = m.checked_mul(10).filter(|next| *next <= n) {
        m = next;
    }
    m
}

/// The gridlines of an axis up to `nice_max(max)`: 0 first, the top last, 2 to 6 of them.
pub fn ticks(max: i64) -> Vec<i64> {
    let top = nice_max(max);
    let step = match top / magnitude(top) {
        2 => top / 4,
        _ => top / 5,
    }
    .max(1);
    (0..=top / step).map(|i| i * step).collect()
}

/// `value` as a length along an axis of `length` that ends at `top`; negatives are 0, and
/// a value past the top is the whole length.
pub fn scale(value: i64, top: i64, length: f64) -> f64 {
    if top <= 0 {
        return 0.0;
    }
    (value.clamp(0, top) as f64 / top as f64) * length
}

/// `label` cut to `max` characters with an ellipsis (the full text is in the table).
pub fn truncate(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        return label.to_string();
    }
    let mut cut: String = label.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// The points of a line through `values`, evenly spread over `width`, 0 at `height`; a
/// single value sits in the middle.
pub fn line_points(values: &[i64], top: i64, width: f64, height: f64) -> Vec<(f64, f64)> {
    let n = values.len();
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let x = if n == 1 {
                width / 2.0
            } else {
                i as f64 * width / (n - 1) as f64
            };
            (x, height - scale(*v, top, height))
        })
        .collect()
}

/// `part` of `whole` as a whole percentage (`None` when `whole` is 0).
pub fn percent(part: i64, whole: i64) -> Option<i64> {
    (whole > 0).then(|| ((part as f64 / whole as f64) * 100.0).round() as i64)
}

/// The share of the previous step's sessions that the next one lost, in percent.
pub fn drop_off(previous: i64, current: i64) -> Option<i64> {
    percent(previous - current.min(previous), previous)
}

/// A number of seconds as a short duration: `45 s`, `5 min`, `2 h`.
pub fn short_duration(seconds: i64) -> String {
    match seconds {
        s if s < 60 || (s < 3600 && s % 60 != 0) => format!("{s} s"),
        s if s < 3600 || s % 3600 != 0 => format!("{} min", s / 60),
        s => format!("{} h", s / 3600),
    }
}

/// A bucket of session durations: `10 s–1 min`, or `≥ 30 min` for the open last one.
pub fn duration_range(from: i64, to: Option<i64>) -> String {
    match to {
        Some(to) => format!("{}–{}", short_duration(from), short_duration(to)),
        None => format!("≥ {}", short_duration(from)),
    }
}

/// `2026-11-22T10:15:00.000Z` as the day `2026-11-22`.
pub fn day(t: &str) -> &str {
    t.get(..10).unwrap_or(t)
}

/// `2026-11-22T10:15:00.000Z` as the short day `11-22`, for an axis.
pub fn short_day(t: &str) -> &str {
    t.get(5..10).unwrap_or(t)
}

/// `2026-11-22T10:15:00.000Z` as the minute `10:15` (UTC).
pub fn minute(t: &str) -> &str {
    t.get(11..16).unwrap_or(t)
}

/// SVG coordinates with one decimal: short markup, no visible rounding.
pub fn num(x: f64) -> String {
    let rounded = (x * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{}", rounded as i64)
    } else {
        format!("{rounded:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_axis_ends_on_a_round_number_and_never_at_zero() {
        assert_eq!(nice_max(0), 1);
        assert_eq!(nice_max(-5), 1);
        assert_eq!(nice_max(1), 1);
        assert_eq!(nice_max(2), 2);
        assert_eq!(nice_max(3), 5);
        assert_eq!(nice_max(7), 10);
        assert_eq!(nice_max(10), 10);
        assert_eq!(nice_max(11), 20);
        assert_eq!(nice_max(1200), 2000);
        assert_eq!(nice_max(480), 500);
        assert_eq!(nice_max(i64::MAX), i64::MAX);
    }

    #[test]
    fn ticks_run_from_zero_to_the_top_in_a_few_even_steps() {
        assert_eq!(ticks(0), vec![0, 1]);
        assert_eq!(ticks(2), vec![0, 1, 2]);
        assert_eq!(ticks(4), vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(ticks(7), vec![0, 2, 4, 6, 8, 10]);
        assert_eq!(ticks(15), vec![0, 5, 10, 15, 20]);
        assert_eq!(ticks(480), vec![0, 100, 200, 300, 400, 500]);
        for max in [0, 1, 3, 9, 33, 101, 999, 123_456] {
            let t = ticks(max);
            assert!((2..=6).contains(&t.len()), "{max}: {t:?}");
            assert_eq!(*t.last().unwrap(), nice_max(max));
            assert!(t.windows(2).all(|w| w[1] - w[0] == t[1] - t[0]), "{t:?}");
        }
    }

    #[test]
    fn lengths_stay_inside_the_axis() {
        assert_eq!(scale(5, 10, 200.0), 100.0);
        assert_eq!(scale(-3, 10, 200.0), 0.0);
        assert_eq!(scale(30, 10, 200.0), 200.0);
        assert_eq!(scale(3, 0, 200.0), 0.0);
    }

    #[test]
    fn long_labels_are_cut_with_an_ellipsis_by_characters() {
        assert_eq!(truncate("home", 10), "home");
        assert_eq!(truncate("abcdefghijk", 5), "abcd…");
        assert_eq!(truncate("préférences", 4), "pré…");
        assert_eq!(truncate("abc", 0), "…");
    }

    #[test]
    fn a_line_of_one_point_sits_in_the_middle_and_none_is_empty() {
        assert_eq!(line_points(&[], 1, 100.0, 50.0), vec![]);
        assert_eq!(line_points(&[4], 8, 100.0, 50.0), vec![(50.0, 25.0)]);
        assert_eq!(
            line_points(&[0, 10, 5], 10, 100.0, 50.0),
            vec![(0.0, 50.0), (50.0, 0.0), (100.0, 25.0)]
        );
    }

    #[test]
    fn percentages_and_drop_offs_handle_empty_steps() {
        assert_eq!(percent(1, 3), Some(33));
        assert_eq!(percent(2, 3), Some(67));
        assert_eq!(percent(5, 0), None);
        assert_eq!(drop_off(480, 288), Some(40));
        assert_eq!(drop_off(0, 0), None);
        assert_eq!(drop_off(10, 10), Some(0));
        // More sessions on a later step cannot happen, but must not show a negative drop.
        assert_eq!(drop_off(10, 12), Some(0));
    }

    #[test]
    fn durations_read_in_the_largest_whole_unit() {
        assert_eq!(duration_range(0, Some(10)), "0 s–10 s");
        assert_eq!(duration_range(10, Some(60)), "10 s–1 min");
        assert_eq!(duration_range(90, Some(300)), "90 s–5 min");
        assert_eq!(duration_range(1800, Some(3600)), "30 min–1 h");
        assert_eq!(duration_range(5400, None), "≥ 90 min");
    }

    #[test]
    fn times_are_cut_without_panicking_on_short_strings() {
        let t = "2026-11-22T10:15:00.000Z";
        assert_eq!(
            (day(t), short_day(t), minute(t)),
            ("2026-11-22", "11-22", "10:15")
        );
        assert_eq!((day("x"), short_day("x"), minute("x")), ("x", "x", "x"));
        assert_eq!(num(3.0), "3");
        assert_eq!(num(2.345), "2.3");
    }
}
