// The Redis side of revocation: the write scripts, the full snapshot, the heartbeat read and the feed read.
import { createHash, randomUUID } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import { issuerSubjectKey, type RevocationKeys } from '../keys.js';
import type { JtiRevocation, Retention, SubjectRevocation } from '../types.js';
import { HEARTBEAT, RESEED, REVOKE_JTI, REVOKE_SUBJECT, SCRIPT_KEYS, SNAPSHOT, UNREVOKE_JTI } from './lua.js';
import type { RedisClient } from './redis-connect.js';

/** Everything Redis holds, read atomically by one script. */
export interface Snapshot {
  readonly gen: string;
  readonly seq: number;
  readonly jtis: Map<string, number>;
  readonly subjects: Map<string, number>;
  /** Keyed by issuerSubjectKey(iss, sub). */
  readonly issuerSubjects: Map<string, number>;
  readonly tombstones: ReadonlySet<string>;
  /** Fingerprint of the feed entry at `seq`, and of the entry at the reader's applied seq (undefined when absent). */
  readonly atSeq: string | undefined;
  readonly atApplied: string | undefined;
  /** This read created the generation marker: Redis had none (new, restarted empty or flushed). */
  readonly created: boolean;
}

/** One change from the feed. */
export interface FeedEvent {
  readonly seq: number;
  readonly op: string;
  readonly id: string;
  readonly value: number;
  /** The writer's clock when it wrote the change (ms). */
  readonly writtenAt: number;
  readonly fingerprint: string;
}

/** The Redis operations of revocation; each write returns the sequence number of its feed event. */
export interface RedisStore {
  revokeJti(input: JtiRevocation): Promise<number>;
  revokeSubject(input: SubjectRevocation): Promise<number>;
  /** Whether the jti was revoked, and the sequence number of the write's feed event. */
  unrevokeJti(jti: string): Promise<{ removed: boolean; seq: number }>;
  snapshot(appliedSeq: number): Promise<Snapshot>;
  heartbeat(): Promise<{ gen: string | null; seq: number }>;
  reseed(lost: LostEntries): Promise<number>;
  /** Block up to `blockMs` on `feedClient` for changes after `afterSeq`. */
  readFeed(feedClient: RedisClient, afterSeq: number, blockMs: number): Promise<FeedEvent[]>;
}

/** Key layout, retention and clock for the store. */
export interface RedisStoreOptions {
  readonly keys: RevocationKeys;
  readonly retention: Retention;
  readonly feedMaxLen: number;
  readonly clock: Clock;
}

/** Entries to write back to a Redis that lost them (issuer subjects by issuerSubjectKey). */
export interface LostEntries {
  readonly jtis: readonly [string, number][];
  readonly subjects: readonly [string, number][];
  readonly issuerSubjects: readonly [string, number][];
}

const RESEED_BATCH = 500;

/** Fingerprint of a feed entry's fields, to tell whether Redis still holds the history the mirror followed. */
const fingerprint = (fields: unknown): string | undefined =>
  Array.isArray(fields) ? (fields as string[]).join('\u0000') : undefined;

/** ZRANGE … WITHSCORES output as a map of member → score. */
export function toScores(flat: unknown): Map<string, number> {
  const list = flat as string[];
  const out = new Map<string, number>();
  for (let i = 0; i + 1 < list.length; i += 2) out.set(list[i]!, Number(list[i + 1]));
  return out;
}

/** Entries read per ZSCAN call: small enough that no single reply stalls Redis or the event loop. */
const SCAN_COUNT = 5_000;

/** A sorted set's members and scores, read with ZSCAN in pages (the event loop runs between them). */
async function scanScores(client: RedisClient, key: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let cursor = '0';
  do {
    const [next, flat] = await client.zscan(key, cursor, 'COUNT', SCAN_COUNT);
    for (let i = 0; i + 1 < flat.length; i += 2) out.set(flat[i]!, Number(flat[i + 1]));
    cursor = next;
  } while (cursor !== '0');
  return out;
}

