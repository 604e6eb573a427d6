// listRedisRevocations: one page of live entries from Redis (jtis by exp, subjects, issuer subjects by before) with audit details.
import type { EntryType, RevocationKeys } from '../keys.js';
import { parseIssuerSubjectKey } from '../keys.js';
import { decodeCursor, pageAcross } from '../list-cursor.js';
import {
  jtiExpiresAt,
  type Retention,
  type RevocationEntry,
  type RevocationMeta,
  type RevocationPage,
  subjectExpiresAt,
} from '../types.js';
import type { RedisClient } from './redis-connect.js';
import { type RedisStoreOptions, toScores } from './redis-store.js';

function readMeta(text: string | null | undefined): RevocationMeta {
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    // An unreadable audit record never hides the entry itself.
  }
  const { reason, actor, at } = parsed;
  return {
    ...(typeof reason === 'string' ? { reason } : {}),
    ...(typeof actor === 'string' ? { actor } : {}),
    ...(typeof at === 'number' ? { at } : {}),
  };
}

/** The retention the scripts prune with: the larger of this caller's and the largest any writer announced. */
async function effectiveRetention(
  client: RedisClient,
  keys: RevocationKeys,
  own: Retention,
): Promise<Retention> {
  const [leeway, lifetime] = await client.hmget(keys.retention, 'leeway', 'lifetime');
  return {
    leeway: Math.max(own.leeway, Number(leeway) || 0),
    lifetime: Math.max(own.lifetime, Number(lifetime) || 0),
  };
}

const KEY_OF = { jti: 'jtis', sub: 'subjects', isub: 'issuerSubjects' } as const;

/** Read one page; throws AdminInputError('invalid_cursor') for a bad cursor, and Redis errors as thrown. */
export async function listRedisRevocations(
  client: RedisClient,
  options: Omit<RedisStoreOptions, 'feedMaxLen'>,
  cursor: string | undefined,
  limit: number,
): Promise<RevocationPage> {
  const { keys } = options;
  const position = decodeCursor(cursor);
  const retention = await effectiveRetention(client, keys, options.retention);
  const now = Math.floor(options.clock() / 1000);
  const entry = (
    type: EntryType,
    id: string,
    score: number,
    audit: RevocationMeta,
  ): RevocationEntry | undefined => {
    if (type === 'jti')
      return { type, jti: id, exp: score, expiresAt: jtiExpiresAt(score, retention), ...audit };
    const expiresAt = subjectExpiresAt(score, retention);
    if (type === 'sub') return { type, sub: id, before: score, expiresAt, ...audit };
    const scoped = parseIssuerSubjectKey(id);
    return scoped && { type: 'sub', sub: scoped.sub, iss: scoped.iss, before: score, expiresAt, ...audit };
  };
  return pageAcross<RevocationEntry>(position, limit, async (type, offset, count) => {
    // Entries past their retention but not pruned yet are not listed (the check ignores them too).
    const min = type === 'jti' ? now - retention.leeway : now - retention.lifetime - retention.leeway;
    const rows = toScores(
      await client.zrangebyscore(keys[KEY_OF[type]], min, '+inf', 'WITHSCORES', 'LIMIT', offset, count),
    );
    if (rows.size === 0) return [];
    const metas = await client.mget(...[...rows.keys()].map((id) => keys.meta(type, id)));
    // A member that is not a valid issuer-subject key (written by hand) is skipped, not shown garbled.
    return [...rows].flatMap(([id, score], i) => entry(type, id, score, readMeta(metas[i])) ?? []);
  });
}
