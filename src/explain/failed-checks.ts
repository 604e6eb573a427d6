// failedChecks: for a deny, the check that failed as expected vs actual — from the token's claims and the config.
import type { Config, Issuer, Policy } from '../config/types.js';
import type { Reason } from '../errors.js';
import type { Check, CheckContext } from './check.js';
import { audienceCheck, claimMismatches, missingClaims, scopeCheck } from './claim-checks.js';
import { showTime, showValue } from './token-facts.js';

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** The issuers a policy accepts: its `issuers`, else every configured one. */
const accepted = (config: Config, policy: Policy | undefined): readonly Issuer[] =>
  policy?.issuers === undefined
    ? config.issuers
    : config.issuers.filter((i) => policy.issuers!.includes(i.name));

/** A time claim against now ± leeway. */
function timeCheck(ctx: CheckContext, name: 'exp' | 'nbf' | 'iat', expected: string): Check {
  const leeway = Math.floor((ctx.facts?.issuer?.leeway ?? 0) / 1000);
  return {
    check: name,
    actual: showTime(ctx.facts?.claims[name]),
    expected,
    now: iso(Math.floor(ctx.nowMs / 1000)),
    leeway: `${leeway}s`,
  };
}

function keyCheck(ctx: CheckContext, reason: 'unknown_key' | 'alg_not_allowed' | 'bad_signature'): Check {
  const header: Readonly<Record<string, unknown>> = ctx.facts?.header ?? {};
  const issuer = ctx.facts?.issuer;
  const keys = issuer ? ctx.keys(issuer.name) : [];
  const known = keys.map((k) => `${k.kid ?? '(no kid)'}: ${k.algs.join(', ')}`);
  const kid = header['kid'] ?? null;
  if (reason === 'alg_not_allowed') {
    const byKid = keys.find((k) => k.kid !== undefined && k.kid === kid);
    const allowed = issuer?.algorithms ?? [];
    return byKid && allowed.includes(header['alg'] as never)
      ? {
          check: 'alg',
          actual: header['alg'] ?? null,
          expected: { any_of: byKid.algs },
          note: `kid ${byKid.kid} is bound to these`,
        }
      : {
          check: 'alg',
          actual: header['alg'] ?? null,
          expected: { any_of: allowed },
          note: `issuer ${issuer?.name ?? '?'}: algorithms`,
        };
  }
  if (reason === 'unknown_key')
    return {
      check: 'kid',
      actual: { kid, alg: header['alg'] ?? null },
      expected: { any_of: known },
      note: `issuer ${issuer?.name ?? '?'}: keys served now`,
    };
  return {
    check: 'signature',
    actual: { kid, alg: header['alg'] ?? null },
    expected: `a signature by one of: ${known.join('; ') || 'no key'}`,
    note: 'signed by another key (same kid, or a rotated secret), or altered',
  };
}

/**
 * The failed check(s) behind `reason`, as expected vs actual; empty when the reason is not about the token's content or
 * no token was found (no policy matched, sources that disagree) or it does not parse.
 */
export function failedChecks(reason: Reason, ctx: CheckContext): Check[] {
  const { facts, config, nowMs } = ctx;
  const now = Math.floor(nowMs / 1000);
  const leeway = Math.floor((facts?.issuer?.leeway ?? 0) / 1000);
  const claims = facts?.claims ?? {};
  // Without a token explain could read (a cookie or query token, or none parsed), there is nothing to compare.
  if (facts === undefined && reason !== 'token_too_large') return [];
  switch (reason) {
    case 'token_too_large':
      return [
        {
          check: 'size',
          actual: `${ctx.tokenLength} bytes`,
          expected: `at most ${config.limits.max_token_bytes} bytes (limits.max_token_bytes)`,
        },
      ];
    case 'bad_issuer': {
      const issuers = accepted(config, ctx.policy).map((i) => i.issuer ?? `${i.name} (any iss)`);
      return [
        {
          check: 'iss',
          actual: showValue(claims['iss']),
          expected: { any_of: issuers },
          ...(ctx.policy ? { note: `policy ${ctx.policy.name}: issuers` } : {}),
        },
      ];
    }
    case 'alg_not_allowed':
    case 'unknown_key':
    case 'bad_signature':
      return facts ? [keyCheck(ctx, reason)] : [];
    case 'bad_type':
      return [
        {
          check: 'typ',
          actual: showValue(facts?.header['typ']),
          expected: { any_of: facts?.issuer?.typ ?? [] },
        },
      ];
    case 'expired':
      return [timeCheck(ctx, 'exp', `after ${iso(now - leeway)} (now − leeway)`)];
    case 'not_yet_valid':
      return [timeCheck(ctx, 'nbf', `at or before ${iso(now + leeway)} (now + leeway)`)];
    case 'issued_in_future':
      return [timeCheck(ctx, 'iat', `at or before ${iso(now + leeway)} (now + leeway)`)];
    case 'token_too_old': {
      const maxAge = Math.floor((facts?.issuer?.max_token_age ?? 0) / 1000);
      return [
        {
          ...timeCheck(
            ctx,
            'iat',
            `at or after ${iso(now - leeway - maxAge)} (now − leeway − max_token_age ${maxAge}s)`,
          ),
        },
      ];
    }
    case 'lifetime_too_long': {
      const exp = claims['exp'] as number;
      const iat = typeof claims['iat'] === 'number' ? claims['iat'] : undefined;
      const limit =
        Math.floor(config.revocation.max_token_lifetime / 1000) + (iat === undefined ? leeway : 0);
      return [
        {
          check: iat === undefined ? 'exp − now' : 'exp − iat',
          actual: `${exp - (iat ?? now)}s`,
          expected: `at most ${limit}s (revocation.max_token_lifetime${iat === undefined ? ' + leeway' : ''})`,
        },
      ];
    }
    case 'bad_audience':
      return [audienceCheck(ctx)];
    case 'missing_claim':
      return missingClaims(ctx);
    case 'claim_mismatch':
      return claimMismatches(ctx);
    case 'insufficient_scope':
      return [scopeCheck(ctx)];
    default:
      return [];
  }
}
