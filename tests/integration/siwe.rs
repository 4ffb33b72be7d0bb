//! Sign-In with Ethereum: real EIP-4361 messages signed (EIP-191) with local keys, through
//! the API, for every rule of the contract and every failure.

use crate::audit::types;
use crate::harness::{Client, TestApp, PW};
use axum::http::{header, Method, StatusCode};
use k256::ecdsa::{SigningKey, VerifyingKey};
use serde_json::{json, Value};
use sha3::{Digest, Keccak256};
use std::time::Duration;

/// The host the test clients name, as a browser would.
const HOST: &str = "squid.test:8080";

/// A wallet with a fixed key.
pub struct Wallet {
    key: SigningKey,
    /// EIP-55 form.
    pub address: String,
}

impl Wallet {
    pub fn new(seed: u8) -> Wallet {
        let key = SigningKey::from_bytes(&[seed.max(1); 32].into()).expect("a key");
        let point = VerifyingKey::from(&key).to_encoded_point(false);
        let hash = Keccak256::digest(&point.as_bytes()[1..]);
        let bytes: [u8; 20] = hash[12..].try_into().unwrap();
        Wallet {
            key,
            address: siwe::eip55(&bytes),
        }
    }

    /// `personal_sign`: r, s and v (27 or 28) over the EIP-191 prefixed text.
    pub fn sign(&self, text: &str) -> String {
        let mut hasher = Keccak256::new();
        hasher.update(format!("\x19Ethereum Signed Message:\n{}", text.len()));
        hasher.update(text);
        let (sig, recovery) = self
            .key
            .sign_prehash_recoverable(&hasher.finalize())
            .expect("signs");
        let mut bytes = sig.to_bytes().to_vec();
        bytes.push(27 + recovery.to_byte());
        format!("0x{}", hex::encode(bytes))
    }
}

/// The parts of a message, from a nonce response, to spoil one at a time.
#[derive(Clone)]
pub struct Msg {
    pub domain: String,
    pub address: String,
    pub uri: String,
    pub chain: u64,
    pub nonce: String,
    pub issued_at: String,
    pub tail: String,
}

impl Msg {
    pub fn new(challenge: &Value, wallet: &Wallet) -> Msg {
        Msg {
            domain: challenge["domain"].as_str().unwrap().to_string(),
            address: wallet.address.clone(),
            uri: format!("{}/login", challenge["uri"].as_str().unwrap()),
            chain: challenge["chainIds"][0].as_u64().unwrap(),
            nonce: challenge["nonce"].as_str().unwrap().to_string(),
            issued_at: challenge["issuedAt"].as_str().unwrap().to_string(),
            tail: String::new(),
        }
    }

    pub fn text(&self) -> String {
        format!(
            "{} wants you to sign in with your Ethereum account:\n{}\n\nSign in to the tests.\n\n\
             URI: {}\nVersion: 1\nChain ID: {}\nNonce: {}\nIssued At: {}{}",
            self.domain, self.address, self.uri, self.chain, self.nonce, self.issued_at, self.tail
        )
    }
}

/// Spoils one part of a good message.
type Spoil = fn(&mut Msg);

/// Makes the posted message and signature from a good message and its wallet.
type Forge = fn(&str, &Wallet) -> (String, String);

fn client(app: &TestApp) -> Client {
    let mut c = app.client();
    c.extra.push(("host".into(), HOST.into()));
    c
}

async fn challenge(c: &mut Client) -> Value {
    let res = c.get("/api/auth/siwe/nonce").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    res.json()
}

async fn post_signed(
    c: &mut Client,
    path: &str,
    text: &str,
    signature: &str,
) -> crate::harness::Res {
    c.post(path, json!({ "message": text, "signature": signature }))
        .await
}

/// Posts `msg` signed by `wallet` to `path`.
async fn submit(c: &mut Client, path: &str, msg: &Msg, wallet: &Wallet) -> crate::harness::Res {
    let text = msg.text();
    post_signed(c, path, &text, &wallet.sign(&text)).await
}

