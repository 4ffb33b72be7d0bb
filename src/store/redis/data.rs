//! Session data in Redis, beside the sessions. Keys, under the prefix `p`, by the
//! session's public id:
//! - `p data:pid`: a hash of key -> sealed value;
//! - `p dmeta:pid`: a hash of key -> `version:size:updatedAt`, kept apart so that the
//!   limits are summed without reading the values.
//!
//! Both expire at the latest moment the session could still be swept (its absolute
//! deadline plus the grace of `end:`), and the session's removal deletes them
//! (`scripts::REMOVE`). A write is one script: the session is there, the version is what
//! the caller expects, the limits hold, then the value is written.

use super::{bounded, hex, RedisSessions, GRACE};
use crate::store::{
    DataLimits, DataOwner, DataPut, DataRow, DeleteOutcome, Expect, PutOutcome, StoreError,
    StoreResult,
};
use std::collections::HashMap;
use std::sync::LazyLock;

/// `current(m, key)`: the key's version (nil when not set); `met(kind, v, current)`: whether
/// it meets a write's expectation (`Expect`, as `expect_args` passes it).
const EXPECT: &str = r#"
local function current(m, key)
  local meta = redis.call('HGET', m, key)
  if meta then return tonumber(string.match(meta, '^(%d+):')) end
  return nil
end
local function met(kind, v, cur)
  return kind == 'any' or (kind == 'exists' and cur ~= nil)
    or (kind == 'absent' and cur == nil) or (kind == 'version' and cur == tonumber(v))
end
"#;

/// ARGV: p, hex, pid, key, sealed, size, at, expect kind, expect version, max keys, max
/// bytes, expire at (ms). Returns {version, created} or {-1} (no session), {-2}
/// (precondition), {-3} (too large).
static PUT: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(&format!(
        r#"{EXPECT}
local p, hex, pid, key = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('HGET', p .. 'rec:' .. hex, 'pid') ~= pid then return {{-1, 0}} end
local d, m = p .. 'data:' .. pid, p .. 'dmeta:' .. pid
local current = current(m, key)
if not met(ARGV[8], ARGV[9], current) then return {{-2, 0}} end
local keys, bytes = 0, 0
local all = redis.call('HGETALL', m)
for i = 1, #all, 2 do
  if all[i] ~= key then
    keys = keys + 1
    bytes = bytes + tonumber(string.match(all[i + 1], '^%d+:(%d+):'))
  end
end
if keys >= tonumber(ARGV[10]) or bytes + tonumber(ARGV[6]) > tonumber(ARGV[11]) then
  return {{-3, 0}}
end
local version = (current or 0) + 1
redis.call('HSET', d, key, ARGV[5])
redis.call('HSET', m, key, string.format('%d:%s:%s', version, ARGV[6], ARGV[7]))
redis.call('PEXPIREAT', d, ARGV[12])
redis.call('PEXPIREAT', m, ARGV[12])
if current == nil then return {{version, 1}} end
return {{version, 0}}
"#
    ))
});

/// ARGV: p, pid, key, expect kind, expect version. Returns 1 (deleted), 0 (missing), -2
/// (precondition).
static DELETE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(&format!(
        r#"{EXPECT}
local p, pid, key = ARGV[1], ARGV[2], ARGV[3]
local d, m = p .. 'data:' .. pid, p .. 'dmeta:' .. pid
local current = current(m, key)
if not met(ARGV[4], ARGV[5], current) then return -2 end
if current == nil then return 0 end
redis.call('HDEL', d, key)
redis.call('HDEL', m, key)
return 1
"#
    ))
});

fn expect_args(expect: Expect) -> (&'static str, i64) {
    match expect {
        Expect::Any => ("any", 0),
        Expect::Exists => ("exists", 0),
        Expect::Absent => ("absent", 0),
        Expect::Version(v) => ("version", v),
    }
}

/// `version:size:updatedAt`.
fn parse_meta(meta: &str) -> Option<(i64, i64, i64)> {
    let mut parts = meta.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    Some((parts.next()??, parts.next()??, parts.next()??))
}

fn row(key: String, sealed: Vec<u8>, meta: &str) -> StoreResult<DataRow> {
    let (version, size, updated_at) = parse_meta(meta).ok_or_else(|| {
        StoreError(format!("session data of key {key:?} has unreadable metadata").into())
    })?;
    Ok(DataRow {
        key,
        sealed,
        size,
        version,
        updated_at,
    })
}

impl RedisSessions {
    fn data_keys(&self, public_id: &str) -> (String, String) {
        (
            format!("{}data:{public_id}", self.prefix),
            format!("{}dmeta:{public_id}", self.prefix),
        )
    }

