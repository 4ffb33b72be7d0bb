//! Live sessions in Redis (`SESSION_STORE_URL=redis://…`), for several instances sharing
//! one session store. Everything else stays in the SQL database; [`super::split`] joins the
//! two behind one [`super::Store`].
//!
//! The rules are those of [`super::SessionRepo`], kept by Lua scripts that Redis runs
//! atomically ([`scripts`], which also lists the keys). Keys hold the SHA-256 of a token,
//! never the token. A session's key expires at its own deadline (the TTL slides with each
//! stored touch and never passes the absolute limit), so Redis drops what nobody sweeps.
//!
//! A single Redis server (or a primary with replicas) is assumed: the scripts touch keys
//! they compute, which Redis Cluster would refuse.
//!
//! Failures are bounded: a command that gets no answer within [`COMMAND_TIMEOUT`] fails,
//! and so the request that needed it answers 503 well inside the contract's 5 seconds. The
//! connection manager reconnects by itself on the next command after a failure.

mod data;
mod oversight;
mod scripts;

use super::{Rekeyed, StoreError, StoreResult, StoredSession};
use crate::domain::{AgentHash, Millis, SessionPolicy, SessionRecord, TokenHash};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::time::Duration;

/// How long one command may take, reconnecting included.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);

/// How long the facts of a session outlive its deadline, for the sweep to close its log:
/// far longer than any sweep interval, short enough that an abandoned store empties itself.
const GRACE: Millis = 7 * 24 * 3600 * 1000;

/// The prefix every key gets unless the URL names one (`?prefix=…`).
const DEFAULT_PREFIX: &str = "squid:";

impl From<redis::RedisError> for StoreError {
    fn from(e: redis::RedisError) -> Self {
        StoreError(Box::new(e))
    }
}

/// A handle on the sessions in one Redis database; cheap to clone.
#[derive(Clone)]
pub struct RedisSessions {
    conn: ConnectionManager,
    prefix: String,
    policy: SessionPolicy,
}

impl std::fmt::Debug for RedisSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSessions")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// Splits `?prefix=…` off a URL; the rest is what the client reads.
fn prefix_of(url: &str) -> StoreResult<(String, String)> {
    let mut parsed = url::Url::parse(url).map_err(|e| StoreError(Box::new(e)))?;
    let mut prefix = DEFAULT_PREFIX.to_string();
    let rest: Vec<(String, String)> = parsed
        .query_pairs()
        .filter_map(|(k, v)| {
            if k == "prefix" {
                prefix = v.into_owned();
                None
            } else {
                Some((k.into_owned(), v.into_owned()))
            }
        })
        .collect();
    if rest.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(rest);
    }
    Ok((parsed.into(), prefix))
}

impl RedisSessions {
    /// Connects to the Redis at `url` (`redis://[:password@]host[:port][/db][?prefix=p]`).
    /// The server must answer now; later outages are reconnected by themselves.
    pub async fn connect(url: &str, policy: SessionPolicy) -> StoreResult<RedisSessions> {
        let (url, prefix) = prefix_of(url)?;
        let client = redis::Client::open(url)?;
        // Few, quick retries: a request waiting on a reconnect must still fail within
        // COMMAND_TIMEOUT; the next request starts a fresh attempt.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_response_timeout(Some(COMMAND_TIMEOUT))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(200));
        let conn = bounded(ConnectionManager::new_with_config(client, config)).await?;
        Ok(RedisSessions {
            conn,
            prefix,
            policy,
        })
    }

