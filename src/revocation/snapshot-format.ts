// The snapshot file's format (version 1): encode a mirror, and parse an untrusted file back, refusing anything foreign.
import { issuerSubjectKey, parseIssuerSubjectKey } from './keys.js';
import type { MirrorEntries } from './mirror.js';
import { type FollowedHistory, jtiExpiresAt, type Retention, subjectExpiresAt } from './types.js';

/** The `format` marker and the version this code reads and writes. */
export const SNAPSHOT_FORMAT = 'keyway-revocation-mirror';
export const SNAPSHOT_VERSION = 1;

/** Whose snapshot it is: a file of another key prefix or another kind of store is foreign. */
export interface SnapshotOwner {
  readonly keyPrefix: string;
  readonly store: 'memory' | 'redis';
}

/** What a snapshot holds besides the entries. */
export interface SnapshotMeta {
  /** When it was written (ms since the epoch). */
  readonly writtenAt: number;
  /** The latest moment the mirror was known to hold every change (ms); undefined when never confirmed. */
  readonly confirmedAt: number | undefined;
  /** The Redis history the entries follow (undefined in memory mode). */
  readonly history: FollowedHistory | undefined;
}

/** A parsed snapshot: its meta and the entries still within retention. */
export interface ParsedSnapshot extends SnapshotMeta {
  readonly entries: MirrorEntries;
}

const MAX_ID = 1024;

/** Encode the live entries of `entries` (expired ones are left out, so the file stays bounded by what is live). */
export function encodeSnapshot(
  owner: SnapshotOwner,
  meta: SnapshotMeta,
  entries: MirrorEntries,
  retention: Retention,
  nowSec: number,
): string {
  const live = (map: ReadonlyMap<string, number>, end: (v: number, r: Retention) => number) =>
    [...map].filter(([, v]) => end(v, retention) >= nowSec);
  return JSON.stringify({
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    key_prefix: owner.keyPrefix,
    store: owner.store,
    written_at: meta.writtenAt,
    confirmed_at: meta.confirmedAt ?? null,
    history: meta.history ?? null,
    jtis: live(entries.jtis, jtiExpiresAt),
    subjects: live(entries.subjects, subjectExpiresAt),
    issuer_subjects: live(entries.issuerSubjects, subjectExpiresAt).flatMap(([key, before]) => {
      const scoped = parseIssuerSubjectKey(key);
      return scoped ? [[scoped.iss, scoped.sub, before]] : [];
    }),
  });
}

/** Thrown by parseSnapshot: why the file was refused (one line, for the log). */
export class SnapshotRefused extends Error {
  override readonly name = 'SnapshotRefused';
}

const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_ID;
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function pairs(value: unknown, name: string): [string, number][] {
  if (!Array.isArray(value)) throw new SnapshotRefused(`${name}: expected an array`);
  return value.map((item, i) => {
    if (!Array.isArray(item) || item.length !== 2 || !isId(item[0]) || !isTime(item[1]))
      throw new SnapshotRefused(`${name}[${i}]: expected [id, seconds]`);
    return [item[0], item[1]];
  });
}

function history(value: unknown): FollowedHistory | undefined {
  if (value === null || value === undefined) return undefined;
  const h = value as Record<string, unknown>;
  if (typeof h !== 'object' || typeof h['gen'] !== 'string' || !isTime(h['seq']))
    throw new SnapshotRefused('history: expected {gen, seq, fingerprint}');
  const fingerprint = typeof h['fingerprint'] === 'string' ? h['fingerprint'] : undefined;
  return { gen: h['gen'], seq: h['seq'], fingerprint };
}

/** Parse an untrusted snapshot for `owner`, dropping entries past retention; throws SnapshotRefused naming the problem. */
export function parseSnapshot(
  text: string,
  owner: SnapshotOwner,
  retention: Retention,
  nowSec: number,
): ParsedSnapshot {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new SnapshotRefused('not JSON (truncated or not a keyway snapshot)');
  }
  if (raw === null || typeof raw !== 'object' || raw['format'] !== SNAPSHOT_FORMAT)
    throw new SnapshotRefused(`not a keyway revocation snapshot (format is not "${SNAPSHOT_FORMAT}")`);
  if (raw['version'] !== SNAPSHOT_VERSION)
    throw new SnapshotRefused(
      `version ${String(raw['version'])}; this keyway reads version ${SNAPSHOT_VERSION}`,
    );
  if (raw['key_prefix'] !== owner.keyPrefix || raw['store'] !== owner.store)
    throw new SnapshotRefused(
      `written for ${String(raw['store'])} store with key_prefix ${JSON.stringify(raw['key_prefix'])}, not ${owner.store} with ${JSON.stringify(owner.keyPrefix)}`,
    );
  if (!isTime(raw['written_at'])) throw new SnapshotRefused('written_at: expected milliseconds');
  const confirmedAt = raw['confirmed_at'];
  if (confirmedAt !== null && !isTime(confirmedAt))
    throw new SnapshotRefused('confirmed_at: expected milliseconds');
  const scoped = pairsOfThree(raw['issuer_subjects']);
  const keep = (list: [string, number][], end: (v: number, r: Retention) => number) =>
    new Map(list.filter(([, v]) => end(v, retention) >= nowSec));
  return {
    writtenAt: raw['written_at'],
    confirmedAt: confirmedAt ?? undefined,
    history: history(raw['history']),
    entries: {
      jtis: keep(pairs(raw['jtis'], 'jtis'), jtiExpiresAt),
      subjects: keep(pairs(raw['subjects'], 'subjects'), subjectExpiresAt),
      issuerSubjects: keep(scoped, subjectExpiresAt),
    },
  };
}

function pairsOfThree(value: unknown): [string, number][] {
  if (!Array.isArray(value)) throw new SnapshotRefused('issuer_subjects: expected an array');
  return value.map((item, i) => {
    if (!Array.isArray(item) || item.length !== 3 || !isId(item[0]) || !isId(item[1]) || !isTime(item[2]))
      throw new SnapshotRefused(`issuer_subjects[${i}]: expected [iss, sub, seconds]`);
    return [issuerSubjectKey(item[0], item[1]), item[2]];
  });
}
