// The version a deployment can see: `keyway --version`, the startup log line, /admin/status, keyway_build_info; and
// whether the running config is the last one loaded (keyway_config_last_reload_successful).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type Env, loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/infra/log.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { createLogCapture } from '../helpers/log-capture.js';
import { HS_SECRET } from '../helpers/tokens.js';

const pkgVersion = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
const ADMIN = 'admin-token-for-version-test-0123';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Prometheus text → the value of one series (name plus exact label text), or undefined. */
async function sample(series: string): Promise<number | undefined> {
  const text = await server!.deps.metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('version', () => {
  it('keyway --version prints package.json’s version', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--version'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`keyway ${pkgVersion}\n`);
  });

  it('is in the startup log, /admin/status and keyway_build_info', async () => {
    const logs = createLogCapture();
    const env: Env = {
      KEYWAY_ISSUER: 'https://idp.test',
      KEYWAY_HS_SECRET: HS_SECRET,
      KEYWAY_ADMIN_TOKEN: ADMIN,
      PORT: '0',
      ADMIN_PORT: '0',
    };
    server = await startServer(loadConfig(env), { deps: { log: createLogger('info', logs) } });
    const listening = logs.entries().find((e) => e['msg'] === 'keyway listening');
    expect(listening?.['version']).toBe(pkgVersion);
    const status = await fetch(`http://127.0.0.1:${server.adminPort}/admin/status`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(((await status.json()) as { version: string }).version).toBe(pkgVersion);
    expect(await sample(`keyway_build_info{version="${pkgVersion}",node="${process.versions.node}"}`)).toBe(
      1,
    );
  });
});

describe('keyway_config_last_reload_successful', () => {
  it('is 1 after start, 0 after a refused reload, 1 again after a good one', async () => {
    let env: Env = { KEYWAY_ISSUER: 'https://idp.test', KEYWAY_HS_SECRET: HS_SECRET, PORT: '0' };
    server = await startServer(loadConfig(env), {
      loadConfig: () => loadConfig(env),
      deps: { log: createLogger('silent') },
    });
    expect(await sample('keyway_config_last_reload_successful')).toBe(1);
    const startedAt = await sample('keyway_config_last_reload_success_timestamp_seconds');
    expect(startedAt).toBeGreaterThan(Date.now() / 1000 - 60);
    env = { ...env, KEYWAY_CONFIG_YAML: 'server: [' };
    expect((await server.reload()).ok).toBe(false);
    expect(await sample('keyway_config_last_reload_successful')).toBe(0);
    expect(await sample('keyway_config_last_reload_success_timestamp_seconds')).toBe(startedAt);
    env = { ...env, KEYWAY_CONFIG_YAML: undefined };
    expect((await server.reload()).ok).toBe(true);
    expect(await sample('keyway_config_last_reload_successful')).toBe(1);
  });
});
