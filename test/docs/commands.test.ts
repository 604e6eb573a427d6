// Every shell command the README and the guides show is run by test/docs/ or mapped here to the test that covers it;
// every file path and link they name exists. Adding an untested command to a document fails this file.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { type DocCommand, shellCommands, splitComment } from './shell-commands.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The documents whose commands must be tested: the README, the per-proxy guides, the contributor guide, deploy/. */
const DOCS = [
  'README.md',
  'CONTRIBUTING.md',
  'deploy/README.md',
  ...readdirSync(join(ROOT, 'examples'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(ROOT, 'examples', d.name, 'README.md')))
    .map((d) => `examples/${d.name}/README.md`),
];

/** Where a command is covered: a file of this repository and a string (a test title) that file contains. */
interface Coverage {
  readonly by: string;
  readonly contains: string;
}
const quickStart: Coverage = { by: 'test/docs/quick-start.test.ts', contains: 'Quick start' };
const ownIssuer: Coverage = { by: 'test/docs/quick-start.test.ts', contains: 'Your own issuer' };
const scripts: Coverage = { by: 'test/docs/example-scripts.test.ts', contains: 'examples/<proxy>/run.sh' };
const envQuickStart: Coverage = { by: 'test/docs/commands.test.ts', contains: 'the env quick-start lines' };
const proxySecret: Coverage = { by: 'test/docs/proxy-secret.test.ts', contains: 'then its envsubst line' };
const ownKey: Coverage = { by: 'test/integration/keygen-issuer.test.ts', contains: 'the README path' };
const devTools: Coverage = { by: 'test/docs/commands.test.ts', contains: 'the contributor commands' };

