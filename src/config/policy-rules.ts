// Per-policy rules checked at start: `match` paths and hosts that could never match, and `headers:` names a claim may
// not be mapped to.
import type { ConfigProblem } from '../errors.js';
import { FIXED_HEADERS } from '../lib/fixed-headers.js';
import { FORWARDING_HEADERS } from '../lib/forwarding-headers.js';
import { normalisePath } from '../lib/path-readings.js';

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

/** Problems of a policy's `match` (paths and hosts that are malformed or could never match). */
export function matchProblems(
  match: { readonly paths: readonly string[]; readonly hosts: readonly string[] },
  i: number,
  problems: ConfigProblem[],
): void {
  match.paths.forEach((p, j) => {
    const path = `policies[${i}].match.paths[${j}]`;
    if (!p.startsWith('/'))
      problems.push({ path, code: 'invalid_value', message: 'expected a path prefix starting with "/"' });
    else if (normalisePath(p) !== p)
      problems.push({
        path,
        code: 'never_matches',
        message:
          `expected a normalised path (requests are matched after decoding, ` +
          `dropping ";" parameters and resolving ".", ".." and "//", so this prefix never matches; ` +
          `it normalises to ${JSON.stringify(normalisePath(p) ?? 'nothing (undecodable)')})`,
      });
  });
  match.hosts.forEach((h, j) => {
    const path = `policies[${i}].match.hosts[${j}]`;
    if (!/^(\*\.)?[A-Za-z0-9.-]+(:\d+)?$/.test(h)) {
      problems.push({ path, code: 'invalid_value', message: 'expected "host", "host:port" or "*.domain"' });
    } else if (/\.(:\d+)?$/.test(h)) {
      problems.push({
        path,
        code: 'never_matches',
        message: 'expected no trailing dot (keyway drops it from request hosts, so this never matches)',
      });
    }
  });
}

/** Problems of a policy's `headers:` names (reserved, forwarding, or given twice). */
export function headerProblems(names: readonly string[], i: number, problems: ConfigProblem[]): void {
  const mapped = new Set<string>();
  for (const name of names) {
    const lower = name.toLowerCase();
    const path = `policies[${i}].headers.${name}`;
    if (RESERVED_HEADERS.has(lower))
      problems.push({
        path,
        code: 'reserved_header',
        message: 'expected a header name keyway does not set itself',
      });
    else if (FORWARDING.has(lower))
      problems.push({
        path,
        code: 'reserved_header',
        message:
          "expected a header name that is not a forwarding header (the proxy configs set or remove it on every request, so backends read the proxy's value, never a claim)",
      });
    else if (mapped.has(lower))
      problems.push({
        path,
        code: 'duplicate',
        message: 'duplicate header name (names are case-insensitive)',
      });
    mapped.add(lower);
  }
}
