// Shared builders for the route unit tests: a parsed config and Deps with a fake health-check fetch.
import { parseConfig } from '../../../src/config/parse.js';
import type { Config } from '../../../src/config/types.js';
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
