// compilePolicies: every policy's matcher, token sources, authorizer, header mappings and key templates, built once.
import type { Config, Policy } from '../config/types.js';
import type { Deps } from '../deps.js';
import { KeywayError } from '../errors.js';
import { compileTokenSource, type TokenSource } from '../extract/extract-token.js';
import { type ClaimReader, compileClaimPath } from '../lib/claim-path.js';
import { compileKeyTemplate, type KeyTemplate } from '../lib/key-template.js';
import type { ForwardedRequest } from '../request/request.js';
import { type AudienceCheck, compileAudienceCheck } from './audiences.js';
import { type Authorizer, compileAuthorizer } from './authorize.js';
import { compileMatcher, type Matchable } from './matcher.js';
import { createRateLimiter, type RateLimiter } from './rate-limit.js';

/** A policy ready for the request path: nothing here parses config again. */
export interface CompiledPolicy {
  readonly name: string;
  readonly config: Policy;
  readonly matches: (req: Matchable) => boolean;
  readonly sources: readonly TokenSource[];
  /** Issuer names this policy accepts; undefined = every configured issuer. */
  readonly issuerNames: readonly string[] | undefined;
  /** The policy's `audiences` on a verified token (bad_audience); a no-op without them. */
  readonly checkAudience: AudienceCheck;
  readonly authorize: Authorizer;
  /** The policy's `headers`: each header name with its claim path compiled (lib/claim-path.ts). */
  readonly headerMappings: readonly (readonly [header: string, read: ClaimReader])[];
  readonly instanceKey: KeyTemplate;
  readonly versionKey: KeyTemplate;
  readonly rateLimit: { readonly take: RateLimiter; readonly by: 'subject' | 'client_ip' } | undefined;
}

export type PolicySelector = (req: ForwardedRequest, byName: string | undefined) => CompiledPolicy;

function compilePolicy(policy: Policy, config: Config, deps: Pick<Deps, 'clock'>): CompiledPolicy {
  return {
    name: policy.name,
    config: policy,
    matches: compileMatcher(policy.match),
    sources: policy.token_sources.map(compileTokenSource),
    issuerNames: policy.issuers,
    checkAudience: compileAudienceCheck(policy, config.issuers),
    authorize: compileAuthorizer(policy),
    headerMappings: Object.entries(policy.headers).map(
      ([header, path]) => [header, compileClaimPath(path)] as const,
    ),
    instanceKey: compileKeyTemplate(policy.routing.instance_key ?? config.routing.instance_key),
    versionKey: compileKeyTemplate(policy.routing.version_key ?? config.routing.version_key),
    rateLimit: policy.rate_limit && {
      take: createRateLimiter(policy.rate_limit.requests, policy.rate_limit.per, deps.clock),
      by: policy.rate_limit.by,
    },
  };
}

/**
 * Compile all policies; the selector picks by name (`/auth/{policy}`) or the first match in file order, else the
 * default policy. It throws KeywayError('no_policy') when nothing applies (or the name is unknown), and
 * KeywayError('ambiguous_request') when the request cannot be matched safely: another reading of it (the literal
 * path, a method override) selects a different policy, or it carries several forwarded hosts, URIs or methods.
 */
export function compilePolicies(config: Config, deps: Pick<Deps, 'clock'>): PolicySelector {
  const policies = config.policies.map((p) => compilePolicy(p, config, deps));
  const byName = new Map(policies.map((p) => [p.name, p]));
  const fallback = config.default_policy === undefined ? undefined : byName.get(config.default_policy);
  const first = (req: Matchable) => policies.find((policy) => policy.matches(req)) ?? fallback;
  return function selectPolicy(req, name) {
    if (name !== undefined) {
      const named = byName.get(name);
      if (!named) throw new KeywayError('no_policy', 'unknown policy name');
      return named;
    }
    if (req.ambiguity !== undefined) throw new KeywayError('ambiguous_request', req.ambiguity);
    const chosen = first(req);
    for (const reading of req.readings) {
      if (first({ host: req.host, ...reading }) !== chosen)
        throw new KeywayError(
          'ambiguous_request',
          `${reading.method} ${reading.path ?? '(no path)'} selects another policy than ${req.method} ${req.path ?? '(no path)'}`,
        );
    }
    if (chosen) return chosen;
    throw new KeywayError('no_policy');
  };
}
