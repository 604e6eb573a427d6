// recordDecision: the one log line and the metrics for every decision (never the token, a secret or a cookie).
import type { Config } from '../config/types.js';
import type { Deps } from '../deps.js';
import { writeLogLine } from '../infra/log.js';
import type { CounterSeries, HistogramSeries } from '../infra/scrape-metrics.js';
import type { ForwardedRequest } from '../request/request.js';
import type { Decision } from './decision.js';
import { formatDecisionLine } from './decision-line.js';

export type DecisionRecorder = (req: ForwardedRequest, decision: Decision, seconds: number) => void;

/**
 * Build the recorder over the logger and metrics in deps. Every deny is logged (info), an allow with stale
 * revocation data too (warn); other allows as `log.allow_lines` says: all, the first and then 1 in `allow_sample`,
 * or none. Metric series are resolved once per (result, reason, policy) and kept in nested maps: no string is built
 * and no label set hashed per request.
 */
export function createDecisionRecorder(
  settings: Pick<Config['log'], 'allow_lines' | 'allow_sample'>,
  deps: Pick<Deps, 'log' | 'metrics'>,
): DecisionRecorder {
  const { log, metrics } = deps;
  const { allow_lines: allowLines, allow_sample: sample } = settings;
  const counters: Record<'allow' | 'deny', Map<string, Map<string, CounterSeries>>> = {
    allow: new Map(),
    deny: new Map(),
  };
  const counter = (result: 'allow' | 'deny', reason: string, policy: string): CounterSeries => {
    let byPolicy = counters[result].get(reason);
    if (byPolicy === undefined) {
      byPolicy = new Map();
      counters[result].set(reason, byPolicy);
    }
    let series = byPolicy.get(policy);
    if (series === undefined) {
      series = metrics.decisions.series({ result, reason, policy });
      byPolicy.set(policy, series);
    }
    return series;
  };
  const seconds: Record<'allow' | 'deny', HistogramSeries> = {
    allow: metrics.decisionSeconds.series({ result: 'allow' }),
    deny: metrics.decisionSeconds.series({ result: 'deny' }),
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
    counter(result, reason, policy).value++;
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
        Date.now(),
      ),
    );
  };
}
