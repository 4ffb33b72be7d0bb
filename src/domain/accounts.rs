//! Accounts: who may sign in, how passwords are kept, and the sign-in throttle.
//!
//! Passwords are hashed with argon2id at OWASP's parameters (19 MiB, 2 passes, 1 lane).
//! A hash takes tens of milliseconds of CPU, so it runs on tokio's blocking pool, never on
//! the async threads, and at most [`MAX_CONCURRENT_HASHES`] at a time: each one holds
//! 19 MiB, and a burst of sign-ins must not take the machine's memory with it.
//!
//! Sign-in answers alike for an unknown email and a wrong password, in words and in time:
//! an unknown email is verified against a dummy hash with the same parameters, and both
//! failures write the same rows.
//!
//! The throttle counts failed attempts per email (known or not) in a sliding 15-minute
//! window. An attempt is reserved in the database *before* the password is checked, in one
//! statement that refuses when five are already there, so concurrent guesses cannot slip
//! past the limit; a success removes the email's attempts.

use super::audit::{AuditEvent, AuditKind, Origin};
use super::{Error, Millis, Result};
use crate::model::{Preferences, User};
use crate::store::{self, Db};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use tokio::sync::{OnceCell, Semaphore};

/// Failed sign-ins allowed per email in [`ATTEMPT_WINDOW`].
pub const MAX_FAILED_ATTEMPTS: i64 = 5;
/// The sliding window of the throttle: 15 minutes.
pub const ATTEMPT_WINDOW: Millis = 15 * 60 * 1000;
/// Password hashes computed at once; more wait their turn.
pub const MAX_CONCURRENT_HASHES: usize = 4;

pub const MIN_PASSWORD: usize = 8;
pub const MAX_PASSWORD: usize = 128;
pub const MAX_EMAIL: usize = 254;
pub const MAX_DISPLAY_NAME: usize = 100;

/// An account as stored (the hash never leaves the domain).
#[derive(Clone, Debug)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub display_name: Option<String>,
    pub role: String,
    pub created_at: Millis,
    /// The consent policy version of the user's newest consent choice, if they made any.
    pub consent_version: Option<String>,
}

impl Account {
    pub fn to_user(&self) -> User {
        User {
            id: self.id.clone(),
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            role: self.role.clone(),
            created_at: super::rfc3339(self.created_at),
        }
    }
}

/// Trims and lower-cases an email and checks its shape: one `@`, a local part of at most 64
/// characters, a domain of dot-separated labels, no spaces or control characters, 254 at most.
pub fn normalize_email(raw: &str) -> Result<String> {
    let email = raw.trim().to_lowercase();
    let bad = |m: &str| Err(Error::invalid("email", m));
    if email.is_empty() {
        return bad("email is required");
    }
    if email.chars().count() > MAX_EMAIL {
        return bad("email must be at most 254 characters");
    }
    let Some((local, domain)) = email.split_once('@') else {
        return bad("email must look like name@example.com");
    };
    let label_ok = |l: &str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let valid = !local.is_empty()
        && local.chars().count() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"@<>()[],;:\\\"".contains(c))
        && domain.contains('.')
        && domain.split('.').all(label_ok);
    if valid {
        Ok(email)
    } else {
        bad("email must look like name@example.com")
    }
}

/// A password must have 8 to 128 characters (any characters; no other rule, per NIST).
pub fn validate_password(field: &str, password: &str) -> Result<()> {
    let n = password.chars().count();
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&n) {
        return Err(Error::invalid(
            field,
            format!("{field} must have {MIN_PASSWORD} to {MAX_PASSWORD} characters"),
        ));
    }
    Ok(())
}

/// Trims a display name; empty means none. At most 100 characters, no control characters.
pub fn normalize_display_name(raw: Option<&str>) -> Result<Option<String>> {
    let Some(name) = raw.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if name.chars().count() > MAX_DISPLAY_NAME {
        return Err(Error::invalid(
            "displayName",
            "displayName must be at most 100 characters",
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "displayName",
            "displayName may not contain control characters",
        ));
    }
    Ok(Some(name.to_string()))
}

