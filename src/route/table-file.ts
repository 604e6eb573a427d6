// The file route table source: JSON or YAML, hot-reloaded on change (fs.watch on the directory plus polling).
import { type FSWatcher, readFileSync, statSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError, type ConfigProblem } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { RouteMetrics } from './route-metrics.js';
import { parseRouteTableText, type RouteTable, RouteTableError, type TableRules } from './table.js';
import type { TableSource, TableSourceStatus } from './table-source.js';

/** What a file source needs: the path, the table rules, the polling interval and the world. */
export interface FileTableOptions {
  readonly path: string;
  readonly rules: TableRules;
  readonly pollInterval: number;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: RouteMetrics;
}

const DEBOUNCE_MS = 50;

function describe(err: unknown): string {
  if (err instanceof RouteTableError) return err.issues.join('; ');
  const code = (err as NodeJS.ErrnoException).code;
  return code ? `cannot read the file (${code})` : String(err);
}

/** The config problems of a table file that failed to load (`err` from reading or parsing it). */
export function tableFileProblems(path: string, err: unknown): ConfigProblem[] {
  if (err instanceof RouteTableError)
    return err.problems.map((p) => ({ ...p, code: 'invalid_route_table' as const, source: path }));
  const code = (err as NodeJS.ErrnoException).code ?? 'error';
  return [
    {
      path: 'routing.table_file',
      code: 'unreadable_file',
      message: `cannot read ${path} (${code}): create the route table file (JSON or YAML: routes, default), or fix routing.table_file`,
    },
  ];
}

/** The problems of the table file at `path` as start would load it (read and validated against `rules`). */
export function checkTableFile(
  path: string,
  rules: TableRules,
  readFile: (path: string) => string,
): ConfigProblem[] {
  try {
    parseRouteTableText(readFile(path), rules);
    return [];
  } catch (err) {
    return tableFileProblems(path, err);
  }
}

/** Watch a table file; an invalid or unreadable file at start throws ConfigError, later it keeps the previous table. */
export function createFileTableSource(options: FileTableOptions): TableSource {
  const { path, log, metrics } = options;
  let lastText: string | undefined;
  let loadedAt: number | undefined;
  let lastError: string | undefined;
  let watcher: FSWatcher | undefined;
  let poller: NodeJS.Timeout | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let lastStamp = '';
  let onTable: (table: RouteTable) => void = () => {};

  const stamp = (): string => {
    try {
      const s = statSync(path);
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      return 'missing';
    }
  };

  const load = (initial: boolean): RouteTable | undefined => {
    const text = readFileSync(path, 'utf8');
    if (text === lastText) return undefined;
    const table = parseRouteTableText(text, options.rules);
    // A table with no routes at all (a file truncated by a writer that has not written yet, or by mistake) is not a
    // new table once one was loaded: the previous one stays, as for an empty Redis hash.
    const defaultsOnly = table.defaults.join() !== options.rules.defaultUpstreams.join();
    if (!initial && table.routes.size === 0 && !defaultsOnly)
      throw new RouteTableError([
        {
          path: '(root)',
          message: 'the table has no routes: keeping the previous table (write files by rename)',
        },
      ]);
    lastText = text;
    return table;
  };

  const reload = (): void => {
    lastStamp = stamp();
    try {
      const table = load(false);
      if (table === undefined) {
        lastError = undefined;
        return;
      }
      loadedAt = options.clock();
      lastError = undefined;
      metrics.tableReloads.inc({ source: 'file', outcome: 'ok' });
      log.info(
        { path, routes: table.routes.size, upstreams: table.upstreams.length },
        'route table reloaded',
      );
      onTable(table);
    } catch (err) {
      const why = describe(err);
      if (why === lastError) return;
      lastError = why;
      metrics.tableReloads.inc({
        source: 'file',
        outcome: err instanceof RouteTableError ? 'invalid' : 'error',
      });
      log.warn({ path, err: why }, 'route table refused; keeping the previous table');
    }
  };

  // Coalesce a burst of events (and the poller) into one read DEBOUNCE_MS after the first.
  const schedule = (): void => {
    if (debounce !== undefined) return;
    debounce = setTimeout(() => {
      debounce = undefined;
      reload();
    }, DEBOUNCE_MS);
    debounce.unref();
  };

  return {
    async start(callback) {
      onTable = callback;
      let table: RouteTable | undefined;
      try {
        lastStamp = stamp();
        table = load(true);
      } catch (err) {
        metrics.tableReloads.inc({
          source: 'file',
          outcome: err instanceof RouteTableError ? 'invalid' : 'error',
        });
        throw new ConfigError(path, tableFileProblems(path, err));
      }
      loadedAt = options.clock();
      metrics.tableReloads.inc({ source: 'file', outcome: 'ok' });
      if (table) onTable(table);
      try {
        // Watch the directory, not the file: editors and ConfigMap updates replace the file by rename.
        const name = basename(path);
        watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
          if (file === null || file === name || String(file).startsWith('..')) schedule();
        });
        watcher.on('error', () => watcher?.close());
      } catch (err) {
        log.info({ path, err: describe(err) }, 'fs.watch unavailable; polling the route table file');
      }
      poller = setInterval(() => {
        if (stamp() !== lastStamp) schedule();
      }, options.pollInterval);
      poller.unref();
    },
    async close() {
      watcher?.close();
      clearInterval(poller);
      clearTimeout(debounce);
    },
    status(): TableSourceStatus {
      return { kind: 'file', location: path, loaded: loadedAt !== undefined, loadedAt, lastError };
    },
  };
}
