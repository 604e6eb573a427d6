// explain: run the real pipeline (dry run) on a token + forwarded request and report the decision and its stage.
import { z } from 'zod';
import { REASONS, type Reason } from '../errors.js';
import type { Decide } from '../pipeline/decide.js';
import { parseForwardedRequest } from '../request/request.js';

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

/** Decide without side effects (no rate-limit token taken) and describe the result; the token is never echoed. */
export async function explain(decide: Decide, input: ExplainInput): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = Object.fromEntries(
    Object.entries(input.headers).map(([k, v]) => [k.toLowerCase(), v]),
  );
  headers['x-forwarded-method'] = input.method;
  headers['x-forwarded-host'] = input.host;
  headers['x-forwarded-uri'] = input.uri;
  if (input.token !== undefined) headers['authorization'] = `Bearer ${input.token}`;
  const req = parseForwardedRequest({ method: 'GET', query: '', header: (n) => headers[n] }, () => 'explain');
  const decision = await decide(req, input.policy, { dryRun: true });
  if (decision.kind === 'allow') {
    return {
      result: 'allow',
      status: 200,
      policy: decision.policy,
      subject: decision.subject,
      headers: decision.headers,
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
  };
}
