// parseConfig: untrusted object → validated, frozen Config, or a ConfigError naming the key path.
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { FIXED_HEADERS } from '../lib/fixed-headers.js';
import { FORWARDING_HEADERS } from '../lib/forwarding-headers.js';
import { normalisePath } from '../lib/path-readings.js';
import { policyAudienceProblems } from './policy-audiences.js';
import { publishedSecretProblems } from './published-secrets.js';
import { readOrReport, resolveIssuer } from './resolve-issuer.js';
import { adminToken, type ConfigInput, configSchema } from './schema.js';
import type { Config, ConfigIo, Issuer } from './types.js';

/**
 * Header names a policy's `headers:` may not map a claim to (lower case): keyway's identity and routing headers (a
 * claim would replace `sub` in X-Auth-Subject), the headers keyway sets on every answer, and message framing /
 * hop-by-hop headers (RFC 9110 §7.6.1, RFC 9112 §6), which would corrupt the 200 itself.
 */
const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  ...FIXED_HEADERS.map((h) => h.toLowerCase()),
  'x-auth-reason',
  'x-request-id',
  'cache-control',
  'www-authenticate',
  'retry-after',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-connection',
]);

/** Forwarding headers (lower case): print-config's snippets set or remove each, so a claim mapped to one is lost. */
const FORWARDING: ReadonlySet<string> = new Set(FORWARDING_HEADERS.map((h) => h.toLowerCase()));

/** Render a zod path the way users write keys: `policies[2].audiences`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : out === '' ? String(part) : `.${String(part)}`;
  }
  return out || '(root)';
}

function zodIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}

/** Validate `input` (already YAML-parsed) into a frozen Config; throws ConfigError listing every problem. */
export function parseConfig(input: unknown, source: string, io: ConfigIo): Config {
  const parsed = configSchema.safeParse(input ?? {});
  if (!parsed.success) throw new ConfigError(source, zodIssues(parsed.error));
  const problems: string[] = [];
  const raw = parsed.data;
  const issuers = raw.issuers.map((issuer, i) => resolveIssuer(issuer, `issuers[${i}]`, io, problems));
  checkReferences(raw, issuers, problems);
  const admin = resolveAdminToken(raw.admin, io, problems);
  // Without a token there is no admin listener: /metrics would quietly stay public on the main one.
  if (
    raw.server.metrics_on_admin &&
    admin.token === undefined &&
    !problems.some((p) => p.startsWith('admin.'))
  )
    problems.push(
      'server.metrics_on_admin: expected admin.token or admin.token_file (the admin listener is off without one)',
    );
  problems.push(...publishedSecretProblems({ ...raw, admin, issuers }));
  const { tls_ca_file, ...revocation } = raw.revocation;
  const tls_ca =
    tls_ca_file === undefined ? undefined : readOrReport(io, tls_ca_file, 'revocation.tls_ca_file', problems);
  if (tls_ca !== undefined && !tls_ca.includes('-----BEGIN CERTIFICATE-----'))
    problems.push('revocation.tls_ca_file: expected PEM certificates ("-----BEGIN CERTIFICATE-----")');
  if (problems.length > 0) throw new ConfigError(source, problems);
  return deepFreeze({
    ...raw,
    revocation: { ...revocation, tls_ca },
    admin,
    source,
    issuers,
    devMode: false,
  });
}

/** The admin token from `token` or `token_file` (so it never has to sit in the file or on a command line). */
function resolveAdminToken(
  admin: ConfigInput['admin'],
  io: ConfigIo,
  problems: string[],
): ConfigInput['admin'] {
  if (admin.token_file === undefined) return admin;
  if (admin.token !== undefined)
    problems.push('admin.token_file: expected either admin.token or admin.token_file, not both');
  // Surrounding whitespace (a trailing newline, a blank line) is not part of the token: `keyway revoke` trims too.
  const token = readOrReport(io, admin.token_file, 'admin.token_file', problems)?.trim();
  if (token !== undefined) {
    const shape = adminToken.safeParse(token);
    if (!shape.success) problems.push(`admin.token_file: ${shape.error.issues[0]?.message}`);
  }
  return { ...admin, token };
}