    /// The prefix of every key this store writes.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub async fn ping(&self) -> StoreResult<()> {
        let mut c = self.conn.clone();
        bounded(redis::cmd("PING").query_async::<String>(&mut c)).await?;
        Ok(())
    }

    pub async fn insert(&self, hash: &TokenHash, rec: &SessionRecord) -> StoreResult<bool> {
        let ttl = (rec.expires_at(&self.policy) - rec.last_activity).max(1);
        let mut inv = scripts::INSERT.prepare_invoke();
        inv.arg(&self.prefix).arg(hex(&hash.0));
        inv.arg(&rec.public_id)
            .arg(rec.user_id.as_deref().unwrap_or(""))
            .arg(&rec.user_agent)
            .arg(rec.agent_hash.map(|h| hex(&h.0)).unwrap_or_default())
            .arg(rec.ip.as_deref().unwrap_or(""))
            .arg(rec.started_at)
            .arg(rec.last_activity)
            .arg(rec.auth_at.map(|a| a.to_string()).unwrap_or_default())
            .arg(ttl)
            .arg(GRACE)
            .arg(if rec.app { "1" } else { "" });
        let mut c = self.conn.clone();
        let done: i64 = bounded(inv.invoke_async(&mut c)).await?;
        Ok(done == 1)
    }

    pub async fn find(&self, hash: &TokenHash) -> StoreResult<Option<SessionRecord>> {
        let mut c = self.conn.clone();
        let fields: Vec<Option<String>> = bounded(
            redis::cmd("HMGET")
                .arg(format!("{}rec:{}", self.prefix, hex(&hash.0)))
                .arg(&scripts::FIELDS[..])
                .query_async(&mut c),
        )
        .await?;
        // Only `app`, the last, may be missing (a session stored before it existed).
        let fields: Option<Vec<String>> = fields
            .into_iter()
            .enumerate()
            .map(|(i, f)| f.or_else(|| (i == 8).then(String::new)))
            .collect();
        Ok(fields.and_then(|f| record_of(&f)))
    }

    pub async fn touch(&self, hash: &TokenHash, at: Millis) -> StoreResult<()> {
        let mut inv = scripts::TOUCH.prepare_invoke();
        inv.arg(&self.prefix)
            .arg(hex(&hash.0))
            .arg(at)
            .arg(self.policy.idle)
            .arg(self.policy.absolute)
            .arg(GRACE);
        let mut c = self.conn.clone();
        let _: i64 = bounded(inv.invoke_async(&mut c)).await?;
        Ok(())
    }

    pub async fn rekey(&self, old: &TokenHash, new: &TokenHash) -> StoreResult<Rekeyed> {
        let mut inv = scripts::REKEY.prepare_invoke();
        inv.arg(&self.prefix).arg(hex(&old.0)).arg(hex(&new.0));
        let mut c = self.conn.clone();
        let done: i64 = bounded(inv.invoke_async(&mut c)).await?;
        Ok(match done {
            1 => Rekeyed::Done,
            0 => Rekeyed::Gone,
            _ => Rekeyed::Taken,
        })
    }

    pub async fn set_auth(&self, hash: &TokenHash, at: Millis) -> StoreResult<()> {
        let mut inv = scripts::AUTH.prepare_invoke();
        inv.arg(&self.prefix).arg(hex(&hash.0)).arg(at);
        let mut c = self.conn.clone();
        let _: i64 = bounded(inv.invoke_async(&mut c)).await?;
        Ok(())
    }

    /// Deletes these sessions, returning those that were there, in the order asked for.
    pub async fn remove(&self, hashes: &[TokenHash]) -> StoreResult<Vec<StoredSession>> {
        if hashes.is_empty() {
            return Ok(vec![]);
        }
        let mut inv = scripts::REMOVE.prepare_invoke();
        inv.arg(&self.prefix);
        for h in hashes {
            inv.arg(hex(&h.0));
        }
        self.sessions_from(inv).await
    }

    /// The users of these sessions (from the copy kept past the deadline, which is there
    /// whenever the session is), without duplicates.
    pub async fn users_of(&self, hashes: &[TokenHash]) -> StoreResult<Vec<String>> {
        let mut pipe = redis::pipe();
        for h in hashes {
            pipe.cmd("HGET")
                .arg(format!("{}end:{}", self.prefix, hex(&h.0)))
                .arg("uid");
        }
        let mut c = self.conn.clone();
        let found: Vec<Option<String>> = bounded(pipe.query_async(&mut c)).await?;
        let mut users: Vec<String> = found
            .into_iter()
            .flatten()
            .filter(|u| !u.is_empty())
            .collect();
        users.sort_unstable();
        users.dedup();
        Ok(users)
    }

    /// Every stored session of a user, in key order (as the SQL engines list them).
    pub async fn of_user(&self, user_id: &str) -> StoreResult<Vec<StoredSession>> {
        let mut inv = scripts::OF_USER.prepare_invoke();
        inv.arg(&self.prefix).arg(user_id);
        let mut list = self.sessions_from(inv).await?;
        list.sort_by_key(|s| s.hash.0);
        Ok(list)
    }

    /// The sessions idle since `idle_before` or started before `started_before`: the idle
    /// ones by last activity, then the others by start (the SQL engines' order).
    pub async fn expired(
        &self,
        idle_before: Millis,
        started_before: Millis,
    ) -> StoreResult<Vec<StoredSession>> {
        let mut inv = scripts::EXPIRED.prepare_invoke();
        inv.arg(&self.prefix).arg(idle_before).arg(started_before);
        let mut list = self.sessions_from(inv).await?;
        list.retain(|s| {
            s.record.last_activity <= idle_before || s.record.started_at <= started_before
        });
        list.sort_by_key(|s| {
            let r = &s.record;
            let idle = r.last_activity <= idle_before;
            let at = if idle { r.last_activity } else { r.started_at };
            (!idle, at, s.hash.0)
        });
        Ok(list)
    }

    async fn sessions_from(
        &self,
        inv: redis::ScriptInvocation<'_>,
    ) -> StoreResult<Vec<StoredSession>> {
        let mut c = self.conn.clone();
        let rows: Vec<Vec<String>> = bounded(inv.invoke_async(&mut c)).await?;
        Ok(sessions_of(&rows))
    }
}

