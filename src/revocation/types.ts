// The shapes shared by the revocation modules: admin inputs, listed entries, and the backend contract.

/** Revoke one token by its `jti` until its `exp` (seconds since the epoch). */
export interface JtiRevocation {
  readonly jti: string;
  readonly exp: number;
  readonly reason?: string;
  readonly actor?: string;
}

/** Revoke every token of `sub` issued at or before `before` (seconds since the epoch): of every issuer, or only of the
 * tokens whose `iss` claim is `iss` when given. */
export interface SubjectRevocation {
  readonly sub: string;
  readonly iss?: string;
  readonly before: number;
  readonly reason?: string;
  readonly actor?: string;
}

/** Audit details stored beside an entry (never consulted by the check). */
export interface RevocationMeta {
  readonly reason?: string;
  readonly actor?: string;
  /** When the revocation was written (seconds). */
  readonly at?: number;
}

/** One revocation as listed by the admin API and the CLI; `expiresAt` is when it drops out by itself (seconds). */
export type RevocationEntry =
  | ({
      readonly type: 'jti';
      readonly jti: string;
      readonly exp: number;
      readonly expiresAt: number;
    } & RevocationMeta)
  | ({
      readonly type: 'sub';
      readonly sub: string;
      /** Present for a revocation of one issuer's subject; absent: every issuer. */
      readonly iss?: string;
      readonly before: number;
      readonly expiresAt: number;
    } & RevocationMeta);

/** One page of entries; `next` is the opaque cursor of the following page, undefined on the last one. */
export interface RevocationPage {
  readonly items: RevocationEntry[];
  readonly next: string | undefined;
}

/** Where revocations are written and listed: the in-memory store or Redis. */
export interface RevocationBackend {
  readonly mode: 'memory' | 'redis';
  start(): Promise<void>;
  close(): Promise<void>;
  /** True while the store can take writes. */
  connected(): boolean;
  /** True once the first full load is done (memory: always). */
  loaded(): boolean;
  /** Milliseconds since the mirror was last confirmed to hold every change (memory: 0; Infinity before the first load). */
  stalenessMs(): number;
  /** The last store error, for readiness and status (undefined when healthy). */
  lastError(): string | undefined;
  /** The Redis history the mirror's entries follow (written into a snapshot file); undefined in memory mode. */
  history(): FollowedHistory | undefined;
  /** Before start(): the mirror was restored from a snapshot file that followed `history`, so the first load compares
   *  Redis with it and writes back what Redis lost (an emptied or older Redis). */
  adoptHistory(history: FollowedHistory): void;
  revokeJti(input: JtiRevocation): Promise<void>;
  revokeSubject(input: SubjectRevocation): Promise<void>;
  unrevokeJti(jti: string): Promise<boolean>;
  list(cursor: string | undefined, limit: number): Promise<RevocationPage>;
}

/** The retention rules every backend applies (seconds). */
export interface Retention {
  /** Extra seconds an entry is kept past the token's exp (clock skew, verify leeway). */
  readonly leeway: number;
  /** The longest token lifetime the config allows: a subject entry is kept this long after `before`. */
  readonly lifetime: number;
}

/** Seconds until which a jti entry is kept. */
export function jtiExpiresAt(exp: number, r: Retention): number {
  return exp + r.leeway;
}

/** Seconds until which a subject entry is kept: no token issued at or before `before` outlives this. */
export function subjectExpiresAt(before: number, r: Retention): number {
  return before + r.lifetime + r.leeway;
}

/** What the mirror last followed: the generation, the applied sequence number and the fingerprint of that change. */
export interface FollowedHistory {
  readonly gen: string | undefined;
  readonly seq: number;
  readonly fingerprint: string | undefined;
}