/// The throttle's key for an email: its SHA-256, so attempts on emails that have no
/// account do not leave those emails lying around.
pub fn email_key(email: &str) -> [u8; 32] {
    Sha256::digest(email.as_bytes()).into()
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP argon2id parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The account service.
#[derive(Clone, Debug)]
pub struct Accounts {
    db: Db,
    admin_emails: Arc<Vec<String>>,
    hashing: Arc<Semaphore>,
    /// How many password verifications ran (real or dummy): the work that makes an unknown
    /// email cost what a wrong password costs, counted so tests can check it exactly.
    verifications: Arc<std::sync::atomic::AtomicU64>,
    dummy_hash: Arc<OnceCell<String>>,
}

impl Accounts {
    pub fn new(db: Db, admin_emails: Vec<String>) -> Self {
        Accounts {
            db,
            admin_emails: Arc::new(admin_emails),
            hashing: Arc::new(Semaphore::new(MAX_CONCURRENT_HASHES)),
            verifications: Default::default(),
            dummy_hash: Arc::new(OnceCell::new()),
        }
    }

    /// Hashes a password on the blocking pool.
    pub async fn hash_password(&self, password: &str) -> Result<String> {
        let _permit = self.hashing.acquire().await.map_err(unavailable)?;
        let password = password.to_string();
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut rand::rngs::OsRng);
            argon2()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| Error::Unavailable(format!("password hashing failed: {e}").into()))
        })
        .await
        .map_err(unavailable)?
    }

    /// Checks a password against a stored hash (or, for no account, against a dummy hash
    /// that costs the same and never matches), on the blocking pool.
    async fn verify(&self, stored: Option<&str>, password: &str) -> Result<bool> {
        let (hash, real) = match stored {
            Some(h) => (h.to_string(), true),
            None => (self.dummy_hash().await?, false),
        };
        let _permit = self.hashing.acquire().await.map_err(unavailable)?;
        let password = password.to_string();
        self.verifications
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let ok = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash)
                .map(|parsed| {
                    argon2()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await
        .map_err(unavailable)?;
        Ok(ok && real)
    }

    /// How many password verifications have run since start.
    pub fn verifications(&self) -> u64 {
        self.verifications
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Computes the dummy hash now, so that not even the first sign-in with an unknown
    /// email after a start takes longer (one hash more) than a wrong password.
    pub async fn warm_up(&self) -> Result<()> {
        self.dummy_hash().await.map(|_| ())
    }

    async fn dummy_hash(&self) -> Result<String> {
        self.dummy_hash
            .get_or_try_init(|| async {
                let mut random = [0u8; 24];
                rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut random);
                self.hash_password(&format!("{random:?}")).await
            })
            .await
            .cloned()
    }

    fn role_for(&self, email: &str) -> &'static str {
        if self.admin_emails.iter().any(|e| e == email) {
            "admin"
        } else {
            "user"
        }
    }

    /// Creates an account. Input is validated here; `409 email_taken` if the email exists.
    pub async fn register(
        &self,
        email: &str,
        password: &str,
        display_name: Option<&str>,
        now: Millis,
    ) -> Result<Account> {
        let email = normalize_email(email)?;
        validate_password("password", password)?;
        let display_name = normalize_display_name(display_name)?;
        if store::users::find_by_email(&self.db, &email)
            .await?
            .is_some()
        {
            return Err(Error::EmailTaken);
        }
        let account = Account {
            id: uuid::Uuid::new_v4().to_string(),
            role: self.role_for(&email).to_string(),
            email,
            password_hash: self.hash_password(password).await?,
            display_name,
            created_at: now,
            consent_version: None,
        };
        match store::users::insert(&self.db, &account).await? {
            true => Ok(account),
            // Someone registered the same email while we were hashing.
            false => Err(Error::EmailTaken),
        }
    }

    /// Checks an email and password, returning the account with its stored preferences.
    /// Unknown email and wrong password both give `InvalidCredentials` (and an audited
    /// `login_failed`); five failures in the window give `RateLimited`, whatever the
    /// password.
    pub async fn authenticate(
        &self,
        email: &str,
        password: &str,
        now: Millis,
        origin: &Origin,
    ) -> Result<(Account, Option<Preferences>)> {
        // A malformed email cannot have an account; answer as for any unknown one, after
        // the same work, so the shape of the input reveals nothing either.
        let email = email.trim().to_lowercase();
        self.reserve_attempt(&email, now).await?;
        let found = store::users::find_by_email(&self.db, &email).await?;
        let ok = self
            .verify(
                found.as_ref().map(|(a, _)| a.password_hash.as_str()),
                password,
            )
            .await?;
        match found {
            Some((mut account, prefs)) if ok => {
                store::users::clear_attempts(&self.db, &email_key(&email)).await?;
                // ADMIN_EMAILS grants the role at sign-in, so adding an email takes effect
                // without a migration.
                if self.role_for(&email) == "admin" && account.role != "admin" {
                    store::users::set_role(&self.db, &email, "admin").await?;
                    account.role = "admin".into();
                }
                Ok((account, prefs))
            }
            found => {
                let event = AuditEvent::new(
                    AuditKind::LoginFailed,
                    found.map(|(a, _)| a.id),
                    now,
                    origin.clone(),
                );
                store::audit::insert(&self.db.primary, &event).await?;
                Err(Error::InvalidCredentials)
            }
        }
    }

    /// Confirms a signed-in user's password (re-authentication, password change, erasure).
    /// A wrong password is `ReauthenticationRequired` and counts toward the same throttle.
    pub async fn confirm_password(
        &self,
        account: &Account,
        password: &str,
        now: Millis,
        origin: &Origin,
    ) -> Result<()> {
        self.reserve_attempt(&account.email, now).await?;
        if self.verify(Some(&account.password_hash), password).await? {
            store::users::clear_attempts(&self.db, &email_key(&account.email)).await?;
            Ok(())
        } else {
            let event = AuditEvent::new(
                AuditKind::LoginFailed,
                Some(account.id.clone()),
                now,
                origin.clone(),
            )
            .details(serde_json::json!({ "reason": "reauthentication" }));
            store::audit::insert(&self.db.primary, &event).await?;
            Err(Error::ReauthenticationRequired)
        }
    }

    /// Reserves one attempt in the window, or says how long until one is free.
    async fn reserve_attempt(&self, email: &str, now: Millis) -> Result<()> {
        let key = email_key(email);
        match store::users::reserve_attempt(
            &self.db,
            &key,
            now,
            now - ATTEMPT_WINDOW,
            MAX_FAILED_ATTEMPTS,
        )
        .await?
        {
            None => Ok(()),
            Some(oldest) => {
                let wait_ms = (oldest + ATTEMPT_WINDOW - now).max(1);
                Err(Error::RateLimited(((wait_ms + 999) / 1000) as u64))
            }
        }
    }

    /// Forgets sign-in attempts older than the window; run periodically by the server.
    pub async fn prune_attempts(&self, now: Millis) -> Result<u64> {
        Ok(store::users::prune_attempts(&self.db, now - ATTEMPT_WINDOW).await?)
    }

    /// The account behind an id, with its stored preferences if it has any.
    pub async fn find(&self, id: &str) -> Result<Option<(Account, Option<Preferences>)>> {
        Ok(store::users::find_with_preferences(&self.db, id).await?)
    }

    /// Replaces the password once the current one is confirmed. The new one is checked
    /// first, so a mistyped new password neither costs a throttle attempt nor changes
    /// anything. Ending the user's other sessions is the caller's part.
    pub async fn change_password(
        &self,
        account: &Account,
        current: &str,
        new: &str,
        now: Millis,
        origin: &Origin,
    ) -> Result<()> {
        validate_password("newPassword", new)?;
        self.confirm_password(account, current, now, origin).await?;
        let hash = self.hash_password(new).await?;
        store::users::set_password(&self.db, &account.id, &hash).await?;
        Ok(())
    }

    /// Stores a user's preferences (the same on every device from now on).
    pub async fn save_preferences(
        &self,
        user_id: &str,
        prefs: &Preferences,
        now: Millis,
    ) -> Result<()> {
        Ok(store::users::save_preferences(&self.db, user_id, prefs, now).await?)
    }

    /// Gives or takes the `admin` role (`squid admin grant|revoke`). False: no such email.
    pub async fn set_role(&self, email: &str, admin: bool) -> Result<bool> {
        let email = normalize_email(email)?;
        let role = if admin { "admin" } else { "user" };
        Ok(store::users::set_role(&self.db, &email, role).await?)
    }
}