    /// When the data of a session must be gone at the latest.
    fn data_deadline(&self, owner: DataOwner<'_>) -> i64 {
        owner.record.started_at + self.policy.absolute + GRACE
    }

    pub async fn data_entries(&self, owner: DataOwner<'_>) -> StoreResult<Vec<DataRow>> {
        let (d, m) = self.data_keys(&owner.record.public_id);
        let mut c = self.conn.clone();
        let (mut values, metas): (HashMap<String, Vec<u8>>, HashMap<String, String>) = bounded(
            redis::pipe()
                .atomic()
                .hgetall(&d)
                .hgetall(&m)
                .query_async(&mut c),
        )
        .await?;
        let mut rows = metas
            .into_iter()
            .filter_map(|(key, meta)| {
                let sealed = values.remove(&key)?;
                Some(row(key, sealed, &meta))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        rows.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(rows)
    }

    pub async fn data_entry(
        &self,
        owner: DataOwner<'_>,
        key: &str,
    ) -> StoreResult<Option<DataRow>> {
        let (d, m) = self.data_keys(&owner.record.public_id);
        let mut c = self.conn.clone();
        let (sealed, meta): (Option<Vec<u8>>, Option<String>) = bounded(
            redis::pipe()
                .atomic()
                .hget(&d, key)
                .hget(&m, key)
                .query_async(&mut c),
        )
        .await?;
        match (sealed, meta) {
            (Some(sealed), Some(meta)) => Ok(Some(row(key.to_string(), sealed, &meta)?)),
            _ => Ok(None),
        }
    }

    pub async fn put_data(
        &self,
        owner: DataOwner<'_>,
        put: DataPut<'_>,
        limits: DataLimits,
    ) -> StoreResult<PutOutcome> {
        let (kind, version) = expect_args(put.expect);
        let mut inv = PUT.prepare_invoke();
        inv.arg(&self.prefix)
            .arg(hex(&owner.hash.0))
            .arg(&owner.record.public_id)
            .arg(put.key)
            .arg(put.sealed)
            .arg(put.size)
            .arg(put.at)
            .arg(kind)
            .arg(version)
            .arg(limits.max_keys)
            .arg(limits.max_bytes)
            .arg(self.data_deadline(owner));
        let mut c = self.conn.clone();
        let reply: Vec<i64> = bounded(inv.invoke_async(&mut c)).await?;
        Ok(match reply.as_slice() {
            [-1, ..] => PutOutcome::NoSession,
            [-2, ..] => PutOutcome::Precondition,
            [-3, ..] => PutOutcome::TooLarge,
            [version, created] => PutOutcome::Written {
                version: *version,
                created: *created == 1,
            },
            _ => return Err(StoreError("an unexpected reply to a data write".into())),
        })
    }

    pub async fn delete_data(
        &self,
        owner: DataOwner<'_>,
        key: &str,
        expect: Expect,
    ) -> StoreResult<DeleteOutcome> {
        let (kind, version) = expect_args(expect);
        let mut inv = DELETE.prepare_invoke();
        inv.arg(&self.prefix)
            .arg(&owner.record.public_id)
            .arg(key)
            .arg(kind)
            .arg(version);
        let mut c = self.conn.clone();
        let reply: i64 = bounded(inv.invoke_async(&mut c)).await?;
        Ok(match reply {
            1 => DeleteOutcome::Deleted,
            0 => DeleteOutcome::Missing,
            _ => DeleteOutcome::Precondition,
        })
    }

    pub async fn insert_data(&self, owner: DataOwner<'_>, rows: &[DataRow]) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let (d, m) = self.data_keys(&owner.record.public_id);
        let deadline = self.data_deadline(owner);
        let mut pipe = redis::pipe();
        pipe.atomic();
        for r in rows {
            pipe.hset(&d, &r.key, &r.sealed[..]).ignore();
            pipe.hset(
                &m,
                &r.key,
                format!("{}:{}:{}", r.version, r.size, r.updated_at),
            )
            .ignore();
        }
        pipe.pexpire_at(&d, deadline).ignore();
        pipe.pexpire_at(&m, deadline).ignore();
        let mut c = self.conn.clone();
        bounded(pipe.query_async::<()>(&mut c)).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_reads_back() {
        assert_eq!(
            parse_meta("3:120:1764000000123"),
            Some((3, 120, 1764000000123))
        );
        assert_eq!(parse_meta("3:120"), None);
        assert_eq!(parse_meta("x:1:2"), None);
    }
}
