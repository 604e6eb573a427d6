// The in-memory backend (no Redis configured): the mirror is the store. One instance only; lost on restart.
import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';
import { decodeCursor, pageAcross } from './list-cursor.js';
import type { Mirror } from './mirror.js';
import {
  jtiExpiresAt,
  type Retention,
  type RevocationBackend,
  type RevocationEntry,
  type RevocationMeta,
  subjectExpiresAt,
} from './types.js';

const SWEEP_MS = 60_000;

/** Create the memory backend over `mirror`; start() logs that revocations are neither shared nor durable. */
export function createMemoryBackend(
  mirror: Mirror,
  retention: Retention,
  clock: Clock,
  log: Logger,
): RevocationBackend {
  const metas = new Map<string, RevocationMeta>();
  const nowSec = () => Math.floor(clock() / 1000);
  const audit = (reason: string | undefined, actor: string | undefined): RevocationMeta => ({
    ...(reason === undefined ? {} : { reason }),
    ...(actor === undefined ? {} : { actor }),
    at: nowSec(),
  });
  const sweep = () => {
    mirror.prune(nowSec());
    for (const key of metas.keys()) {
      const [type, id] = [key.slice(0, 3), key.slice(4)];
      if (!(type === 'jti' ? mirror.jtis() : mirror.subjects()).has(id)) metas.delete(key);
    }
  };
  let timer: NodeJS.Timeout | undefined;

  return {
    mode: 'memory',
    async start() {
      log.warn(
        'revocation: in-memory store (no REDIS_URL): single instance only — revocations are not shared with other ' +
          'instances and are lost on restart; set REDIS_URL (or revocation.sentinel / revocation.cluster) to share them',
      );
      timer = setInterval(sweep, SWEEP_MS);
      timer.unref();
    },
    async close() {
      clearInterval(timer);
    },
    connected: () => true,
    loaded: () => true,
    stalenessMs: () => 0,
    lastError: () => undefined,
    async revokeJti({ jti, exp, reason, actor }) {
      mirror.setJti(jti, exp);
      metas.set(`jti:${jti}`, audit(reason, actor));
    },
    async revokeSubject({ sub, before, reason, actor }) {
      mirror.setSubject(sub, before);
      metas.set(`sub:${sub}`, audit(reason, actor));
    },
    async unrevokeJti(jti) {
      const had = mirror.jtis().has(jti);
      mirror.removeJti(jti);
      metas.delete(`jti:${jti}`);
      return had;
    },
    async list(cursor, limit) {
      const position = decodeCursor(cursor);
      sweep();
      return pageAcross<RevocationEntry>(position, limit, async (type, offset, count) => {
        const rows = [...(type === 'jti' ? mirror.jtis() : mirror.subjects())]
          .sort(([a, x], [b, y]) => x - y || (a < b ? -1 : 1))
          .slice(offset, offset + count);
        return rows.map(([id, score]) => {
          const meta = metas.get(`${type}:${id}`) ?? {};
          return type === 'jti'
            ? { type, jti: id, exp: score, expiresAt: jtiExpiresAt(score, retention), ...meta }
            : { type, sub: id, before: score, expiresAt: subjectExpiresAt(score, retention), ...meta };
        });
      });
    },
  };
}
