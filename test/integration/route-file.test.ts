// The file route table through a real filesystem: hot reload (write and rename), refusal of an invalid file, /admin/routes.
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildAdminApp } from '../../src/http/admin-app.js';
import { createRouteAdminRoutes } from '../../src/http/admin-routes.js';
import { createRouter, type Router } from '../../src/route/router.js';
import { waitFor } from '../helpers/wait-for.js';
import { fakeHealthFetch, routingConfig, testDeps } from '../unit/route/helpers.js';

const A = '10.1.0.1:8001';
const B = '10.1.0.2:8002';
const ADMIN_TOKEN = 'admin-token-0123456789abcdef';

let router: Router | undefined;
afterEach(async () => {
  await router?.close();
  router = undefined;
});

const until = (what: () => boolean, deadlineMs = 5_000): Promise<number> =>
  waitFor('the route table to change', what, deadlineMs, 10);

async function setup(pollInterval = '10s') {
  const dir = mkdtempSync(join(tmpdir(), 'keyway-routes-'));
  const file = join(dir, 'routes.yaml');
  writeFileSync(file, `routes:\n  t1/svc/v1: ${A}\n`);
  const config = routingConfig({ table_file: file, poll_interval: pollInterval, health: { enabled: false } });
  const deps = testDeps(config, fakeHealthFetch(new Set()));
  router = createRouter(config.routing, deps);
  await router.start();
  const r = router;
  const pick = () => r.select({ instance: undefined, version: 't1/svc/v1' }, 'alice', 'deny').upstream;
  return { dir, file, deps, router: r, pick };
}

describe('file route table', () => {
  it('reloads on change (fs.watch), including an atomic rename, without a restart', async () => {
    const { dir, file, pick } = await setup();
    expect(pick()).toBe(A);
    writeFileSync(file, `routes:\n  t1/svc/v1: ${B}\n`);
    await until(() => pick() === B);
    writeFileSync(join(dir, 'next.yaml'), `routes:\n  t1/svc/v1: ${A}\n`);
    renameSync(join(dir, 'next.yaml'), file);
    await until(() => pick() === A);
  });

  it('keeps the previous table when the new file is invalid, says why, then takes the fixed file', async () => {
    const { file, deps, router: r, pick } = await setup('50ms');
    writeFileSync(file, `routes:\n  t1/svc/v1: [${B}, "https://evil/"]\n`);
    await until(() => r.snapshot().source?.lastError !== undefined);
    expect(pick()).toBe(A);
    expect(r.snapshot().source?.lastError).toMatch(/^routes\["t1\/svc\/v1"\]\[1\]: expected "host:port"/);
    const warning = deps.logs
      .entries()
      .find((e) => e['msg'] === 'route table refused; keeping the previous table');
    expect(warning?.['err']).toMatch(/routes\["t1\/svc\/v1"\]\[1\]/);
    expect(await deps.metrics.registry.metrics()).toContain(
      'keyway_route_table_reloads_total{source="file",outcome="invalid"} 1',
    );
    writeFileSync(file, `routes:\n  t1/svc/v1: ${B}\n`);
    await until(() => pick() === B);
    expect(r.snapshot().source?.lastError).toBeUndefined();
  });

  it.each(['', '# being rewritten\n', 'default: []\n'])(
    'a file emptied in place (%j) keeps the previous table and says why',
    async (text) => {
      const { file, router: r, pick } = await setup('50ms');
      writeFileSync(file, text);
      await until(() => r.snapshot().source?.lastError !== undefined);
      expect(pick()).toBe(A);
      expect(r.snapshot().source?.lastError).toBe(
        'the table has no routes: keeping the previous table (write files by rename)',
      );
    },
  );

  it('serves the table with health at GET /admin/routes behind the admin token', async () => {
    const { router: r } = await setup();
    const admin = buildAdminApp({ adminToken: ADMIN_TOKEN }, [
      { path: 'routes', app: createRouteAdminRoutes(() => r) },
    ]);
    expect((await admin.request('/admin/routes')).status).toBe(401);
    const res = await admin.request('/admin/routes', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      enabled: true,
      source: { kind: 'file', loaded: true },
      routes: { 't1/svc/v1': [{ upstream: A, healthy: true }] },
      default: [],
      upstreams: [{ upstream: A, healthy: true, checked: true }],
    });
  });
});
