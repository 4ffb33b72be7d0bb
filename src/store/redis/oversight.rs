//! What an administrator reads of the sessions in Redis: every live session, walked in the
//! `la` index (most recent activity first) by scripts, so each answer is one consistent
//! step. They walk every live session: fine for an operator's page, not a request path.

use super::{bounded, scripts::LOAD, RedisSessions};
use crate::domain::Millis;
use crate::store::{LiveFilter, StoreResult, StoredSession, TallyRow};
use std::sync::LazyLock;

/// ARGV: p, public id. The live session with that id (as `load` gives it), or nil.
static BY_PUBLIC_ID: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(&format!(
        r#"{LOAD}
local p, pid = ARGV[1], ARGV[2]
for _, hex in ipairs(redis.call('ZRANGE', p .. 'la', 0, -1)) do
  if redis.call('HGET', p .. 'rec:' .. hex, 'pid') == pid then return {{load(p, hex)}} end
end
return {{}}
"#
    ))
});

/// ARGV: p, active after, started after, user id ('' for any), signed in ('1', '0' or ''),
/// offset, limit. Returns {total, session…}, most recently active first.
static PAGE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(&format!(
        r#"{LOAD}
local p = ARGV[1]
local started_after, user, signed = tonumber(ARGV[3]), ARGV[4], ARGV[5]
local offset, limit = tonumber(ARGV[6]), tonumber(ARGV[7])
local total, out = 0, {{}}
for _, hex in ipairs(redis.call('ZREVRANGEBYSCORE', p .. 'la', '+inf', '(' .. ARGV[2])) do
  local f = redis.call('HMGET', p .. 'rec:' .. hex, 'uid', 'st')
  if f[2] and tonumber(f[2]) > started_after
     and (user == '' or f[1] == user)
     and (signed == '' or (signed == '1') == (f[1] ~= '')) then
    if total >= offset and #out < limit then table.insert(out, load(p, hex)) end
    total = total + 1
  end
end
table.insert(out, 1, {{tostring(total)}})
return out
"#
    ))
});

/// ARGV: p, active after, started after. Returns {uid, ua, count, …}.
static TALLY: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r#"
local p, started_after = ARGV[1], tonumber(ARGV[3])
local counts, order = {}, {}
for _, hex in ipairs(redis.call('ZRANGEBYSCORE', p .. 'la', '(' .. ARGV[2], '+inf')) do
  local f = redis.call('HMGET', p .. 'rec:' .. hex, 'uid', 'ua', 'st')
  if f[3] and tonumber(f[3]) > started_after then
    local k = f[1] .. '\n' .. f[2]
    if not counts[k] then
      counts[k] = 0
      table.insert(order, {f[1], f[2], k})
    end
    counts[k] = counts[k] + 1
  end
end
local out = {}
for _, e in ipairs(order) do
  table.insert(out, e[1]); table.insert(out, e[2]); table.insert(out, tostring(counts[e[3]]))
end
return out
"#,
    )
});

impl RedisSessions {
    pub async fn by_public_id(&self, public_id: &str) -> StoreResult<Option<StoredSession>> {
        let mut inv = BY_PUBLIC_ID.prepare_invoke();
        inv.arg(&self.prefix).arg(public_id);
        Ok(self.sessions_from(inv).await?.into_iter().next())
    }

    pub async fn live_page(
        &self,
        filter: LiveFilter<'_>,
        offset: u64,
        limit: u64,
    ) -> StoreResult<(Vec<StoredSession>, u64)> {
        let signed = match filter.signed_in {
            Some(true) => "1",
            Some(false) => "0",
            None => "",
        };
        let mut inv = PAGE.prepare_invoke();
        inv.arg(&self.prefix)
            .arg(filter.active_after)
            .arg(filter.started_after)
            .arg(filter.user_id.unwrap_or(""))
            .arg(signed)
            .arg(offset)
            .arg(limit);
        let mut c = self.conn.clone();
        let rows: Vec<Vec<String>> = bounded(inv.invoke_async(&mut c)).await?;
        let total = rows
            .first()
            .and_then(|r| r.first())
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        Ok((super::sessions_of(&rows[1.min(rows.len())..]), total))
    }

    pub async fn tally(
        &self,
        active_after: Millis,
        started_after: Millis,
    ) -> StoreResult<Vec<TallyRow>> {
        let mut inv = TALLY.prepare_invoke();
        inv.arg(&self.prefix).arg(active_after).arg(started_after);
        let mut c = self.conn.clone();
        let flat: Vec<String> = bounded(inv.invoke_async(&mut c)).await?;
        Ok(flat
            .chunks_exact(3)
            .map(|r| TallyRow {
                user_id: (!r[0].is_empty()).then(|| r[0].clone()),
                user_agent: r[1].clone(),
                sessions: r[2].parse().unwrap_or(0),
            })
            .collect())
    }
}