/// Sessions from script replies of the key's hex and the fields (see `scripts::LOAD`).
fn sessions_of(rows: &[Vec<String>]) -> Vec<StoredSession> {
    rows.iter()
        .filter_map(|row| {
            let (key, fields) = row.split_first()?;
            Some(StoredSession {
                hash: TokenHash(unhex(key)?),
                record: record_of(fields)?,
            })
        })
        .collect()
}

/// A command with the time limit every Redis call gets, reconnection included.
async fn bounded<T>(
    fut: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> StoreResult<T> {
    match tokio::time::timeout(COMMAND_TIMEOUT, fut).await {
        Ok(done) => Ok(done?),
        Err(elapsed) => Err(StoreError(Box::new(elapsed))),
    }
}

/// A record from the fields in [`scripts::FIELDS`] order; `None` for one we did not write.
fn record_of(f: &[String]) -> Option<SessionRecord> {
    let [pid, uid, ua, uah, ip, st, la, auth, app] = f else {
        return None;
    };
    let some = |s: &String| (!s.is_empty()).then(|| s.clone());
    let millis = |s: &String| s.parse::<f64>().ok().map(|v| v as Millis);
    Some(SessionRecord {
        public_id: pid.clone(),
        user_id: some(uid),
        user_agent: ua.clone(),
        agent_hash: unhex(uah).map(AgentHash),
        ip: some(ip),
        started_at: millis(st)?,
        last_activity: millis(la)?,
        auth_at: if auth.is_empty() {
            None
        } else {
            Some(millis(auth)?)
        },
        app: app == "1",
    })
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

fn unhex(s: &str) -> Option<[u8; 32]> {
    let bytes = s.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks(2).enumerate() {
        out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        let bytes: [u8; 32] = std::array::from_fn(|i| (i * 37) as u8);
        assert_eq!(unhex(&hex(&bytes)), Some(bytes));
        assert_eq!(unhex("zz"), None);
    }

    #[test]
    fn the_prefix_comes_off_the_url() {
        let (url, p) = prefix_of("redis://127.0.0.1:6379/2?prefix=app1:").unwrap();
        assert_eq!(
            (url.as_str(), p.as_str()),
            ("redis://127.0.0.1:6379/2", "app1:")
        );
        let (url, p) = prefix_of("redis://h/0?protocol=resp3").unwrap();
        assert_eq!(
            (url.as_str(), p.as_str()),
            ("redis://h/0?protocol=resp3", "squid:")
        );
    }
}
