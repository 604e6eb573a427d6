// The reloader's restart-only check: sections compared by sectionKey, the derived revocation retention left out.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import type { Config } from '../../src/config/types.js';
import { createDeps } from '../../src/deps-create.js';
import { createGeneration } from '../../src/generation.js';
import { createLogger } from '../../src/infra/log.js';
import { createMetrics } from '../../src/infra/metrics.js';
import { createProcess } from '../../src/process.js';
import { createReloader } from '../../src/reload.js';
import { HS_SECRET } from '../helpers/tokens.js';

const parse = (input: Record<string, unknown>): Config =>
  parseConfig(
    { issuers: [{ issuer: 'https://hs.test', hs_secrets: [HS_SECRET], leeway: '30s' }], ...input },
    'test',
    { readFile: () => '' },
  );

/** Start on `first`, reload once into `next`; the reload's answer. */
async function reloadInto(first: Config, next: Config) {
  const deps = createDeps(first, {
    log: createLogger('silent'),
    metrics: createMetrics({ processMetrics: false }),
  });
  const proc = createProcess(first, deps);
  let current = createGeneration(proc, first);
  await current.start(true);
  const reloader = createReloader({ get: () => current, set: (g) => (current = g) }, proc, () => next);
  try {
    return { result: await reloader.reload(), current };
  } finally {
    await proc.close();
  }
}

describe('reload: restart-only sections', () => {
  it('an issuer leeway below the revocation leeway changes the derived retention, not the revocation section', async () => {
    const first = parse({ revocation: { leeway: '10s' } });
    const next = parseConfig(
      {
        issuers: [{ issuer: 'https://hs.test', hs_secrets: [HS_SECRET], leeway: '5s' }],
        revocation: { leeway: '10s' },
      },
      'test',
      { readFile: () => '' },
    );
    expect(first.revocation.retention.leeway).toBe(30);
    expect(next.revocation.retention.leeway).toBe(10);
    const { result, current } = await reloadInto(first, next);
    expect(result).toEqual({ ok: true, problems: [] });
    expect(current.config).toBe(next);
  });

  it.each([
    { name: 'revocation', change: { revocation: { key_prefix: 'other' } } },
    { name: 'log', change: { log: { allow_lines: 'off' } } },
    { name: 'server', change: { server: { keep_alive_timeout: '9s' } } },
    { name: 'limits.max_concurrent_jwks_fetches', change: { limits: { max_concurrent_jwks_fetches: 2 } } },
  ])('a changed $name is applied after a restart only, and said so', async ({ name, change }) => {
    const { result } = await reloadInto(parse({}), parse(change));
    expect(result).toEqual({ ok: true, problems: [`${name} changed: takes effect after a restart`] });
  });

  it('the order of keys in a section is no change', async () => {
    const a = parse({ server: { host: '127.0.0.1', port: 9000 } });
    const b = parse({ server: { port: 9000, host: '127.0.0.1' } });
    expect((await reloadInto(a, b)).result).toEqual({ ok: true, problems: [] });
  });
});
