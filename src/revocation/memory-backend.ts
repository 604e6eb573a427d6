// The in-memory backend (no Redis configured): the mirror is the store. One instance only; lost on restart unless
// revocation.snapshot_file keeps it.
import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';
import { type EntryType, issuerSubjectKey, parseIssuerSubjectKey } from './keys.js';
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

/** Create the memory backend over `mirror`; start() logs that revocations are not shared (nor durable without a snapshot). */
export function createMemoryBackend(
  mirror: Mirror,
  retention: Retention,
  clock: Clock,
  log: Logger,
  durable = false,
): RevocationBackend {
  const metas: Record<EntryType, Map<string, RevocationMeta>> = {
    jti: new Map(),
    sub: new Map(),
    isub: new Map(),
  };
  const entries = (type: EntryType) =>
    type === 'jti' ? mirror.jtis() : type === 'sub' ? mirror.subjects() : mirror.issuerSubjects();
  const nowSec = () => Math.floor(clock() / 1000);
  const audit = (reason: string | undefined, actor: string | undefined): RevocationMeta => ({
    ...(reason === undefined ? {} : { reason }),
    ...(actor === undefined ? {} : { actor }),
    at: nowSec(),
  });
  const sweep = () => {
    mirror.prune(nowSec());
    for (const type of ['jti', 'sub', 'isub'] as const)
      for (const id of metas[type].keys()) if (!entries(type).has(id)) metas[type].delete(id);
  };
  const entry = (type: EntryType, id: string, score: number): RevocationEntry | undefined => {
    const meta = metas[type].get(id) ?? {};
    if (type === 'jti')
      return { type, jti: id, exp: score, expiresAt: jtiExpiresAt(score, retention), ...meta };
    const expiresAt = subjectExpiresAt(score, retention);
    if (type === 'sub') return { type, sub: id, before: score, expiresAt, ...meta };
    const scoped = parseIssuerSubjectKey(id);
    return scoped && { type: 'sub', sub: scoped.sub, iss: scoped.iss, before: score, expiresAt, ...meta };
  };
  let timer: NodeJS.Timeout | undefined;

  return {
    mode: 'memory',
    async start() {
      log.warn(
        `revocation: in-memory store (no REDIS_URL): single instance only — revocations are not shared with other instances${
          durable ? '' : ' and are lost on restart (set revocation.snapshot_file to keep them)'
        }; set REDIS_URL (or revocation.sentinel / revocation.cluster) to share them`,
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
    history: () => undefined,
    adoptHistory: () => {},
    async revokeJti({ jti, exp, reason, actor }) {
      mirror.setJti(jti, exp);
      metas.jti.set(jti, audit(reason, actor));
    },
    async revokeSubject({ sub, iss, before, reason, actor }) {
      if (iss === undefined) {
        mirror.setSubject(sub, before);
        metas.sub.set(sub, audit(reason, actor));
      } else {
        const key = issuerSubjectKey(iss, sub);
        mirror.setIssuerSubject(key, before);
        metas.isub.set(key, audit(reason, actor));
      }
    },
    async unrevokeJti(jti) {
      const had = mirror.jtis().has(jti);
      mirror.removeJti(jti);
      metas.jti.delete(jti);
      return had;
    },
    async list(cursor, limit) {
      const position = decodeCursor(cursor);
      sweep();
      return pageAcross<RevocationEntry>(position, limit, async (type, offset, count) =>
        [...entries(type)]
          .sort(([a, x], [b, y]) => x - y || (a < b ? -1 : 1))
          .slice(offset, offset + count)
          .flatMap(([id, score]) => entry(type, id, score) ?? []),
      );
    },
  };
}
