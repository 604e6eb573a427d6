// checkReferences: the cross-field checks of issuers and policies (names unique and known, audiences, match rules,
// header mappings, default_policy), run over every part that parsed, even when others did not.
import type { ConfigProblem } from '../errors.js';
import { checkFetchUrl } from '../lib/fetch-url.js';
import type { ParsedSections } from './parse-sections.js';
import { policyAudienceProblems } from './policy-audiences.js';
import { headerProblems, matchProblems } from './policy-rules.js';
import type { Issuer } from './types.js';

/** Push every reference problem of the parsed parts; `issuers` are the resolved issuers that parsed. */
export function checkReferences(
  sections: ParsedSections,
  issuers: readonly Issuer[],
  readableIssuers: readonly Issuer[],
  problems: ConfigProblem[],
): void {
  const { failed } = sections;
  const issuerNames = new Set<string>();
  const named = [
    ...issuers.map((issuer, k) => ({ issuer, index: sections.issuers[k]!.index })),
    ...readableIssuers.map((issuer, k) => ({ issuer, index: sections.readableIssuers[k]!.index })),
  ].sort((a, b) => a.index - b.index);
  for (const { issuer, index } of named) {
    const at = `issuers[${index}].name`;
    if (issuerNames.has(issuer.name))
      problems.push({ path: at, code: 'duplicate', message: `duplicate issuer name "${issuer.name}"` });
    issuerNames.add(issuer.name);
  }
  // An issuer nothing of which parsed still names itself: references to it stand, and it is listed by its name.
  const readableAt = new Set(sections.readableIssuers.map((i) => i.index));
  for (const { index, value } of sections.looseIssuers) {
    const name = value['name'] ?? value['issuer'];
    if (!readableAt.has(index) && typeof name === 'string' && name !== '') issuerNames.add(name);
  }
  if (issuers.filter((i) => i.issuer === undefined).length > 1) {
    problems.push({
      path: 'issuers',
      code: 'conflict',
      message: 'at most one issuer may omit "issuer" (it accepts tokens without a matching iss)',
    });
  }
  const known = (name: string) => issuerNames.has(name) || sections.looseIssuerNames.has(name);
  const policyNames = new Set<string>();
  const complete = new Set(sections.policies.map((p) => p.index));
  // Every policy that is readable — complete, or with its offending keys and values removed — is checked in one pass.
  const policies = [...sections.policies, ...sections.readablePolicies].sort((a, b) => a.index - b.index);
  for (const { index: i, value: policy } of policies) {
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
          message: unknownIssuer(name, issuerNames),
        });
    });
    // An issuer that failed to parse may be the one whose audiences the policy narrows: judge only complete sets.
    if (!failed.has('issuers') && complete.has(i))
      problems.push(...policyAudienceProblems(policy, `policies[${i}].audiences`, issuers));
    if (!policy.anonymous && issuers.length === 0 && !failed.has('issuers') && complete.has(i)) {
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
  looseChecks(sections, known, issuerNames, problems);
  for (const name of sections.loosePolicyNames) policyNames.add(name);
  const { default_policy } = sections.raw;
  if (default_policy !== undefined && !policyNames.has(default_policy)) {
    problems.push({
      path: 'default_policy',
      code: 'unknown_reference',
      message: `unknown policy "${default_policy}"; expected the name of a policy (${[...policyNames].map((n) => JSON.stringify(n)).join(', ') || 'none is configured'})`,
    });
  }
}

/**
 * The reference checks of issuers and policies that failed to parse, over the fields that are still readable: an
 * unknown issuer or a plain-http JWKS URL is reported with the type error beside it, not after it is fixed.
 */
function looseChecks(
  sections: ParsedSections,
  known: (name: string) => boolean,
  issuerNames: ReadonlySet<string>,
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
        problems.push({ path: at, code: 'unknown_reference', message: unknownIssuer(name, issuerNames) });
    });
  }
}

const unknownIssuer = (name: string, issuerNames: ReadonlySet<string>) =>
  `unknown issuer "${name}"; expected the name of an issuer (${[...issuerNames].map((n) => JSON.stringify(n)).join(', ') || 'none is configured'})`;
