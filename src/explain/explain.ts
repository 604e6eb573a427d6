// explain: run the real pipeline (dry run) on a token + forwarded request and report the decision and its stage.
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { REASONS, type Reason } from '../errors.js';
import type { KeyInfo } from '../keys/issuer-key-store.js';
import type { Decide } from '../pipeline/decide.js';
import { parseForwardedRequest } from '../request/request.js';
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

const STAGE: Readonly<Partial<Record<Reason, string>>> = {
  no_policy: 'match',
  missing_token: 'extract',
  revoked: 'revoke',
  revocation_unavailable: 'revoke',
  claim_mismatch: 'authorize',
  insufficient_scope: 'authorize',
  rate_limited: 'authorize',
  no_upstream: 'route',
  internal_error: 'internal',
};

/** What explain runs on (a Runtime is one): the pipeline, the key stores (kids and algs), the config and clock. */
export interface ExplainContext {
  readonly decide: Decide;
  readonly stores: ReadonlyMap<string, { list(): readonly KeyInfo[] }>;
  readonly deps: Pick<Deps, 'config' | 'clock'>;
}

/** The bearer token explain reads its facts from: `token`, else the Authorization header's. */
function presentedToken(input: ExplainInput, headers: Readonly<Record<string, string>>): string | undefined {
  if (input.token !== undefined) return input.token;
  const match = /^bearer +(\S+)$/i.exec(headers['authorization'] ?? '');
  return match?.[1];
}

/**
 * Decide without side effects (no rate-limit token taken) and describe the result: for a deny, the failed check as
 * expected vs actual; for any token keyway can parse, its alg/kid/typ and registered claims. Never the token itself.
 */
export async function explain(
  context: ExplainContext,
  input: ExplainInput,
): Promise<Record<string, unknown>> {
  const { decide, stores, deps } = context;
  const headers: Record<string, string> = Object.fromEntries(
    Object.entries(input.headers).map(([k, v]) => [k.toLowerCase(), v]),
  );
  headers['x-forwarded-method'] = input.method;
  headers['x-forwarded-host'] = input.host;
  headers['x-forwarded-uri'] = input.uri;
  if (input.token !== undefined) headers['authorization'] = `Bearer ${input.token}`;
  const token = presentedToken(input, headers);
  const facts = tokenFacts(token, deps.config);
  const summary = facts === undefined ? {} : { token: tokenSummary(facts) };
  const req = parseForwardedRequest({ method: 'GET', query: '', header: (n) => headers[n] }, () => 'explain');
  const decision = await decide(req, input.policy, { dryRun: true });
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
    stage: STAGE[reason] ?? 'verify',
    reason,
    detail: decision.error.message,
    checks: failedChecks(reason, {
      config: deps.config,
      facts,
      policy: deps.config.policies.find((p) => p.name === decision.policy),
      nowMs: deps.clock(),
      keys: (issuer) => stores.get(issuer)?.list() ?? [],
      tokenLength: token?.length,
    }),
    ...summary,
  };
}