/// Gets a nonce, signs the message for it and signs in; returns the response.
async fn sign_in(c: &mut Client, wallet: &Wallet) -> crate::harness::Res {
    let text = Msg::new(&challenge(c).await, wallet).text();
    post_signed(c, "/api/auth/siwe", &text, &wallet.sign(&text)).await
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn server_time(app: &TestApp, offset_secs: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(
        (app.now() + offset_secs * 1000) as i128 * 1_000_000,
    )
    .unwrap();
    rfc3339(at)
}

#[tokio::test]
async fn a_signed_message_signs_in_and_the_first_one_makes_the_account() {
    let app = TestApp::new().await;
    let wallet = Wallet::new(7);
    let mut c = client(&app);

    // The nonce starts a session for a visitor without one and names this server.
    let res = c.get("/api/auth/siwe/nonce").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.set_cookie("squid_session").is_some());
    let nonce = res.json();
    let n = nonce["nonce"].as_str().unwrap();
    assert!(
        n.len() >= 16 && n.chars().all(|ch| ch.is_ascii_alphanumeric()),
        "{n}"
    );
    assert_eq!(nonce["domain"], HOST);
    assert_eq!(nonce["uri"], format!("http://{HOST}"));
    assert_eq!(nonce["chainIds"], json!([1]));
    assert!(nonce["issuedAt"].as_str().unwrap().ends_with('Z'));

    // What the guest did becomes the user's.
    c.post("/api/session/page", json!({ "page": "before-wallet" }))
        .await;
    let guest_token = c.session_token().unwrap();
    let msg = Msg::new(&nonce, &wallet);
    let res = submit(&mut c, "/api/auth/siwe", &msg, &wallet).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let user = res.json()["user"].clone();
    assert_eq!(user["email"], Value::Null);
    assert_eq!(user["wallet"], wallet.address.as_str());
    assert_eq!(user["role"], "user");
    assert_ne!(
        c.session_token().unwrap(),
        guest_token,
        "a new token at sign-in"
    );
    assert_eq!(c.get("/api/auth/me").await.json()["user"], user);
    let activity = c.get("/api/activity?type=page_view").await.json();
    assert!(activity.to_string().contains("before-wallet"), "{activity}");
    let audit = c.get("/api/audit").await.json();
    assert_eq!(audit["items"][0]["type"], "login");
    assert_eq!(audit["items"][0]["details"]["method"], "siwe");

    // The next sign-in, on another device, finds the same account.
    let mut phone = client(&app);
    let again = sign_in(&mut phone, &wallet).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["user"]["id"], user["id"]);
    assert_eq!(
        c.get("/api/sessions").await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // A password sign-in says its method too.
    app.client().register("ann@example.com", PW).await;
    let mut ann = app.client();
    ann.login("ann@example.com", PW).await;
    let audit = ann.get("/api/audit").await.json();
    assert_eq!(audit["items"][0]["details"]["method"], "password");
}

#[tokio::test]
async fn every_failed_check_is_the_same_401_and_uses_up_the_nonce() {
    let app = TestApp::with_env(&[("SIWE_CHAIN_IDS", "1,10")]).await;
    let spoilers: Vec<(&str, Spoil)> = vec![
        ("another domain", |m| m.domain = "evil.test".into()),
        ("another port", |m| m.domain = "squid.test:9090".into()),
        ("a URI elsewhere", |m| {
            m.uri = "https://squid.test:8080/login".into()
        }),
        ("a chain not allowed", |m| m.chain = 137),
        ("another nonce", |m| m.nonce = "aaaaaaaaaaaaaaaaa".into()),
        ("issued in the future", |m| {
            m.issued_at = "2999-01-01T00:00:00Z".into()
        }),
        ("expired", |m| {
            m.tail = "\nExpiration Time: 2020-01-01T00:00:00Z".into()
        }),
        ("not yet valid", |m| {
            m.tail = "\nNot Before: 2999-01-01T00:00:00Z".into()
        }),
        ("not canonical", |m| m.tail = "\n".into()),
    ];
    let mut message = None;
    for (i, (what, spoil)) in spoilers.iter().enumerate() {
        // A wallet per case, so the throttle stays out of it.
        let wallet = Wallet::new(40 + i as u8);
        let mut c = client(&app);
        let good = Msg::new(&challenge(&mut c).await, &wallet);
        let mut bad = good.clone();
        spoil(&mut bad);
        let res = submit(&mut c, "/api/auth/siwe", &bad, &wallet).await;
        assert_eq!(
            res.status,
            StatusCode::UNAUTHORIZED,
            "{what}: {}",
            res.text()
        );
        assert_eq!(res.error().0, "invalid_credentials", "{what}");
        let text = res.json()["error"]["message"].clone();
        assert_eq!(
            *message.get_or_insert(text.clone()),
            text,
            "{what}: the same words"
        );
        // The nonce is gone: the right message for it fails now.
        let res = submit(&mut c, "/api/auth/siwe", &good, &wallet).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{what}: nonce reused");
    }

    // Signed by another key; malformed text; malformed signatures (each with a nonce).
    let wallet = Wallet::new(60);
    let cases: [(&str, Forge); 4] = [
        ("another key", |t, _| (t.into(), Wallet::new(61).sign(t))),
        ("not EIP-4361", |_, w| {
            ("let me in".into(), w.sign("let me in"))
        }),
        ("short signature", |t, w| {
            (t.into(), w.sign(t)[..100].into())
        }),
        ("no 0x", |t, w| (t.into(), w.sign(t)[2..].into())),
    ];
    for (what, make) in cases {
        let mut c = client(&app);
        let text = Msg::new(&challenge(&mut c).await, &wallet).text();
        let (text, signature) = make(&text, &wallet);
        let res = post_signed(&mut c, "/api/auth/siwe", &text, &signature).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{what}");
        assert_eq!(
            res.json()["error"]["message"],
            message.clone().unwrap(),
            "{what}"
        );
    }
    let mut c = client(&app);
    let text = Msg::new(&challenge(&mut c).await, &wallet).text();
    // Missing fields are a malformed request, not an attempt.
    let res = c.post("/api/auth/siwe", json!({ "message": text })).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        res.error(),
        ("validation_failed".into(), Some("signature".into()))
    );

    // Another allowed chain, and an issue time within the minute of skew, pass; an
    // optional expiry in the future too.
    let mut c = client(&app);
    let mut msg = Msg::new(&challenge(&mut c).await, &wallet);
    msg.chain = 10;
    msg.issued_at = server_time(&app, 50);
    msg.tail = format!("\nExpiration Time: {}", server_time(&app, 300));
    let res = submit(&mut c, "/api/auth/siwe", &msg, &wallet).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
}

