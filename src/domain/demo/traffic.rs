//! The traffic model: who comes, when, and what they do, drawn from one seeded RNG so the
//! same plan gives the same rows. Pure: no clock, no IO.
//!
//! - Accounts join spread over the period and come back week after week with a chance of
//!   leaving for good each week (and of skipping one), so weekly cohorts decay as real ones
//!   do. A guest session (no account) comes with about one in four accounts' sessions,
//!   making them a fifth of all sessions.
//! - A session walks the site graph of [`site`] from an entry page, leaving at every step
//!   with the page's exit chance: funnels (home → pricing → signup → checkout) lose
//!   visitors at each step, and paths repeat as real ones do.
//! - About one account in twenty objects to analytics (a withdrawn `analytics` consent);
//!   many others said yes to the prompt; some never answered.

use super::site;
use crate::domain::{EndReason, Millis};
use crate::store::{DemoBatch, DemoConsent, DemoEvent, DemoSession, DemoUser, EventKind};
use base64::Engine as _;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub const DAY: Millis = 24 * 60 * 60 * 1000;
const WEEK: Millis = 7 * DAY;
const SECOND: Millis = 1000;

/// Events per batch: big enough that a commit is rare, small enough to stay in memory.
pub const BATCH_EVENTS: usize = 10_000;

/// Mean sessions an account has in a week it is active. With the churn below, this gives
/// about 100 page views per account over 90 days, guests included.
const SESSIONS_PER_ACTIVE_WEEK: f64 = 7.3;
/// The chance that a guest's session comes along with an account's: a fifth of all sessions.
const GUEST_PER_SESSION: f64 = 0.25;
/// Share of accounts that object to analytics.
pub const OBJECTOR_SHARE: f64 = 0.05;
/// The longest walk through the site: a bot-like session would skew every path.
const MAX_PAGES: usize = 40;

/// What to generate: `users` accounts over the `days` whole UTC days before `today`
/// (midnight UTC, in ms), so a run later the same day gives the same rows.
#[derive(Clone, Debug)]
pub struct Plan {
    pub users: u32,
    pub days: u32,
    pub seed: u64,
    pub today: Millis,
    /// The one argon2 hash every demo account carries.
    pub password_hash: String,
    /// `CONSENT_POLICY_VERSION`, which the consents are made under.
    pub policy_version: String,
}

impl Plan {
    /// The first instant of the period.
    pub fn start(&self) -> Millis {
        self.today - self.days as Millis * DAY
    }
}

/// The batches of a plan, in order, as an iterator.
pub struct Traffic {
    plan: Plan,
    rng: ChaCha8Rng,
    next_user: u32,
}

impl Traffic {
    pub fn new(plan: Plan) -> Traffic {
        Traffic {
            rng: ChaCha8Rng::seed_from_u64(plan.seed),
            plan,
            next_user: 0,
        }
    }

    /// A time on some day in `from .. from + span`, at an hour people browse.
    fn some_time(&mut self, from: Millis, span: Millis) -> Millis {
        let day = from + self.rng.gen_range(0..span);
        at_time_of_day(&mut self.rng, day)
    }

    /// One account with its consents and sessions, and the guests' sessions that came
    /// along, appended to `batch`.
    fn user(&mut self, n: u32, batch: &mut DemoBatch) {
        let (start, end) = (self.plan.start(), self.plan.today);
        let id = uuid::Builder::from_random_bytes(self.rng.gen())
            .into_uuid()
            .to_string();
        let joined = self.some_time(start, end - start);
        let joined = joined.clamp(start, end - 1);
        batch.users.push(DemoUser {
            id: id.clone(),
            email: format!("user{n:05}@demo.squid.test"),
            password_hash: self.plan.password_hash.clone(),
            created_at: joined,
        });
        self.consents(&id, joined, batch);

        // One or two devices, one address at home.
        let devices = [
            site::user_agent(&mut self.rng),
            site::user_agent(&mut self.rng),
        ];
        let two_devices = self.rng.gen_bool(0.4);
        let ip = site::ip(&mut self.rng);
        let churn = self.rng.gen_range(0.03..0.18);
        let mut starts = vec![joined];
        let mut week_start = joined;
        loop {
            // The first week's sessions after the first one, then each later week's.
            let sessions = self.rng.gen_range(0.0..2.0 * SESSIONS_PER_ACTIVE_WEEK) as u32;
            for _ in 0..sessions {
                let t = self.some_time(week_start, WEEK);
                if t > joined && t < end {
                    starts.push(t);
                }
            }
            week_start += WEEK;
            if week_start >= end || self.rng.gen_bool(churn) {
                break;
            }
            // A week away now and then, without leaving.
            while week_start < end && self.rng.gen_bool(0.15) {
                week_start += WEEK;
            }
            if week_start >= end {
                break;
            }
        }
        starts.sort_unstable();
        for t in starts {
            let device = if two_devices && self.rng.gen_bool(0.3) {
                devices[1]
            } else {
                devices[0]
            };
            self.session(Some(&id), device, &ip, t, batch);
            if self.rng.gen_bool(GUEST_PER_SESSION) {
                let t = self.some_time(start, end - start);
                let (agent, ip) = (site::user_agent(&mut self.rng), site::ip(&mut self.rng));
                self.session(None, agent, &ip, t.clamp(start, end - 1), batch);
            }
        }
    }

