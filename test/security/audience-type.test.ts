// Policy audiences narrow the issuer's (a token minted for one app does not pass another's policy), and an issuer's
// `typ` (RFC 8725 §3.11, RFC 9068 at+jwt) refuses other kinds of JWT signed by the same keys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { ConfigError } from '../../src/errors.js';
import { createTestKeyway, type TestKeyway } from '../helpers/keyway.js';
import { nowSeconds } from '../helpers/tokens.js';
import { craft, signer } from './fixture.js';

const IDP_SECRET = 'audience-suite-idp-secret-0123456789abcd';
const OPEN_SECRET = 'audience-suite-open-secret-0123456789abc';
let kw: TestKeyway;

const ISSUERS = [
  {
    name: 'idp',
    issuer: 'https://idp.test',
    hs_secrets: [IDP_SECRET],
    audiences: ['api', 'admin-console'],
    typ: ['at+jwt'],
  },
  // An issuer without audiences accepts any aud: a policy's audiences are all that narrows it.
  { name: 'open', issuer: 'https://open.test', hs_secrets: [OPEN_SECRET] },
];

beforeAll(async () => {
  kw = await createTestKeyway({
    issuers: ISSUERS,
    policies: [
      { name: 'api', match: { hosts: ['api.test'] }, audiences: ['api'] },
      { name: 'console', match: { hosts: ['console.test'] }, issuers: ['idp'], audiences: 'admin-console' },
      { name: 'any', match: { hosts: ['any.test'] }, issuers: ['idp'] },
    ],
  });
});
afterAll(() => kw.close());

const token = (
  issuer: 'idp' | 'open',
  aud: unknown,
  header: Record<string, unknown> = { typ: 'at+jwt' },
): string => {
  const secret = issuer === 'idp' ? IDP_SECRET : OPEN_SECRET;
  const body: Record<string, unknown> = {
    iss: `https://${issuer}.test`,
    sub: 'alice',
    exp: nowSeconds() + 600,
  };
  if (aud !== undefined) body['aud'] = aud;
  return craft({ alg: 'HS256', ...header }, body, signer('HS256', secret));
};
const auth = (host: string, jwt: string) =>
  kw.auth({ 'x-forwarded-host': host, 'x-forwarded-uri': '/x', authorization: `Bearer ${jwt}` });
const outcome = async (res: Response) =>
  res.status === 200 ? 200 : `${res.status} ${res.headers.get('x-auth-reason')}`;

describe('policy audiences', () => {
  it.each([
    ['a token for the console on the api policy', 'api.test', 'idp', 'admin-console', '401 bad_audience'],
    ['a token for the api on the console policy', 'console.test', 'idp', 'api', '401 bad_audience'],
    ['a token for the console on the console policy', 'console.test', 'idp', 'admin-console', 200],
    ['a token for both, on either policy', 'api.test', 'idp', ['admin-console', 'api'], 200],
    ['a token for both, on the console policy', 'console.test', 'idp', ['api', 'admin-console'], 200],
    ['no aud on a policy with audiences', 'api.test', 'idp', undefined, '401 bad_audience'],
    ['a policy without audiences keeps the issuer’s list', 'any.test', 'idp', 'admin-console', 200],
    [
      'an issuer accepting any aud, narrowed by the policy',
      'api.test',
      'open',
      'billing',
      '401 bad_audience',
    ],
    ['an issuer accepting any aud, the policy’s aud', 'api.test', 'open', 'api', 200],
    ['an audience differing only in case', 'api.test', 'idp', 'API', '401 bad_audience'],
  ] as const)('%s → %s', async (_name, host, issuer, aud, expected) => {
    const header = issuer === 'idp' ? { typ: 'at+jwt' } : {};
    const res = await auth(host, token(issuer, aud, header));
    expect(await outcome(res)).toBe(expected);
    if (expected !== 200)
      expect(res.headers.get('www-authenticate')).toBe(
        'Bearer realm="keyway", error="invalid_token", error_description="bad_audience"',
      );
  });

  it('refuses at start a policy audience that no accepted issuer accepts, naming the key', () => {
    const input = {
      issuers: ISSUERS,
      policies: [
        { name: 'ok', audiences: ['api'] },
        { name: 'typo', issuers: ['idp'], audiences: ['api', 'admin-consle'] },
      ],
    };
    let error: unknown;
    try {
      parseConfig(input, 'keyway.yaml', { readFile: () => '' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      {
        source: 'keyway.yaml',
        path: 'policies[1].audiences[1]',
        code: 'unknown_reference',
        message:
          '"admin-consle" is not in the audiences of any issuer this policy accepts (idp: ["api","admin-console"]); a policy\'s audiences narrow its issuers\' — add it to the issuer\'s audiences or remove it here',
      },
    ]);
    // Accepted when one of the policy's issuers takes any audience.
    expect(() =>
      parseConfig({ issuers: ISSUERS, policies: [{ name: 'p', audiences: ['billing'] }] }, 'k', {
        readFile: () => '',
      }),
    ).not.toThrow();
  });
});

describe('issuer typ (RFC 8725 §3.11)', () => {
  it.each([
    ['at+jwt', 200],
    ['AT+JWT', 200],
    ['application/at+jwt', 200],
    ['Application/At+Jwt', 200],
    ['JWT', '401 bad_type'],
    ['jwt', '401 bad_type'],
    ['application/jwt', '401 bad_type'],
    ['text/at+jwt', '401 bad_type'],
    ['at+jwt; charset=utf-8', '401 bad_type'],
    ['', '401 bad_type'],
    [42, '401 bad_type'],
    [['at+jwt'], '401 bad_type'],
    [undefined, '401 bad_type'],
  ] as const)('typ %j → %s', async (typ, expected) => {
    const header = typ === undefined ? {} : { typ };
    const res = await auth('any.test', token('idp', 'api', header));
    expect(await outcome(res)).toBe(expected);
    if (expected !== 200)
      expect(res.headers.get('www-authenticate')).toBe(
        'Bearer realm="keyway", error="invalid_token", error_description="bad_type"',
      );
  });

  it('an issuer without typ accepts any typ or none', async () => {
    for (const header of [{}, { typ: 'JWT' }, { typ: 'at+jwt' }, { typ: 'id_token+jwt' }])
      expect((await auth('api.test', token('open', 'api', header))).status).toBe(200);
  });
});
