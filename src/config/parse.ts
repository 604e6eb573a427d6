// parseConfig: untrusted object → validated, frozen Config, or a ConfigError with every problem and its key path.
import { ConfigError, type ConfigProblem } from '../errors.js';
import { checkReferences } from './check-references.js';
import { type ParsedSections, parseSections } from './parse-sections.js';
import { publishedSecretProblems } from './published-secrets.js';
import { readOrReport } from './read-or-report.js';
import { resolveIssuer } from './resolve-issuer.js';
import { retentionOf } from './retention.js';
import { adminToken, type ConfigInput } from './schema.js';
import type { Config, ConfigIo } from './types.js';

/**
 * Check `input` (already YAML-parsed): every problem of every part in one pass (types, unknown keys, files it names,
 * cross-field references) and, when there is none, the frozen Config. Never throws.
 */
export function checkConfig(
  input: unknown,
  source: string,
  io: ConfigIo,
): { config: Config | undefined; problems: readonly ConfigProblem[]; sections: ParsedSections } {
  const sections = parseSections(input);
  const { raw, failed, unreadable } = sections;
  const problems: ConfigProblem[] = [...sections.problems];
  const issuers = sections.issuers.map(({ index, value }) =>
    resolveIssuer(value, `issuers[${index}]`, io, problems),
  );
  // The readable part of an issuer with problems: its key files, secret files and URLs are checked now too. What its
  // removed values would have provided (a key source, a discovery issuer) is not judged: those are reported already.
  const readableIssuers = sections.readableIssuers.map(({ index, value }) => {
    const own: ConfigProblem[] = [];
    const at = `issuers[${index}]`;
    const issuer = resolveIssuer(value, at, io, own);
    const reported = (path: string) =>
      problems.some((p) => p.path === path || path.startsWith(`${p.path}.`) || path.startsWith(`${p.path}[`));
    problems.push(...own.filter((p) => p.path !== at && p.code !== 'requires' && !reported(p.path)));
    return issuer;
  });
  checkReferences(sections, issuers, readableIssuers, problems);
  const admin = unreadable.has('admin') ? raw.admin : resolveAdminToken(raw.admin, io, problems);
  // Without a token there is no admin listener: /metrics would quietly stay public on the main one.
  if (
    !failed.has('server') &&
    !failed.has('admin') &&
    raw.server.metrics_on_admin &&
    admin.token === undefined &&
    !problems.some((p) => p.path.startsWith('admin.'))
  )
    problems.push({
      path: 'server.metrics_on_admin',
      code: 'requires',
      message: 'expected admin.token or admin.token_file (the admin listener is off without one)',
    });
  if (!failed.has('server') && !failed.has('admin'))
    problems.push(...publishedSecretProblems({ ...raw, admin, issuers }));
  const { tls_ca_file, ...revocation } = raw.revocation;
  const tls_ca =
    tls_ca_file === undefined || unreadable.has('revocation')
      ? undefined
      : readOrReport(io, tls_ca_file, 'revocation.tls_ca_file', problems);
  if (tls_ca !== undefined && !tls_ca.includes('-----BEGIN CERTIFICATE-----'))
    problems.push({
      path: 'revocation.tls_ca_file',
      code: 'invalid_value',
      message: `expected PEM certificates ("-----BEGIN CERTIFICATE-----") in ${tls_ca_file}`,
    });
  if (problems.length > 0) return { config: undefined, problems, sections };
  const config = deepFreeze({
    ...raw,
    policies: sections.policies.map((p) => p.value),
    // Derived settings, computed here once: every reader takes them from the resolved section.
    revocation: { ...revocation, tls_ca, retention: retentionOf({ revocation, issuers }) },
    routing: { ...raw.routing, redis_key: raw.routing.redis_key ?? `${revocation.key_prefix}:routes` },
    admin,
    source,
    issuers,
    devMode: false,
  });
  return { config, problems, sections };
}

/** Validate `input` (already YAML-parsed) into a frozen Config; throws ConfigError listing every problem. */
export function parseConfig(input: unknown, source: string, io: ConfigIo): Config {
  const { config, problems } = checkConfig(input, source, io);
  if (config === undefined) throw new ConfigError(source, problems);
  return config;
}

/** The admin token from `token` or `token_file` (so it never has to sit in the file or on a command line). */
function resolveAdminToken(
  admin: ConfigInput['admin'],
  io: ConfigIo,
  problems: ConfigProblem[],
): ConfigInput['admin'] {
  if (admin.token_file === undefined) return admin;
  if (admin.token !== undefined)
    problems.push({
      path: 'admin.token_file',
      code: 'conflict',
      message: 'expected either admin.token or admin.token_file, not both',
    });
  // Surrounding whitespace (a trailing newline, a blank line) is not part of the token: `keyway revoke` trims too.
  const token = readOrReport(io, admin.token_file, 'admin.token_file', problems)?.trim();
  if (token !== undefined) {
    const shape = adminToken.safeParse(token);
    if (!shape.success)
      problems.push({
        path: 'admin.token_file',
        code: 'invalid_value',
        message: `${shape.error.issues[0]?.message} (in ${admin.token_file})`,
      });
  }
  return { ...admin, token };
}

/** Freeze an object graph (config is immutable once parsed). */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value) && !ArrayBuffer.isView(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
