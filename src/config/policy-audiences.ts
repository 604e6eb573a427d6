// Config-time check of a policy's `audiences` against the issuers it accepts (the request-time check is in
// policy/audiences.ts).
import type { ConfigProblem } from '../errors.js';
import type { Issuer, Policy } from './types.js';

/** The issuers a policy accepts: its `issuers`, else every configured one. */
function acceptedIssuers(policy: Pick<Policy, 'issuers'>, issuers: readonly Issuer[]): readonly Issuer[] {
  return policy.issuers === undefined ? issuers : issuers.filter((i) => policy.issuers!.includes(i.name));
}

/**
 * Config problems of `policies[i].audiences` (`at` is that path): an audience that no issuer the policy accepts
 * would ever accept can only mean a typo or a policy wider than its issuers, so it is refused at start.
 */
export function policyAudienceProblems(
  policy: Pick<Policy, 'issuers' | 'audiences'>,
  at: string,
  issuers: readonly Issuer[],
): ConfigProblem[] {
  const accepted = acceptedIssuers(policy, issuers);
  if (policy.audiences === undefined || accepted.length === 0) return [];
  const problems: ConfigProblem[] = [];
  policy.audiences.forEach((audience, j) => {
    if (accepted.some((i) => i.audiences.length === 0 || i.audiences.includes(audience))) return;
    const lists = accepted.map((i) => `${i.name}: ${JSON.stringify(i.audiences)}`).join('; ');
    problems.push({
      path: `${at}[${j}]`,
      code: 'unknown_reference',
      message: `${JSON.stringify(audience)} is not in the audiences of any issuer this policy accepts (${lists}); a policy's audiences narrow its issuers' — add it to the issuer's audiences or remove it here`,
    });
  });
  return problems;
}
