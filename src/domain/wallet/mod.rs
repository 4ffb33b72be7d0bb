//! Sign-In with Ethereum: a session asks for a nonce, the wallet signs an EIP-4361 message
//! naming it (EIP-191 `personal_sign`), and the signed message signs the session in to the
//! address's account (made at its first sign-in) or links the address to the signed-in
//! account.
//!
//! Every attempt takes the session's nonce first, whatever happens next, so a nonce is
//! never checked twice. Failures are counted per address by the same throttle as
//! passwords ([`super::accounts::throttle::wallet_name`]), audited as `login_failed`, and
//! answered alike (`WalletRefused`, `401 invalid_credentials`) whatever the reason.

pub mod check;

use super::accounts::{throttle, Account, Accounts};
use super::auth::{Auth, Method};
use super::visitor::Visitor;
use super::{AuditEvent, AuditKind, Error, Happened, Millis, Result};
use crate::model::{SiweChallenge, User};
use crate::store::{AttemptOutcome, Store};
use check::{Expected, Parsed, Refusal, Site, SiweProof, NONCE_TTL};
use serde_json::json;
use std::sync::Arc;

/// The wallet service.
#[derive(Clone, Debug)]
pub struct Wallets {
    store: Arc<dyn Store>,
    auth: Auth,
    accounts: Accounts,
    /// `SIWE_CHAIN_IDS`.
    chain_ids: Arc<[u64]>,
    /// `REAUTH_WINDOW_SECS`, for linking.
    reauth_window: Millis,
}

impl Wallets {
    pub fn new(
        store: Arc<dyn Store>,
        auth: Auth,
        accounts: Accounts,
        chain_ids: &[u64],
        reauth_window: Millis,
    ) -> Self {
        Wallets {
            store,
            auth,
            accounts,
            chain_ids: chain_ids.into(),
            reauth_window,
        }
    }

    /// A nonce for the visitor's session (one is started for a visitor without one),
    /// replacing any it was given before, and what the message must name.
    pub async fn challenge(
        &self,
        visitor: &mut Visitor,
        site: &Site,
        now: Millis,
    ) -> Result<(SiweChallenge, Happened)> {
        let happened = self.auth.ensure_session(visitor, now).await?;
        let session = visitor.live()?;
        let nonce = siwe::generate_nonce();
        self.store
            .conn()
            .put_nonce(
                &session.record.public_id,
                &check::nonce_hash(&nonce),
                now + NONCE_TTL,
            )
            .await?;
        let challenge = SiweChallenge {
            nonce,
            domain: site.authority().to_string(),
            uri: site.origin().to_string(),
            chain_ids: self.chain_ids.to_vec(),
            issued_at: super::rfc3339(now),
        };
        Ok((challenge, happened))
    }

    /// The text of a message for `address` that [`Wallets::sign_in`] and
    /// [`Wallets::link`] accept: the pages have the wallet sign this, so the browser need
    /// not know EIP-55. `chain_id` is used when allowed, else the first allowed one.
    pub async fn message_for(
        &self,
        visitor: &mut Visitor,
        site: &Site,
        address: &str,
        chain_id: Option<u64>,
        now: Millis,
    ) -> Result<(String, Happened)> {
        let (challenge, happened) = self.challenge(visitor, site, now).await?;
        let chain_id = chain_id
            .filter(|c| self.chain_ids.contains(c))
            .unwrap_or(self.chain_ids[0]);
        let text = check::message_text(&challenge, address, chain_id)
            .ok_or_else(|| Error::invalid("address", "address is not an Ethereum address"))?;
        Ok((text, happened))
    }

    /// Signs the visitor in by a signed message, exactly as a password sign-in does; the
    /// first sign-in of an address makes its account.
    #[tracing::instrument(skip_all, level = "debug")]
    pub async fn sign_in(
        &self,
        visitor: &mut Visitor,
        proof: SiweProof,
        site: &Site,
        now: Millis,
    ) -> Result<(User, Happened)> {
        let wallet = self.verify(visitor, &proof, site, now).await?;
        let (account, prefs) = self.accounts.of_wallet(&wallet, now).await?;
        self.auth
            .sign_in(visitor, account, prefs, Method::Siwe, now)
            .await
    }

