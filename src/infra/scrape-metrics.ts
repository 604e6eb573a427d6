// Metrics for the request path kept as plain numbers and handed to prom-client's registry only when it is scraped.
//
// prom-client hashes and validates the label set on every inc/observe, bound children included (about 1.5 µs
// for one counter inc and one histogram observe here); a decision's budget is a few microseconds. These series are
// resolved once per label set, updated with a number add, and rendered by the registry like any prom-client metric
// (the registry only needs `name`, `help`, `type`, `get()` and `reset()`).
import type { Registry } from 'prom-client';

/** One counter series: add to `value`. */
export interface CounterSeries {
  value: number;
}

/** One histogram series: `observe(seconds)`. */
export interface HistogramSeries {
  observe(value: number): void;
}

/** One sample as prom-client's registry renders it. */
interface Sample {
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}

/** What the registry reads from a metric at scrape time (the shape prom-client's own metrics return). */
interface Scraped {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: Sample[];
  aggregator: 'sum';
}

interface Family<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly labelNames: readonly L[];
  get(): Promise<Scraped>;
  reset(): void;
}

/** A counter family; `series(labels)` resolves (and creates) one series, to be kept and reused by the caller. */
export interface ScrapeCounter<L extends string> extends Family<L> {
  series(labels: Readonly<Record<L, string>>): CounterSeries;
}

/** A histogram family with fixed buckets; `series(labels)` as for counters. */
export interface ScrapeHistogram<L extends string> extends Family<L> {
  series(labels: Readonly<Record<L, string>>): HistogramSeries;
}

const keyOf = (labelNames: readonly string[], labels: Readonly<Record<string, string>>): string =>
  labelNames.map((n) => labels[n] ?? '').join('\u0000');

function assertLabels(name: string, labelNames: readonly string[], labels: Readonly<Record<string, string>>) {
  for (const key of Object.keys(labels))
    if (!labelNames.includes(key))
      throw new Error(`${name}: unknown label "${key}" (labels: ${labelNames.join(', ')})`);
}

/** Create a counter family registered in `registry`. Throws when the name is taken (as prom-client does). */
export function createScrapeCounter<L extends string>(options: {
  name: string;
  help: string;
  labelNames: readonly L[];
  registry: Registry;
}): ScrapeCounter<L> {
  const { name, help, labelNames } = options;
  const all = new Map<string, { labels: Record<string, string>; series: CounterSeries }>();
  const family: ScrapeCounter<L> = {
    name,
    help,
    type: 'counter',
    labelNames,
    series(labels) {
      const key = keyOf(labelNames, labels);
      let entry = all.get(key);
      if (entry === undefined) {
        assertLabels(name, labelNames, labels);
        entry = { labels: { ...labels }, series: { value: 0 } };
        all.set(key, entry);
      }
      return entry.series;
    },
    async get() {
      const values = [...all.values()].map(({ labels, series }) => ({ labels, value: series.value }));
      return { name, help, type: 'counter', values, aggregator: 'sum' };
    },
    reset() {
      for (const { series } of all.values()) series.value = 0;
    },
  };
  // The registry's type names prom-client's own classes; at runtime it reads only name, get() and reset().
  options.registry.registerMetric(family as unknown as Parameters<Registry['registerMetric']>[0]);
  return family;
}

/** Create a histogram family registered in `registry`; `buckets` are upper bounds in ascending order (+Inf added). */
export function createScrapeHistogram<L extends string>(options: {
  name: string;
  help: string;
  labelNames: readonly L[];
  buckets: readonly number[];
  registry: Registry;
}): ScrapeHistogram<L> {
  const { name, help, labelNames } = options;
  const bounds = Float64Array.from(options.buckets);
  for (let i = 1; i < bounds.length; i++)
    if (!((bounds[i] as number) > (bounds[i - 1] as number))) throw new Error(`${name}: buckets must ascend`);
  interface State {
    labels: Record<string, string>;
    counts: Float64Array; // per bucket, not cumulative; the last one is +Inf
    sum: number;
    count: number;
    series: HistogramSeries;
  }
  const all = new Map<string, State>();
  const family: ScrapeHistogram<L> = {
    name,
    help,
    type: 'histogram',
    labelNames,
    series(labels) {
      const key = keyOf(labelNames, labels);
      let state = all.get(key);
      if (state === undefined) {
        assertLabels(name, labelNames, labels);
        const counts = new Float64Array(bounds.length + 1);
        const s: State = {
          labels: { ...labels },
          counts,
          sum: 0,
          count: 0,
          series: {
            observe(value) {
              let i = 0;
              while (i < bounds.length && value > (bounds[i] as number)) i++;
              counts[i] = (counts[i] as number) + 1;
              s.sum += value;
              s.count++;
            },
          },
        };
        state = s;
        all.set(key, state);
      }
      return state.series;
    },
    async get() {
      const values: Sample[] = [];
      for (const state of all.values()) {
        let cumulative = 0;
        for (let i = 0; i <= bounds.length; i++) {
          cumulative += state.counts[i] as number;
          const le = i < bounds.length ? (bounds[i] as number) : '+Inf';
          values.push({ metricName: `${name}_bucket`, labels: { le, ...state.labels }, value: cumulative });
        }
        values.push({ metricName: `${name}_sum`, labels: state.labels, value: state.sum });
        values.push({ metricName: `${name}_count`, labels: state.labels, value: state.count });
      }
      return { name, help, type: 'histogram', values, aggregator: 'sum' };
    },
    reset() {
      for (const state of all.values()) {
        state.counts.fill(0);
        state.sum = 0;
        state.count = 0;
      }
    },
  };
  // The registry's type names prom-client's own classes; at runtime it reads only name, get() and reset().
  options.registry.registerMetric(family as unknown as Parameters<Registry['registerMetric']>[0]);
  return family;
}
