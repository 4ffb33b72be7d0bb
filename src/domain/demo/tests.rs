use super::*;
use crate::store::DemoEvent;
use std::collections::HashMap;

const TODAY: Millis = 1_796_083_200_000; // 2026-12-01T00:00:00Z

fn plan(users: u32, days: u32, seed: u64) -> Plan {
    Request::new(users, days, seed).unwrap().plan(
        TODAY + 5 * 3_600_000,
        "$argon2id$demo".into(),
        "1",
    )
}

fn all(plan: Plan) -> DemoBatch {
    let mut out = DemoBatch::default();
    for b in Traffic::new(plan) {
        out.users.extend(b.users);
        out.consents.extend(b.consents);
        out.sessions.extend(b.sessions);
        out.events.extend(b.events);
    }
    out
}

fn summary(b: &DemoBatch) -> Summary {
    let mut s = Summary::default();
    s.add(b);
    s
}

#[test]
fn the_same_seed_draws_the_same_rows_and_another_seed_others() {
    let a = all(plan(60, 30, 7));
    assert_eq!(a, all(plan(60, 30, 7)));
    let b = all(plan(60, 30, 8));
    assert_ne!(a.users[0].id, b.users[0].id);
    assert_ne!(a.events.len(), b.events.len());
    // A run later on the same day is the same run.
    let later =
        Request::new(60, 30, 7)
            .unwrap()
            .plan(TODAY + 23 * 3_600_000, "$argon2id$demo".into(), "1");
    assert_eq!(a, all(later));
}

#[test]
fn page_views_scale_with_users_about_a_hundred_each_over_ninety_days() {
    let small = summary(&all(plan(500, 90, 1)));
    let big = summary(&all(plan(1000, 90, 2)));
    let per_user = big.page_views as f64 / 1000.0;
    assert!(
        (80.0..125.0).contains(&per_user),
        "{per_user} page views per user"
    );
    let ratio = big.page_views as f64 / small.page_views as f64;
    assert!((1.7..2.3).contains(&ratio), "{ratio}");
    assert!(big.actions > big.page_views / 30 && big.actions < big.page_views / 3);
}

#[test]
fn every_row_is_consistent_and_in_the_period() {
    let p = plan(300, 60, 3);
    let (start, end) = (p.start(), p.today);
    let b = all(p);
    let s = summary(&b);
    assert_eq!(s.users, 300);
    assert_eq!(b.users[42].email, "user00042@demo.squid.test");
    assert!(b.users.iter().all(|u| u.password_hash == "$argon2id$demo"));
    let mut by_session: HashMap<&str, Vec<&DemoEvent>> = HashMap::new();
    for e in &b.events {
        assert!(e.at >= start && e.at < end, "{e:?}");
        assert_eq!(e.details.is_some(), e.kind == EventKind::Action);
        by_session.entry(&e.session_id).or_default().push(e);
    }
    let mut first_session: HashMap<&str, Millis> = HashMap::new();
    let mut guests = 0;
    for l in &b.sessions {
        let events = &by_session[l.public_id.as_str()];
        assert_eq!(l.started_at, events[0].at);
        assert_eq!(events[0].kind, EventKind::PageView);
        let last = events.last().unwrap().at;
        assert!(l.ended_at >= last && l.ended_at < end, "{l:?}");
        assert!(["signed_out", "expired"].contains(&l.end_reason));
        assert!(events.iter().all(|e| e.user_id == l.user_id));
        match &l.user_id {
            None => guests += 1,
            Some(u) => {
                let first = first_session.entry(u).or_insert(l.started_at);
                *first = (*first).min(l.started_at);
            }
        }
    }
    for u in &b.users {
        assert_eq!(first_session.get(u.id.as_str()), Some(&u.created_at));
    }
    let share = guests as f64 / b.sessions.len() as f64;
    assert!(
        (0.12..0.28).contains(&share),
        "{share} of sessions are guests'"
    );
    assert!(b.consents.iter().all(|c| c.at >= start && c.at < end));
}

#[test]
fn about_one_account_in_twenty_objects() {
    let s = summary(&all(plan(4000, 7, 4)));
    let share = s.objectors as f64 / 4000.0;
    assert!((0.03..0.07).contains(&share), "{share}");
}

#[test]
fn the_funnel_loses_visitors_at_each_step() {
    let b = all(plan(500, 60, 5));
    let mut pages: HashMap<&str, Vec<&str>> = HashMap::new();
    for e in b.events.iter().filter(|e| e.kind == EventKind::PageView) {
        pages.entry(&e.session_id).or_default().push(e.name);
    }
    let steps = ["home", "pricing", "signup", "checkout"];
    let mut reached = [0usize; 4];
    for visited in pages.values() {
        let mut step = 0;
        for page in visited {
            if step < steps.len() && *page == steps[step] {
                reached[step] += 1;
                step += 1;
            }
        }
    }
    assert!(
        reached.windows(2).all(|w| w[1] * 10 < w[0] * 8),
        "{reached:?}"
    );
    assert!(reached[3] > 0, "{reached:?}");
}

#[test]
fn bad_requests_are_refused_with_the_flag_at_fault() {
    assert!(matches!(
        Request::new(0, 90, 1),
        Err(Error::Validation { field: Some(f), .. }) if f == "users"
    ));
    for days in [0, MAX_DAYS + 1] {
        assert!(matches!(
            Request::new(10, days, 1),
            Err(Error::Validation { field: Some(f), .. }) if f == "days"
        ));
    }
    assert!(Request::new(1, MAX_DAYS, 1).is_ok());
}
