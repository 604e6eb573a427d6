// Config delivery in an image: the YAML itself in KEYWAY_CONFIG_YAML (a Fly/Kubernetes/compose secret), errors named
// after that variable, never after a file; KEYWAY_PROXY_SECRET as the 12-factor override of server.proxy_secret.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { HS_SECRET } from '../helpers/tokens.js';

const io = { readFile: (path: string) => (path === '/run/secrets/hs' ? HS_SECRET : '') };
const yaml = (issuer: string) =>
  `issuers:\n  - name: main\n    issuer: ${issuer}\n    hs_secrets: ["\${HS}"]\npolicies:\n  - name: api\n`;

/** The ConfigError loadConfig throws for env (fails the test when it does not throw). */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env, io);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('KEYWAY_CONFIG_YAML', () => {
  it('is the config, with ${VAR} replaced and env overrides on top; the source is the variable', () => {
    const config = loadConfig(
      { KEYWAY_CONFIG_YAML: yaml('https://idp.one'), HS: HS_SECRET, PORT: '9181', LOG_LEVEL: 'warn' },
      io,
    );
    expect(config.source).toBe('KEYWAY_CONFIG_YAML');
    expect(config.issuers.map((i) => i.issuer)).toEqual(['https://idp.one']);
    expect(Buffer.from(config.issuers[0]!.hs_secrets[0]!.key).toString()).toBe(HS_SECRET);
    expect(config.server.port).toBe(9181);
    expect(config.log.level).toBe('warn');
  });

  it('names KEYWAY_CONFIG_YAML (not a file) for YAML that does not parse', () => {
    const err = configError({ KEYWAY_CONFIG_YAML: 'issuers: [\n  - name: x\n bad: : :' });
    expect(err.source).toBe('KEYWAY_CONFIG_YAML');
    expect(new Set(err.codes)).toEqual(new Set(['invalid_yaml']));
    expect(err.message).toMatch(/^invalid config KEYWAY_CONFIG_YAML:\n {2}- not valid YAML: /);
    expect(err.message).not.toMatch(/ENOENT|cannot read the file/);
  });

  it('names KEYWAY_CONFIG_YAML and the key path for a schema error and for a missing ${VAR}', () => {
    const bad = configError({ KEYWAY_CONFIG_YAML: 'server:\n  port: "eighty"\n' });
    expect(bad.source).toBe('KEYWAY_CONFIG_YAML');
    expect(bad.issues).toMatchObject([
      { source: 'KEYWAY_CONFIG_YAML', path: 'server.port', code: 'invalid_type' },
    ]);
    const unset = configError({ KEYWAY_CONFIG_YAML: yaml('https://idp.two') });
    expect(unset.issues).toMatchObject([
      { source: 'KEYWAY_CONFIG_YAML', path: 'issuers[0].hs_secrets[0]', code: 'unset_variable' },
    ]);
    expect(unset.issues[0]!.message).toContain('HS');
  });

  it('is refused together with KEYWAY_CONFIG: the two could disagree about every key', () => {
    const err = configError({ KEYWAY_CONFIG_YAML: yaml('https://idp.one'), KEYWAY_CONFIG: '/etc/k.yaml' });
    expect(err.codes).toEqual(['conflicting_sources']);
  });

  it('secret files named inside it are read as from a file config', () => {
    const config = loadConfig(
      {
        KEYWAY_CONFIG_YAML:
          'issuers:\n  - issuer: https://idp.f\n    hs_secrets: [{ file: /run/secrets/hs }]\npolicies: [{ name: a }]\n',
      },
      io,
    );
    expect(Buffer.from(config.issuers[0]!.hs_secrets[0]!.key).toString()).toBe(HS_SECRET);
  });
});

describe('KEYWAY_PROXY_SECRET and server.client_ip_header', () => {
  const base = { KEYWAY_ISSUER: 'https://idp.env', KEYWAY_HS_SECRET: HS_SECRET };

  it('KEYWAY_PROXY_SECRET sets server.proxy_secret over the file; a short one is refused by key', () => {
    const inline = `${yaml('https://idp.one')}server:\n  proxy_secret: from-the-file-0123456789\n`;
    const config = loadConfig(
      { KEYWAY_CONFIG_YAML: inline, HS: HS_SECRET, KEYWAY_PROXY_SECRET: 'p'.repeat(24) },
      io,
    );
    expect(config.server.proxy_secret).toBe('p'.repeat(24));
    const err = configError({ ...base, KEYWAY_PROXY_SECRET: 'short' });
    expect(err.issues).toMatchObject([
      { source: 'KEYWAY_PROXY_SECRET', path: 'server.proxy_secret', code: 'invalid_value' },
    ]);
  });

  it('client_ip_header must be a plain header name', () => {
    const err = configError({
      KEYWAY_CONFIG_YAML: `${yaml('https://idp.one')}server:\n  client_ip_header: "Fly_Client_IP"\n`,
      HS: HS_SECRET,
    });
    expect(err.issues).toMatchObject([
      { source: 'KEYWAY_CONFIG_YAML', path: 'server.client_ip_header', code: 'invalid_value' },
    ]);
    expect(err.issues).toHaveLength(1);
  });
});
