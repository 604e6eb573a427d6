// What `npm pack` ships: the built CLI (the bin), the config's JSON Schema for editors, the licence and security
// policy — and none of the sources, tests, CI or deploy files.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
  bin: Record<string, string>;
  scripts: Record<string, string>;
};

describe('the npm package', () => {
  // --ignore-scripts: list what would be packed without rebuilding (the build ran before the tests).
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: ROOT,
      timeout: 60_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString(),
  ) as { files: { path: string }[] }[];
  const files = packed[0]!.files.map((f) => f.path);

  it('ships the bin, the JSON Schema, LICENSE, README and SECURITY.md', () => {
    for (const bin of Object.values(pkg.bin)) expect(files).toContain(bin.replace(/^\.\//, ''));
    for (const file of ['examples/keyway.schema.json', 'LICENSE', 'README.md', 'SECURITY.md', 'package.json'])
      expect(files).toContain(file);
  });

  it('ships no sources, tests, CI, deploy files or other examples', () => {
    expect(files.filter((f) => /^(src|test|\.ci|deploy)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.startsWith('examples/') && f !== 'examples/keyway.schema.json')).toEqual([]);
  });

  it('packs a fresh build (prepack empties dist and builds: no stale file ships)', () => {
    expect(pkg.scripts['prepack']).toBe('rm -rf dist && npm run build --silent');
  });
});