    /// Links the wallet of a signed message to the signed-in account (after a recent
    /// sign-in); `WalletTaken` when another account has it. A wallet linked before is
    /// replaced.
    #[tracing::instrument(skip_all, level = "debug")]
    pub async fn link(
        &self,
        visitor: &mut Visitor,
        proof: SiweProof,
        site: &Site,
        now: Millis,
    ) -> Result<(User, Happened)> {
        let account_id = visitor.account()?.id.clone();
        let wallet = self.verify(visitor, &proof, site, now).await?;
        if !visitor.recently_authenticated(self.reauth_window, now) {
            return Err(Error::ReauthenticationRequired);
        }
        let mut happened = Happened::default();
        let mut tx = self.store.begin().await?;
        // The wallet's unique key decides, against concurrent links and sign-ins alike.
        if !tx.set_wallet(&account_id, Some(&wallet)).await? {
            return Err(Error::WalletTaken);
        }
        let event = visitor
            .audit_event(AuditKind::WalletLinked, now)
            .details(json!({ "wallet": wallet }));
        happened.audit(&mut *tx, event).await?;
        tx.commit().await?;
        Ok((self.updated(visitor, Some(wallet))?, happened))
    }

    /// Unlinks the account's wallet; refused (field `wallet`) when the account has no
    /// email and password to sign in with instead. Nothing happens without a wallet.
    #[tracing::instrument(skip_all, level = "debug")]
    pub async fn unlink(&self, visitor: &mut Visitor, now: Millis) -> Result<(User, Happened)> {
        let account = visitor.account()?;
        let mut happened = Happened::default();
        let Some(wallet) = account.wallet.clone() else {
            return Ok((account.to_user(), happened));
        };
        if account.email.is_none() {
            return Err(Error::invalid(
                "wallet",
                "the wallet is this account's only way in: it cannot be unlinked",
            ));
        }
        let mut tx = self.store.begin().await?;
        tx.set_wallet(&account.id, None).await?;
        let event = visitor
            .audit_event(AuditKind::WalletUnlinked, now)
            .details(json!({ "wallet": wallet }));
        happened.audit(&mut *tx, event).await?;
        tx.commit().await?;
        Ok((self.updated(visitor, None)?, happened))
    }

    /// Forgets nonces that expired unused; run periodically by the server.
    pub async fn prune_nonces(&self, now: Millis) -> Result<u64> {
        Ok(self.store.conn().prune_nonces(now).await?)
    }

    /// The visitor's account as it is after a link or unlink.
    fn updated(&self, visitor: &mut Visitor, wallet: Option<String>) -> Result<User> {
        let account: &mut Account = visitor.account.as_mut().ok_or(Error::Unauthenticated)?;
        account.wallet = wallet;
        Ok(account.to_user())
    }

    /// Checks a proof against the session's nonce; returns the wallet that signed it.
    /// The nonce is taken out of the store first: from here on it is used, whatever the
    /// attempt turns out to be.
    async fn verify(
        &self,
        visitor: &Visitor,
        proof: &SiweProof,
        site: &Site,
        now: Millis,
    ) -> Result<String> {
        let nonce = match &visitor.session {
            Some(live) => {
                let mut conn = self.store.conn();
                conn.take_nonce(&live.record.public_id).await?
            }
            None => None,
        };
        let Some(parsed) = Parsed::new(proof) else {
            return self.refuse(visitor, None, Refusal::Malformed, now).await;
        };
        let wallet = parsed.wallet();
        let name = throttle::wallet_name(&wallet);
        let attempt = throttle::reserve(&*self.store, &name, now).await?;
        let expected = Expected {
            site,
            chain_ids: &self.chain_ids,
            nonce: nonce.as_ref(),
            now,
        };
        let verdict = parsed.check(&expected);
        let outcome = match verdict {
            Ok(()) => AttemptOutcome::Succeeded,
            Err(_) => AttemptOutcome::Failed,
        };
        attempt.settle(&*self.store, outcome).await?;
        match verdict {
            Ok(()) => Ok(wallet),
            Err(reason) => self.refuse(visitor, Some(&wallet), reason, now).await,
        }
    }

    /// Audits a refused proof (against the wallet's account, when it has one) and answers
    /// `WalletRefused`.
    async fn refuse<T>(
        &self,
        visitor: &Visitor,
        wallet: Option<&str>,
        reason: Refusal,
        now: Millis,
    ) -> Result<T> {
        tracing::debug!(reason = reason.as_str(), "Sign-In with Ethereum refused");
        let mut conn = self.store.conn();
        let holder = match wallet {
            Some(wallet) => conn.account_by_wallet(wallet).await?.map(|row| row.id),
            None => None,
        };
        let event = AuditEvent::new(AuditKind::LoginFailed, holder, now, visitor.origin())
            .details(json!({ "method": "siwe", "reason": reason.as_str() }));
        conn.insert_audit(&event).await?;
        Err(Error::WalletRefused)
    }
}