#[tokio::test]
async fn a_nonce_is_single_use_bound_to_its_session_and_lives_ten_minutes() {
    let app = TestApp::new().await;
    let wallet = Wallet::new(9);
    let mut ann = client(&app);
    let text = Msg::new(&challenge(&mut ann).await, &wallet).text();
    let signature = wallet.sign(&text);
    assert_eq!(
        post_signed(&mut ann, "/api/auth/siwe", &text, &signature)
            .await
            .status,
        StatusCode::OK
    );

    // Replayed, by the same browser or another: refused.
    let replay = post_signed(&mut ann, "/api/auth/siwe", &text, &signature).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    let mut eve = client(&app);
    let eves = challenge(&mut eve).await;
    let replay = post_signed(&mut eve, "/api/auth/siwe", &text, &signature).await;
    assert_eq!(
        replay.status,
        StatusCode::UNAUTHORIZED,
        "another session's nonce"
    );
    // ...and that attempt used up Eve's own nonce.
    let own = Msg::new(&eves, &wallet).text();
    let res = post_signed(&mut eve, "/api/auth/siwe", &own, &wallet.sign(&own)).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);

    // A new nonce replaces the one before.
    let mut c = client(&app);
    let first = Msg::new(&challenge(&mut c).await, &wallet).text();
    challenge(&mut c).await;
    let res = post_signed(&mut c, "/api/auth/siwe", &first, &wallet.sign(&first)).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "a replaced nonce");

    // Ten minutes.
    for (wait, answer) in [
        (9 * 60 + 50, StatusCode::OK),
        (10 * 60 + 1, StatusCode::UNAUTHORIZED),
    ] {
        let mut c = client(&app);
        let nonce = challenge(&mut c).await;
        app.advance(Duration::from_secs(wait));
        let mut msg = Msg::new(&nonce, &wallet);
        msg.issued_at = server_time(&app, 0);
        let res = submit(&mut c, "/api/auth/siwe", &msg, &wallet).await;
        assert_eq!(res.status, answer, "{wait} s after the nonce");
    }

    // No session, no nonce: refused.
    let res = post_signed(&mut client(&app), "/api/auth/siwe", &text, &signature).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn failures_are_throttled_per_address() {
    let app = TestApp::new().await;
    let wallet = Wallet::new(11);
    let thief = Wallet::new(12);
    for _ in 0..5 {
        let mut c = client(&app);
        let text = Msg::new(&challenge(&mut c).await, &wallet).text();
        let res = post_signed(&mut c, "/api/auth/siwe", &text, &thief.sign(&text)).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    let res = sign_in(&mut client(&app), &wallet).await;
    assert_eq!(
        res.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right signature"
    );
    assert_eq!(res.error().0, "rate_limited");
    let retry: u64 = res.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((880..=900).contains(&retry), "Retry-After {retry}");
    // Other addresses are not affected; the window slides.
    assert_eq!(
        sign_in(&mut client(&app), &thief).await.status,
        StatusCode::OK
    );
    app.advance(Duration::from_secs(15 * 60 + 1));
    assert_eq!(
        sign_in(&mut client(&app), &wallet).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn parallel_first_sign_ins_of_one_address_make_one_account() {
    let app = TestApp::new().await;
    let wallet = std::sync::Arc::new(Wallet::new(13));
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let mut c = client(&app);
        let wallet = wallet.clone();
        tasks.push(tokio::spawn(async move {
            let res = sign_in(&mut c, &wallet).await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.text());
            res.json()["user"]["id"].as_str().unwrap().to_string()
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
}

/// Links `wallet` to the signed-in client's account.
async fn link(c: &mut Client, wallet: &Wallet) -> crate::harness::Res {
    let text = Msg::new(&challenge(c).await, wallet).text();
    post_signed(c, "/api/account/wallet", &text, &wallet.sign(&text)).await
}

#[tokio::test]
async fn a_wallet_links_to_one_account_and_unlinks_only_if_another_way_in_is_left() {
    let app = TestApp::new().await;
    let wallet = Wallet::new(21);
    let mut ann = client(&app);
    let ann_user = ann.register("ann@example.com", PW).await;

    let res = link(&mut ann, &wallet).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["user"]["wallet"], wallet.address.as_str());
    assert_eq!(res.json()["user"]["email"], "ann@example.com");
    assert_eq!(
        ann.get("/api/auth/me").await.json()["user"]["wallet"],
        wallet.address.as_str()
    );
    let audit = ann.get("/api/audit").await.json();
    assert_eq!(types(&audit)[0], "wallet_linked");
    assert_eq!(
        audit["items"][0]["details"]["wallet"],
        wallet.address.as_str()
    );

    // The wallet now signs in to Ann's account.
    let res = sign_in(&mut client(&app), &wallet).await;
    assert_eq!(res.json()["user"]["id"], ann_user["id"]);

    // Nobody else can have it.
    let mut bob = client(&app);
    bob.register("bob@example.com", PW).await;
    let res = link(&mut bob, &wallet).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.error(), ("wallet_taken".into(), Some("wallet".into())));

    // Linking needs a recent sign-in.
    app.advance(Duration::from_secs(16 * 60));
    let res = link(&mut bob, &Wallet::new(22)).await;
    assert_eq!(res.error().0, "reauthentication_required");

    // Ann unlinks it: the next sign-in by it makes an account of its own.
    let res = ann.delete("/api/account/wallet").await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(
        ann.get("/api/auth/me").await.json()["user"]["wallet"],
        Value::Null
    );
    assert_eq!(
        types(&ann.get("/api/audit").await.json())[0],
        "wallet_unlinked"
    );
    let mut w = client(&app);
    let res = sign_in(&mut w, &wallet).await;
    let own = res.json()["user"].clone();
    assert_ne!(own["id"], ann_user["id"]);
    assert_eq!(own["email"], Value::Null);

    // That account has no other way in: unlinking is refused and changes nothing.
    let res = w.delete("/api/account/wallet").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        res.error(),
        ("validation_failed".into(), Some("wallet".into()))
    );
    assert_eq!(
        w.get("/api/auth/me").await.json()["user"]["wallet"],
        wallet.address.as_str()
    );
    // Guests cannot link or unlink.
    let mut guest = client(&app);
    assert_eq!(
        link(&mut guest, &wallet).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        guest.delete("/api/account/wallet").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_wallet_is_exported_and_erasure_frees_it() {
    let app = TestApp::new().await;
    let wallet = Wallet::new(31);
    let mut w = client(&app);
    let first = sign_in(&mut w, &wallet).await.json()["user"].clone();
    let export = w.get("/api/gdpr/export").await.json();
    assert_eq!(export["user"]["wallet"], wallet.address.as_str());
    assert_eq!(export["user"]["email"], Value::Null);

    // No password to confirm with: a sign-in older than the window is not enough...
    app.advance(Duration::from_secs(16 * 60));
    let res = w.json(Method::DELETE, "/api/account", json!({})).await;
    assert_eq!(res.error().0, "reauthentication_required");
    // ...a fresh one is.
    assert_eq!(sign_in(&mut w, &wallet).await.status, StatusCode::OK);
    let res = w.json(Method::DELETE, "/api/account", json!({})).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    // No row names the wallet any more (the audit entries of the link are anonymised).
    for (table, row) in app.every_row().await.1 {
        assert!(
            !row.to_lowercase().contains(&wallet.address.to_lowercase()),
            "{table}: {row}"
        );
    }

    // The wallet is free: a sign-in makes a new account, and an email account can link it.
    let again = sign_in(&mut client(&app), &wallet).await.json()["user"].clone();
    assert_ne!(again["id"], first["id"]);
    let mut again_client = client(&app);
    sign_in(&mut again_client, &wallet).await;
    let mut ann = client(&app);
    ann.register("ann@example.com", PW).await;
    let other = Wallet::new(32);
    assert_eq!(link(&mut ann, &other).await.status, StatusCode::OK);
    let res = ann
        .json(Method::DELETE, "/api/account", json!({ "password": PW }))
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(link(&mut again_client, &other).await.status, StatusCode::OK);
}
