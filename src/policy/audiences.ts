// A policy's `audiences`: narrows what each accepted issuer's `audiences` allow, checked on verified claims.
import type { Issuer, Policy } from '../config/types.js';
import { KeywayError } from '../errors.js';
import type { VerifiedToken } from '../verify/verify-token.js';

/** Throws KeywayError('bad_audience') when the token's `aud` holds none of the policy's audiences for its issuer. */
export type AudienceCheck = (token: VerifiedToken) => void;

/** What an issuer accepts under the policy: the policy's list, within the issuer's own when it has one. */
function effectiveAudiences(policyAudiences: readonly string[], issuer: Issuer): ReadonlySet<string> {
  const own = issuer.audiences;
  return new Set(own.length === 0 ? policyAudiences : policyAudiences.filter((a) => own.includes(a)));
}

/** Compile the check once per policy; without `audiences` every verified token passes (the issuer's check stands). */
export function compileAudienceCheck(policy: Policy, issuers: readonly Issuer[]): AudienceCheck {
  const audiences = policy.audiences;
  if (audiences === undefined) return function anyAudience() {};
  const byIssuer = new Map(issuers.map((i) => [i.name, effectiveAudiences(audiences, i)]));
  const unnamed = new Set(audiences);
  return function checkAudience(token) {
    const accepted = byIssuer.get(token.issuer.name) ?? unnamed;
    const aud = token.claims['aud'];
    // checkClaims already refused an aud that is neither a string nor an array of strings.
    const list: unknown[] = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
    if (!list.some((a) => typeof a === 'string' && accepted.has(a)))
      throw new KeywayError('bad_audience', 'aud holds none of the audiences this policy accepts');
  };
}
