// The Lua scripts: each write is one script, so an entry, its audit details and its feed event land together or not at all.

// Every script: KEYS 1 jtis, 2 subs, 3 isubs, 4 tombs, 5 seq, 6 feed, 7 retention, 8 gen or meta (all declared, one
// slot); ARGV 1 now (s), 2 leeway (s), 3 lifetime (s), 4 feed max length, 5 writer clock (ms), then its own arguments.
// Time comes from the caller, never from the server, so scripts stay deterministic.
//
// Retention: each caller passes its own (retentionOf(config)); the retention hash keeps the largest any writer ever
// passed, and every script prunes with that largest one. So a writer configured with a shorter leeway (a `keyway revoke`
// without the servers' issuer list) never removes an entry that a server keeping entries longer still needs.

/** The KEYS every script declares, in this order, before its own last key. */
export const SCRIPT_KEYS = 7;

const PRELUDE = `
local jtis, subs, isubs, tombs, seqk, feed, retk = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local now, leeway, lifetime = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local maxlen, t = ARGV[4], ARGV[5]
local kept = redis.call('HMGET', retk, 'leeway', 'lifetime')
local keptLeeway, keptLifetime = tonumber(kept[1]), tonumber(kept[2])
if keptLeeway and keptLeeway >= leeway then leeway = keptLeeway else redis.call('HSET', retk, 'leeway', leeway) end
if keptLifetime and keptLifetime >= lifetime then lifetime = keptLifetime else redis.call('HSET', retk, 'lifetime', lifetime) end
local function prune()
  redis.call('ZREMRANGEBYSCORE', jtis, '-inf', '(' .. (now - leeway))
  redis.call('ZREMRANGEBYSCORE', tombs, '-inf', '(' .. (now - leeway))
  redis.call('ZREMRANGEBYSCORE', subs, '-inf', '(' .. (now - lifetime - leeway))
  redis.call('ZREMRANGEBYSCORE', isubs, '-inf', '(' .. (now - lifetime - leeway))
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

/** ARGV 6 jti, 7 exp, 8 meta JSON; KEYS 8 meta. Returns the event's sequence number. */
export const REVOKE_JTI = `${PRELUDE}
local exp = raise(jtis, ARGV[6], tonumber(ARGV[7]))
redis.call('ZREM', tombs, ARGV[6])
redis.call('SET', KEYS[8], ARGV[8])
redis.call('PEXPIREAT', KEYS[8], metaExpiry(exp + leeway))
return emit('jti', ARGV[6], exp)
`;

/** ARGV 6 member (a sub, or an issuerSubjectKey), 7 before, 8 meta JSON, 9 'sub' (every issuer) or 'isub' (one
 * issuer); KEYS 8 meta. Returns the event's sequence number. */
export const REVOKE_SUBJECT = `${PRELUDE}
local op = ARGV[9]
local before = raise(op == 'isub' and isubs or subs, ARGV[6], tonumber(ARGV[7]))
redis.call('SET', KEYS[8], ARGV[8])
redis.call('PEXPIREAT', KEYS[8], metaExpiry(before + lifetime + leeway))
return emit(op, ARGV[6], before)
`;

/** ARGV 6 jti; KEYS 8 meta. Always leaves a tombstone (so mirrors never re-seed it); returns {1 when it was revoked, seq}. */
export const UNREVOKE_JTI = `${PRELUDE}
local cur = redis.call('ZSCORE', jtis, ARGV[6])
redis.call('ZREM', jtis, ARGV[6])
redis.call('DEL', KEYS[8])
local tomb = raise(tombs, ARGV[6], cur and tonumber(cur) or (now + lifetime))
local seq = emit('unjti', ARGV[6], tomb)
if cur then return {1, seq} end
return {0, seq}
`;

/** ARGV 6 generation candidate, 7 the reader's applied seq; KEYS 8 gen. Returns {gen, seq, entry at seq, entry at applied}.
 * The entries themselves are read afterwards with ZSCAN, in pages (a single script returning 300,000 entries stalled
 * both Redis and every reader's event loop); changes made meanwhile come again from the feed after `seq`. */
export const SNAPSHOT = `${PRELUDE}
redis.call('SET', KEYS[8], ARGV[6], 'NX')
local seq = tonumber(redis.call('GET', seqk) or '0')
local function entryAt(s)
  if s <= 0 then return false end
  local e = redis.call('XRANGE', feed, s .. '-0', s .. '-0')[1]
  if e then return e[2] end
  return false
end
return {redis.call('GET', KEYS[8]), seq, entryAt(seq), entryAt(tonumber(ARGV[7]))}
`;

/** KEYS 8 gen. Returns {gen, seq}; also prunes, so an idle Redis still cleans itself. */
export const HEARTBEAT = `${PRELUDE}
return {redis.call('GET', KEYS[8]), redis.call('GET', seqk) or '0'}
`;

/** ARGV 6 n, then n (jti, exp) pairs, then m, then m (sub, before) pairs, then k, then k (issuerSubjectKey, before)
 * pairs. Restores what Redis lost (never a tombstoned jti); emits one `resync` event when anything changed and returns
 * how many entries it restored. */
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
local k = tonumber(ARGV[i])
i = i + 1
for _ = 1, k do
  local _, up = raise(isubs, ARGV[i], tonumber(ARGV[i + 1]))
  if up then changed = changed + 1 end
  i = i + 2
end
if changed > 0 then emit('resync', 'reseed', changed) end
return changed
`;
