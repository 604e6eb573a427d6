// Shared builders for the route unit tests: a parsed config, Deps with a fake health-check fetch, a pushed table.
import { parseConfig } from '../../../src/config/parse.js';
import type { Config } from '../../../src/config/types.js';
import { parseRouteTableText, type RouteTable, tableRules } from '../../../src/route/table.js';
import type { TableSource } from '../../../src/route/table-source.js';
import type { FakeTime } from '../../helpers/fake-time.js';
import { createTestDeps, type TestDeps } from '../../helpers/test-deps.js';

/** Parse a config with only the given routing section (and no issuers). */
export function routingConfig(routing: Record<string, unknown>): Config {
  return parseConfig({ routing }, 'test', { readFile: () => '' });
}

/** A fetch whose health answers come from `down` (upstreams answering "connection refused") and `status`. */
export function fakeHealthFetch(down: Set<string>, status = new Map<string, number>()): typeof fetch {
  return (async (input: string | URL | Request) => {
    const url = new URL(String(input));
    if (down.has(url.host)) throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    return new Response('ok', { status: status.get(url.host) ?? 200 });
  }) as typeof fetch;
}

/** Deps with a captured logger, a private registry and the given fetch (createTestDeps). */
export function testDeps(config: Config, fetchImpl: typeof fetch, time?: FakeTime): TestDeps {
  return createTestDeps(config, {
    fetch: fetchImpl,
    ...(time ? { clock: time.clock, timers: time.timers } : {}),
  });
}

/** A table source the test drives: `push` hands the router a new table at once (no file, watch or poll). */
export interface PushTableSource extends TableSource {
  push(tableYaml: string): void;
}

/** A PushTableSource whose first table is `first` (YAML, as in a table file), parsed with `config`'s rules. */
export function createPushTableSource(config: Config, first: string): PushTableSource {
  const rules = tableRules(config.routing);
  let onTable: ((table: RouteTable) => void) | undefined;
  return {
    async start(callback) {
      onTable = callback;
      callback(parseRouteTableText(first, rules));
    },
    async close() {
      onTable = undefined;
    },
    status: () => ({ kind: 'file', location: 'pushed', loaded: true, loadedAt: 0, lastError: undefined }),
    push(tableYaml) {
      onTable?.(parseRouteTableText(tableYaml, rules));
    },
  };
}

/** A promise the test resolves when it chooses (a health check held open). */
export function createGate(): { readonly wait: Promise<void>; open(): void } {
  let open = () => {};
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}
