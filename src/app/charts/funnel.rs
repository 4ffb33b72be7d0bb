//! The two charts that are more than bars: the funnel, with the drop-off between steps,
//! and the retention grid, a cohort per row and a week per column.

use super::scale::{drop_off, num, percent, scale, truncate};
use super::{figure, no_data, show_percent, Caption, WIDTH};
use crate::i18n::{t, DashKey};
use crate::model::{Cohort, FunnelStep};
use leptos::prelude::*;

/// The funnel's steps as bars relative to the first, each with its share of the first
/// step and, from the second on, the share of the previous step it lost.
pub fn funnel(caption: Caption, steps: Vec<FunnelStep>) -> AnyView {
    const ROW: f64 = 44.0;
    const LABELS: f64 = 170.0;
    const VALUES: f64 = 110.0;
    let lang = caption.lang;
    let height = steps.len().max(1) as f64 * ROW + 4.0;
    let first = steps.first().map_or(0, |s| s.sessions);
    let length = WIDTH - LABELS - VALUES;
    let drop_word = t(lang, DashKey::DropOff.into());
    // The drop-off of each step from the one before it.
    let drops: Vec<Option<i64>> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            i.checked_sub(1)
                .and_then(|p| drop_off(steps[p].sessions, s.sessions))
        })
        .collect();
    let shares: Vec<Option<i64>> = steps.iter().map(|s| percent(s.sessions, first)).collect();
    let body = if steps.is_empty() {
        no_data(lang, height)
    } else {
        steps
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let y = i as f64 * ROW + 2.0;
                let w = scale(s.sessions, first.max(1), length);
                let drop = (i > 0).then(|| {
                    view! {
                        <text class="muted drop" x="0" y=num(y + 34.0)>
                            {format!("↓ {drop_word} {}", show_percent(drops[i]))}
                        </text>
                    }
                });
                view! {
                    <text x="0" y=num(y + 16.0)>{format!("{}. {}", i + 1, truncate(&s.step, 22))}</text>
                    {drop}
                    <rect class="bar" x=num(LABELS) y=num(y + 4.0) width=num(w.max(1.0)) height=num(ROW - 16.0) rx="3" />
                    <text x=num(LABELS + w + 6.0) y=num(y + 18.0) dominant-baseline="middle">
                        {format!("{} · {}", s.sessions, show_percent(shares[i]))}
                    </text>
                }
            })
            .collect_view()
            .into_any()
    };
    let desc = if steps.is_empty() {
        t(lang, DashKey::NoData.into()).to_string()
    } else {
        steps
            .iter()
            .enumerate()
            .map(|(i, s)| match i {
                0 => format!("{}: {}", s.step, s.sessions),
                _ => format!(
                    "{}: {} ({drop_word} {})",
                    s.step,
                    s.sessions,
                    show_percent(drops[i])
                ),
            })
            .collect::<Vec<_>>()
            .join(" → ")
    };
    let table = steps
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            vec![
                format!("{}. {}", i + 1, s.step),
                s.sessions.to_string(),
                show_percent(shares[i]),
                if i == 0 {
                    "–".to_string()
                } else {
                    show_percent(drops[i])
                },
            ]
        })
        .collect();
    figure(&caption, desc, height, body, table)
}

/// One row per cohort (its week and size), one column per week since: the share of the
/// cohort active that week, as a shaded cell with its percentage.
pub fn retention_grid(caption: Caption, cohorts: Vec<Cohort>) -> AnyView {
    const ROW: f64 = 30.0;
    const LABELS: f64 = 130.0;
    const HEAD: f64 = 24.0;
    let lang = caption.lang;
    let weeks = cohorts
        .iter()
        .map(|c| c.retained.len())
        .max()
        .unwrap_or(0)
        .max(1);
    let cell = ((WIDTH - LABELS) / weeks as f64).min(70.0);
    let height = HEAD + cohorts.len().max(1) as f64 * ROW + 4.0;
    let week = t(lang, DashKey::Week.into());
    let body = if cohorts.is_empty() {
        no_data(lang, height)
    } else {
        view! {
            {(0..weeks).map(|w| view! {
                <text class="muted" x=num(LABELS + w as f64 * cell + cell / 2.0) y="16" text-anchor="middle">
                    {format!("{week} {w}")}
                </text>
            }).collect_view()}
            {cohorts.iter().enumerate().map(|(r, c)| {
                let y = HEAD + r as f64 * ROW;
                view! {
                    <text x="0" y=num(y + ROW / 2.0) dominant-baseline="middle">
                        {format!("{} ({})", c.cohort, c.users)}
                    </text>
                    {c.retained.iter().enumerate().map(|(w, n)| {
                        let share = percent(*n, c.users);
                        // Never fully opaque: the figure on the cell stays readable.
                        let shade = 0.06 + 0.5 * share.unwrap_or(0).clamp(0, 100) as f64 / 100.0;
                        view! {
                            <rect class="cell" x=num(LABELS + w as f64 * cell + 1.0) y=num(y + 1.0)
                                width=num(cell - 2.0) height=num(ROW - 2.0) fill-opacity=format!("{shade:.2}") />
                            <text x=num(LABELS + w as f64 * cell + cell / 2.0) y=num(y + ROW / 2.0)
                                text-anchor="middle" dominant-baseline="middle">{show_percent(share)}</text>
                        }
                    }).collect_view()}
                }
            }).collect_view()}
        }
        .into_any()
    };
    let desc = if cohorts.is_empty() {
        t(lang, DashKey::NoData.into()).to_string()
    } else {
        cohorts
            .iter()
            .map(|c| {
                let shares: Vec<String> = c
                    .retained
                    .iter()
                    .map(|n| show_percent(percent(*n, c.users)))
                    .collect();
                format!("{} ({}): {}", c.cohort, c.users, shares.join(", "))
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let table = cohorts
        .into_iter()
        .map(|c| {
            let mut row = vec![c.cohort, c.users.to_string()];
            row.extend((0..weeks).map(|w| match c.retained.get(w) {
                Some(n) => format!("{n} ({})", show_percent(percent(*n, c.users))),
                None => String::new(),
            }));
            row
        })
        .collect();
    let mut caption = caption;
    caption
        .columns
        .extend((0..weeks).map(|w| format!("{week} {w}")));
    figure(&caption, desc, height, body, table)
}
