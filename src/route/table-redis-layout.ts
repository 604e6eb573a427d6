// The Redis layout of the route table: one hash (field = routing key, "*" = default) and a change channel.
import type { RedisClient } from '../infra/redis-client.js';
import { buildRouteTable, type RouteTable, type TableRules } from './table.js';

/** The hash field that holds the default upstreams. */
export const DEFAULT_FIELD = '*';

/** A single-node/Sentinel client or a Cluster client. */
export type { RedisClient };

/** The channel a writer publishes on after changing the hash at `key`. */
export function changeChannel(key: string): string {
  return `${key}:changed`;
}

/** A hash field value: a JSON array of upstreams or a comma/space separated list. */
export function parseFieldValue(value: string): unknown {
  const text = value.trim();
  if (text.startsWith('[')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text.split(/[\s,]+/).filter(Boolean);
}

/** Turn HGETALL output into a table; throws RouteTableError naming the bad fields. */
export function tableFromHash(fields: Record<string, string>, rules: TableRules): RouteTable {
  const entries = Object.entries(fields)
    .filter(([k]) => k !== DEFAULT_FIELD)
    .map(([k, v]) => [k, parseFieldValue(v)] as const);
  const defaults = fields[DEFAULT_FIELD];
  return buildRouteTable(entries, defaults === undefined ? undefined : parseFieldValue(defaults), rules);
}

/** Replace the whole table in one MULTI (DEL + HSET) and announce it (PUBLISH) so every instance reloads. */
export async function writeRouteTable(
  redis: RedisClient,
  key: string,
  table: { routes: Record<string, string | readonly string[]>; default?: string | readonly string[] },
): Promise<void> {
  const fields: string[] = [];
  for (const [k, v] of Object.entries(table.routes))
    fields.push(k, JSON.stringify(typeof v === 'string' ? [v] : v));
  if (table.default !== undefined) {
    fields.push(
      DEFAULT_FIELD,
      JSON.stringify(typeof table.default === 'string' ? [table.default] : table.default),
    );
  }
  const tx = redis.multi().del(key);
  if (fields.length > 0) tx.hset(key, ...fields);
  await tx.publish(changeChannel(key), String(Date.now())).exec();
}
