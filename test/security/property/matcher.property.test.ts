// Property: the forwarded-request parser, path normaliser, policy matcher and policy selector never throw anything but
// a KeywayError, and a path prefix or a one-label wildcard never matches outside itself, whatever the client sends.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import { policySchema } from '../../../src/config/schema.js';
import { KeywayError } from '../../../src/errors.js';
import { normalisePath } from '../../../src/lib/path-readings.js';
import { compilePolicies } from '../../../src/policy/compile-policies.js';
import { compileMatcher } from '../../../src/policy/matcher.js';
import { type ForwardedRequest, parseForwardedRequest } from '../../../src/request/request.js';
import { anyString, jwsish } from './arbitraries.js';

const pathish = fc.oneof(
  anyString(60),
  fc
    .array(
      fc.constantFrom(
        'a',
        'api',
        'admin',
        'public',
        '.',
        '..',
        '',
        '%2e%2e',
        '%2F',
        '%252e',
        '\\',
        '..;',
        ';x',
        '%00',
        '%',
        '%c0%ae',
        'é',
        ' ',
        '#',
        'admin#x',
        '%23',
        '%252f',
        '%255c',
        '%2561',
        'adm\u0131n',
        'ADM\u0130N',
        '\u017f',
        '\u212a',
        '\ufb00',
        'adm%C4%B1n',
      ),
      {
        maxLength: 8,
      },
    )
    .map((segments) => `/${segments.join('/')}`),
);
const headerValue = fc.oneof(anyString(40), jwsish(40), pathish);
const forwarded = fc.record(
  {
    'x-forwarded-method': fc.oneof(fc.constantFrom('GET', 'post', 'DELETE', ''), headerValue),
    'x-forwarded-host': fc.oneof(
      fc.domain(),
      fc.constantFrom('api.test', 'a.apps.test', 'apps.test', 'API.TEST.', 'api.test:8443'),
      headerValue,
    ),
    'x-forwarded-uri': pathish,
    'x-original-uri': pathish,
    'x-original-method': headerValue,
    'x-http-method-override': fc.oneof(fc.constantFrom('DELETE', 'post', ''), headerValue),
    'x-forwarded-for': headerValue,
    'x-request-id': headerValue,
    host: headerValue,
  },
  { requiredKeys: [] },
);
const request = (headers: Record<string, string>, query = '') =>
  parseForwardedRequest({ method: 'GET', query, header: (n) => headers[n] }, () => 'generated-id');

describe('request parsing and policy matching (property)', () => {
  it('parseForwardedRequest never throws; its request id is 1–128 visible ASCII', () => {
    fc.assert(
      fc.property(forwarded, anyString(40), (headers, query) => {
        const req = request(headers as Record<string, string>, query);
        expect(req.requestId).toMatch(/^[\x21-\x7e]{1,128}$/);
        expect(req.host).toBe(req.host.toLowerCase());
      }),
      { numRuns: 1000 },
    );
  });

  it('normalisePath: never throws; the result is absolute, without dot segments, empty segments or NUL', () => {
    fc.assert(
      fc.property(pathish, (raw) => {
        const out = normalisePath(raw);
        if (out === undefined) return;
        expect(out.startsWith('/')).toBe(true);
        expect(out.includes('\u0000')).toBe(false);
        const segments = out.split('/').slice(1, out.endsWith('/') && out.length > 1 ? -1 : undefined);
        for (const s of out === '/' ? [] : segments) {
          expect(['', '.', '..']).not.toContain(s);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('a path prefix matches only the prefix itself or below it (after normalisation), never a sibling or a parent', () => {
    fc.assert(
      fc.property(fc.constantFrom('/api', '/api/', '/public', '/a/b'), forwarded, (prefix, headers) => {
        const match = compileMatcher(policySchema.parse({ name: 'p', match: { paths: [prefix] } }).match);
        const req = request(headers as Record<string, string>);
        if (!match(req)) return;
        const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
        expect(req.path === prefix || req.path!.startsWith(base)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('"*.apps.test" matches exactly one extra label, never apps.test itself or two labels', () => {
    fc.assert(
      fc.property(forwarded, fc.domain(), (headers, domain) => {
        const match = compileMatcher(
          policySchema.parse({ name: 'p', match: { hosts: ['*.apps.test'] } }).match,
        );
        for (const host of [domain, `${domain}.apps.test`, 'apps.test', `x.${domain}.apps.test`]) {
          const req = request({ ...(headers as Record<string, string>), 'x-forwarded-host': host });
          const label = req.host.replace(/:\d+$/, '').slice(0, -'.apps.test'.length);
          if (match(req))
            expect(
              req.host.replace(/:\d+$/, '').endsWith('.apps.test') &&
                label.length > 0 &&
                !label.includes('.'),
            ).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('the policy selector returns a policy every reading agrees on, or throws no_policy / ambiguous_request', () => {
    const config = parseConfig(
      {
        issuers: [{ name: 'hs', hs_secrets: ['a-secret-of-at-least-32-bytes-0123456789'] }],
        policies: [
          { name: 'admin', match: { hosts: ['*.apps.test'], paths: ['/admin'], methods: ['POST'] } },
          { name: 'api', match: { hosts: ['api.test'], paths: ['/api', '/v2/'] } },
          { name: 'public', match: { paths: ['/public'] }, anonymous: true },
        ],
      },
      'property',
      { readFile: () => '' },
    );
    const select = compilePolicies(config, { clock: () => 0 });
    fc.assert(
      fc.property(
        forwarded,
        fc.option(fc.oneof(fc.constantFrom('admin', 'api', 'public', 'nope'), anyString(10))),
        (headers, name) => {
          const req = request(headers as Record<string, string>);
          const outcome = (r: ForwardedRequest) => {
            try {
              return select(r, name ?? undefined).name;
            } catch (err) {
              expect(err).toBeInstanceOf(KeywayError);
              return (err as KeywayError).reason;
            }
          };
          const chosen = outcome(req);
          expect(['admin', 'api', 'public', 'no_policy', 'ambiguous_request']).toContain(chosen);
          if (name != null || chosen === 'ambiguous_request') return;
          // A policy (or no_policy) is only answered when every other reading of the request gets the same answer.
          for (const reading of req.readings)
            expect(outcome({ ...req, ...reading, readings: [], ambiguity: undefined })).toBe(chosen);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
