//! Accounts: who may sign in, how passwords are checked, and the throttle on failures.
//!
//! Sign-in answers alike for an unknown email and a wrong password, in words and in time:
//! an unknown email is verified against a dummy hash with the same parameters, and both
//! failures write the same rows.

pub mod password;
pub mod throttle;
pub mod validate;

use super::visitor::Visitor;
use super::{preferences, AuditEvent, AuditKind, Error, Millis, Origin, Result};
use crate::model::{PreferenceSource, Preferences, User};
use crate::store::{AccountRow, AttemptOutcome, NewAccount, Store};
use password::Hasher;
use std::sync::Arc;
use validate::{Credentials, Email, Registration, Secret};

/// An account as stored (the hash never leaves the domain).
#[derive(Clone, Debug)]
pub struct Account {
    pub id: String,
    /// `None` for an account made by Sign-In with Ethereum; then it has no password either.
    pub email: Option<String>,
    pub password_hash: Option<String>,
    /// The linked wallet, EIP-55 checksummed.
    pub wallet: Option<String>,
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
            wallet: self.wallet.clone(),
            created_at: super::rfc3339(self.created_at),
        }
    }

    /// How pages name the account: its display name, else its email, else its wallet
    /// shortened as wallets show it (`0xAbCd…1234`).
    pub fn label(&self) -> String {
        if let Some(name) = self.display_name.as_ref().or(self.email.as_ref()) {
            return name.clone();
        }
        match &self.wallet {
            Some(w) if w.len() > 10 => format!("{}…{}", &w[..6], &w[w.len() - 4..]),
            Some(w) => w.clone(),
            None => self.id.clone(),
        }
    }

    /// What the sign-in throttle counts this account's failures under: its email, else
    /// its wallet.
    pub fn throttle_name(&self) -> String {
        match (&self.email, &self.wallet) {
            (Some(email), _) => email.clone(),
            (None, Some(wallet)) => throttle::wallet_name(wallet),
            (None, None) => self.id.clone(),
        }
    }

    /// The throttle's keys of every name the account signs in by (erasure clears them).
    pub fn throttle_keys(&self) -> Vec<[u8; 32]> {
        let email = self.email.iter().map(|e| throttle::email_key(e));
        let wallet = self
            .wallet
            .iter()
            .map(|w| throttle::email_key(&throttle::wallet_name(w)));
        email.chain(wallet).collect()
    }

    /// The account of a row, with its stored preferences if it has any.
    fn from_row(row: AccountRow) -> (Account, Option<Preferences>) {
        let prefs = match (&row.theme, &row.notifications, &row.language) {
            (Some(t), Some(n), Some(l)) => {
                preferences::from_codes(t, n, l, PreferenceSource::Account)
            }
            _ => None,
        };
        let account = Account {
            id: row.id,
            email: row.email,
            password_hash: row.password_hash,
            wallet: row.wallet,
            display_name: row.display_name,
            role: row.role,
            created_at: row.created_at,
            consent_version: row.consent_version,
        };
        (account, prefs)
    }
}

/// The account service.
#[derive(Clone, Debug)]
pub struct Accounts {
    store: Arc<dyn Store>,
    admin_emails: Arc<Vec<String>>,
    pub hasher: Hasher,
}

impl Accounts {
    pub fn new(store: Arc<dyn Store>, admin_emails: Vec<String>) -> Self {
        Accounts {
            store,
            admin_emails: Arc::new(admin_emails),
            hasher: Hasher::default(),
        }
    }

