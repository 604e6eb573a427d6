// resolveRelativePaths: the file paths a config file names (key, secret, CA, token, route table and snapshot files)
// made absolute against the directory of that config file, so a config means the same from any working directory.
import { isAbsolute, resolve } from 'node:path';

type Doc = Record<string, unknown>;

const isMapping = (v: unknown): v is Doc => !!v && typeof v === 'object' && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Replace `at[key]` by its absolute path under `base` when it is a relative path. */
function fix(at: unknown, key: string, base: string): void {
  if (!isMapping(at)) return;
  const value = at[key];
  if (typeof value === 'string' && value !== '' && !isAbsolute(value)) at[key] = resolve(base, value);
}

/**
 * The config document with every relative file path resolved against `base` (in place; returns it). Values set by
 * environment overrides are applied afterwards, so they stay relative to the working directory.
 */
export function resolveRelativePaths(doc: unknown, base: string): unknown {
  if (!isMapping(doc)) return doc;
  for (const issuer of list(doc['issuers'])) {
    fix(issuer, 'ca_file', base);
    if (!isMapping(issuer)) continue;
    for (const key of list(issuer['keys'])) fix(key, 'file', base);
    for (const secret of list(issuer['hs_secrets'])) fix(secret, 'file', base);
  }
  fix(doc['admin'], 'token_file', base);
  fix(doc['revocation'], 'tls_ca_file', base);
  fix(doc['revocation'], 'snapshot_file', base);
  fix(doc['routing'], 'table_file', base);
  return doc;
}

/** The paths `resolveRelativePaths` resolves, as key paths (for the docs and a test that none is forgotten). */
export const CONFIG_FILE_PATHS = [
  'issuers[].ca_file',
  'issuers[].keys[].file',
  'issuers[].hs_secrets[].file',
  'admin.token_file',
  'revocation.tls_ca_file',
  'revocation.snapshot_file',
  'routing.table_file',
] as const;
