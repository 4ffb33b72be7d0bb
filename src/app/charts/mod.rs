//! Charts drawn on the server as inline SVG, without a chart crate or JavaScript (see
//! `notes/capabilities-research.md` §2: none of them writes `<title>` or `role`).
//!
//! Every chart is a `<figure>`: the SVG, `role="img"`, named by its `<title>` and described
//! by its `<desc>`, which reads the numbers out; and a `<details>` with the same numbers as
//! a table, for everyone who wants them exact. Colours come from the theme's variables
//! (`style/main.css`), so the dark theme needs nothing here. The arithmetic is in [`scale`].

mod funnel;
pub mod scale;

pub use funnel::{funnel, retention_grid};

use crate::i18n::{t, DashKey};
use crate::model::Language;
use leptos::prelude::*;
use scale::{line_points, nice_max, num, scale, ticks, truncate};

/// A labelled value: a bar, a column, a point.
#[derive(Clone, Debug, PartialEq)]
pub struct Datum {
    pub label: String,
    pub value: i64,
}

impl Datum {
    pub fn new(label: impl Into<String>, value: i64) -> Datum {
        Datum {
            label: label.into(),
            value,
        }
    }
}

/// The words a chart needs besides its data.
#[derive(Clone, Debug)]
pub struct Caption {
    /// Unique on the page: the ids of `<title>` and `<desc>` derive from it.
    pub id: &'static str,
    pub title: String,
    /// The headers of the table of numbers.
    pub columns: Vec<String>,
    pub lang: Language,
}

/// Width of every chart's coordinate system; the SVG scales to its box.
const WIDTH: f64 = 600.0;
/// Characters a bar's label keeps.
const LABEL_CHARS: usize = 26;