    /// An objection for one account in twenty; a yes to the prompt for about half the
    /// others; no answer for the rest (analytics is on until one objects). Some accounts
    /// also opted in to marketing.
    fn consents(&mut self, user_id: &str, joined: Millis, batch: &mut DemoBatch) {
        let end = self.plan.today;
        let choice = |kind: &str, granted: bool, method: &str, after: Millis| DemoConsent {
            user_id: user_id.to_string(),
            kind: kind.to_string(),
            granted,
            version: self.plan.policy_version.clone(),
            at: (joined + after).min(end - 1),
            method: method.to_string(),
        };
        if self.rng.gen_bool(OBJECTOR_SHARE) {
            let method = if self.rng.gen_bool(0.5) {
                "privacy_page"
            } else {
                "prompt"
            };
            batch
                .consents
                .push(choice("analytics", false, method, 20 * SECOND));
        } else if self.rng.gen_bool(0.5) {
            batch
                .consents
                .push(choice("analytics", true, "prompt", 5 * SECOND));
            if self.rng.gen_bool(0.2) {
                batch
                    .consents
                    .push(choice("marketing", true, "prompt", 5 * SECOND));
            }
        }
    }

    /// A session starting at `at`: a walk through the site, then an end by sign-out or by
    /// the idle timeout. Nothing lands at or after the end of the period.
    fn session(
        &mut self,
        user_id: Option<&str>,
        agent: &'static str,
        ip: &str,
        at: Millis,
        batch: &mut DemoBatch,
    ) {
        let end = self.plan.today;
        let mut id = [0u8; 12];
        self.rng.fill(&mut id);
        let public_id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id);
        let signed_in = user_id.is_some();
        let mut page = site::entry(&mut self.rng, signed_in);
        let mut t = at;
        let mut last = at;
        for _ in 0..MAX_PAGES {
            if t >= end {
                break;
            }
            last = t;
            batch.events.push(event(
                &public_id,
                user_id,
                EventKind::PageView,
                page.name(),
                None,
                t,
            ));
            if let Some((action, details)) = site::action(&mut self.rng, page) {
                t += self.rng.gen_range(2..20) * SECOND;
                if t >= end {
                    break;
                }
                last = t;
                batch.events.push(event(
                    &public_id,
                    user_id,
                    EventKind::Action,
                    action,
                    Some(details),
                    t,
                ));
            }
            match site::next(&mut self.rng, page, signed_in) {
                Some(next) => page = next,
                None => break,
            }
            // Reading time: mostly seconds, now and then minutes.
            t += if self.rng.gen_bool(0.1) {
                self.rng.gen_range(60..600) * SECOND
            } else {
                self.rng.gen_range(4..60) * SECOND
            };
        }
        let (reason, ended) = if signed_in && self.rng.gen_bool(0.3) {
            (
                EndReason::SignedOut,
                last + self.rng.gen_range(1..30) * SECOND,
            )
        } else {
            // Nobody came back within the idle timeout (SESSION_IDLE_TIMEOUT_SECS).
            (EndReason::Expired, last + 30 * 60 * SECOND)
        };
        batch.sessions.push(DemoSession {
            public_id,
            user_id: user_id.map(str::to_string),
            user_agent: agent.to_string(),
            ip: ip.to_string(),
            started_at: at,
            ended_at: ended.min(end - 1),
            end_reason: reason.as_str(),
        });
    }
}

impl Iterator for Traffic {
    type Item = DemoBatch;

    fn next(&mut self) -> Option<DemoBatch> {
        if self.next_user >= self.plan.users {
            return None;
        }
        let mut batch = DemoBatch::default();
        while self.next_user < self.plan.users && batch.events.len() < BATCH_EVENTS {
            let n = self.next_user;
            self.next_user += 1;
            self.user(n, &mut batch);
        }
        Some(batch)
    }
}

fn event(
    session_id: &str,
    user_id: Option<&str>,
    kind: EventKind,
    name: &'static str,
    details: Option<String>,
    at: Millis,
) -> DemoEvent {
    DemoEvent {
        session_id: session_id.to_string(),
        user_id: user_id.map(str::to_string),
        kind,
        name,
        details,
        at,
    }
}

/// The same day as `t`, at a time people browse: more in the day and evening (UTC) than at
/// night, so hourly series have a daily rhythm.
fn at_time_of_day(rng: &mut ChaCha8Rng, t: Millis) -> Millis {
    const HOUR_WEIGHTS: [u32; 24] = [
        2, 1, 1, 1, 1, 2, 3, 5, 7, 8, 9, 9, 8, 8, 9, 9, 9, 8, 8, 9, 10, 9, 6, 4,
    ];
    let total: u32 = HOUR_WEIGHTS.iter().sum();
    let mut pick = rng.gen_range(0..total);
    let mut hour = 0;
    for (h, w) in HOUR_WEIGHTS.iter().enumerate() {
        if pick < *w {
            hour = h as Millis;
            break;
        }
        pick -= w;
    }
    let day = t - t.rem_euclid(DAY);
    day + hour * 60 * 60 * SECOND + rng.gen_range(0..60 * 60 * SECOND)
}
