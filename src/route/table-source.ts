// TableSource: where a route table comes from (file, Redis or the config alone) and how changes arrive.
import type { Clock } from '../lib/clock.js';
import type { RouteTable } from './table.js';

/** The state of a source, for readiness and /admin/routes. */
export interface TableSourceStatus {
  readonly kind: 'file' | 'redis' | 'config';
  /** The file path or Redis key. */
  readonly location: string;
  readonly loaded: boolean;
  readonly loadedAt: number | undefined;
  /** Why the last load or reload was refused (the previous table stays in use). */
  readonly lastError: string | undefined;
}

/** A source of route tables; `onTable` is called with each new valid table, never with an invalid one. */
export interface TableSource {
  /** Load the first table and begin watching; throws ConfigError when a file table is invalid at start. */
  start(onTable: (table: RouteTable) => void): Promise<void>;
  close(): Promise<void>;
  status(): TableSourceStatus;
}

/** A source that never changes: the config's `routing.default_upstreams` alone. */
export function createStaticTableSource(table: RouteTable, clock: Clock): TableSource {
  let loadedAt: number | undefined;
  return {
    async start(onTable) {
      loadedAt = clock();
      onTable(table);
    },
    async close() {},
    status: () => ({
      kind: 'config',
      location: 'routing.default_upstreams',
      loaded: true,
      loadedAt,
      lastError: undefined,
    }),
  };
}
