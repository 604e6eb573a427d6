// The real `keyway` binary: every command's --help (exit 0, no side effect), usage errors (exit 2, usage on stderr),
// the top-level help listing every flag, and a bare `keyway` saying that it serves.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli.js';
import { unusedPort } from '../helpers/ports.js';

const dir = mkdtempSync(join(tmpdir(), 'keyway-cli-usage-'));
/** A config that fails to load: a command that ran the check (or loaded the config) would exit 1. */
const broken = join(dir, 'broken.yaml');
writeFileSync(broken, 'issuers: [{ issuer: 1 }]\n');

// The test's own list (not the module's): every command and every flag the README and the issue name.
const FLAGS: Record<string, readonly string[]> = {
  serve: [],
  dev: [],
  keygen: ['--alg', '--kid', '--bits', '--out'],
  mint: [
    '--key',
    '--alg',
    '--kid',
    '--issuer',
    '--iss',
    '--sub',
    '--aud',
    '--exp',
    '--jti',
    '--claim',
    '--claims',
  ],
  revoke: [
    '--jti',
    '--exp',
    '--token',
    '--token-file',
    '--sub',
    '--iss',
    '--before',
    '--reason',
    '--actor',
    '--list',
    '--limit',
    '--cursor',
    '--delete',
    '--admin-url',
    '--admin-token-file',
  ],
  explain: ['--token', '--token-file', '--method', '--host', '--uri', '--header', '--policy'],
  'check-config': [],
  'print-config': ['--target', '--listen', '--keyway', '--hop', '--app'],
};
const PROXIES = ['caddy', 'nginx', 'traefik', 'traefik-two-hop', 'fly'];
const COMMANDS = Object.keys(FLAGS);

describe('keyway --help', () => {
  it('lists every command and every flag, exit 0', async () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const r = await spawnCli(args);
      expect([r.code, r.stderr]).toEqual([0, '']);
      for (const command of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
      for (const [command, flags] of Object.entries(FLAGS)) {
        const section = r.stdout.slice(r.stdout.indexOf(`  ${command} `)).split(/\n {2}\S/)[0] ?? '';
        for (const flag of flags)
          expect({ command, flag, listed: section.includes(`${flag} `) }).toMatchObject({ listed: true });
      }
      for (const kind of PROXIES) expect(r.stdout).toContain(kind);
    }
  });
});

