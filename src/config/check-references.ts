// checkReferences: the cross-field checks of issuers and policies (names unique and known, audiences, match rules,
// header mappings, default_policy), run over every part that parsed, even when others did not.
import type { ConfigProblem } from '../errors.js';
import { checkFetchUrl } from '../lib/fetch-url.js';
import { FIXED_HEADERS } from '../lib/fixed-headers.js';
import { FORWARDING_HEADERS } from '../lib/forwarding-headers.js';
import { normalisePath } from '../lib/path-readings.js';
import type { ParsedSections } from './parse-sections.js';
import { policyAudienceProblems } from './policy-audiences.js';
import type { Issuer } from './types.js';

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

/** Push every reference problem of the parsed parts; `issuers` are the resolved issuers that parsed. */
export function checkReferences(
  sections: ParsedSections,
  issuers: readonly Issuer[],
  problems: ConfigProblem[],
): void {
  const { failed } = sections;
  const issuerNames = new Set<string>();
  issuers.forEach((issuer, k) => {
    const at = `issuers[${sections.issuers[k]!.index}].name`;
    if (issuerNames.has(issuer.name))
      problems.push({ path: at, code: 'duplicate', message: `duplicate issuer name "${issuer.name}"` });
    issuerNames.add(issuer.name);
  });
  if (issuers.filter((i) => i.issuer === undefined).length > 1) {
    problems.push({
      path: 'issuers',
      code: 'conflict',
      message: 'at most one issuer may omit "issuer" (it accepts tokens without a matching iss)',
    });
  }
  const known = (name: string) => issuerNames.has(name) || sections.looseIssuerNames.has(name);
  const policyNames = new Set<string>();
  for (const { index: i, value: policy } of sections.policies) {
    if (policyNames.has(policy.name))
      problems.push({
        path: `policies[${i}].name`,
        code: 'duplicate',
        message: `duplicate policy name "${policy.name}"`,
      });
    policyNames.add(policy.name);
    policy.issuers?.forEach((name, j) => {
      if (!known(name))
        problems.push({
          path: `policies[${i}].issuers[${j}]`,
          code: 'unknown_reference',
          message: `unknown issuer "${name}"; expected the name of an issuer (${[...issuerNames].map((n) => JSON.stringify(n)).join(', ') || 'none is configured'})`,
        });
    });
    // An issuer that failed to parse may be the one whose audiences the policy narrows: judge only complete sets.
    if (!failed.has('issuers'))
      problems.push(...policyAudienceProblems(policy, `policies[${i}].audiences`, issuers));
    if (!policy.anonymous && issuers.length === 0 && !failed.has('issuers')) {
      problems.push({
        path: `policies[${i}]`,
        code: 'requires',
        message: 'expected at least one issuer in "issuers" for a non-anonymous policy (or anonymous: true)',
      });
    }
    matchProblems(policy.match, i, problems);
    for (const [claim, values] of Object.entries(policy.claims))
      values.forEach((v, j) => {
        if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v))
          problems.push({
            path: `policies[${i}].claims.${claim}[${j}]`,
            code: 'invalid_value',
            message:
              'expected a number within ±2^53 (YAML already rounded this one); write a larger id as a quoted string — keyway keeps such claim values as their digits',
          });
      });
    headerProblems(Object.keys(policy.headers), i, problems);
  }
  looseChecks(sections, known, problems);
  const { default_policy } = sections.raw;
  if (
    default_policy !== undefined &&
    !policyNames.has(default_policy) &&
    !sections.loosePolicyNames.has(default_policy)
  ) {
    problems.push({
      path: 'default_policy',
      code: 'unknown_reference',
      message: `unknown policy "${default_policy}"; expected the name of a policy (${[...policyNames].map((n) => JSON.stringify(n)).join(', ') || 'none is configured'})`,
    });
  }
}

function matchProblems(
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

function headerProblems(names: readonly string[], i: number, problems: ConfigProblem[]): void {
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

/**
 * The reference checks of issuers and policies that failed to parse, over the fields that are still readable: an
 * unknown issuer or a plain-http JWKS URL is reported with the type error beside it, not after it is fixed.
 */
function looseChecks(
  sections: ParsedSections,
  known: (name: string) => boolean,
  problems: ConfigProblem[],
): void {
  const reported = (path: string) =>
    problems.some((p) => p.path === path || p.path.startsWith(`${path}.`) || p.path.startsWith(`${path}[`));
  for (const { index, value } of sections.looseIssuers) {
    const at = `issuers[${index}].jwks_uri`;
    const allow = value['allow_insecure_http'];
    if (typeof value['jwks_uri'] === 'string' && !reported(at))
      checkFetchUrl(value['jwks_uri'], allow === true, at, problems);
  }
  for (const { index, value } of sections.loosePolicies) {
    const names = value['issuers'];
    if (!Array.isArray(names)) continue;
    names.forEach((name, j) => {
      const at = `policies[${index}].issuers[${j}]`;
      if (typeof name === 'string' && name !== '' && !known(name) && !reported(at))
        problems.push({ path: at, code: 'unknown_reference', message: `unknown issuer "${name}"` });
    });
  }
}
