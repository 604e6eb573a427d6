// The README followed by a newcomer, for real: from a fresh copy of the repository, the Quick start's commands in
// order — `npm start` on embedded defaults, the banner's token, the demo app, the proxy config keyway prints next to
// each example's wrapper — then one request allowed and one denied through real Caddy, real nginx and Traefik (the
// emulation, when there is no traefik binary). Then "Your own issuer": check-config, npm start on
// examples/keyway.yaml, the mint line and its two requests, and the CLI section's explain line. Each command is the
// README's own text; only ports are changed (to free ones) and `curl` is bounded.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTraefikEmulator } from '../e2e/traefik-forward-auth-emulator.js';
import { recordOutput, registerSecret, registerToken } from '../helpers/audit.js';
import { unusedPort } from '../helpers/ports.js';
import { waitForPort } from '../helpers/wait-for.js';
import {
  expectedFromComment,
  freshCopy,
  parseCurl,
  type Running,
  runCommand,
  startCommand,
} from './doc-run.js';
import { type DocCommand, shellCommands } from './shell-commands.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = shellCommands(ROOT, 'README.md');
const readmeText = readFileSync(join(ROOT, 'README.md'), 'utf8');
const section = (name: string): DocCommand[] => README.filter((c) => c.section === name);

/** The one command of `commands` matching `pattern` (the test fails naming the pattern when there is none or two). */
function one(commands: DocCommand[], pattern: RegExp): DocCommand {
  const found = commands.filter((c) => pattern.test(c.command));
  if (found.length !== 1)
    throw new Error(`${found.length} README commands match ${pattern}: ${found.map((c) => c.command)}`);
  return found[0]!;
}
/** The command without its trailing `&` (this test runs it in the background itself). */
const foreground = (c: DocCommand) => c.command.replace(/\s*&$/, '');

/** A Caddy server in `caddy adapt` output. */
interface Listen {
  readonly listen: string[];
}

