// removeSeriesWith: every series carrying the given label values goes, whatever its other labels; the rest stay.
import { Counter, Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { removeSeriesWith } from '../../../src/infra/metric-series.js';

const lines = async (registry: Registry, name: string) =>
  (await registry.metrics())
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`))
    .sort();

describe('removeSeriesWith', () => {
  it('removes the series of one issuer across every outcome, keeps the other issuers', async () => {
    const registry = new Registry();
    const counter = new Counter({
      name: 'c_total',
      help: 'c',
      labelNames: ['issuer', 'outcome'],
      registers: [registry],
    });
    counter.inc({ issuer: 'gone', outcome: 'ok' });
    counter.inc({ issuer: 'gone', outcome: 'timeout' }, 2);
    counter.inc({ issuer: 'kept', outcome: 'ok' }, 3);
    counter.inc({ issuer: 'gone-too', outcome: 'ok' });
    await removeSeriesWith(counter, { issuer: 'gone' });
    expect(await lines(registry, 'c_total')).toEqual([
      'c_total{issuer="gone-too",outcome="ok"} 1',
      'c_total{issuer="kept",outcome="ok"} 3',
    ]);
    // A series counted again after the removal starts from zero (a counter reset for Prometheus).
    counter.inc({ issuer: 'gone', outcome: 'ok' });
    expect(await lines(registry, 'c_total')).toContain('c_total{issuer="gone",outcome="ok"} 1');
  });

  it('matches on every given label, and works on gauges', async () => {
    const registry = new Registry();
    const gauge = new Gauge({ name: 'g', help: 'g', labelNames: ['a', 'b'], registers: [registry] });
    gauge.set({ a: '1', b: 'x' }, 1);
    gauge.set({ a: '1', b: 'y' }, 2);
    gauge.set({ a: '2', b: 'x' }, 3);
    await removeSeriesWith(gauge, { a: '1', b: 'x' });
    expect(await lines(registry, 'g')).toEqual(['g{a="1",b="y"} 2', 'g{a="2",b="x"} 3']);
    await removeSeriesWith(gauge, { a: 'none' });
    expect(await lines(registry, 'g')).toHaveLength(2);
  });
});