/** Each command as written (comment stripped), the documents that may show it, and what covers it. */
const COVERED: Readonly<Record<string, Coverage>> = {
  // README, Quick start: run from a fresh copy of the repository by quick-start.test.ts, line by line.
  'npm ci': quickStart,
  'npm start': quickStart,
  'export TOKEN=…': quickStart,
  'node --import tsx examples/demo-backend.ts app 3000 &': quickStart,
  'demo=$(mktemp -d) && chmod 755 "$demo"': quickStart,
  'cp examples/caddy/Caddyfile "$demo/" && node dist/cli.js print-config caddy --listen 127.0.0.1:18080 > "$demo/keyway.caddy"':
    quickStart,
  'XDG_CONFIG_HOME="$demo" XDG_DATA_HOME="$demo" caddy run --adapter caddyfile --config "$demo/Caddyfile" &':
    quickStart,
  'cp examples/nginx/nginx.conf "$demo/" && mkdir "$demo/tmp" && node dist/cli.js print-config nginx --listen 127.0.0.1:18080 > "$demo/keyway.conf"':
    quickStart,
  'nginx -p "$demo/" -c nginx.conf &': quickStart,
  'cp examples/traefik/traefik.yml "$demo/" && node dist/cli.js print-config traefik > "$demo/dynamic.yml"':
    quickStart,
  '(cd "$demo" && traefik --configFile=traefik.yml) &': quickStart,
  'curl -i 127.0.0.1:18080/api/items -H "Authorization: Bearer $TOKEN"': quickStart,
  'curl -i 127.0.0.1:18080/api/items': quickStart,
  // README, Your own issuer: the env lines are parsed here; the file flow is run by quick-start.test.ts.
  'KEYWAY_ISSUER=https://idp.example.com/ KEYWAY_AUDIENCE=api npm start': envQuickStart,
  'KEYWAY_JWKS_URL=https://idp.example.com/jwks.json KEYWAY_ISSUER=https://idp.example.com/ npm start':
    envQuickStart,
  'KEYWAY_HS_SECRET_FILE=/run/secrets/hs KEYWAY_ALGORITHMS=HS256 npm start': envQuickStart,
  'export KEYWAY_HS_SECRET=$(openssl rand -hex 32)': ownIssuer,
  'KEYWAY_CONFIG=examples/keyway.yaml node dist/cli.js check-config': ownIssuer,
  'KEYWAY_CONFIG=examples/keyway.yaml npm start': ownIssuer,
  'TOKEN=$(KEYWAY_CONFIG=examples/keyway.yaml node dist/cli.js mint --issuer internal --aud api --sub alice --claim project=captionacc --claim service=api)':
    ownIssuer,
  "curl -i 127.0.0.1:8081/auth -H 'X-Forwarded-Host: api.example.com' -H 'X-Forwarded-Uri: /api/orders' -H \"Authorization: Bearer $TOKEN\"":
    ownIssuer,
  "curl -i 127.0.0.1:8081/auth -H 'X-Forwarded-Host: api.example.com' -H 'X-Forwarded-Uri: /admin' -H \"Authorization: Bearer $TOKEN\"":
    ownIssuer,
  'printf %s "$TOKEN" | KEYWAY_CONFIG=examples/keyway.yaml node dist/cli.js explain --token-file - --host api.example.com --uri /admin':
    ownIssuer,
  // README, CLI: keygen → config → mint → request, run by keygen-issuer.test.ts for each kind of key.
  'node dist/cli.js keygen --alg EdDSA --kid own-1 --out keys': ownKey,
  "printf 'issuers: [{ name: own, issuer: https://own.example/, audiences: [app], keys: [{ file: keys/jwks.json }] }]\\npolicies: [{ name: all, issuers: [own] }]\\n' > own.yaml":
    ownKey,
  'KEYWAY_CONFIG=own.yaml node dist/cli.js check-config': ownKey,
  'TOKEN=$(KEYWAY_CONFIG=own.yaml node dist/cli.js mint --issuer own --key keys/private.pem --sub alice)':
    ownKey,
  'KEYWAY_CONFIG=own.yaml node dist/cli.js serve': ownKey,
  // Tests, CI and contributor commands: package.json scripts that .ci/run runs (checked here).
  'npm test': devTools,
  'npm run lint': devTools,
  'npm run format': devTools,
  'npm run build': devTools,
  'npm run schema': {
    by: 'test/unit/config/json-schema.test.ts',
    contains: 'is what `npm run schema` generates',
  },
  'npx vitest run --config test/vitest.config.ts test/unit/policy/policy.test.ts': devTools,
  // Revocation: the admin API and `keyway revoke` against a real redis-server.
  'curl -sX POST localhost:8082/admin/revocations -H "authorization: Bearer $T" -H \'content-type: application/json\' -d \'{"jti":"4f1c…","exp":1767225600,"reason":"leaked in a log","actor":"alice"}\'':
    { by: 'test/integration/revocation-admin.test.ts', contains: 'POST {jti, exp} → 201' },
  'curl … -d \'{"token":"eyJ…"}\'': {
    by: 'test/integration/revocation-admin.test.ts',
    contains: 'POST {token} revokes its jti until its exp',
  },
  'curl … -d \'{"sub":"user-42","before":1767225600}\'': {
    by: 'test/integration/revocation-admin.test.ts',
    contains: 'POST {sub} without before means now',
  },
  'curl … -d \'{"iss":"https://idp.example","sub":"user-42"}\'': {
    by: 'test/integration/revocation-issuer-subject.test.ts',
    contains: 'admin API {"iss","sub"}',
  },
  'curl -s \'localhost:8082/admin/revocations?limit=100&cursor=…\' -H "authorization: Bearer $T"': {
    by: 'test/integration/revocation-admin.test.ts',
    contains: 'GET pages through every entry',
  },
  'curl -sX DELETE localhost:8082/admin/revocations/4f1c… -H "authorization: Bearer $T"': {
    by: 'test/integration/revocation-admin.test.ts',
    contains: 'DELETE /:jti → 200',
  },
  'keyway revoke --jti 4f1c… --exp 1767225600 --reason "leaked in a log"': {
    by: 'test/integration/revocation-cli.test.ts',
    contains: '--jti --exp revokes',
  },
  'keyway revoke --token-file leaked.jwt': {
    by: 'test/integration/revocation-cli.test.ts',
    contains: '--token-file revokes the token in the file',
  },
  'keyway revoke --sub user-42 --before 2026-01-01T00:00:00Z': {
    by: 'test/integration/revocation-cli.test.ts',
    contains: '--sub --before (ISO date) revokes the subject',
  },
  'keyway revoke --sub user-42 --iss https://idp.example': {
    by: 'test/integration/revocation-issuer-subject.test.ts',
    contains: 'keyway revoke --sub --iss',
  },
  'keyway revoke --list [--limit 100] [--cursor C]': {
    by: 'test/integration/revocation-cli.test.ts',
    contains: '--list prints one JSON line per entry',
  },
  'keyway revoke --delete 4f1c…': {
    by: 'test/integration/revocation-cli.test.ts',
    contains: '--delete removes',
  },
  // Routing from Redis.
  "redis-cli HSET keyway:routes t1/shop/blue/i1 '[\"10.0.1.11:8080\"]' t1/shop/blue '10.0.1.11:8080,10.0.1.12:8080' '*' 10.0.1.99:8080":
    { by: 'test/integration/route-redis.test.ts', contains: 'accepts a plain HSET + PUBLISH' },
  'redis-cli PUBLISH keyway:routes:changed 1': {
    by: 'test/integration/route-redis.test.ts',
    contains: 'follows every change published on <key>:changed',
  },
  // deploy/README.md: the Dockerfile's steps are replayed without an engine.
  'docker build -f deploy/Dockerfile -t keyway .': {
    by: 'test/e2e/dockerfile.test.ts',
    contains: 'deploy/Dockerfile (steps replayed without an engine)',
  },
  // The guides: print-config for your own config (the examples' files are print-config's output for theirs) and
  // the example stacks, run for real by example-scripts.test.ts.
  'KEYWAY_CONFIG=/etc/keyway/keyway.yaml node dist/cli.js print-config caddy > /etc/caddy/keyway.caddy': {
    by: 'test/unit/proxy-config/print-config.test.ts',
    contains: 'matches examples/',
  },
  'KEYWAY_CONFIG=/etc/keyway/keyway.yaml node dist/cli.js print-config nginx > /etc/nginx/conf.d/keyway.conf':
    {
      by: 'test/unit/proxy-config/print-config.test.ts',
      contains: 'matches examples/',
    },
  'KEYWAY_CONFIG=/etc/keyway/keyway.yaml node dist/cli.js print-config traefik > /etc/traefik/dynamic/keyway.yml':
    {
      by: 'test/unit/proxy-config/print-config.test.ts',
      contains: 'matches examples/',
    },
  // examples/nginx/README.md, The proxy secret: run as written (paths moved) by proxy-secret.test.ts.
  'KEYWAY_CONFIG=/etc/keyway/keyway.yaml node dist/cli.js print-config nginx > keyway.conf.template':
    proxySecret,
  "(umask 077 && envsubst '${KEYWAY_PROXY_SECRET}' < keyway.conf.template > /etc/nginx/conf.d/keyway.conf)":
    proxySecret,
  'nginx -t && nginx -s reload': proxySecret,
  'examples/caddy/run.sh': scripts,
  'examples/caddy/run.sh --keep': scripts,
  'KEEP=1 PROXY_PORT=8080 examples/caddy/run.sh': scripts,
  'examples/nginx/run.sh': scripts,
  'examples/nginx/run.sh --keep': scripts,
  'KEEP=1 PROXY_PORT=8080 examples/nginx/run.sh': scripts,
  'examples/traefik/run.sh': scripts,
  'examples/traefik/run.sh --keep --two-hop': scripts,
  'KEEP=1 PROXY_PORT=8080 examples/traefik/run.sh': scripts,
};

