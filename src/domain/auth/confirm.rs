//! The use cases where a signed-in user proves who they are again: re-authentication and
//! the password change.

use super::Auth;
use crate::domain::accounts::validate::{PasswordChange, Secret};
use crate::domain::visitor::Visitor;
use crate::domain::{AuditKind, EndReason, Error, Happened, Millis, Result, TokenHash};

impl Auth {
    /// Re-authentication: checks the password, then gives the session a new token and
    /// marks it as freshly authenticated. An app's session keeps its token: a bearer is
    /// never sent by a browser on its own, so there is nothing to fixate, and the app
    /// would have no way to learn a new one here.
    #[tracing::instrument(skip_all, level = "debug")]
    pub async fn reauth(
        &self,
        visitor: &mut Visitor,
        password: Secret,
        now: Millis,
    ) -> Result<Happened> {
        let account = self.accounts.confirm(visitor, &password, now).await?;
        let mut happened = Happened::default();
        let mut tx = self.store.begin().await?;
        if visitor.live()?.record.app {
            let session = visitor.session.as_mut().ok_or(Error::NoSession)?;
            self.sessions
                .reauthenticated(&mut *tx, session, now)
                .await?;
            happened
                .audit(&mut *tx, visitor.audit_event(AuditKind::Reauth, now))
                .await?;
            tx.commit().await?;
            return Ok(happened);
        }
        let carried = self.data.carry_out(&mut *tx, visitor.live()?).await?;
        self.end_own(
            &mut *tx,
            visitor,
            EndReason::Rotated,
            false,
            now,
            &mut happened,
        )
        .await?;
        self.start(
            &mut *tx,
            visitor,
            Some(account.id),
            Some(now),
            now,
            &mut happened,
        )
        .await?;
        self.data
            .carry_in(&mut *tx, visitor.live()?, carried)
            .await?;
        happened
            .audit(&mut *tx, visitor.audit_event(AuditKind::Reauth, now))
            .await?;
        tx.commit().await?;
        Ok(happened)
    }

    /// Changes the password after checking the current one: every other session of the
    /// user ends, and this one counts as freshly authenticated.
    #[tracing::instrument(skip_all, level = "debug")]
    pub async fn change_password(
        &self,
        visitor: &mut Visitor,
        change: PasswordChange,
        now: Millis,
    ) -> Result<Happened> {
        let account = self.accounts.confirm(visitor, &change.current, now).await?;
        let hash = self.accounts.hasher.hash(change.new.as_str()).await?;
        let mut happened = Happened::default();
        let mut tx = self.store.begin().await?;
        tx.set_password(&account.id, &hash).await?;
        let own = visitor.live()?.record.public_id.clone();
        let others: Vec<TokenHash> = self
            .sessions
            .of_user(&mut *tx, &account.id, now)
            .await?
            .into_iter()
            .filter(|s| s.record.public_id != own)
            .map(|s| s.hash)
            .collect();
        let origin = visitor.origin();
        let ended = self
            .sessions
            .end(
                &mut *tx,
                &others,
                EndReason::PasswordChanged,
                Some(&origin),
                now,
            )
            .await?;
        happened.ended(ended);
        let session = visitor.session.as_mut().ok_or(Error::NoSession)?;
        self.sessions
            .reauthenticated(&mut *tx, session, now)
            .await?;
        happened
            .audit(
                &mut *tx,
                visitor.audit_event(AuditKind::PasswordChanged, now),
            )
            .await?;
        tx.commit().await?;
        Ok(happened)
    }
}
