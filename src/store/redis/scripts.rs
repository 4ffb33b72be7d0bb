//! The Lua scripts behind [`super::RedisSessions`]. Redis runs a script atomically, so each
//! one is a single step that no other client's command can get in between: that is what
//! makes a touch never resurrect an ended session and each session end exactly once, with
//! several instances sharing the server.
//!
//! Keys, under the configured prefix `p` (`hex` is the token's SHA-256 in hex):
//! - `p rec:hex`: the live session, a hash; its TTL is the session's own deadline, so it
//!   never outlives the idle or the absolute limit;
//! - `p end:hex`: the same facts kept a little longer (`GRACE`), so the sweep can close
//!   the durable log of a session whose `rec` Redis has already expired;
//! - `p la`, `p st`: sorted sets of every stored session by last activity and by start,
//!   for the sweep;
//! - `p user:id`: the set of a user's sessions, for devices, revocation and the cap;
//! - `p data:pid`, `p dmeta:pid`: the session's data, by its public id (see `super::data`),
//!   deleted with the session.
//!
//! Every field is always written ('' stands for "none"): a Lua table cannot hold a nil, and
//! a reply would stop at the first.

use std::sync::LazyLock;

/// The fields of a session hash, in the order replies carry them (after the key's hex).
/// `app` is last: sessions stored before it existed lack it (read as a browser's).
pub const FIELDS: [&str; 9] = ["pid", "uid", "ua", "uah", "ip", "st", "la", "auth", "app"];

/// `load(p, hex)`: the session's fields from `rec`, else from `end` with the last activity
/// from `p la` (newer than `end`'s copy), prefixed by `hex`; nil when neither is there.
pub const LOAD: &str = r#"
local F = {'pid', 'uid', 'ua', 'uah', 'ip', 'st', 'la', 'auth', 'app'}
local function load(p, hex)
  local r = redis.call('HMGET', p .. 'rec:' .. hex, unpack(F))
  if not r[1] then
    r = redis.call('HMGET', p .. 'end:' .. hex, unpack(F))
    if not r[1] then return nil end
    local la = redis.call('ZSCORE', p .. 'la', hex)
    if la then r[7] = la end
  end
  if not r[9] then r[9] = '' end
  table.insert(r, 1, hex)
  return r
end
local function forget(p, hex)
  redis.call('ZREM', p .. 'la', hex)
  redis.call('ZREM', p .. 'st', hex)
end
"#;

/// ARGV: p, hex, the first eight fields, ttl, grace, app. Returns 1, or 0 when the key is
/// taken.
pub static INSERT: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r#"
local p, hex = ARGV[1], ARGV[2]
local rec, kept = p .. 'rec:' .. hex, p .. 'end:' .. hex
if redis.call('EXISTS', rec) == 1 or redis.call('EXISTS', kept) == 1 then return 0 end
local ttl = tonumber(ARGV[11])
local keep = ttl + tonumber(ARGV[12])
for _, k in ipairs({rec, kept}) do
  redis.call('HSET', k, 'pid', ARGV[3], 'uid', ARGV[4], 'ua', ARGV[5], 'uah', ARGV[6],
             'ip', ARGV[7], 'st', ARGV[8], 'la', ARGV[9], 'auth', ARGV[10], 'app', ARGV[13])
end
redis.call('PEXPIRE', rec, ttl)
redis.call('PEXPIRE', kept, keep)
redis.call('ZADD', p .. 'la', ARGV[9], hex)
redis.call('ZADD', p .. 'st', ARGV[8], hex)
if ARGV[4] ~= '' then
  local u = p .. 'user:' .. ARGV[4]
  redis.call('SADD', u, hex)
  if redis.call('PTTL', u) < keep then redis.call('PEXPIRE', u, keep) end
end
return 1
"#,
    )
});

/// ARGV: p, hex, at, idle, absolute, grace. Moves the last activity forward (never back)
/// and slides the TTL to the new deadline, capped by the absolute one; a session that is
/// gone stays gone.
pub static TOUCH: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r#"
local p, hex = ARGV[1], ARGV[2]
local rec = p .. 'rec:' .. hex
local r = redis.call('HMGET', rec, 'st', 'la')
if not r[1] then return 0 end
local at = tonumber(ARGV[3])
if at <= tonumber(r[2]) then return 0 end
local ttl = math.min(at + tonumber(ARGV[4]), tonumber(r[1]) + tonumber(ARGV[5])) - at
if ttl < 1 then ttl = 1 end
redis.call('HSET', rec, 'la', ARGV[3])
redis.call('PEXPIRE', rec, ttl)
redis.call('PEXPIRE', p .. 'end:' .. hex, ttl + tonumber(ARGV[6]))
redis.call('ZADD', p .. 'la', 'XX', ARGV[3], hex)
return 1
"#,
    )
});