const commands: DocCommand[] = DOCS.flatMap((file) => shellCommands(ROOT, file));

describe('shell commands in the docs', () => {
  it('finds the commands of every document (README quick start included)', () => {
    expect(DOCS).toEqual(
      expect.arrayContaining([
        'README.md',
        'examples/caddy/README.md',
        'examples/nginx/README.md',
        'examples/traefik/README.md',
      ]),
    );
    const readme = commands.filter((c) => c.file === 'README.md').map((c) => c.command);
    expect(readme.slice(0, 2)).toEqual(['npm ci', 'npm start']);
    expect(readme).toContain('npm test');
  });

  it('every command is run by test/docs or mapped to the test that covers it', () => {
    const unmapped = commands
      .filter((c) => !(c.command in COVERED))
      .map((c) => `${c.file}:${c.line}: ${c.command}`);
    expect(unmapped).toEqual([]);
  });

  it('every mapping names a file that exists and contains the named test; none is stale', () => {
    const shown = new Set(commands.map((c) => c.command));
    const problems: string[] = [];
    for (const [command, { by, contains }] of Object.entries(COVERED)) {
      if (!shown.has(command)) problems.push(`no document shows: ${command}`);
      const path = join(ROOT, by);
      if (!existsSync(path)) problems.push(`${by} does not exist (${command})`);
      else if (!readFileSync(path, 'utf8').includes(contains)) problems.push(`${by} has no "${contains}"`);
    }
    expect(problems).toEqual([]);
  });

  it('splits a trailing comment only outside quotes', () => {
    expect(splitComment('curl -H "a # b" x   # 200 ok')).toEqual(['curl -H "a # b" x', '200 ok']);
    expect(splitComment("echo 'x#y' z")).toEqual(["echo 'x#y' z", '']);
    expect(splitComment('# only a comment')).toEqual(['', 'only a comment']);
  });
});

