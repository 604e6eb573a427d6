// Scrape-time metrics render exactly what prom-client's own Counter and Histogram render for the same updates.
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createScrapeCounter, createScrapeHistogram } from '../../../src/infra/scrape-metrics.js';

const buckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1];
// Values on, below and above bucket bounds, and past the last one (+Inf).
const observations = [0, 0.00005, 0.0001, 0.00011, 0.0005, 0.0031, 0.01, 0.2, 1, 3.5, 42];

describe('scrape metrics', () => {
  it('a counter family renders as prom-client renders it, in text and JSON', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const labelNames = ['result', 'reason', 'policy'] as const;
    const c = createScrapeCounter({
      name: 'x_total',
      help: 'Decisions "quoted" \\ help.',
      labelNames,
      registry: ours,
    });
    const p = new Counter({
      name: 'x_total',
      help: 'Decisions "quoted" \\ help.',
      labelNames,
      registers: [theirs],
    });
    const sets = [
      { result: 'allow', reason: 'ok', policy: 'api' },
      { result: 'deny', reason: 'missing_token', policy: 'a "quoted" \\ policy\nname' },
      { result: 'deny', reason: 'expired', policy: 'api' },
    ];
    sets.forEach((labels, i) => {
      const series = c.series(labels);
      for (let n = 0; n <= i * 3; n++) {
        series.value++;
        p.inc(labels);
      }
    });
    expect(c.series(sets[0] as (typeof sets)[0])).toBe(c.series({ ...(sets[0] as (typeof sets)[0]) }));
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
    ours.resetMetrics();
    theirs.resetMetrics();
    expect(await ours.metrics()).toContain('x_total{result="allow",reason="ok",policy="api"} 0');
  });

  it('a histogram family renders as prom-client renders it', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const h = createScrapeHistogram({
      name: 'd_seconds',
      help: 'h',
      labelNames: ['result'],
      buckets,
      registry: ours,
    });
    const p = new Histogram({
      name: 'd_seconds',
      help: 'h',
      labelNames: ['result'],
      buckets,
      registers: [theirs],
    });
    const allow = h.series({ result: 'allow' });
    const deny = h.series({ result: 'deny' });
    for (const v of observations) {
      allow.observe(v);
      p.observe({ result: 'allow' }, v);
    }
    deny.observe(0.002);
    p.observe({ result: 'deny' }, 0.002);
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('refuses a label it does not know, buckets that do not ascend and a name already registered', () => {
    const registry = new Registry();
    const c = createScrapeCounter({ name: 'a_total', help: 'h', labelNames: ['result'], registry });
    expect(() => c.series({ result: 'allow', other: 'x' } as never)).toThrow(/unknown label "other"/);
    expect(() =>
      createScrapeHistogram({ name: 'b', help: 'h', labelNames: [], buckets: [1, 1], registry }),
    ).toThrow(/ascend/);
    expect(() => createScrapeCounter({ name: 'a_total', help: 'h', labelNames: [], registry })).toThrow(
      /already been registered/,
    );
  });
});