/// "label value, label value…", or the words for no data.
fn read_out(lang: Language, rows: &[Datum]) -> String {
    if rows.is_empty() {
        return t(lang, DashKey::NoData.into()).to_string();
    }
    rows.iter()
        .map(|d| format!("{}: {}", d.label, d.value))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The figure around a chart: the SVG with its name and description, then its numbers.
fn figure(
    caption: &Caption,
    desc: String,
    height: f64,
    body: AnyView,
    rows: Vec<Vec<String>>,
) -> AnyView {
    let title_id = format!("{}-title", caption.id);
    let desc_id = format!("{}-desc", caption.id);
    let (labelled_by, described_by) = (title_id.clone(), desc_id.clone());
    let lang = caption.lang;
    view! {
        <figure class="chart" data-testid=caption.id>
            <svg role="img" aria-labelledby=labelled_by aria-describedby=described_by
                viewBox=format!("0 0 {} {}", num(WIDTH), num(height))
                preserveAspectRatio="xMinYMin meet">
                {svg_title(title_id, caption.title.clone())}
                <desc id=desc_id>{desc}</desc>
                {body}
            </svg>
            <details class="numbers">
                <summary>{t(lang, DashKey::ShowNumbers.into())}</summary>
                <table class="data">
                    <caption>{caption.title.clone()}</caption>
                    <thead><tr>
                        {caption.columns.iter().map(|c| view! { <th scope="col">{c.clone()}</th> }).collect_view()}
                    </tr></thead>
                    <tbody>
                        {rows.into_iter().map(|row| view! {
                            <tr>{row.into_iter().map(|cell| view! { <td>{cell}</td> }).collect_view()}</tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        </figure>
    }
    .into_any()
}

/// An SVG `<title>`. The `view!` macro makes `title` the HTML element, which is the same
/// markup from the server but, created in the browser (the refreshed "Right now"), would
/// not name the SVG.
fn svg_title(id: String, text: String) -> impl IntoView {
    leptos::tachys::svg::title().attr("id", id).child(text)
}

/// A note inside an empty chart, so it still shows where it would be.
fn no_data(lang: Language, height: f64) -> AnyView {
    view! {
        <text class="muted" x=num(WIDTH / 2.0) y=num(height / 2.0) text-anchor="middle">
            {t(lang, DashKey::NoData.into())}
        </text>
    }
    .into_any()
}

/// Ranked horizontal bars, largest first as given: popular pages, events, paths.
pub fn bars(caption: Caption, rows: Vec<Datum>) -> AnyView {
    const ROW: f64 = 28.0;
    const LABELS: f64 = 200.0;
    const VALUES: f64 = 60.0;
    let height = (rows.len().max(1) as f64) * ROW + 4.0;
    let top = nice_max(rows.iter().map(|d| d.value).max().unwrap_or(0));
    let length = WIDTH - LABELS - VALUES;
    let body = if rows.is_empty() {
        no_data(caption.lang, height)
    } else {
        rows.iter()
            .enumerate()
            .map(|(i, d)| {
                let y = i as f64 * ROW + 2.0;
                let w = scale(d.value, top, length);
                view! {
                    <text x="0" y=num(y + ROW / 2.0) dominant-baseline="middle">{truncate(&d.label, LABEL_CHARS)}</text>
                    <rect class="bar" x=num(LABELS) y=num(y + 4.0) width=num(w.max(1.0)) height=num(ROW - 8.0) rx="3" />
                    <text x=num(LABELS + w + 6.0) y=num(y + ROW / 2.0) dominant-baseline="middle">{d.value}</text>
                }
            })
            .collect_view()
            .into_any()
    };
    let desc = read_out(caption.lang, &rows);
    let table = rows
        .into_iter()
        .map(|d| vec![d.label, d.value.to_string()])
        .collect();
    figure(&caption, desc, height, body, table)
}

/// Vertical columns along an axis: the distribution of session durations.
pub fn columns(caption: Caption, rows: Vec<Datum>) -> AnyView {
    const HEIGHT: f64 = 220.0;
    const LEFT: f64 = 44.0;
    const BOTTOM: f64 = 26.0;
    let plot = HEIGHT - BOTTOM - 10.0;
    let max = rows.iter().map(|d| d.value).max().unwrap_or(0);
    let top = nice_max(max);
    let slot = (WIDTH - LEFT) / rows.len().max(1) as f64;
    let body = view! {
        {grid(top, LEFT, plot)}
        {rows.iter().enumerate().map(|(i, d)| {
            let x = LEFT + i as f64 * slot;
            let h = scale(d.value, top, plot);
            view! {
                <rect class="bar" x=num(x + slot * 0.1) y=num(10.0 + plot - h) width=num(slot * 0.8) height=num(h) rx="2" />
                <text x=num(x + slot / 2.0) y=num(10.0 + plot - h - 4.0) text-anchor="middle">{d.value}</text>
                <text class="muted" x=num(x + slot / 2.0) y=num(HEIGHT - 8.0) text-anchor="middle">{axis_label(&d.label)}</text>
            }
        }).collect_view()}
    }
    .into_any();
    let desc = read_out(caption.lang, &rows);
    let table = rows
        .into_iter()
        .map(|d| vec![d.label, d.value.to_string()])
        .collect();
    figure(&caption, desc, HEIGHT, body, table)
}

/// A column's label under the axis: a range's lower bound (`10 s–1 min` as `10 s`), as a
/// histogram reads; seven whole ranges side by side overlap. The table has them whole.
fn axis_label(label: &str) -> String {
    label.split('–').next().unwrap_or(label).to_string()
}

/// Horizontal gridlines with their values, for the charts with a vertical axis.
fn grid(top: i64, left: f64, plot: f64) -> impl IntoView {
    ticks(top)
        .into_iter()
        .map(|v| {
            let y = 10.0 + plot - scale(v, top, plot);
            view! {
                <line class="gridline" x1=num(left) x2=num(WIDTH) y1=num(y) y2=num(y) />
                <text class="muted" x=num(left - 6.0) y=num(y) text-anchor="end" dominant-baseline="middle">{v}</text>
            }
        })
        .collect_view()
}

/// A line over time with the area under it: active users per day. `label` of each point
/// is its day; the axis shows the first and the last.
pub fn line(caption: Caption, points: Vec<Datum>) -> AnyView {
    line_of_height(caption, points, 220.0)
}

/// [`line`] in a box `height` high: a sparkline.
pub fn line_of_height(caption: Caption, points: Vec<Datum>, height: f64) -> AnyView {
    const LEFT: f64 = 44.0;
    const BOTTOM: f64 = 26.0;
    let plot = height - BOTTOM - 10.0;
    let values: Vec<i64> = points.iter().map(|d| d.value).collect();
    let top = nice_max(values.iter().copied().max().unwrap_or(0));
    let xy: Vec<(f64, f64)> = line_points(&values, top, WIDTH - LEFT - 8.0, plot)
        .into_iter()
        .map(|(x, y)| (x + LEFT, y + 10.0))
        .collect();
    let path = xy
        .iter()
        .map(|(x, y)| format!("{},{}", num(*x), num(*y)))
        .collect::<Vec<_>>()
        .join(" ");
    let area = match (xy.first(), xy.last()) {
        (Some(first), Some(last)) if xy.len() > 1 => Some(format!(
            "M{},{} L{} L{},{} Z",
            num(first.0),
            num(10.0 + plot),
            path,
            num(last.0),
            num(10.0 + plot)
        )),
        _ => None,
    };
    let ends = match (points.first(), points.last()) {
        (Some(a), Some(b)) => vec![
            (LEFT, "start", a.label.clone()),
            (WIDTH, "end", b.label.clone()),
        ],
        _ => vec![],
    };
    let body = view! {
        {grid(top, LEFT, plot)}
        {area.map(|d| view! { <path class="area" d=d /> })}
        <polyline class="line" points=path />
        {(xy.len() == 1).then(|| view! { <circle class="dot" cx=num(xy[0].0) cy=num(xy[0].1) r="4" /> })}
        {ends.into_iter().map(|(x, anchor, label)| view! {
            <text class="muted" x=num(x) y=num(height - 8.0) text-anchor=anchor>{label}</text>
        }).collect_view()}
        {points.is_empty().then(|| no_data(caption.lang, height))}
    }
    .into_any();
    let desc = summary(caption.lang, &points);
    let table = points
        .into_iter()
        .map(|d| vec![d.label, d.value.to_string()])
        .collect();
    figure(&caption, desc, height, body, table)
}

/// What a line says in a sentence: its span and its highest point.
fn summary(lang: Language, points: &[Datum]) -> String {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return t(lang, DashKey::NoData.into()).to_string();
    };
    let best = points.iter().max_by_key(|d| d.value).unwrap_or(first);
    format!(
        "{} {} {} {}. {}: {} ({}).",
        t(lang, DashKey::From.into()),
        first.label,
        t(lang, DashKey::To.into()),
        last.label,
        t(lang, DashKey::Highest.into()),
        best.value,
        best.label
    )
}

/// A percentage for people: `40%`, or a dash when there is nothing to divide.
pub fn show_percent(value: Option<i64>) -> String {
    value.map_or_else(|| "–".to_string(), |p| format!("{p}%"))
}

#[cfg(test)]
mod tests {
    use super::scale::percent;
    use super::*;

    #[test]
    fn the_read_out_names_every_value_or_says_there_is_none() {
        let rows = vec![Datum::new("home", 3), Datum::new("pricing", 1)];
        assert_eq!(read_out(Language::En, &rows), "home: 3, pricing: 1");
        assert_eq!(read_out(Language::En, &[]), "No data for this period.");
        assert_eq!(axis_label("10 s–1 min"), "10 s");
        assert_eq!(axis_label("≥ 30 min"), "≥ 30 min");
    }

    #[test]
    fn a_line_is_summed_up_by_its_span_and_highest_point() {
        let points = vec![Datum::new("2026-11-01", 3), Datum::new("2026-11-02", 9)];
        assert_eq!(
            summary(Language::En, &points),
            "From 2026-11-01 to 2026-11-02. Highest: 9 (2026-11-02)."
        );
        assert_eq!(summary(Language::En, &[]), "No data for this period.");
        assert_eq!(show_percent(percent(1, 4)), "25%");
        assert_eq!(show_percent(None), "–");
    }
}
