// The mirror's state as the check, readiness and status see it: never loaded, loaded (fresh) or stale.
import type { RevocationBackend } from './types.js';

/** `never_loaded`: nothing known (no load from the store, no snapshot file) — every token answers 503.
 *  `loaded`: confirmed to hold every change within max_staleness. `stale`: it holds what it last knew (from the store,
 *  or restored from the snapshot file and not yet confirmed) — the fail mode decides. */
export type MirrorState = 'never_loaded' | 'loaded' | 'stale';

/** The revocation stage's state (RevocationGuard.status()). */
export interface RevocationStatus {
  readonly state: MirrorState;
  /** Where the entries came from: the store (a load from Redis, or the memory store), the snapshot file (not confirmed
   *  by the store yet), or nowhere (never loaded). */
  readonly source: 'store' | 'snapshot' | 'none';
  readonly mode: 'memory' | 'redis';
  /** The config's fail mode (a policy may override it with revocation_fail). */
  readonly failMode: 'closed' | 'open';
  /** Milliseconds since the mirror was last confirmed complete (Infinity when never). */
  readonly stalenessMs: number;
  readonly entries: number;
  readonly connected: boolean;
  readonly lastError: string | undefined;
}

/** What the state is computed from. */
export interface MirrorStateInputs {
  readonly store: RevocationBackend;
  readonly maxStalenessMs: number;
  /** Set once a snapshot file was restored: the moment it was last confirmed (ms; undefined: never confirmed). */
  readonly restored: { readonly confirmedAt: number | undefined } | undefined;
  readonly now: number;
}

/** The state and staleness: a load from the store always wins over a restored snapshot. */
export function mirrorState(i: MirrorStateInputs): {
  state: MirrorState;
  source: RevocationStatus['source'];
  stalenessMs: number;
} {
  if (i.store.loaded()) {
    const stalenessMs = i.store.stalenessMs();
    return { state: stalenessMs <= i.maxStalenessMs ? 'loaded' : 'stale', source: 'store', stalenessMs };
  }
  if (i.restored === undefined)
    return { state: 'never_loaded', source: 'none', stalenessMs: Number.POSITIVE_INFINITY };
  const { confirmedAt } = i.restored;
  const stalenessMs = confirmedAt === undefined ? Number.POSITIVE_INFINITY : Math.max(0, i.now - confirmedAt);
  return { state: 'stale', source: 'snapshot', stalenessMs };
}

/** The readiness check's answer: ok only while the mirror is loaded (fresh); the detail names the state and its cause. */
export function readinessOf(s: RevocationStatus): { ok: boolean; detail: string } {
  const mode = s.mode === 'memory' ? 'in-memory store (single instance)' : 'redis';
  const seconds = (s.stalenessMs / 1000).toFixed(1);
  if (s.state === 'never_loaded')
    return { ok: false, detail: `${mode}: not loaded yet (${s.lastError ?? 'connecting'})` };
  if (s.source === 'snapshot')
    return {
      ok: false,
      detail: `${mode}: ${s.entries} entries from the snapshot file, not confirmed yet (${s.lastError ?? 'connecting'})`,
    };
  if (s.state === 'stale')
    return { ok: false, detail: `${mode}: stale ${seconds}s (${s.lastError ?? 'no confirmation'})` };
  return { ok: true, detail: `${mode}: ${s.entries} entries, confirmed ${seconds}s ago` };
}
