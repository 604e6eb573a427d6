// Every config issue code is reached by an input of its kind, through the same resolveStartup serve and check-config
// use: a code added to CONFIG_ISSUE_CODES without an input here fails this test.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveStartup } from '../../../src/cli/startup.js';
import { PUBLISHED_SECRETS } from '../../../src/config/published-secrets.js';
import { CONFIG_ISSUE_CODES, type ConfigIssueCode } from '../../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'keyway-issue-codes-'));
let n = 0;
const file = (text: string) => {
  const path = join(dir, `c${n++}.yaml`);
  writeFileSync(path, text);
  return path;
};
const OK = `issuers: [{ name: a, issuer: https://a.example/, hs_secrets: ["${'h'.repeat(40)}"] }]\npolicies: [{ name: p }]\n`;

/** One input per code, each reaching it (possibly among others). */
const INPUTS: Record<Exclude<ConfigIssueCode, 'restart_required'>, () => Record<string, string>> = {
  invalid_yaml: () => ({ KEYWAY_CONFIG: file('a: [\n') }),
  unset_variable: () => ({ KEYWAY_CONFIG: file(`${OK}server: { proxy_secret: "\${NOT_SET_ANYWHERE}" }\n`) }),
  unreadable_file: () => ({ KEYWAY_CONFIG: join(dir, 'absent.yaml') }),
  conflicting_sources: () => ({ KEYWAY_CONFIG: file(OK), KEYWAY_CONFIG_YAML: OK }),
  no_config: () => ({ NODE_ENV: 'production' }),
  no_issuers: () => ({ KEYWAY_CONFIG: file('log: {}\n') }),
  unknown_key: () => ({ KEYWAY_CONFIG: file(`${OK}limits: { max_tokens: 1 }\n`) }),
  missing_key: () => ({ KEYWAY_CONFIG: file(`${OK}revocation: { sentinel: { sentinels: [s:1] } }\n`) }),
  invalid_type: () => ({ KEYWAY_CONFIG: file(`${OK}log: { allow_sample: many }\n`) }),
  invalid_value: () => ({ KEYWAY_CONFIG: file(`${OK}log: { allow_sample: 0 }\n`) }),
  unknown_reference: () => ({ KEYWAY_CONFIG: file(`${OK}default_policy: q\n`) }),
  duplicate: () => ({ KEYWAY_CONFIG: file(`${OK.replace('[{ name: p }]', '[{ name: p }, { name: p }]')}`) }),
  conflict: () => ({ KEYWAY_CONFIG: file(`${OK}admin: { token: "${'t'.repeat(20)}", token_file: /x }\n`) }),
  requires: () => ({ KEYWAY_CONFIG: file(`${OK}server: { metrics_on_admin: true }\n`) }),
  insecure_url: () => ({ KEYWAY_JWKS_URL: 'http://idp.example/keys', KEYWAY_ISSUER: 'https://idp.example/' }),
  refused_key: () => ({ KEYWAY_ISSUER: 'https://idp.example/', KEYWAY_HS_SECRET: 'short' }),
  published_secret: () => ({ KEYWAY_CONFIG: file(OK), KEYWAY_ADMIN_TOKEN: PUBLISHED_SECRETS[0]! }),
  never_matches: () => ({
    KEYWAY_CONFIG: file(OK.replace('[{ name: p }]', '[{ name: p, match: { paths: [/a/../b] } }]')),
  }),
  reserved_header: () => ({
    KEYWAY_CONFIG: file(OK.replace('[{ name: p }]', '[{ name: p, headers: { X-Auth-Subject: email } }]')),
  }),
  unwritable_path: () => ({
    KEYWAY_CONFIG: file(`${OK}revocation: { snapshot_file: ${dir}/none/s.json }\n`),
  }),
  invalid_route_table: () => ({
    KEYWAY_CONFIG: file(`${OK}routing: { table_file: ${file('routes: { a: "x y" }\n')} }\n`),
  }),
};

describe('config issue codes', () => {
  it.each(Object.entries(INPUTS))('%s is reached', async (code, env) => {
    const startup = await resolveStartup(env());
    expect(startup.ok).toBe(false);
    if (!startup.ok) expect(startup.error.codes).toContain(code);
  });

  it('every code has an input (restart_required: a reload only, reached in test/integration/reload.test.ts)', () => {
    expect([...Object.keys(INPUTS), 'restart_required'].sort()).toEqual([...CONFIG_ISSUE_CODES].sort());
  });
});