fn unavailable(e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Unavailable(Box::new(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_lowercased_and_checked() {
        assert_eq!(
            normalize_email("  Ann@Example.COM ").unwrap(),
            "ann@example.com"
        );
        assert_eq!(
            normalize_email("a.b+tag@sub.example.org").unwrap(),
            "a.b+tag@sub.example.org"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "ann@@example.com",
            "an n@example.com",
            "ann@exa mple.com",
            "ann@.example.com",
            "ann@example..com",
            ".ann@example.com",
            "ann@-example.com",
        ] {
            match normalize_email(bad) {
                Err(Error::Validation { field: Some(f), .. }) => assert_eq!(f, "email", "{bad}"),
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
        let long = format!("{}@{}.com", "a".repeat(64), "b".repeat(186));
        assert_eq!(long.len(), 255);
        assert!(normalize_email(&long).is_err());
        let longest = format!("{}@{}.com", "a".repeat(64), "b".repeat(185));
        assert_eq!(longest.len(), 254);
        assert!(normalize_email(&longest).is_ok());
    }

    #[test]
    fn passwords_have_8_to_128_characters() {
        assert!(validate_password("password", "1234567").is_err());
        assert!(validate_password("password", "12345678").is_ok());
        assert!(validate_password("password", &"é".repeat(128)).is_ok());
        assert!(validate_password("password", &"x".repeat(129)).is_err());
    }

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(
            normalize_display_name(Some("  Ann ")).unwrap().as_deref(),
            Some("Ann")
        );
        assert_eq!(normalize_display_name(Some("   ")).unwrap(), None);
        assert_eq!(normalize_display_name(None).unwrap(), None);
        assert!(normalize_display_name(Some(&"x".repeat(101))).is_err());
        assert!(normalize_display_name(Some("a\u{0}b")).is_err());
    }

    #[tokio::test]
    async fn hashes_are_argon2id_at_owasp_parameters_and_verify() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
            .await
            .unwrap();
        let accounts = Accounts::new(db, vec![]);
        let hash = accounts.hash_password("correct horse").await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(accounts.verify(Some(&hash), "correct horse").await.unwrap());
        assert!(!accounts.verify(Some(&hash), "wrong horse").await.unwrap());
        // The dummy never matches, not even its own input.
        assert!(!accounts.verify(None, "correct horse").await.unwrap());
    }
}
