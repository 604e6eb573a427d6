// The Lua scripts: each write is one script, so an entry, its audit details and its feed event land together or not at all.

// Every script: KEYS 1 jtis, 2 subs, 3 tombs, 4 seq, 5 feed, 6 gen or meta (all declared, one slot); ARGV 1 now (s),
// 2 leeway (s), 3 lifetime (s), 4 feed max length, 5 writer clock (ms), then its own arguments. Time comes from the
// caller, never from the server, so scripts stay deterministic.

const PRELUDE = `
local jtis, subs, tombs, seqk, feed = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local now, leeway, lifetime = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local maxlen, t = ARGV[4], ARGV[5]
local function prune()
  redis.call('ZREMRANGEBYSCORE', jtis, '-inf', '(' .. (now - leeway))
  redis.call('ZREMRANGEBYSCORE', tombs, '-inf', '(' .. (now - leeway))
  redis.call('ZREMRANGEBYSCORE', subs, '-inf', '(' .. (now - lifetime - leeway))
end
local function emit(op, id, v)
  local seq = redis.call('INCR', seqk)
  local top = redis.call('XREVRANGE', feed, '+', '-', 'COUNT', 1)[1]
  if top then
    local last = tonumber(string.match(top[1], '^(%d+)'))
    if last >= seq then seq = last + 1; redis.call('SET', seqk, seq) end
  end
  redis.call('XADD', feed, 'MAXLEN', '~', maxlen, seq .. '-0', 'op', op, 'id', id, 'v', v, 't', t)
  return seq
end
-- PEXPIREAT in ms for an entry kept until \`at\` (s), capped at 9999-12-31: a larger time is not an integer Redis accepts,
-- and a command failing after the entry was written would leave it written without its feed event (half a write).
local function metaExpiry(at)
  return math.min(at, 253402300799) * 1000
end
local function raise(key, id, v)
  local cur = redis.call('ZSCORE', key, id)
  if cur and tonumber(cur) >= v then return tonumber(cur), false end
  redis.call('ZADD', key, v, id)
  return v, true
end
prune()
`;

/** ARGV 6 jti, 7 exp, 8 meta JSON; KEYS 6 meta. Returns the event's sequence number. */
export const REVOKE_JTI = `${PRELUDE}
local exp = raise(jtis, ARGV[6], tonumber(ARGV[7]))
redis.call('ZREM', tombs, ARGV[6])
redis.call('SET', KEYS[6], ARGV[8])
redis.call('PEXPIREAT', KEYS[6], metaExpiry(exp + leeway))
return emit('jti', ARGV[6], exp)
`;

/** ARGV 6 sub, 7 before, 8 meta JSON; KEYS 6 meta. Returns the event's sequence number. */
export const REVOKE_SUBJECT = `${PRELUDE}
local before = raise(subs, ARGV[6], tonumber(ARGV[7]))
redis.call('SET', KEYS[6], ARGV[8])
redis.call('PEXPIREAT', KEYS[6], metaExpiry(before + lifetime + leeway))
return emit('sub', ARGV[6], before)
`;

/** ARGV 6 jti; KEYS 6 meta. Always leaves a tombstone (so mirrors never re-seed it); returns {1 when it was revoked, seq}. */
export const UNREVOKE_JTI = `${PRELUDE}
local cur = redis.call('ZSCORE', jtis, ARGV[6])
redis.call('ZREM', jtis, ARGV[6])
redis.call('DEL', KEYS[6])
local tomb = raise(tombs, ARGV[6], cur and tonumber(cur) or (now + lifetime))
local seq = emit('unjti', ARGV[6], tomb)
if cur then return {1, seq} end
return {0, seq}
`;

/** ARGV 6 generation candidate, 7 the reader's applied seq; KEYS 6 gen. Returns {gen, seq, entry at seq, entry at applied}.
 * The entries themselves are read afterwards with ZSCAN, in pages (a single script returning 300,000 entries stalled
 * both Redis and every reader's event loop); changes made meanwhile come again from the feed after `seq`. */
export const SNAPSHOT = `${PRELUDE}
redis.call('SET', KEYS[6], ARGV[6], 'NX')
local seq = tonumber(redis.call('GET', seqk) or '0')
local function entryAt(s)
  if s <= 0 then return false end
  local e = redis.call('XRANGE', feed, s .. '-0', s .. '-0')[1]
  if e then return e[2] end
  return false
end
return {redis.call('GET', KEYS[6]), seq, entryAt(seq), entryAt(tonumber(ARGV[7]))}
`;

/** KEYS 6 gen. Returns {gen, seq}; also prunes, so an idle Redis still cleans itself. */
export const HEARTBEAT = `${PRELUDE}
return {redis.call('GET', KEYS[6]), redis.call('GET', seqk) or '0'}
`;

/** ARGV 6 n, then n (jti, exp) pairs, then m, then m (sub, before) pairs. Restores what Redis lost (never a tombstoned jti);
 * emits one `resync` event when anything changed and returns how many entries it restored. */
export const RESEED = `${PRELUDE}
local i, changed = 7, 0
for _ = 1, tonumber(ARGV[6]) do
  if not redis.call('ZSCORE', tombs, ARGV[i]) then
    local _, up = raise(jtis, ARGV[i], tonumber(ARGV[i + 1]))
    if up then changed = changed + 1 end
  end
  i = i + 2
end
local m = tonumber(ARGV[i])
i = i + 1
for _ = 1, m do
  local _, up = raise(subs, ARGV[i], tonumber(ARGV[i + 1]))
  if up then changed = changed + 1 end
  i = i + 2
end
if changed > 0 then emit('resync', 'reseed', changed) end
return changed
`;
