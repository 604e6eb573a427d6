// The dev banner: the token itself only on a terminal, else the path of a 0600 file; advice that matches why dev mode runs.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createDevIssuer } from '../../src/cli/dev-issuer.js';
import { writeDevBanner } from '../../src/dev-banner.js';

const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;

async function banner(isTTY: boolean, reason: 'no_config' | 'forced') {
  const dev = await createDevIssuer(18_081);
  let text = '';
  const written = await writeDevBanner(18_081, dev, reason, { isTTY, write: (t: string) => (text += t) });
  return { text, ...written };
}

describe('writeDevBanner', () => {
  it('off a terminal: no token in the output, a 0600 file the TOKEN line reads', async () => {
    const b = await banner(false, 'no_config');
    expect(b.text).not.toMatch(JWT);
    expect(b.text).toContain(`TOKEN=$(cat '${b.tokenFile}')`);
    expect(statSync(b.tokenFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(b.tokenFile, 'utf8')).toMatch(JWT);
    b.remove();
    expect(existsSync(b.tokenFile)).toBe(false);
  });

  it('on a terminal: the token itself on the TOKEN= line', async () => {
    const b = await banner(true, 'no_config');
    const token = readFileSync(b.tokenFile, 'utf8').trim();
    expect(b.text).toContain(`\nTOKEN=${token}\n`);
    b.remove();
  });

  it('advice: how to leave dev mode without a config; `keyway serve` after `keyway dev`', async () => {
    const none = await banner(false, 'no_config');
    expect(none.text).toContain('No config source is set');
    expect(none.text).toContain('KEYWAY_CONFIG');
    none.remove();
    const forced = await banner(false, 'forced');
    expect(forced.text).toContain('Started with `keyway dev`');
    expect(forced.text).toContain('Run `keyway serve`');
    forced.remove();
  });
});
