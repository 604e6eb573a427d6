// The Redis route table source: full read at start, on reconnect, on each change message and periodically.
import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';
import type { RouteMetrics } from './route-metrics.js';
import { type RouteTable, RouteTableError, type TableRules } from './table.js';
import { changeChannel, type RedisClient, tableFromHash } from './table-redis-layout.js';
import type { TableSource, TableSourceStatus } from './table-source.js';

/** What a Redis source needs: the hash key, the table rules, the resync interval, connections and the world. */
export interface RedisTableOptions {
  readonly key: string;
  readonly rules: TableRules;
  readonly resyncInterval: number;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: RouteMetrics;
  /** Create a connection; called twice (commands, and the subscriber). */
  readonly connect: (purpose: 'commands' | 'subscriber') => RedisClient;
}

const FIRST_LOAD_WAIT_MS = 2_000;

/** Follow the table in Redis: full read at start, on every (re)connect, on each change message and every resyncInterval. */
export function createRedisTableSource(options: RedisTableOptions): TableSource {
  const { key, log, metrics } = options;
  let client: RedisClient | undefined;
  let subscriber: RedisClient | undefined;
  let timer: NodeJS.Timeout | undefined;
  let loadedAt: number | undefined;
  let lastError: string | undefined;
  let fingerprint: string | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let onTable: (table: RouteTable) => void = () => {};

  const loadOnce = async (): Promise<void> => {
    if (!client) return;
    let fields: Record<string, string>;
    try {
      fields = await client.hgetall(key);
    } catch (err) {
      const why = `redis: ${(err as Error).message}`;
      if (why !== lastError)
        log.warn({ key, err: why }, 'route table not read from Redis; keeping the previous table');
      lastError = why;
      metrics.tableReloads.inc({ source: 'redis', outcome: 'error' });
      return;
    }
    // A missing or empty hash is not a table anyone published (a Redis restarted without persistence, a wrong
    // routing.redis_key): keep the previous table rather than route every request to no_upstream.
    if (Object.keys(fields).length === 0) {
      const why = `the hash ${key} is missing or empty`;
      if (why !== lastError)
        log.warn({ key, err: why }, 'route table not in Redis; keeping the previous table');
      lastError = why;
      metrics.tableReloads.inc({ source: 'redis', outcome: 'invalid' });
      return;
    }
    const print = JSON.stringify(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : 1)));
    if (print === fingerprint) {
      lastError = undefined;
      return;
    }
    try {
      const table = tableFromHash(fields, options.rules);
      fingerprint = print;
      loadedAt = options.clock();
      lastError = undefined;
      metrics.tableReloads.inc({ source: 'redis', outcome: 'ok' });
      log.info(
        { key, routes: table.routes.size, upstreams: table.upstreams.length },
        'route table loaded from Redis',
      );
      onTable(table);
    } catch (err) {
      const why = err instanceof RouteTableError ? err.issues.join('; ') : String(err);
      if (why !== lastError)
        log.error({ key, err: why }, 'route table in Redis refused; keeping the previous table');
      lastError = why;
      metrics.tableReloads.inc({ source: 'redis', outcome: 'invalid' });
    }
  };

  // Single-flight: a burst of change messages becomes at most one extra read.
  const reload = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await loadOnce();
      } while (again);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  return {
    async start(callback) {
      onTable = callback;
      client = options.connect('commands');
      subscriber = options.connect('subscriber');
      const quiet = (err: Error) =>
        log.debug({ key, err: err.message }, 'route table Redis connection error');
      client.on('error', quiet);
      subscriber.on('error', quiet);
      client.on('ready', () => void reload());
      subscriber.on('message', () => void reload());
      void subscriber.subscribe(changeChannel(key)).catch(quiet);
      timer = setInterval(() => void reload(), options.resyncInterval);
      timer.unref();
      if (client.status !== 'ready') {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, FIRST_LOAD_WAIT_MS);
          client?.once('ready', () => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      await reload();
    },
    async close() {
      clearInterval(timer);
      subscriber?.disconnect();
      client?.disconnect();
    },
    status(): TableSourceStatus {
      return { kind: 'redis', location: key, loaded: loadedAt !== undefined, loadedAt, lastError };
    },
  };
}
