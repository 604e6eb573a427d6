// The Redis key layout: every key carries the hash tag {<prefix>:rev}, so all of them share one Cluster slot.

/** The revocation keys; one slot, so one Lua script can touch them together
 * (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags). */
export interface RevocationKeys {
  /** ZSET jti → exp (seconds). */
  readonly jtis: string;
  /** ZSET sub → before (seconds): the subject of every issuer. */
  readonly subjects: string;
  /** ZSET issuerSubjectKey(iss, sub) → before (seconds): the subject of one issuer only. */
  readonly issuerSubjects: string;
  /** ZSET jti → exp of explicit un-revocations, so a re-seed never brings back what an admin deleted. */
  readonly tombstones: string;
  /** STRING counter: the sequence number of the last change. */
  readonly seq: string;
  /** STRING random generation marker: missing or changed means Redis lost its data. */
  readonly gen: string;
  /** STREAM of changes with IDs `<seq>-0`. */
  readonly feed: string;
  /** HASH leeway, lifetime (seconds): the largest retention any writer announced; every prune keeps at least that. */
  readonly retention: string;
  /** STRING JSON audit details of one entry, expiring with it. */
  meta(type: EntryType, id: string): string;
}

/** The three kinds of entry: a jti, a subject of every issuer, a subject of one issuer. */
export type EntryType = 'jti' | 'sub' | 'isub';

/** The keys under `prefix` (config revocation.key_prefix). */
export function revocationKeys(prefix: string): RevocationKeys {
  const tag = `{${prefix}:rev}`;
  return {
    jtis: `${tag}:jtis`,
    subjects: `${tag}:subs`,
    issuerSubjects: `${tag}:isubs`,
    tombstones: `${tag}:tombs`,
    seq: `${tag}:seq`,
    gen: `${tag}:gen`,
    feed: `${tag}:feed`,
    retention: `${tag}:retention`,
    meta: (type, id) => `${tag}:meta:${type}:${id}`,
  };
}

/** The member of one issuer's subject: the JSON array `[iss, sub]`, unambiguous whatever characters either holds. */
export function issuerSubjectKey(iss: string, sub: string): string {
  return JSON.stringify([iss, sub]);
}

/** The issuer and subject of an issuerSubjectKey; undefined for anything else (a foreign or corrupt member). */
export function parseIssuerSubjectKey(key: string): { iss: string; sub: string } | undefined {
  try {
    const value: unknown = JSON.parse(key);
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string'
    )
      return { iss: value[0], sub: value[1] };
  } catch {
    // not an issuer-subject member
  }
  return undefined;
}
