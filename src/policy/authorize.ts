// compileAuthorizer: a policy's required claims, claim allowlists and scopes, checked on verified claims.
import type { Policy } from '../config/types.js';
import { KeywayError } from '../errors.js';
import { readClaim } from '../lib/claim-path.js';

export type Authorizer = (claims: Readonly<Record<string, unknown>>) => void;

/** Scopes from `scope` (space-separated, RFC 8693 §4.2) or `scp` (array or string). */
export function scopesOf(claims: Readonly<Record<string, unknown>>): ReadonlySet<string> {
  const out = new Set<string>();
  const add = (v: unknown) => {
    const list: unknown[] = typeof v === 'string' ? v.split(' ') : Array.isArray(v) ? v : [];
    for (const s of list) if (typeof s === 'string' && s !== '') out.add(s);
  };
  add(claims['scope']);
  add(claims['scp']);
  return out;
}

function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/**
 * Compile the policy's checks. The authorizer throws KeywayError: `missing_claim` (required or allowlisted claim
 * absent), `claim_mismatch` (scalar not in the allowlist, or an array claim sharing no value with it),
 * `insufficient_scope` (a required scope missing).
 */
export function compileAuthorizer(policy: Policy): Authorizer {
  const required = policy.required_claims;
  const allow = Object.entries(policy.claims).map(
    ([path, values]) => [path, new Set<unknown>(values)] as const,
  );
  const scopes = policy.scopes;
  return function authorize(claims) {
    for (const path of required) {
      if (readClaim(claims, path) === undefined)
        throw new KeywayError('missing_claim', `claim ${path} is required`);
    }
    for (const [path, values] of allow) {
      const v = readClaim(claims, path);
      if (v === undefined) throw new KeywayError('missing_claim', `claim ${path} is required`);
      const ok = isScalar(v)
        ? values.has(v)
        : Array.isArray(v) && v.some((x) => isScalar(x) && values.has(x));
      if (!ok) throw new KeywayError('claim_mismatch', `claim ${path} is not allowed`);
    }
    if (scopes.length > 0) {
      const have = scopesOf(claims);
      const missing = scopes.filter((s) => !have.has(s));
      if (missing.length > 0)
        throw new KeywayError('insufficient_scope', `missing scope ${missing.join(' ')}`);
    }
  };
}
