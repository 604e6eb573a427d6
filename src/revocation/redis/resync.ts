// resyncMirror: one full load into the mirror, writing back first whatever Redis lost (so nothing revoked comes back).
import type { Logger } from 'pino';
import type { Clock } from '../../lib/clock.js';
import type { RevocationMetrics } from '../metrics.js';
import type { Mirror } from '../mirror.js';
import type { FollowedHistory, Retention } from '../types.js';
import type { RedisStore } from './redis-store.js';
import { divergence, findLost } from './reseed.js';

/** What a resync needs. */
export interface ResyncParts {
  readonly store: RedisStore;
  readonly mirror: Mirror;
  readonly retention: Retention;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: RevocationMetrics;
}

/** Load Redis into the mirror; when Redis diverged from `followed`, re-seed it from the mirror first. Returns the new
 * history and when the read it reflects was sent (ms); throws Redis errors, leaving the mirror as it was. */
export async function resyncMirror(
  p: ResyncParts,
  followed: FollowedHistory,
): Promise<{ followed: FollowedHistory; sentAt: number; created: boolean }> {
  let sentAt = p.clock();
  let snap = await p.store.snapshot(followed.seq);
  const created = snap.created;
  const why = divergence(followed, snap);
  if (why !== undefined) {
    const lost = findLost(p.mirror, snap, Math.floor(p.clock() / 1000), p.retention);
    const count = lost.jtis.length + lost.subjects.length + lost.issuerSubjects.length;
    p.log.warn({ why, lost: count }, 'revocation: Redis lost data; re-seeding it from this mirror');
    if (count > 0) {
      p.metrics.reseeded.inc(await p.store.reseed(lost));
      sentAt = p.clock();
      snap = await p.store.snapshot(0);
    }
  }
  p.mirror.replace(snap);
  return { followed: { gen: snap.gen, seq: snap.seq, fingerprint: snap.atSeq }, sentAt, created };
}
