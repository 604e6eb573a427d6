// removeSeriesWith: drop every series of a labelled prom-client metric whose labels include the given ones.
import type { Counter, Gauge } from 'prom-client';

/**
 * Remove each series of `metric` carrying all of `match`'s label values (prom-client's own remove() takes a series'
 * full label set): a released issuer or upstream leaves no counter behind, whatever outcomes it counted.
 */
export async function removeSeriesWith<T extends string>(
  metric: Counter<T> | Gauge<T>,
  match: Partial<Record<T, string>>,
): Promise<void> {
  const { values } = await metric.get();
  const wanted = Object.entries(match) as [T, string][];
  for (const { labels } of values) {
    if (wanted.every(([name, value]) => labels[name] === value))
      metric.remove(labels as Partial<Record<T, string | number>>);
  }
}