describe.each(COMMANDS)('keyway %s', (command) => {
  // KEYWAY_CONFIG is broken and PORT is taken by nothing: a command that ran would exit 1 or keep running.
  const env = { KEYWAY_CONFIG: broken, REDIS_URL: 'redis://127.0.0.1:1' };

  it('--help, -h and `help COMMAND` print its usage with every flag and exit 0 without running it', async () => {
    const out = join(dir, `out-${command}`);
    for (const args of [
      [command, '--help'],
      [command, '-h'],
      ['help', command],
      [command, '--out', out, '--help'],
    ]) {
      if (args.includes('--out') && command !== 'keygen') continue;
      const r = await spawnCli(args, env);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
      expect(r.stdout).toMatch(new RegExp(`^usage: keyway ${command}\\b`));
      for (const flag of FLAGS[command]!) expect(r.stdout).toContain(`${flag} `);
      expect(r.stdout).toContain('-h, --help');
    }
    expect(existsSync(out)).toBe(false);
  });

  it('an unknown flag exits 2 with the error and its usage on stderr, nothing on stdout', async () => {
    const r = await spawnCli([command, '--bogus'], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^keyway ${command}: unknown flag --bogus`));
    expect(r.stderr).toContain(`usage: keyway ${command}`);
  });
});

describe('usage errors: exit 2, the problem and the command’s usage on stderr', () => {
  it.each([
    { args: ['mint', '--issuer', 'x', '--exp', '3w'], says: '--exp 3w: expected a duration' },
    { args: ['mint', '--issuer', 'x', '--exq', '1h'], says: 'unknown flag --exq (did you mean --exp?)' },
    { args: ['mint', '--sub', 'a'], says: 'give --key FILE' },
    { args: ['mint', '--issuer', 'x', '--claim', 'novalue'], says: '--claim novalue: expected NAME=VALUE' },
    { args: ['mint', '--issuer', 'x', '--claims', '[1]'], says: '--claims: expected a JSON object' },
    { args: ['mint', '--issuer', 'x', '--alg', 'none'], says: '--alg none: expected one of' },
    { args: ['keygen', '--bits', '1024', '--alg', 'RS256'], says: '--bits 1024: expected' },
    { args: ['keygen', '--alg', 'none'], says: '--alg none: expected one of' },
    { args: ['keygen', '--out'], says: '--out needs a value (DIR)' },
    { args: ['keygen', 'extra'], says: 'unexpected argument extra' },
    { args: ['print-config'], says: 'missing KIND' },
    { args: ['print-config', 'apache'], says: 'unknown KIND apache' },
    { args: ['print-config', 'ngnix'], says: '(did you mean nginx?)' },
    { args: ['print-config', 'nginx', '--target', 'fly'], says: 'not both' },
    { args: ['print-config', 'nginx', 'caddy'], says: 'unexpected argument caddy' },
    { args: ['print-config', 'caddy', '--listen', 'https://0.0.0.0:9443'], says: 'without a scheme' },
    {
      args: ['print-config', 'nginx', '--listen', 'two words'],
      says: '--listen two words: expected host:port',
    },
    { args: ['print-config', 'caddy', '--app', 'http://app:1/y'], says: '--app http://app:1/y: expected' },
    { args: ['print-config', 'traefik', '--keyway', 'keyway'], says: '--keyway keyway: expected host:port' },
    { args: ['print-config', 'traefik-two-hop', '--hop', '127.0.0.1:0'], says: 'expected a port 1–65535' },
    { args: ['print-config', 'nginx', '--keyway', '300.1.2.3:8081'], says: 'expected an IPv4 address' },
    { args: ['explain', '--header', 'no-colon'], says: "expected 'Name: value'" },
    { args: ['explain', '--token', 'a', '--token-file', 'b'], says: 'not both' },
    { args: ['revoke'], says: 'give one action' },
    { args: ['revoke', '--list', '--delete', 'j'], says: 'give one action' },
    { args: ['serve', 'now'], says: 'unexpected argument now' },
  ])('keyway $args.0 … → $says', async ({ args, says }) => {
    const r = await spawnCli(args, { KEYWAY_CONFIG: broken });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`keyway ${args[0]}: `);
    expect(r.stderr).toContain(says);
    expect(r.stderr).toContain(`usage: keyway ${args[0]}`);
  });

  it('an unknown command or a flag before any command → exit 2 with the top-level help on stderr', async () => {
    for (const [args, says] of [
      [['mnit'], 'unknown command mnit (did you mean mint?)'],
      [['--bogus'], 'unknown flag --bogus'],
      [['help', 'nope'], 'help: unknown command nope'],
    ] as const) {
      const r = await spawnCli(args);
      expect([r.code, r.stdout]).toEqual([2, '']);
      expect(r.stderr).toContain(says);
      expect(r.stderr).toContain('usage: keyway [command]');
    }
  });

  it('--version prints the version, exit 0', async () => {
    const r = await spawnCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^keyway \d+\.\d+\.\d+/);
  });
});

describe('a bare `keyway`', () => {
  it('says on stderr that it runs `keyway serve`, then serves (the documented default)', async () => {
    const port = await unusedPort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts'], {
      env: { PATH: process.env['PATH'] ?? '', PORT: String(port), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    try {
      let healthy = false;
      for (let i = 0; i < 200 && !healthy && child.exitCode === null; i++) {
        await new Promise((r) => setTimeout(r, 100));
        healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
      }
      expect(healthy).toBe(true);
      expect(stderr).toContain(
        'keyway: no command given: running `keyway serve` (`keyway --help` lists the commands)',
      );
    } finally {
      child.kill('SIGKILL');
    }
  });
});
