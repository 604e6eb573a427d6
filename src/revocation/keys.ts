// The Redis key layout: every key carries the hash tag {<prefix>:rev}, so all of them share one Cluster slot.

/** The revocation keys; one slot, so one Lua script can touch them together
 * (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags). */
export interface RevocationKeys {
  /** ZSET jti → exp (seconds). */
  readonly jtis: string;
  /** ZSET sub → before (seconds). */
  readonly subjects: string;
  /** ZSET jti → exp of explicit un-revocations, so a re-seed never brings back what an admin deleted. */
  readonly tombstones: string;
  /** STRING counter: the sequence number of the last change. */
  readonly seq: string;
  /** STRING random generation marker: missing or changed means Redis lost its data. */
  readonly gen: string;
  /** STREAM of changes with IDs `<seq>-0`. */
  readonly feed: string;
  /** STRING JSON audit details of one entry, expiring with it. */
  meta(type: 'jti' | 'sub', id: string): string;
}

/** The keys under `prefix` (config revocation.key_prefix). */
export function revocationKeys(prefix: string): RevocationKeys {
  const tag = `{${prefix}:rev}`;
  return {
    jtis: `${tag}:jtis`,
    subjects: `${tag}:subs`,
    tombstones: `${tag}:tombs`,
    seq: `${tag}:seq`,
    gen: `${tag}:gen`,
    feed: `${tag}:feed`,
    meta: (type, id) => `${tag}:meta:${type}:${id}`,
  };
}