/** Create the store over a `commands` client (fail-fast, no offline queue). Redis errors propagate as thrown. */
export function createRedisStore(client: RedisClient, options: RedisStoreOptions): RedisStore {
  const { keys, retention, clock } = options;
  const shas = new Map<string, string>();
  const base = [
    keys.jtis,
    keys.subjects,
    keys.issuerSubjects,
    keys.tombstones,
    keys.seq,
    keys.feed,
    keys.retention,
  ];

  // EVALSHA, falling back to EVAL once per script when the server does not have it cached (new or restarted Redis).
  const run = async (lua: string, extraKey: string, args: readonly (string | number)[]): Promise<unknown> => {
    let sha = shas.get(lua);
    if (sha === undefined) {
      sha = createHash('sha1').update(lua).digest('hex');
      shas.set(lua, sha);
    }
    const now = clock();
    const argv = [
      Math.floor(now / 1000),
      retention.leeway,
      retention.lifetime,
      options.feedMaxLen,
      now,
      ...args,
    ];
    try {
      return await client.evalsha(sha, SCRIPT_KEYS + 1, ...base, extraKey, ...argv);
    } catch (err) {
      if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
      return client.eval(lua, SCRIPT_KEYS + 1, ...base, extraKey, ...argv);
    }
  };
  const meta = (reason: string | undefined, actor: string | undefined) =>
    JSON.stringify({ reason, actor, at: Math.floor(clock() / 1000) });

  return {
    revokeJti: async ({ jti, exp, reason, actor }) =>
      Number(await run(REVOKE_JTI, keys.meta('jti', jti), [jti, exp, meta(reason, actor)])),
    async revokeSubject({ sub, iss, before, reason, actor }) {
      const [type, member] =
        iss === undefined ? (['sub', sub] as const) : (['isub', issuerSubjectKey(iss, sub)] as const);
      return Number(
        await run(REVOKE_SUBJECT, keys.meta(type, member), [member, before, meta(reason, actor), type]),
      );
    },
    async unrevokeJti(jti) {
      const [removed, seq] = (await run(UNREVOKE_JTI, keys.meta('jti', jti), [jti])) as [number, number];
      return { removed: Number(removed) === 1, seq: Number(seq) };
    },
    async snapshot(appliedSeq) {
      const candidate = randomUUID();
      const reply = (await run(SNAPSHOT, keys.gen, [candidate, appliedSeq])) as unknown[];
      // Every entry present for the whole scan is returned (ZSCAN's guarantee); one added or removed meanwhile may
      // or may not be, and its change is replayed from the feed after `seq`. Tombstones are scanned last, so a jti
      // un-revoked during the jti scan is found there (a re-seed never brings it back).
      const jtis = await scanScores(client, keys.jtis);
      const subjects = await scanScores(client, keys.subjects);
      const issuerSubjects = await scanScores(client, keys.issuerSubjects);
      const tombstones = new Set((await scanScores(client, keys.tombstones)).keys());
      return {
        gen: String(reply[0]),
        created: String(reply[0]) === candidate,
        seq: Number(reply[1]),
        jtis,
        subjects,
        issuerSubjects,
        tombstones,
        atSeq: fingerprint(reply[2]),
        atApplied: fingerprint(reply[3]),
      };
    },
    async heartbeat() {
      const [gen, seq] = (await run(HEARTBEAT, keys.gen, [])) as [string | null, string];
      return { gen, seq: Number(seq) };
    },
    async reseed({ jtis, subjects, issuerSubjects }) {
      let restored = 0;
      const longest = Math.max(jtis.length, subjects.length, issuerSubjects.length);
      for (let i = 0; i < longest; i += RESEED_BATCH) {
        const parts = [jtis, subjects, issuerSubjects].map((list) => list.slice(i, i + RESEED_BATCH));
        restored += Number(
          await run(
            RESEED,
            keys.gen,
            parts.flatMap((part) => [part.length, ...part.flat()]),
          ),
        );
      }
      return restored;
    },
    async readFeed(feedClient, afterSeq, blockMs) {
      const reply = await feedClient.xread(
        'COUNT',
        1000,
        'BLOCK',
        blockMs,
        'STREAMS',
        keys.feed,
        `${afterSeq}-0`,
      );
      const entries = reply?.[0]?.[1] ?? [];
      return entries.map(([id, fields]) => {
        const f: Record<string, string> = {};
        for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
        return {
          seq: Number.parseInt(id, 10),
          op: f['op'] ?? '',
          id: f['id'] ?? '',
          value: Number(f['v']),
          writtenAt: Number(f['t']),
          fingerprint: fingerprint(fields) ?? '',
        };
      });
    },
  };
}
