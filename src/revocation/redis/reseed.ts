// Detect that Redis lost data (emptied, restored, lagging replica) and find what the mirror must write back to it.
import type { Mirror } from '../mirror.js';
import { type FollowedHistory, jtiExpiresAt, type Retention, subjectExpiresAt } from '../types.js';
import type { LostEntries, Snapshot } from './redis-store.js';

/** Why a snapshot shows that Redis no longer holds the history the mirror followed, or undefined when it does. */
export function divergence(followed: FollowedHistory, snap: Snapshot): string | undefined {
  if (followed.gen === undefined) return undefined;
  if (snap.gen !== followed.gen) return 'generation marker changed (Redis restarted empty or was flushed)';
  if (snap.seq < followed.seq) return 'sequence number went back (Redis restored older data)';
  if (
    followed.fingerprint !== undefined &&
    snap.atApplied !== undefined &&
    snap.atApplied !== followed.fingerprint
  )
    return 'change history differs (Redis restored older data, then took new writes)';
  return undefined;
}

/** Entries the mirror holds that the snapshot lacks (or holds with an earlier time), skipping expired and un-revoked ones. */
export function findLost(mirror: Mirror, snap: Snapshot, nowSec: number, retention: Retention): LostEntries {
  const jtis: [string, number][] = [];
  for (const [jti, exp] of mirror.jtis()) {
    const held = snap.jtis.get(jti);
    if (jtiExpiresAt(exp, retention) < nowSec || snap.tombstones.has(jti)) continue;
    if (held === undefined || held < exp) jtis.push([jti, exp]);
  }
  const lostSubjects = (mine: ReadonlyMap<string, number>, held: ReadonlyMap<string, number>) => {
    const lost: [string, number][] = [];
    for (const [key, before] of mine) {
      if (subjectExpiresAt(before, retention) < nowSec) continue;
      const there = held.get(key);
      if (there === undefined || there < before) lost.push([key, before]);
    }
    return lost;
  };
  return {
    jtis,
    subjects: lostSubjects(mirror.subjects(), snap.subjects),
    issuerSubjects: lostSubjects(mirror.issuerSubjects(), snap.issuerSubjects),
  };
}
