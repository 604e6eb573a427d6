import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/infra/log.js';
import { createMetrics } from '../../../src/infra/metrics.js';
import { createHealthChecker, PROBE_CONCURRENCY } from '../../../src/route/health.js';
import { createRouteMetrics } from '../../../src/route/route-metrics.js';
import { createFakeTime, settle } from '../../helpers/fake-time.js';
import { createLogCapture } from '../../helpers/log-capture.js';
import { fakeHealthFetch } from './helpers.js';

const options = {
  enabled: true,
  path: '/healthz',
  interval: 60_000,
  timeout: 500,
  healthy_threshold: 2,
  unhealthy_threshold: 2,
};

function setup(down: Set<string>, status?: Map<string, number>, opts = options) {
  const metrics = createMetrics({ processMetrics: false });
  const requested: string[] = [];
  const fake = fakeHealthFetch(down, status);
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    requested.push(String(input));
    return fake(input, init);
  }) as typeof fetch;
  const checker = createHealthChecker(opts, {
    fetch: fetchImpl,
    clock: () => 1_000,
    log: createLogger('silent', createLogCapture()),
    metrics: createRouteMetrics(metrics.registry),
  });
  return { checker, metrics, requested };
}

describe('createHealthChecker', () => {
  it('decides on the first result, then needs the thresholds to change state', async () => {
    const down = new Set(['10.0.0.2:8080']);
    const status = new Map<string, number>();
    const { checker, requested } = setup(down, status);
    await checker.setUpstreams(['10.0.0.1:8080', '10.0.0.2:8080']);
    expect(checker.isHealthy('10.0.0.1:8080')).toBe(false); // unchecked: never chosen
    await checker.start();
    expect(requested.sort()).toEqual(['http://10.0.0.1:8080/healthz', 'http://10.0.0.2:8080/healthz']);
    expect(checker.isHealthy('10.0.0.1:8080')).toBe(true);
    expect(checker.isHealthy('10.0.0.2:8080')).toBe(false);

    status.set('10.0.0.1:8080', 503);
    down.delete('10.0.0.2:8080');
    await checker.checkNow(); // one failure / one success: below both thresholds (2)
    expect(checker.isHealthy('10.0.0.1:8080')).toBe(true);
    expect(checker.isHealthy('10.0.0.2:8080')).toBe(false);
    await checker.checkNow();
    expect(checker.isHealthy('10.0.0.1:8080')).toBe(false);
    expect(checker.isHealthy('10.0.0.2:8080')).toBe(true);
    expect(checker.snapshot().find((s) => s.upstream === '10.0.0.1:8080')).toMatchObject({
      consecutiveFailures: 2,
      consecutiveSuccesses: 0,
    });
    await checker.close();
  });

  it('checks an upstream added after start at once', async () => {
    const { checker, requested } = setup(new Set());
    await checker.start();
    await checker.setUpstreams(['10.0.0.1:8080']);
    expect(requested).toEqual(['http://10.0.0.1:8080/healthz']);
    expect(checker.isHealthy('10.0.0.1:8080')).toBe(true);
    await checker.close();
  });

  it('reports health and check outcomes as metrics and forgets removed upstreams', async () => {
    const { checker, metrics } = setup(new Set(['10.0.0.2:8080']), new Map([['10.0.0.3:8080', 500]]));
    await checker.setUpstreams(['10.0.0.1:8080', '10.0.0.2:8080', '10.0.0.3:8080']);
    await checker.start();
    const text = await metrics.registry.metrics();
    expect(text).toContain('keyway_upstream_healthy{upstream="10.0.0.1:8080"} 1');
    expect(text).toContain('keyway_upstream_healthy{upstream="10.0.0.2:8080"} 0');
    expect(text).toContain('keyway_upstream_healthy{upstream="10.0.0.3:8080"} 0');
    expect(text).toContain(
      'keyway_upstream_health_checks_total{upstream="10.0.0.2:8080",outcome="network"} 1',
    );
    expect(text).toContain(
      'keyway_upstream_health_checks_total{upstream="10.0.0.3:8080",outcome="http_error"} 1',
    );
    const snap = checker.snapshot().find((s) => s.upstream === '10.0.0.3:8080');
    expect(snap).toMatchObject({
      healthy: false,
      checked: true,
      lastStatus: 500,
      lastError: 'HTTP 500',
      lastCheckAt: 1_000,
    });
    expect(checker.snapshot().find((s) => s.upstream === '10.0.0.2:8080')?.lastError).toBe('ECONNREFUSED');
    await checker.setUpstreams(['10.0.0.1:8080']);
    expect(await metrics.registry.metrics()).not.toContain('10.0.0.2:8080');
    await checker.close();
  });

  it('counts a probe that outlives the timeout as a failure', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const hang = ((_: unknown, init?: RequestInit) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      )) as typeof fetch;
    const time = createFakeTime();
    const checker = createHealthChecker(
      { ...options, timeout: 50 },
      {
        fetch: hang,
        clock: time.clock,
        timers: time.timers,
        log: createLogger('silent'),
        metrics: createRouteMetrics(metrics.registry),
      },
    );
    await checker.setUpstreams(['10.0.0.1:8080']);
    const starting = checker.start();
    await time.advance(49);
    expect(checker.snapshot()[0]).toMatchObject({ checked: false });
    await time.advance(1);
    await starting;
    expect(checker.snapshot()[0]).toMatchObject({ healthy: false, lastError: 'no answer within 50 ms' });
    await checker.close();
  });

  it('treats every upstream as healthy and probes nothing when disabled', async () => {
    const { checker, requested } = setup(new Set(['10.0.0.1:8080']), undefined, {
      ...options,
      enabled: false,
    });
    await checker.setUpstreams(['10.0.0.1:8080']);
    await checker.start();
    expect(checker.isHealthy('10.0.0.1:8080')).toBe(true);
    expect(requested).toEqual([]);
  });
  it('never has more than PROBE_CONCURRENCY probes in flight, however many upstreams the table names', async () => {
    let inFlight = 0;
    let most = 0;
    const slow = (async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await settle(); // still in flight when the other probes start
      inFlight--;
      return new Response(null, { status: 200 });
    }) as typeof fetch;
    const checker = createHealthChecker(options, {
      fetch: slow,
      clock: () => 1_000,
      log: createLogger('silent', createLogCapture()),
      metrics: createRouteMetrics(createMetrics({ processMetrics: false }).registry),
    });
    const upstreams = Array.from({ length: 300 }, (_, i) => `10.1.${i >> 8}.${i & 255}:80`);
    await checker.setUpstreams(upstreams);
    await checker.checkNow();
    expect(most).toBe(PROBE_CONCURRENCY);
    expect(upstreams.every((u) => checker.isHealthy(u))).toBe(true);
  });
});
