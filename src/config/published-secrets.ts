// Secret values published in keyway's own repository: a config using one is refused (anyone can forge with it).
import type { ConfigProblem } from '../errors.js';
import type { HsSecret } from './types.js';

/**
 * Every secret value this repository publishes or ever published (examples/, README.md, SECURITY.md, deploy/):
 * test/unit/config/published-secrets.test.ts scans those files and fails when one is missing here. Values stay listed
 * after they leave the examples: copies of older examples are still deployed.
 */
export const PUBLISHED_SECRETS: readonly string[] = [
  // examples/{caddy,nginx,traefik}/keyway.yaml fallbacks of ${KEYWAY_ADMIN_TOKEN:-…} and ${KEYWAY_DEMO_SECRET:-…}
  'demo-admin-token-0123456789',
  'demo-secret-for-examples-only-0123456789abcdef',
  // deploy/compose/.env.example placeholders: a copied .env left unedited must not start
  'replace-with-a-32-byte-random-secret-000000',
  'replace-with-another-random-secret-0000',
  'replace-with-an-admin-token-0000000000',
];

const published = new Set(PUBLISHED_SECRETS);
const publishedBytes = PUBLISHED_SECRETS.map((s) => Buffer.from(s, 'utf8'));

/** The parts of a config that hold secrets, after env substitution and files read. */
export interface SecretsView {
  readonly server: { readonly proxy_secret?: string | undefined };
  readonly admin: { readonly token?: string | undefined; readonly metrics_token?: string | undefined };
  readonly issuers: readonly { readonly hs_secrets: readonly HsSecret[] }[];
}

/** The key paths whose value is a published secret (a decoded HS secret counts by its bytes); never the values. */
export function publishedSecretPaths(config: SecretsView): string[] {
  const paths: string[] = [];
  const text = (path: string, value: string | undefined) => {
    if (value !== undefined && published.has(value)) paths.push(path);
  };
  text('server.proxy_secret', config.server.proxy_secret);
  text('admin.token', config.admin.token);
  text('admin.metrics_token', config.admin.metrics_token);
  config.issuers.forEach((issuer, i) => {
    issuer.hs_secrets.forEach((secret, j) => {
      if (publishedBytes.some((p) => Buffer.from(secret.key).equals(p)))
        paths.push(`issuers[${i}].hs_secrets[${j}]`);
    });
  });
  return paths;
}

/** True for a host that only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/**
 * Problems for a config using published secrets: none when there are none, or when `allow_published_secrets` is set
 * and every listener that will open binds to loopback (a demo on this machine; the start logs it loudly).
 */
export function publishedSecretProblems(
  config: SecretsView & {
    readonly server: { readonly host: string; readonly allow_published_secrets: boolean };
    readonly admin: { readonly host: string };
  },
): ConfigProblem[] {
  const paths = publishedSecretPaths(config);
  if (paths.length === 0) return [];
  const listeners = [config.server.host, ...(config.admin.token === undefined ? [] : [config.admin.host])];
  if (config.server.allow_published_secrets && listeners.every(isLoopbackHost)) return [];
  const fix = config.server.allow_published_secrets
    ? 'server.allow_published_secrets only applies when server.host and admin.host are loopback (127.0.0.1, ::1)'
    : 'set it (or the environment variable the file reads) to a secret of your own, e.g. `openssl rand -hex 32`';
  return paths.map((path) => ({
    path,
    code: 'published_secret' as const,
    message:
      `this value is published in keyway's repository (examples/README), so anyone can forge tokens or ` +
      `admin calls with it; ${fix}`,
  }));
}
