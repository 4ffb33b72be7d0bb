//! The demo site: its pages, how visitors move between them (a Markov chain with a chance
//! to leave at each page), what they do there, and the browsers and addresses they come
//! from.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    Home,
    Pricing,
    Features,
    Docs,
    Blog,
    Signup,
    Checkout,
    Account,
    Settings,
}

use Page::*;

impl Page {
    pub fn name(self) -> &'static str {
        match self {
            Home => "home",
            Pricing => "pricing",
            Features => "features",
            Docs => "docs",
            Blog => "blog",
            Signup => "signup",
            Checkout => "checkout",
            Account => "account",
            Settings => "settings",
        }
    }
}

/// Picks from weighted choices.
fn pick<T: Copy>(rng: &mut ChaCha8Rng, choices: &[(T, u32)]) -> T {
    let total: u32 = choices.iter().map(|c| c.1).sum();
    let mut n = rng.gen_range(0..total);
    for &(choice, weight) in choices {
        if n < weight {
            return choice;
        }
        n -= weight;
    }
    choices[choices.len() - 1].0
}

/// Where a visit begins: mostly the home page, else pages found by search or links;
/// signed-in people also go straight to their account.
pub fn entry(rng: &mut ChaCha8Rng, signed_in: bool) -> Page {
    let account = if signed_in { 12 } else { 0 };
    pick(
        rng,
        &[
            (Home, 45),
            (Blog, 18),
            (Docs, 15),
            (Pricing, 10),
            (Features, 7),
            (Account, account),
        ],
    )
}

/// The next page from `page`, or `None` when the visitor leaves. A guest has no account
/// pages: those links lead out (to sign in, elsewhere). Each funnel step keeps only some of
/// its visitors: home → pricing 30 %, pricing → signup 35 %, signup → checkout 45 %.
pub fn next(rng: &mut ChaCha8Rng, page: Page, signed_in: bool) -> Option<Page> {
    let choices: &[(Option<Page>, u32)] = match page {
        Home => &[
            (Some(Pricing), 30),
            (Some(Features), 18),
            (Some(Docs), 12),
            (Some(Blog), 10),
            (Some(Account), 8),
            (None, 22),
        ],
        Pricing => &[
            (Some(Signup), 35),
            (Some(Features), 15),
            (Some(Home), 8),
            (Some(Docs), 7),
            (None, 35),
        ],
        Features => &[
            (Some(Pricing), 35),
            (Some(Docs), 20),
            (Some(Home), 10),
            (None, 35),
        ],
        Docs => &[
            (Some(Docs), 40),
            (Some(Features), 8),
            (Some(Home), 7),
            (Some(Pricing), 5),
            (None, 40),
        ],
        Blog => &[
            (Some(Blog), 30),
            (Some(Home), 15),
            (Some(Pricing), 10),
            (Some(Features), 5),
            (None, 40),
        ],
        Signup => &[(Some(Checkout), 45), (Some(Pricing), 10), (None, 45)],
        Checkout => &[(Some(Account), 55), (Some(Home), 5), (None, 40)],
        Account => &[
            (Some(Settings), 35),
            (Some(Docs), 15),
            (Some(Home), 15),
            (None, 35),
        ],
        Settings => &[(Some(Account), 30), (Some(Home), 10), (None, 60)],
    };
    match pick(rng, choices) {
        Some(Account | Settings) if !signed_in => None,
        next => next,
    }
}

/// An action on `page`, sometimes, with its small JSON details.
pub fn action(rng: &mut ChaCha8Rng, page: Page) -> Option<(&'static str, String)> {
    let (name, chance) = match page {
        Docs => ("search", 0.30),
        Pricing => ("add_to_cart", 0.20),
        Checkout => ("add_to_cart", 0.30),
        Blog => ("share", 0.10),
        Account => ("export", 0.12),
        Settings => ("invite", 0.15),
        _ => return None,
    };
    if !rng.gen_bool(chance) {
        return None;
    }
    let details = match name {
        "search" => {
            let q = [
                "sessions",
                "api keys",
                "redis",
                "export csv",
                "consent",
                "retention",
            ];
            format!(r#"{{"query":"{}"}}"#, q[rng.gen_range(0..q.len())])
        }
        "add_to_cart" => {
            let plan = pick(rng, &[("starter", 5), ("pro", 3), ("team", 1)]);
            format!(r#"{{"plan":"{plan}","quantity":{}}}"#, rng.gen_range(1..4))
        }
        "share" => {
            let to = pick(
                rng,
                &[("x", 3), ("linkedin", 2), ("email", 2), ("mastodon", 1)],
            );
            format!(r#"{{"network":"{to}"}}"#)
        }
        "export" => format!(
            r#"{{"format":"{}"}}"#,
            pick(rng, &[("csv", 3), ("json", 1)])
        ),
        _ => format!(r#"{{"seats":{}}}"#, rng.gen_range(1..6)),
    };
    Some((name, details))
}

/// A browser, in about the shares of the web: Chrome most, then Safari, Firefox, Edge.
pub fn user_agent(rng: &mut ChaCha8Rng) -> &'static str {
    pick(
        rng,
        &[
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", 30),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", 12),
            ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", 15),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", 15),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", 8),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", 7),
            ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", 3),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", 5),
        ],
    )
}

/// A public-looking IPv4 address (some IPv6), from ranges of large access providers.
pub fn ip(rng: &mut ChaCha8Rng) -> String {
    if rng.gen_bool(0.15) {
        return format!(
            "2a01:e0a:{:x}:{:x}::{:x}",
            rng.gen_range(1..0xfff),
            rng.gen_range(1..0xffff),
            rng.gen_range(1..0xffff)
        );
    }
    let first = [24, 31, 62, 73, 81, 86, 90, 92, 109, 151, 176, 188][rng.gen_range(0..12)];
    format!(
        "{first}.{}.{}.{}",
        rng.gen_range(0..256),
        rng.gen_range(0..256),
        rng.gen_range(1..255)
    )
}