let copy = '';
const home = join(tmpdir(), `keyway-docs-home-${process.pid}`);
beforeAll(() => {
  copy = freshCopy(ROOT);
});
afterAll(() => {
  rmSync(copy, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

describe('README Quick start, from a fresh copy', () => {
  const quick = section('Quick start');
  const handled = new Set<string>();
  const take = (pattern: RegExp) => {
    const c = one(quick, pattern);
    handled.add(c.command);
    return c;
  };
  // In README order: install, start, token, app, demo dir, three proxies (prepare + run), two requests.
  const install = take(/^npm ci$/);
  const start = take(/^npm start$/);
  const tokenLine = take(/^export TOKEN=/);
  const appLine = take(/examples\/demo-backend\.ts app 3000 &$/);
  const demoLine = take(/^demo=\$\(mktemp -d\)/);
  const proxies = {
    caddy: { prepare: take(/^cp examples\/caddy\//), run: take(/caddy run /) },
    nginx: { prepare: take(/^cp examples\/nginx\//), run: take(/^nginx /) },
    traefik: { prepare: take(/^cp examples\/traefik\//), run: take(/traefik --configFile=/) },
  };
  const allowed = take(/^curl .*Authorization: Bearer \$TOKEN"$/);
  const denied = take(/^curl -i 127\.0\.0\.1:18080\/api\/items$/);

  let keyway: Running | undefined;
  let app: Running | undefined;
  let keywayPort = 0;
  let appPort = 0;
  let token = '';
  let demo = '';

  beforeAll(async () => {
    keywayPort = await unusedPort();
    // `npm start` as written: prestart builds dist/ in the copy, then `node dist/cli.js serve`; PORT is the variable
    // the README gives for another port. No config at all: dev mode.
    keyway = startCommand(start.command, copy, { HOME: home, PORT: String(keywayPort) });
    // Off a terminal (as here) the banner withholds the token: its TOKEN= line reads it from a 0600 file. Run that
    // line as the README says (on a terminal the line holds the token itself).
    const line = (await keyway.waitFor(/^TOKEN=\$\(cat '[^']+'\)$/m, 150_000))[0];
    const read = await runCommand(`${line}; printf %s "$TOKEN"`, copy, { HOME: home });
    token = read.stdout;
    registerToken(token);
    for (let i = 0; i < 100; i++) {
      const ready = await fetch(`http://127.0.0.1:${keywayPort}/readyz`).catch(() => undefined);
      if (ready?.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    appPort = await unusedPort();
    app = startCommand(foreground(appLine).replace(/ 3000$/, ` ${appPort}`), copy, { HOME: home });
    await waitForPort(appPort, 20_000);
    const made = await runCommand(`${demoLine.command}; printf %s "$demo"`, copy, { HOME: home });
    expect(made.code).toBe(0);
    demo = made.stdout;
  }, 200_000);
  afterAll(async () => {
    await app?.stop();
    await keyway?.stop();
    if (demo) rmSync(demo, { recursive: true, force: true });
  });

  it('every Quick start command is one this test runs, in the README order', () => {
    expect(quick.map((c) => c.command).filter((c) => !handled.has(c))).toEqual([]);
    expect(quick.map((c) => c.command)).toEqual(
      [
        install,
        start,
        tokenLine,
        appLine,
        demoLine,
        ...Object.values(proxies).flatMap((p) => [p.prepare, p.run]),
      ]
        .concat([allowed, denied])
        .map((c) => c.command),
    );
    // `npm ci` installs package-lock.json exactly; the copy links this checkout's node_modules, installed so.
    expect(readFileSync(join(copy, 'package-lock.json'), 'utf8')).toBe(
      readFileSync(join(ROOT, 'package-lock.json'), 'utf8'),
    );
  });

  it('npm start serves on PORT in dev mode; the token is where the README says (the TOKEN= line)', async () => {
    expect(readmeText.replace(/\s+/g, ' ')).toContain('on the line that starts with `TOKEN=`');
    expect(tokenLine.comment).toContain("banner's TOKEN= line");
    expect(keyway!.output()).toContain('DEV MODE');
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const health = await fetch(`http://127.0.0.1:${keywayPort}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
  });

  it.each(['caddy', 'nginx', 'traefik'] as const)(
    'through %s: the allowed request reaches the app with the identity, the denied one gets keyway’s 401',
    async (proxy) => {
      const proxyPort = await unusedPort();
      const env = { HOME: home, PORT: String(keywayPort), demo, TOKEN: token };
      const prepared = await runCommand(proxies[proxy].prepare.command, copy, env);
      expect(prepared.stderr).toBe('');
      expect(prepared.code).toBe(0);
      // Free ports instead of the README's 3000 (the app) and 18080 (the proxy); keyway's port is PORT's.
      const files = {
        caddy: ['keyway.caddy'],
        nginx: ['keyway.conf'],
        traefik: ['dynamic.yml', 'traefik.yml'],
      };
      for (const file of files[proxy]) {
        const text = readFileSync(join(demo, file), 'utf8');
        if (file !== 'traefik.yml') expect(text).toContain(`127.0.0.1:${keywayPort}`);
        writeFileSync(
          join(demo, file),
          text
            .replaceAll('127.0.0.1:3000', `127.0.0.1:${appPort}`)
            .replaceAll('127.0.0.1:18080', `127.0.0.1:${proxyPort}`),
        );
      }
      let stop: () => Promise<void>;
      const runLine = foreground(proxies[proxy].run);
      const hasTraefik = (await runCommand('command -v traefik', copy, {})).code === 0;
      if (proxy === 'traefik' && !hasTraefik) {
        const emulator = await startTraefikEmulator(join(demo, 'traefik.yml'));
        stop = () => emulator.close();
      } else {
        // As written: the README's line points Caddy's state (XDG dirs) at the demo dir; HOME gets nothing.
        const running = startCommand(runLine, copy, env);
        stop = () => running.stop();
        const early = running.exited.then((code) => {
          throw new Error(`${proxy} exited ${code} before listening:\n${running.output()}`);
        });
        early.catch(() => undefined); // stopping it later is not an error
        await Promise.race([waitForPort(proxyPort, 20_000), early]);
      }
      try {
        if (proxy === 'caddy') {
          // It listens on loopback only (a site address alone matches the Host but listens on every interface): the
          // example Caddyfile sets default_bind, and the printed site block binds its IP even without that wrapper.
          writeFileSync(
            join(demo, 'bare.Caddyfile'),
            '{\n\tadmin off\n\tauto_https off\n}\nimport keyway.caddy\n',
          );
          for (const file of ['Caddyfile', 'bare.Caddyfile']) {
            const adapted = await runCommand(`caddy adapt --config "$demo/${file}"`, copy, env);
            const { servers } = (
              JSON.parse(adapted.stdout) as { apps: { http: { servers: Record<string, Listen> } } }
            ).apps.http;
            expect([file, Object.values(servers).map((s) => s.listen)]).toEqual([
              file,
              [[`127.0.0.1:${proxyPort}`]],
            ]);
          }
          // …and wrote its autosave into the demo dir, not into ~/.config/caddy.
          expect(existsSync(join(home, '.config', 'caddy'))).toBe(false);
          expect(existsSync(join(demo, 'caddy', 'autosave.json'))).toBe(true);
        }
        for (const request of [allowed, denied]) {
          const command = request.command
            .replace('curl -i', 'curl -sS -i --max-time 10')
            .replace('127.0.0.1:18080', `127.0.0.1:${proxyPort}`);
          const run = await runCommand(command, copy, env, 30_000);
          expect(run.code, run.stderr).toBe(0);
          const answer = parseCurl(run.stdout);
          const expected = expectedFromComment(request.comment);
          expect([proxy, request.comment, answer.status]).toEqual([proxy, request.comment, expected.status]);
          for (const [name, value] of Object.entries(expected.headers))
            expect(answer.headers[name]).toBe(value);
          for (const fragment of expected.body) expect(answer.body).toContain(fragment);
          if (answer.status === 200) {
            // The app answered (not keyway, not the proxy), and got keyway's identity headers.
            expect(JSON.parse(answer.body)).toMatchObject({
              backend: 'app',
              headers: {
                'x-auth-subject': 'dev-user',
                'x-auth-issuer': `http://127.0.0.1:${keywayPort}/dev`,
              },
            });
          } else {
            expect(answer.headers['www-authenticate']).toBe('Bearer realm="keyway"');
            expect(JSON.parse(answer.body)).toMatchObject({ reason: 'missing_token' });
          }
        }
      } finally {
        await stop();
      }
    },
    60_000,
  );
});

describe('README Your own issuer: examples/keyway.yaml, check-config, mint, two requests, explain', () => {
  const own = section('Your own issuer').filter(
    (c) => !/^KEYWAY_(ISSUER|JWKS_URL|HS_SECRET_FILE)=/.test(c.command),
  );
  const secretLine = one(own, /^export KEYWAY_HS_SECRET=/);
  const check = one(own, /check-config$/);
  const start = one(own, /npm start$/);
  const mintLine = one(own, /^TOKEN=\$\(.* mint /);
  const allowedLine = one(own, /X-Forwarded-Uri: \/api\/orders/);
  const deniedLine = one(own, /X-Forwarded-Uri: \/admin/);
  const explainLine = one(section('CLI'), / explain /);

  let keyway: Running | undefined;
  let port = 0;
  let secret = '';
  let token = '';
  const env = () => ({ HOME: home, KEYWAY_HS_SECRET: secret, TOKEN: token });

  beforeAll(async () => {
    const made = await runCommand(`${secretLine.command}; printf %s "$KEYWAY_HS_SECRET"`, copy, {
      HOME: home,
    });
    secret = made.stdout;
    registerSecret(secret, 'README KEYWAY_HS_SECRET');
  });
  afterAll(async () => {
    if (keyway) recordOutput('log', keyway.output());
    await keyway?.stop();
  });

  it('the file flow is every other command of the section', () => {
    expect(own.map((c) => c.command)).toEqual(
      [secretLine, check, start, mintLine, allowedLine, deniedLine].map((c) => c.command),
    );
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
  });

  it('check-config says the file is valid', async () => {
    // dist/ exists: the Quick start's npm start built it in this copy.
    const run = await runCommand(check.command, copy, env());
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^config ok: examples\/keyway\.yaml/);
  });

  it('npm start on it, the minted token allowed on /api, refused on /admin; explain says why', async () => {
    port = await unusedPort();
    keyway = startCommand(start.command, copy, { ...env(), PORT: String(port) });
    await keyway.waitFor(/keyway listening/, 150_000);
    const minted = await runCommand(`${mintLine.command}; printf %s "$TOKEN"`, copy, env());
    expect(minted.code, minted.stderr).toBe(0);
    token = minted.stdout;
    registerToken(token);
    for (const request of [allowedLine, deniedLine]) {
      const command = request.command
        .replace('curl -i', 'curl -sS -i --max-time 10')
        .replace('127.0.0.1:8081', `127.0.0.1:${port}`);
      const run = await runCommand(command, copy, env(), 30_000);
      const answer = parseCurl(run.stdout);
      const expected = expectedFromComment(request.comment);
      expect([request.comment, answer.status]).toEqual([request.comment, expected.status]);
      for (const [name, value] of Object.entries(expected.headers)) expect(answer.headers[name]).toBe(value);
    }
    const explained = await runCommand(explainLine.command, copy, env());
    expect(explained.code).toBe(3);
    expect(JSON.parse(explained.stdout)).toMatchObject({
      result: 'deny',
      status: 403,
      policy: 'admin',
      stage: 'authorize',
      reason: 'insufficient_scope',
    });
  }, 200_000);
});
