// recordDecision: the one log line and the metrics for every decision (never the token, a secret or a cookie).
import type { Deps } from '../deps.js';
import type { Decision } from '../pipeline/decision.js';
import type { ForwardedRequest } from '../pipeline/request.js';

export type DecisionRecorder = (req: ForwardedRequest, decision: Decision, seconds: number) => void;

/** Build the recorder over the logger and metrics in deps. */
export function createDecisionRecorder(deps: Pick<Deps, 'log' | 'metrics'>): DecisionRecorder {
  const { log, metrics } = deps;
  return function recordDecision(req, decision, seconds) {
    const allowed = decision.kind === 'allow';
    const reason = allowed
      ? decision.revocationStale
        ? 'revocation_stale_allowed'
        : 'ok'
      : decision.error.reason;
    const policy = decision.policy ?? 'none';
    metrics.decisions.inc({ result: allowed ? 'allow' : 'deny', reason, policy });
    metrics.decisionSeconds.observe({ result: allowed ? 'allow' : 'deny' }, seconds);
    const line = {
      msg: 'decision',
      request_id: req.requestId,
      result: allowed ? 'allow' : 'deny',
      reason,
      policy,
      sub: decision.subject,
      method: req.method,
      host: req.host,
      // The path only: query strings may carry tokens (query: sources).
      path: req.path,
      client_ip: req.clientIp,
      latency_ms: Math.round(seconds * 1e6) / 1e3,
      ...(allowed
        ? { upstream: decision.headers['X-Route-Upstream'] || undefined }
        : { detail: decision.error.message }),
    };
    if (!allowed && decision.error.reason === 'internal_error')
      log.error({ err: decision.error.cause }, 'internal error');
    if (allowed && decision.revocationStale) log.warn(line);
    else log.info(line);
  };
}
