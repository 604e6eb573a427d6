// tokenFacts: what explain may show of a token — its header's alg/kid/typ and registered claims, never the token.
import type { Config, Issuer } from '../config/types.js';
import { parseJws } from '../verify/parse-jws.js';

/** The parsed (unverified) header and claims of the token, or undefined when it does not parse. */
export interface TokenFacts {
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: Readonly<Record<string, unknown>>;
  /** The configured issuer the token's iss selects (the one without `issuer` when none matches). */
  readonly issuer: Issuer | undefined;
}

/** Parse the token as verify does (strict); undefined when it is not a JWS keyway could read. */
export function tokenFacts(token: string | undefined, config: Config): TokenFacts | undefined {
  if (token === undefined) return undefined;
  try {
    const jws = parseJws(token, config.limits.max_token_bytes);
    const iss = jws.claims['iss'];
    const issuer =
      config.issuers.find((i) => i.issuer !== undefined && i.issuer === iss) ??
      config.issuers.find((i) => i.issuer === undefined);
    return { header: jws.header, claims: jws.claims, issuer };
  } catch {
    return undefined;
  }
}

/** A NumericDate as "ISO (seconds)"; other values as they are. */
export function showTime(value: unknown): unknown {
  return typeof value === 'number' && Number.isFinite(value)
    ? `${new Date(value * 1000).toISOString()} (${value})`
    : value;
}

/** A claim value for output: as is when short, else cut (a claim can be any JSON, up to the token's size). */
export function showValue(value: unknown): unknown {
  if (value === undefined) return null;
  const json = JSON.stringify(value);
  return json.length <= 256 ? value : `${json.slice(0, 240)}… (${json.length} characters)`;
}

/** The header fields and registered claims explain reports for every token it can parse. */
export function tokenSummary(facts: TokenFacts): Record<string, unknown> {
  const { header, claims } = facts;
  const out: Record<string, unknown> = {};
  for (const name of ['alg', 'kid', 'typ'] as const)
    if (header[name] !== undefined) out[name] = showValue(header[name]);
  for (const name of ['iss', 'aud'] as const)
    if (claims[name] !== undefined) out[name] = showValue(claims[name]);
  for (const name of ['exp', 'nbf', 'iat'] as const)
    if (claims[name] !== undefined) out[name] = showTime(claims[name]);
  if (facts.issuer) out['issuer'] = facts.issuer.name;
  return out;
}