describe('the env quick-start lines (README, Your own issuer)', () => {
  /** The VAR=value words before `npm start`. */
  const envOf = (command: string): Record<string, string> =>
    Object.fromEntries(
      command
        .replace(/ npm start$/, '')
        .split(' ')
        .map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]),
    );
  const line = (prefix: string) => {
    const found = commands.find((c) => c.file === 'README.md' && c.command.startsWith(prefix));
    expect(found, prefix).toBeDefined();
    return found!;
  };

  it('KEYWAY_ISSUER + KEYWAY_AUDIENCE: one issuer found by OIDC discovery, as its comment says', () => {
    const cmd = line('KEYWAY_ISSUER=');
    expect(cmd.comment).toBe('OIDC discovery');
    const issuer = loadConfig(envOf(cmd.command)).issuers[0]!;
    expect(issuer).toMatchObject({ issuer: 'https://idp.example.com/', discovery: true, audiences: ['api'] });
  });

  it('KEYWAY_JWKS_URL + KEYWAY_ISSUER: that JWKS, that issuer, no discovery', () => {
    const issuer = loadConfig(envOf(line('KEYWAY_JWKS_URL=').command)).issuers[0]!;
    expect(issuer).toMatchObject({
      issuer: 'https://idp.example.com/',
      jwks_uri: 'https://idp.example.com/jwks.json',
      discovery: false,
    });
  });

  it('KEYWAY_HS_SECRET_FILE + KEYWAY_ALGORITHMS: a shared secret of at least 32 bytes, HS256 only', () => {
    const cmd = line('KEYWAY_HS_SECRET_FILE=');
    expect(cmd.comment).toMatch(/shared secret \(≥ 32 bytes\)/);
    const dir = mkdtempSync(join(tmpdir(), 'keyway-docs-hs-'));
    try {
      const env = envOf(cmd.command);
      const file = join(dir, 'hs');
      writeFileSync(file, `${'k'.repeat(40)}\n`);
      const issuer = loadConfig({ ...env, KEYWAY_HS_SECRET_FILE: file }).issuers[0]!;
      expect(issuer.algorithms).toEqual(['HS256']);
      expect(issuer.hs_secrets).toHaveLength(1);
      writeFileSync(file, 'k'.repeat(20));
      expect(() => loadConfig({ ...env, KEYWAY_HS_SECRET_FILE: file })).toThrow(/32 bytes/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the contributor commands (README Tests, CONTRIBUTING)', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');

  it('npm test is the README test command and what .ci/run runs; lint, build and format are package scripts', () => {
    const tests = commands
      .filter((c) => c.file === 'README.md' && c.section === 'Tests')
      .map((c) => c.command);
    expect(tests).toEqual(['npm test']);
    expect(pkg.scripts['test']).toBe('vitest run --config test/vitest.config.ts');
    for (const step of ['npm ci', 'npm run lint', 'npm run build', 'npm test']) expect(ci).toContain(step);
    for (const name of ['lint', 'format', 'build', 'start']) expect(pkg.scripts[name], name).toBeTruthy();
    expect(pkg.scripts['start']).toBe('node dist/cli.js serve');
    expect(pkg.scripts['prestart']).toMatch(/^npm run build/);
  });

  it('the install line is one list, in README and CONTRIBUTING, and it is what .ci/run installs (wrk: bench only)', () => {
    const installed = [...ci.matchAll(/need\+=\(([\w-]+)\)/g)].map((m) => m[1]);
    expect(installed).toContain('redis-server');
    for (const file of ['README.md', 'CONTRIBUTING.md']) {
      const text = readFileSync(join(ROOT, file), 'utf8').replace(/\s+/g, ' ');
      const lines = [...text.matchAll(/`apt-get install -y ([\w -]+)`/g)].map((m) => m[1]!.trim().split(' '));
      const lists = lines.filter((l) => l.join(' ') !== 'wrk');
      expect([file, lists]).toEqual([file, [installed]]);
    }
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('`apt-get install -y wrk`');
  });

  it('the one-file vitest line names a config and a test that exist', () => {
    const cmd = commands.find((c) => c.command.startsWith('npx vitest run'))!;
    const paths = cmd.command.split(' ').filter((w) => /^test\//.test(w));
    expect(paths.length).toBeGreaterThanOrEqual(2);
    for (const path of paths) expect(existsSync(join(ROOT, path)), path).toBe(true);
  });
});

// ---- paths and links ------------------------------------------------------------------------------------------

/** GitHub's heading anchors for a markdown text (code blocks skipped, repeats numbered). */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, heading] of text.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6} (.*)$/gm)) {
    const slug = heading!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\- _]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    out.add(n === 0 ? slug : `${slug}-${n}`);
    seen.set(slug, n + 1);
  }
  return out;
}

