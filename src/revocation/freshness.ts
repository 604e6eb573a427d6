// Freshness of the mirror: the latest moment at which it is known to hold every change Redis had.
import type { Clock } from '../lib/clock.js';

/** Tracks when the mirror was last confirmed to hold every change Redis had. */
export interface Freshness {
  /** A full load taken from a read sent at `sentAt` (ms) brought the mirror to `seq`. */
  loaded(sentAt: number, seq: number): void;
  /** The live feed brought the mirror to `seq`. */
  applied(seq: number): void;
  /** A heartbeat read sent at `sentAt` saw Redis at `seq`; the mirror is fresh as of `sentAt` once it reaches `seq`. */
  observed(sentAt: number, seq: number): void;
  /** Forget pending heartbeats (a resync is due; nothing is confirmed until it completes). */
  invalidate(): void;
  /** The sequence number the mirror has reached. */
  seq(): number;
  /** Milliseconds since the last confirmation (Infinity before the first full load). */
  stalenessMs(): number;
  isLoaded(): boolean;
}

const MAX_PENDING = 32;

/** Create a tracker; only confirmations move it forward, so a silent Redis makes it go stale by itself. */
export function createFreshness(clock: Clock): Freshness {
  let seq = 0;
  let confirmedAt: number | undefined;
  let pending: { sentAt: number; seq: number }[] = [];
  // Before the first full load, and between invalidate() and the next one, nothing confirms, nor does any read sent
  // before the invalidation: a heartbeat alone never makes a mirror that was never loaded count as complete.
  let blocked = true;
  let invalidatedAt = Number.NEGATIVE_INFINITY;
  const confirm = (at: number) => {
    if (blocked || at <= invalidatedAt) return;
    if (confirmedAt === undefined || at > confirmedAt) confirmedAt = at;
  };

  return {
    loaded(sentAt, loadedSeq) {
      seq = loadedSeq;
      pending = [];
      blocked = false;
      confirm(sentAt);
    },
    applied(appliedSeq) {
      seq = appliedSeq;
      while (pending.length > 0 && pending[0]!.seq <= seq) confirm(pending.shift()!.sentAt);
    },
    observed(sentAt, seenSeq) {
      if (seenSeq <= seq) confirm(sentAt);
      else if (pending.push({ sentAt, seq: seenSeq }) > MAX_PENDING) pending.shift();
    },
    invalidate() {
      pending = [];
      blocked = true;
      invalidatedAt = clock();
    },
    seq: () => seq,
    stalenessMs: () =>
      confirmedAt === undefined ? Number.POSITIVE_INFINITY : Math.max(0, clock() - confirmedAt),
    isLoaded: () => confirmedAt !== undefined,
  };
}