/// ARGV: p, hex, at. Records a sign-in on a live session; changes nothing on an ended one.
pub static AUTH: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r#"
local p, hex = ARGV[1], ARGV[2]
if redis.call('EXISTS', p .. 'rec:' .. hex) == 0 then return 0 end
redis.call('HSET', p .. 'rec:' .. hex, 'auth', ARGV[3])
redis.call('HSET', p .. 'end:' .. hex, 'auth', ARGV[3])
return 1
"#,
    )
});

/// ARGV: p, old hex, new hex. Moves a live session to a new key, its indexes with it (a
/// rename keeps the TTLs). Returns 1, 0 when the session is gone, -1 when the new key is
/// taken.
pub static REKEY: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r#"
local p, old, new = ARGV[1], ARGV[2], ARGV[3]
local rec = p .. 'rec:' .. old
if redis.call('EXISTS', rec) == 0 then return 0 end
if redis.call('EXISTS', p .. 'rec:' .. new) == 1 or redis.call('EXISTS', p .. 'end:' .. new) == 1 then
  return -1
end
local uid = redis.call('HGET', rec, 'uid')
redis.call('RENAME', rec, p .. 'rec:' .. new)
if redis.call('EXISTS', p .. 'end:' .. old) == 1 then
  redis.call('RENAME', p .. 'end:' .. old, p .. 'end:' .. new)
end
for _, z in ipairs({'la', 'st'}) do
  local score = redis.call('ZSCORE', p .. z, old)
  if score then
    redis.call('ZREM', p .. z, old)
    redis.call('ZADD', p .. z, score, new)
  end
end
if uid and uid ~= '' then
  redis.call('SREM', p .. 'user:' .. uid, old)
  redis.call('SADD', p .. 'user:' .. uid, new)
end
return 1
"#,
    )
});

/// ARGV: p, hex…. Deletes each session and its data, returning those that were there: of two instances
/// ending the same session, exactly one gets it back (and so closes its log and audits).
pub static REMOVE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(&format!(
        r#"{LOAD}
local p = ARGV[1]
local out = {{}}
for i = 2, #ARGV do
  local hex = ARGV[i]
  local r = load(p, hex)
  redis.call('DEL', p .. 'rec:' .. hex, p .. 'end:' .. hex)
  forget(p, hex)
  if r then
    if r[3] ~= '' then redis.call('SREM', p .. 'user:' .. r[3], hex) end
    redis.call('DEL', p .. 'data:' .. r[2], p .. 'dmeta:' .. r[2])
    table.insert(out, r)
  end
end
return out
"#
    ))
});

/// ARGV: p, user id. The user's stored sessions; entries whose session is wholly gone are
/// dropped from the index on the way.
pub static OF_USER: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(&format!(
        r#"{LOAD}
local p = ARGV[1]
local u = p .. 'user:' .. ARGV[2]
local out = {{}}
for _, hex in ipairs(redis.call('SMEMBERS', u)) do
  local r = load(p, hex)
  if r then table.insert(out, r) else redis.call('SREM', u, hex); forget(p, hex) end
end
return out
"#
    ))
});

/// ARGV: p, idle_before, started_before. The sessions idle since, or started before.
pub static EXPIRED: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(&format!(
        r#"{LOAD}
local p = ARGV[1]
local seen, out = {{}}, {{}}
local idle = redis.call('ZRANGEBYSCORE', p .. 'la', '-inf', ARGV[2])
local old = redis.call('ZRANGEBYSCORE', p .. 'st', '-inf', ARGV[3])
for _, list in ipairs({{idle, old}}) do
  for _, hex in ipairs(list) do
    if not seen[hex] then
      seen[hex] = true
      local r = load(p, hex)
      if r then table.insert(out, r) else forget(p, hex) end
    end
  end
end
return out
"#
    ))
});