    fn role_for(&self, email: &str) -> &'static str {
        if self.admin_emails.iter().any(|e| e == email) {
            "admin"
        } else {
            "user"
        }
    }

    /// Creates an account; `409 email_taken` if the email exists.
    #[tracing::instrument(skip_all, level = "debug")]
    pub async fn create(&self, new: Registration, now: Millis) -> Result<Account> {
        let email = new.email.as_str();
        if self.store.conn().account_by_email(email).await?.is_some() {
            return Err(Error::EmailTaken);
        }
        let account = Account {
            id: uuid::Uuid::new_v4().to_string(),
            role: self.role_for(email).to_string(),
            email: Some(email.to_string()),
            password_hash: Some(self.hasher.hash(new.password.as_str()).await?),
            wallet: None,
            display_name: new.display_name.map(|n| n.as_str().to_string()),
            created_at: now,
            consent_version: None,
        };
        let inserted = self
            .store
            .conn()
            .insert_account(&NewAccount {
                id: &account.id,
                email: account.email.as_deref(),
                password_hash: account.password_hash.as_deref(),
                wallet: None,
                display_name: account.display_name.as_deref(),
                role: &account.role,
                created_at: now,
            })
            .await?;
        match inserted {
            true => Ok(account),
            // Someone registered the same email while we were hashing.
            false => Err(Error::EmailTaken),
        }
    }

    /// The account of a wallet, with its stored preferences; made (with no email, no
    /// password) when the wallet has none yet.
    #[tracing::instrument(skip_all, level = "debug")]
    pub async fn of_wallet(
        &self,
        wallet: &str,
        now: Millis,
    ) -> Result<(Account, Option<Preferences>)> {
        let mut conn = self.store.conn();
        if let Some(row) = conn.account_by_wallet(wallet).await? {
            return Ok(Account::from_row(row));
        }
        let account = Account {
            id: uuid::Uuid::new_v4().to_string(),
            email: None,
            password_hash: None,
            wallet: Some(wallet.to_string()),
            display_name: None,
            role: "user".to_string(),
            created_at: now,
            consent_version: None,
        };
        let new = NewAccount {
            id: &account.id,
            email: None,
            password_hash: None,
            wallet: Some(wallet),
            display_name: None,
            role: &account.role,
            created_at: now,
        };
        if conn.insert_account(&new).await? {
            return Ok((account, None));
        }
        // The same wallet's first sign-in on another request got there first.
        let row = conn.account_by_wallet(wallet).await?;
        row.map(Account::from_row).ok_or(Error::WalletRefused)
    }

    /// Checks an email and password, returning the account with its stored preferences.
    /// Unknown email and wrong password both give `InvalidCredentials` (and an audited
    /// `login_failed`); five failures in the window give `RateLimited`, whatever the
    /// password.
    #[tracing::instrument(skip_all, level = "debug")]
    pub async fn authenticate(
        &self,
        credentials: &Credentials,
        now: Millis,
        origin: &Origin,
    ) -> Result<(Account, Option<Preferences>)> {
        let email = credentials.email.as_str();
        let attempt = throttle::reserve(&*self.store, email, now).await?;
        let found = match self.store.conn().account_by_email(email).await {
            Ok(found) => found.map(Account::from_row),
            Err(e) => {
                attempt
                    .settle(&*self.store, AttemptOutcome::Abandoned)
                    .await?;
                return Err(e.into());
            }
        };
        let checked = self
            .hasher
            .verify(
                found.as_ref().and_then(|(a, _)| a.password_hash.as_deref()),
                &credentials.password.0,
            )
            .await
            .map(|ok| ok && found.is_some());
        attempt.settle_by(&*self.store, &checked).await?;
        let ok = checked?;
        match found {
            Some((mut account, prefs)) if ok => {
                // ADMIN_EMAILS grants the role at sign-in, so adding an email takes effect
                // without a migration.
                if self.role_for(email) == "admin" && account.role != "admin" {
                    self.store.conn().set_role(email, "admin").await?;
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
                self.store.conn().insert_audit(&event).await?;
                Err(Error::InvalidCredentials)
            }
        }
    }

    /// Confirms the signed-in visitor's password (re-authentication, password change,
    /// erasure) and returns their account. A wrong password is `ReauthenticationRequired`
    /// and counts toward the same throttle as sign-ins.
    pub async fn confirm(
        &self,
        visitor: &Visitor,
        password: &Secret,
        now: Millis,
    ) -> Result<Account> {
        let account = visitor.account()?;
        self.confirm_password(account, password, now, &visitor.origin())
            .await?;
        Ok(account.clone())
    }

    /// [`Accounts::confirm`] for an account.
    #[tracing::instrument(skip_all, level = "debug")]
    async fn confirm_password(
        &self,
        account: &Account,
        password: &Secret,
        now: Millis,
        origin: &Origin,
    ) -> Result<()> {
        let attempt = throttle::reserve(&*self.store, &account.throttle_name(), now).await?;
        // An account without a password (made by a wallet) is checked against the dummy
        // hash: the same time, and never a match.
        let checked = self
            .hasher
            .verify(account.password_hash.as_deref(), &password.0)
            .await;
        attempt.settle_by(&*self.store, &checked).await?;
        if checked? {
            return Ok(());
        }
        let event = AuditEvent::new(
            AuditKind::LoginFailed,
            Some(account.id.clone()),
            now,
            origin.clone(),
        )
        .details(serde_json::json!({ "reason": "reauthentication" }));
        self.store.conn().insert_audit(&event).await?;
        Err(Error::ReauthenticationRequired)
    }

    /// The account behind an id, with its stored preferences if it has any (this runs on
    /// every request of a signed-in user).
    pub async fn find(&self, id: &str) -> Result<Option<(Account, Option<Preferences>)>> {
        Ok(self
            .store
            .conn()
            .account_by_id(id)
            .await?
            .map(Account::from_row))
    }

    /// Gives or takes the `admin` role (`squid admin grant|revoke`). False: no such email.
    pub async fn set_role(&self, email: &str, admin: bool) -> Result<bool> {
        let email = Email::parse(email)?;
        let role = if admin { "admin" } else { "user" };
        Ok(self.store.conn().set_role(email.as_str(), role).await?)
    }

    /// Forgets sign-in attempts older than the window; run periodically by the server.
    pub async fn prune_attempts(&self, now: Millis) -> Result<u64> {
        throttle::prune(&*self.store, now).await
    }

    /// How many password verifications have run since start.
    pub fn verifications(&self) -> u64 {
        self.hasher.verifications()
    }
}
