// createRedisSync: full resync (and re-seed) at start and after reconnects, the live feed, and the freshness heartbeat.
import type { Logger } from 'pino';
import type { Clock } from '../../lib/clock.js';
import type { Freshness } from '../freshness.js';
import type { ResyncCause, RevocationMetrics } from '../metrics.js';
import type { Mirror } from '../mirror.js';
import type { FollowedHistory, Retention } from '../types.js';
import type { RedisClient } from './redis-connect.js';
import type { FeedEvent, RedisStore } from './redis-store.js';
import { resyncMirror } from './resync.js';

/** The parts the sync drives: both connections, the store, the mirror and its freshness. */
export interface RedisSyncOptions {
  readonly store: RedisStore;
  readonly commands: RedisClient;
  readonly feed: RedisClient;
  readonly mirror: Mirror;
  readonly freshness: Freshness;
  readonly retention: Retention;
  readonly heartbeatMs: number;
  readonly blockMs: number;
  readonly startTimeoutMs: number;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: RevocationMetrics;
}

/** The running sync of one guard. */
export interface RedisSync {
  /** Connect and run; resolves after the first load attempt or startTimeoutMs, whichever comes first. */
  start(): Promise<void>;
  close(): Promise<void>;
  connected(): boolean;
  lastError(): string | undefined;
  /**
   * Apply this instance's own acknowledged write (feed sequence number `seq`) to the mirror now, and again after any
   * full load whose snapshot predates it, until the feed has delivered it: a resync racing the write cannot drop it.
   */
  applyLocal(seq: number, apply: () => void): void;
  /** The history the mirror follows now. */
  history(): FollowedHistory;
  /** Before start(): follow `history` (a restored snapshot's), so the first load detects what Redis lost since. */
  adoptHistory(history: FollowedHistory): void;
}

/** Local writes remembered for re-application; older ones are dropped past this many (the feed has them by then). */
const MAX_LOCAL_WRITES = 1_000;

const isReady = (client: RedisClient) => client.status === 'ready';

