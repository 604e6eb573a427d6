// listRedisRevocations: one page of live entries from Redis (jtis by exp, then subjects by before) with audit details.
import { decodeCursor, pageAcross } from './list-cursor.js';
import type { RedisClient } from './redis-connect.js';
import { type RedisStoreOptions, toScores } from './redis-store.js';
import {
  jtiExpiresAt,
  type RevocationEntry,
  type RevocationMeta,
  type RevocationPage,
  subjectExpiresAt,
} from './types.js';

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

/** Read one page; throws AdminInputError('invalid_cursor') for a bad cursor, and Redis errors as thrown. */
export async function listRedisRevocations(
  client: RedisClient,
  options: Omit<RedisStoreOptions, 'feedMaxLen'>,
  cursor: string | undefined,
  limit: number,
): Promise<RevocationPage> {
  const { keys, retention } = options;
  const position = decodeCursor(cursor);
  const now = Math.floor(options.clock() / 1000);
  return pageAcross<RevocationEntry>(position, limit, async (type, offset, count) => {
    const key = type === 'jti' ? keys.jtis : keys.subjects;
    // Entries past their retention but not pruned yet are not listed (the check ignores them too).
    const min = type === 'jti' ? now - retention.leeway : now - retention.lifetime - retention.leeway;
    const rows = toScores(await client.zrangebyscore(key, min, '+inf', 'WITHSCORES', 'LIMIT', offset, count));
    if (rows.size === 0) return [];
    const metas = await client.mget(...[...rows.keys()].map((id) => keys.meta(type, id)));
    return [...rows].map(([id, score], i) => {
      const audit = readMeta(metas[i]);
      return type === 'jti'
        ? { type, jti: id, exp: score, expiresAt: jtiExpiresAt(score, retention), ...audit }
        : { type, sub: id, before: score, expiresAt: subjectExpiresAt(score, retention), ...audit };
    });
  });
}
