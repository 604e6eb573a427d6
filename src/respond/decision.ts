// Decision: what the pipeline concluded, before it becomes an HTTP response.
import type { KeywayError } from '../errors.js';

export interface AllowDecision {
  readonly kind: 'allow';
  readonly policy: string;
  /** Every emitted header, set-or-clear: empty string when it has no value. */
  readonly headers: Readonly<Record<string, string>>;
  /** The same headers as the wire carries them: [name, value, …], names lower-cased, each once (a later spelling of a
   *  name replaces an earlier one). Shared by every allow of one cached token under one policy: never modified. */
  readonly wire: readonly string[];
  readonly subject: string | undefined;
  readonly issuer: string | undefined;
  /** Set when revocation freshness could not be confirmed and the fail mode is open. */
  readonly revocationStale: boolean;
}

export interface DenyDecision {
  readonly kind: 'deny';
  readonly policy: string | undefined;
  readonly error: KeywayError;
  readonly subject: string | undefined;
  /** Scopes to advertise in the RFC 6750 `scope` attribute on insufficient_scope. */
  readonly scopes: readonly string[];
}

export type Decision = AllowDecision | DenyDecision;

/** The revocation check as the pipeline sees it (implemented in src/revocation). */
export interface RevocationCheck {
  check(
    claims: { readonly jti?: string; readonly sub?: string; readonly iat?: number; readonly iss?: string },
    failMode: 'closed' | 'open',
  ): 'ok' | 'stale_allowed';
}

/** The upstream choice as the pipeline sees it (implemented in src/route). */
export interface UpstreamSelector {
  readonly enabled: boolean;
  select(
    keys: { readonly instance: string | undefined; readonly version: string | undefined },
    stickyKey: string | undefined,
    onNoUpstream: 'deny' | 'last_known',
    /** False for a dry run (explain): no last-known choice is remembered and nothing is counted. */
    record?: boolean,
  ): { readonly upstream: string; readonly match: 'instance' | 'version' | 'default' };
}
