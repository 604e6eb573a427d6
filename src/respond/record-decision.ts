// recordDecision: the one log line and the metrics for every decision (never the token, a secret or a cookie).
import type { Counter, Histogram } from 'prom-client';
import type { Deps } from '../deps.js';
import { writeLogLine } from '../infra/log.js';
import type { ForwardedRequest } from '../request/request.js';
import type { Decision } from './decision.js';
import { formatDecisionLine } from './decision-line.js';

export type DecisionRecorder = (req: ForwardedRequest, decision: Decision, seconds: number) => void;

/**
 * Build the recorder over the logger and metrics in deps. Every deny is logged (info), an allow with stale
 * revocation data too (warn); other allows as `log.allow_lines` says: all, the first and then 1 in `allow_sample`,
 * or none. Metric children are bound once per label set (label hashing costs microseconds a call).
 */
export function createDecisionRecorder(deps: Pick<Deps, 'log' | 'metrics' | 'config'>): DecisionRecorder {
  const { log, metrics } = deps;
  const { allow_lines: allowLines, allow_sample: sample } = deps.config.log;
  const counters = new Map<string, Counter.Internal>();
  const counter = (result: 'allow' | 'deny', reason: string, policy: string) => {
    const key = `${result}\n${reason}\n${policy}`;
    let child = counters.get(key);
    if (child === undefined) {
      child = metrics.decisions.labels({ result, reason, policy });
      counters.set(key, child);
    }
    return child;
  };
  const seconds: Record<'allow' | 'deny', Histogram.Internal<'result'>> = {
    allow: metrics.decisionSeconds.labels({ result: 'allow' }),
    deny: metrics.decisionSeconds.labels({ result: 'deny' }),
  };
  let allows = 0;
  const logAllow = (): boolean => {
    if (allowLines === 'all') return true;
    if (allowLines === 'off') return false;
    return allows++ % sample === 0;
  };
  return function recordDecision(req, decision, elapsed) {
    const allowed = decision.kind === 'allow';
    const result = allowed ? 'allow' : 'deny';
    const stale = allowed && decision.revocationStale;
    const reason = allowed ? (stale ? 'revocation_stale_allowed' : 'ok') : decision.error.reason;
    const policy = decision.policy ?? 'none';
    counter(result, reason, policy).inc();
    seconds[result].observe(elapsed);
    if (!allowed && decision.error.reason === 'internal_error')
      log.error({ err: decision.error.cause }, 'internal error');
    const level = stale ? 'warn' : 'info';
    if (!log.isLevelEnabled(level) || (allowed && !stale && !logAllow())) return;
    writeLogLine(
      log,
      formatDecisionLine(
        {
          level,
          requestId: req.requestId,
          result,
          reason,
          policy,
          sub: decision.subject,
          method: req.method,
          host: req.host,
          // The path only: query strings may carry tokens (query: sources).
          path: req.path,
          clientIp: req.clientIp,
          latencyMs: Math.round(elapsed * 1e6) / 1e3,
          upstream: allowed ? decision.headers['X-Route-Upstream'] || undefined : undefined,
          detail: allowed ? undefined : decision.error.message,
        },
        new Date(),
      ),
    );
  };
}
