// explain: run the real pipeline (dry run) on a token + forwarded request and report the decision and its stage.
import { z } from 'zod';
import type { Config, Policy } from '../config/types.js';
import { REASONS } from '../errors.js';
import { compileTokenSource, extractToken } from '../extract/extract-token.js';
import type { KeyInfo } from '../keys/issuer-key-store.js';
import type { Clock } from '../lib/clock.js';
import type { Decide } from '../pipeline/decide.js';
import { type ForwardedRequest, parseForwardedRequest } from '../request/request.js';
import { failedChecks } from './failed-checks.js';
import { tokenFacts, tokenSummary } from './token-facts.js';

/** What explain takes: the token and the forwarded request as the proxy would describe it. */
export const explainInput = z.strictObject({
  token: z.string().max(1_048_576).optional(),
  method: z.string().max(16).default('GET'),
  host: z.string().max(1024).default(''),
  uri: z.string().max(8192).default('/'),
  headers: z.record(z.string(), z.string()).default({}),
  policy: z.string().optional(),
});

export type ExplainInput = z.infer<typeof explainInput>;

/** What explain runs on (a generation's parts and the clock): the pipeline, the key stores (kids and algs), the
 *  config that built them. */
export interface ExplainContext {
  readonly decide: Decide;
  readonly stores: ReadonlyMap<string, { list(): readonly KeyInfo[] }>;
  readonly config: Config;
  readonly clock: Clock;
}

/** The token the decision read: the policy's token sources on the request, as the pipeline extracts it. */
function presentedToken(req: ForwardedRequest, policy: Policy | undefined): string | undefined {
  if (policy === undefined) return undefined;
  try {
    return extractToken(req, policy.token_sources.map(compileTokenSource))?.token;
  } catch {
    return undefined; // sources that disagree: the decision said so (malformed_token); nothing to compare
  }
}

/**
 * Decide without side effects (no rate-limit token taken) and describe the result: for a deny, the failed check as
 * expected vs actual; for any token keyway can parse, its alg/kid/typ and registered claims. Never the token itself.
 */
export async function explain(
  context: ExplainContext,
  input: ExplainInput,
): Promise<Record<string, unknown>> {
  const { decide, stores, config, clock } = context;
  const headers: Record<string, string> = Object.fromEntries(
    Object.entries(input.headers).map(([k, v]) => [k.toLowerCase(), v]),
  );
  headers['x-forwarded-method'] = input.method;
  headers['x-forwarded-host'] = input.host;
  headers['x-forwarded-uri'] = input.uri;
  if (input.token !== undefined) headers['authorization'] = `Bearer ${input.token}`;
  const req = parseForwardedRequest({ method: 'GET', query: '', header: (n) => headers[n] }, () => 'explain');
  const decision = await decide(req, input.policy, { dryRun: true });
  const policy = config.policies.find((p) => p.name === decision.policy);
  const token = presentedToken(req, policy);
  const facts = tokenFacts(token, config);
  const summary = facts === undefined ? {} : { token: tokenSummary(facts) };
  if (decision.kind === 'allow') {
    return {
      result: 'allow',
      status: 200,
      policy: decision.policy,
      subject: decision.subject,
      headers: decision.headers,
      ...summary,
    };
  }
  const reason = decision.error.reason;
  return {
    result: 'deny',
    status: REASONS[reason].status,
    policy: decision.policy,
    stage: REASONS[reason].stage,
    reason,
    detail: decision.error.message,
    checks: failedChecks(reason, {
      config,
      facts,
      policy,
      nowMs: clock(),
      keys: (issuer) => stores.get(issuer)?.list() ?? [],
      tokenLength: token?.length,
    }),
    ...summary,
  };
}
