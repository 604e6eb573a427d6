// The claim checks of a deny as expected vs actual: aud, required claims, claim allowlists, scopes.

import { readClaim } from '../lib/claim-path.js';
import { scopesOf } from '../policy/authorize.js';
import type { Check, CheckContext } from './check.js';
import { showValue } from './token-facts.js';

/** Every required claim the token lacks, with the setting that requires it (missing_claim). */
export function missingClaims(ctx: CheckContext): Check[] {
  const { facts, policy } = ctx;
  const claims = facts?.claims ?? {};
  const issuer = facts?.issuer;
  const wanted: [string, string][] = [
    ...(issuer?.require_exp ? [['exp', `issuer ${issuer.name}: require_exp`] as [string, string]] : []),
    ...(issuer?.max_token_age !== undefined
      ? [['iat', `issuer ${issuer.name}: max_token_age`] as [string, string]]
      : []),
    ...(issuer?.required_claims ?? []).map((c): [string, string] => [
      c,
      `issuer ${issuer!.name}: required_claims`,
    ]),
    ...(policy?.required_claims ?? []).map((c): [string, string] => [
      c,
      `policy ${policy!.name}: required_claims`,
    ]),
    ...Object.keys(policy?.claims ?? {}).map((c): [string, string] => [c, `policy ${policy!.name}: claims`]),
  ];
  return wanted
    .filter(([name]) => readClaim(claims, name) === undefined)
    .map(([name, source]) => ({ check: `claim ${name}`, actual: null, expected: 'present', note: source }));
}

/** Every allowlisted claim whose value is not allowed (claim_mismatch). */
export function claimMismatches(ctx: CheckContext): Check[] {
  const claims = ctx.facts?.claims ?? {};
  return Object.entries(ctx.policy?.claims ?? {}).flatMap(([path, allowed]) => {
    const value = readClaim(claims, path);
    const list = Array.isArray(value) ? value : [value];
    if (list.some((v) => (allowed as readonly unknown[]).includes(v))) return [];
    return [{ check: `claim ${path}`, actual: showValue(value), expected: { any_of: allowed } }];
  });
}

/** The token's aud against the issuer's audiences, else the policy's (bad_audience). */
export function audienceCheck(ctx: CheckContext): Check {
  const aud = ctx.facts?.claims['aud'];
  const actual = aud === undefined ? null : typeof aud === 'string' ? [aud] : showValue(aud);
  const issuer = ctx.facts?.issuer;
  const own = issuer?.audiences ?? [];
  const list = Array.isArray(actual) ? actual : [];
  if (issuer && own.length > 0 && !list.some((a) => own.includes(a)))
    return { check: 'aud', actual, expected: { any_of: own }, note: `issuer ${issuer.name}: audiences` };
  const policyAudiences = ctx.policy?.audiences ?? [];
  const effective = own.length === 0 ? policyAudiences : policyAudiences.filter((a) => own.includes(a));
  return {
    check: 'aud',
    actual,
    expected: { any_of: effective },
    note: `policy ${ctx.policy?.name}: audiences${own.length > 0 ? ` (within issuer ${issuer?.name}'s)` : ''}`,
  };
}

/** The token's scopes against the policy's (insufficient_scope). */
export function scopeCheck(ctx: CheckContext): Check {
  const claims = ctx.facts?.claims ?? {};
  const have = [...scopesOf(claims)];
  const required = ctx.policy?.scopes ?? [];
  return {
    check: 'scope',
    actual: have,
    expected: { all_of: required },
    note: `missing: ${required.filter((s) => !have.includes(s)).join(' ')}`,
  };
}