/** Create the sync for one guard; a single loop owns every mirror update, so resyncs and feed changes never interleave. */
export function createRedisSync(o: RedisSyncOptions): RedisSync {
  const { store, mirror, freshness, log, clock } = o;
  let followed: FollowedHistory = { gen: undefined, seq: 0, fingerprint: undefined };
  let due: ResyncCause | undefined = 'start';
  let closed = false;
  let beating = false;
  let outage = false;
  let error: string | undefined;
  let wakeLoop: (() => void) | undefined;
  // Own writes the feed has not delivered yet, by sequence number (insertion order is write order).
  const local = new Map<number, () => void>();
  const forgetDelivered = () => {
    for (const seq of local.keys()) if (seq <= followed.seq) local.delete(seq);
  };
  let firstAttempt: () => void = () => {};
  const firstAttempted = new Promise<void>((resolve) => {
    firstAttempt = resolve;
  });

  // The loop's wait: ends early when a connection becomes ready or the sync closes.
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeLoop = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const wake = () => wakeLoop?.();
  const requestResync = (cause: ResyncCause) => {
    due ??= cause;
    freshness.invalidate();
  };
  const fail = (err: unknown) => {
    error = `redis: ${(err as Error).message}`;
    if (!outage && !closed) log.warn({ err: error }, 'revocation: Redis unavailable; the mirror goes stale');
    outage = true;
  };

  // A mirror that knows nothing (never loaded, no snapshot file) finding Redis without a generation marker cannot
  // tell a new store from one restarted empty: running peers re-seed the latter on their next heartbeat. So it stays
  // unloaded (503 revocation_unavailable) for a grace of a few heartbeats, then reads again.
  const emptyGraceMs = Math.max(300, o.heartbeatMs * 3);
  let emptySince: number | undefined;
  // Resyncs begun, and whether one runs now. Until a resync ends, `followed` is the history before it: a heartbeat read
  // answered meanwhile (or sent before it began) must not be compared with that — it would call the generation the
  // resync is adopting a change, and its invalidation would void that very load (a first load then ends unloaded).
  let resyncsBegun = 0;
  let resyncing = false;

  async function resync(): Promise<void> {
    const cause = due ?? 'start';
    due = undefined;
    const knewNothing = !freshness.isLoaded() && followed.gen === undefined && mirror.size() === 0;
    const result = await resyncMirror(o, followed);
    if (knewNothing && (result.created || emptySince !== undefined)) {
      emptySince ??= clock();
      if (clock() - emptySince < emptyGraceMs && !closed) {
        // Read again within this resync, so start() (which awaits the first one) returns loaded, not in the grace.
        await pause(250);
        due = cause;
        return resync();
      }
    }
    followed = result.followed;
    forgetDelivered();
    for (const apply of local.values()) apply();
    freshness.loaded(result.sentAt, followed.seq);
    o.metrics.resyncs.inc({ cause });
    if (outage)
      log.info({ entries: mirror.size(), seq: followed.seq }, 'revocation: Redis back; mirror resynced');
    outage = false;
    error = undefined;
  }

  async function runResync(): Promise<void> {
    resyncsBegun += 1;
    resyncing = true;
    try {
      await resync();
    } finally {
      resyncing = false;
    }
  }

  function apply(event: FeedEvent): void {
    if (event.op === 'jti') mirror.setJti(event.id, event.value);
    else if (event.op === 'sub') mirror.setSubject(event.id, event.value);
    else if (event.op === 'isub') mirror.setIssuerSubject(event.id, event.value);
    else if (event.op === 'unjti') mirror.removeJti(event.id);
    else requestResync('peer_reseed');
    o.metrics.observeFeedLag((clock() - event.writtenAt) / 1000);
  }

  async function tail(): Promise<void> {
    const events = await store.readFeed(o.feed, followed.seq, o.blockMs);
    for (const event of events) {
      if (event.seq <= followed.seq) continue;
      if (event.seq !== followed.seq + 1) return requestResync('feed_gap');
      apply(event);
      followed = { ...followed, seq: event.seq, fingerprint: event.fingerprint };
      freshness.applied(event.seq);
    }
    if (local.size > 0) forgetDelivered();
  }

  async function loop(): Promise<void> {
    let failures = 0;
    while (!closed) {
      if (!isReady(o.commands) || !isReady(o.feed)) {
        await pause(100);
        continue;
      }
      try {
        if (due) await runResync();
        else await tail();
        failures = 0;
      } catch (err) {
        if (closed) break;
        fail(err);
        requestResync('error');
        failures += 1;
        await pause(Math.min(50 * 2 ** failures, 1_000));
      }
      firstAttempt();
    }
  }

  async function beat(): Promise<void> {
    if (closed || beating || !isReady(o.commands)) return;
    beating = true;
    const sentAt = clock();
    const begun = resyncsBegun;
    try {
      const seen = await store.heartbeat();
      // A resync due, running, or begun since this read was sent decides for itself (it reads gen and seq again).
      if (due || resyncing || resyncsBegun !== begun) return;
      if (seen.gen !== followed.gen) requestResync('generation');
      else if (seen.seq < followed.seq) requestResync('regression');
      else freshness.observed(sentAt, seen.seq);
    } catch (err) {
      fail(err);
    } finally {
      beating = false;
    }
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  return {
    async start() {
      for (const client of [o.commands, o.feed]) {
        client.on('error', (err: Error) => fail(err));
        client.on('close', () => {
          if (closed) return;
          requestResync('reconnect');
          fail(new Error('connection closed'));
        });
        client.on('ready', () => wake());
        client.connect().catch((err: unknown) => fail(err));
      }
      // Entries arrive one by one from the feed but leave it only at a full load: drop expired ones now and then, so the
      // mirror (and keyway_revocation_mirror_size) does not grow with every revocation ever made since the last resync.
      const pruneEveryMs = Math.max(o.heartbeatMs * 10, 1_000);
      let prunedAt = clock();
      timer = setInterval(() => {
        if (clock() - prunedAt >= pruneEveryMs) {
          prunedAt = clock();
          mirror.prune(Math.floor(prunedAt / 1000));
        }
        void beat();
      }, o.heartbeatMs);
      timer.unref();
      running = loop();
      let startTimer: NodeJS.Timeout | undefined;
      await Promise.race([
        firstAttempted,
        new Promise<void>((resolve) => {
          startTimer = setTimeout(resolve, o.startTimeoutMs);
        }),
      ]);
      clearTimeout(startTimer);
    },
    async close() {
      closed = true;
      clearInterval(timer);
      // A start() still waiting for its first attempt returns now, not after start_timeout (a start that failed closes
      // at once, and that timer must not hold the exit).
      firstAttempt();
      wake();
      o.feed.disconnect();
      o.commands.disconnect();
      await running;
    },
    connected: () => isReady(o.commands),
    lastError: () => error,
    applyLocal(seq, applyWrite) {
      applyWrite();
      if (seq <= followed.seq) return;
      local.set(seq, applyWrite);
      if (local.size > MAX_LOCAL_WRITES) local.delete(local.keys().next().value as number);
    },
    history: () => followed,
    adoptHistory(history) {
      followed = history;
    },
  };
}