/** Every markdown file of the repository (not node_modules, not dist). */
function markdownFiles(dir = ''): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((d) => {
    const path = dir ? `${dir}/${d.name}` : d.name;
    if (d.isDirectory()) return ['node_modules', 'dist', '.git'].includes(d.name) ? [] : markdownFiles(path);
    return d.name.endsWith('.md') ? [path] : [];
  });
}

describe('paths and links in the docs', () => {
  const docs = markdownFiles();

  it('every relative link points at a file that exists, and every #anchor at a heading of its target', () => {
    const broken: string[] = [];
    for (const file of docs) {
      const text = readFileSync(join(ROOT, file), 'utf8')
        .replace(/```[\s\S]*?```/g, '')
        .replace(/`[^`\n]*`/g, '');
      for (const [, link] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(link!)) continue;
        const [path = '', fragment] = link!.split('#');
        const target = path ? normalize(join(dirname(file), path)) : file;
        if (path && !existsSync(join(ROOT, target))) broken.push(`${file}: ${link} (no such file)`);
        else if (
          fragment &&
          target.endsWith('.md') &&
          !anchors(readFileSync(join(ROOT, target), 'utf8')).has(fragment)
        )
          broken.push(`${file}: ${link} (no such heading)`);
      }
    }
    expect(docs.length).toBeGreaterThanOrEqual(8);
    expect(broken).toEqual([]);
  });

  it('every repository path the docs and examples name exists (src, test, examples, deploy, .ci)', () => {
    const missing: string[] = [];
    const files = [...docs, 'examples/keyway.yaml', 'examples/lib.sh'];
    for (const file of files) {
      let text = readFileSync(join(ROOT, file), 'utf8');
      // The layout change's old → new table names old paths on purpose.
      text = text.replace(/### Moved in the layout change[\s\S]*?(?=\n## |\n### |$)/, '');
      for (const [path] of text.matchAll(/(?<![\w./-])(?:src|test|examples|deploy|\.ci)\/[\w./-]*[\w/]/g)) {
        // A path with a file extension or a trailing slash (kubectl's deploy/keyway is a resource, not a path).
        if (!/\.\w+$|\/$/.test(path!) && !existsSync(join(ROOT, path!))) continue;
        if (!existsSync(join(ROOT, path!))) missing.push(`${file}: ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('nothing in the repository refers to a file outside it', () => {
    const outside = /\.\.\/shared\/|\/work\/shared|\bPROXIES\.md\b|\bSTYLE\.md\b|\bARCHITECTURE\.md\b/;
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const d of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
        const path = dir ? `${dir}/${d.name}` : d.name;
        if (d.isDirectory()) {
          if (!['node_modules', 'dist', '.git'].includes(d.name)) walk(path);
        } else if (/\.(md|ts|sh|ya?ml|json|toml|conf|caddy|txt)$|^(Caddyfile|Dockerfile|run)$/.test(d.name)) {
          if (path === 'test/docs/commands.test.ts' || path === 'package-lock.json') continue; // this pattern itself
          const lines = readFileSync(join(ROOT, path), 'utf8').split('\n');
          lines.forEach((l, i) => {
            if (outside.test(l)) offenders.push(`${path}:${i + 1}: ${l.trim().slice(0, 100)}`);
          });
        }
      }
    };
    walk('');
    expect(offenders).toEqual([]);
  });

  it('LICENSE is the Apache License 2.0 that package.json names', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license: string };
    expect(pkg.license).toBe('Apache-2.0');
    const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(license).toContain('Apache License\n                           Version 2.0, January 2004');
    expect(license).toContain('TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION');
    expect(license).toContain('END OF TERMS AND CONDITIONS');
    // The nine sections of the terms.
    for (let n = 1; n <= 9; n++) expect(license).toMatch(new RegExp(`^   ${n}\\. [A-Z]`, 'm'));
  });

  it('the README is navigable: a table of contents with an anchor for each reference part', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const heads = anchors(readme);
    const toc = readme.slice(
      readme.indexOf('## Contents'),
      readme.indexOf('\n## ', readme.indexOf('## Contents') + 5),
    );
    for (const part of [
      'quick-start',
      'http-contract',
      'reason-codes',
      'configuration-reference',
      'keys-and-jwks',
      'revocation',
      'routing',
      'operations',
      'cli',
      'proxy-guides',
      'deploy',
      'tests',
    ]) {
      expect(heads.has(part), part).toBe(true);
      expect(toc, part).toContain(`(#${part})`);
    }
    // The quick start comes first, within the first screen of the README.
    expect(readme.indexOf('## Quick start')).toBeLessThan(readme.indexOf('## Contents'));
    expect(readme.slice(0, readme.indexOf('## Quick start')).split('\n').length).toBeLessThan(20);
  });
});