function checkReferences(raw: ConfigInput, issuers: readonly Issuer[], problems: string[]): void {
  const issuerNames = new Set<string>();
  issuers.forEach((issuer, i) => {
    if (issuerNames.has(issuer.name))
      problems.push(`issuers[${i}].name: duplicate issuer name "${issuer.name}"`);
    issuerNames.add(issuer.name);
  });
  if (issuers.filter((i) => i.issuer === undefined).length > 1) {
    problems.push('issuers: at most one issuer may omit "issuer" (it accepts tokens without a matching iss)');
  }
  const policyNames = new Set<string>();
  raw.policies.forEach((policy, i) => {
    if (policyNames.has(policy.name))
      problems.push(`policies[${i}].name: duplicate policy name "${policy.name}"`);
    policyNames.add(policy.name);
    policy.issuers?.forEach((name, j) => {
      if (!issuerNames.has(name)) problems.push(`policies[${i}].issuers[${j}]: unknown issuer "${name}"`);
    });
    problems.push(...policyAudienceProblems(policy, `policies[${i}].audiences`, issuers));
    if (!policy.anonymous && issuers.length === 0) {
      problems.push(`policies[${i}]: expected at least one issuer in "issuers" for a non-anonymous policy`);
    }
    policy.match.paths.forEach((p, j) => {
      if (!p.startsWith('/'))
        problems.push(`policies[${i}].match.paths[${j}]: expected a path prefix starting with "/"`);
      else if (normalisePath(p) !== p)
        problems.push(
          `policies[${i}].match.paths[${j}]: expected a normalised path (requests are matched after decoding, ` +
            `dropping ";" parameters and resolving ".", ".." and "//", so this prefix never matches; ` +
            `it normalises to ${JSON.stringify(normalisePath(p) ?? 'nothing (undecodable)')})`,
        );
    });
    policy.match.hosts.forEach((h, j) => {
      if (!/^(\*\.)?[A-Za-z0-9.-]+(:\d+)?$/.test(h)) {
        problems.push(`policies[${i}].match.hosts[${j}]: expected "host", "host:port" or "*.domain"`);
      } else if (/\.(:\d+)?$/.test(h)) {
        problems.push(
          `policies[${i}].match.hosts[${j}]: expected no trailing dot (keyway drops it from request hosts, so this never matches)`,
        );
      }
    });
    for (const [claim, values] of Object.entries(policy.claims))
      values.forEach((v, j) => {
        if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v))
          problems.push(
            `policies[${i}].claims.${claim}[${j}]: expected a number within ±2^53 (YAML already rounded this one); write a larger id as a quoted string — keyway keeps such claim values as their digits`,
          );
      });
    const mapped = new Set<string>();
    for (const name of Object.keys(policy.headers)) {
      const lower = name.toLowerCase();
      if (RESERVED_HEADERS.has(lower))
        problems.push(`policies[${i}].headers.${name}: expected a header name keyway does not set itself`);
      else if (FORWARDING.has(lower))
        problems.push(
          `policies[${i}].headers.${name}: expected a header name that is not a forwarding header (the proxy configs set or remove it on every request, so backends read the proxy's value, never a claim)`,
        );
      else if (mapped.has(lower))
        problems.push(`policies[${i}].headers.${name}: duplicate header name (names are case-insensitive)`);
      mapped.add(lower);
    }
  });
  if (raw.default_policy !== undefined && !policyNames.has(raw.default_policy)) {
    problems.push(`default_policy: unknown policy "${raw.default_policy}"`);
  }
}

/** Freeze an object graph (config is immutable once parsed). */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value) && !ArrayBuffer.isView(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
