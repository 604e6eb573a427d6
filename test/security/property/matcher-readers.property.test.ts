// Property: whatever request-target a client sends, when any framework-like reader (WHATWG URL with its fragment,
// a Unicode case-insensitive matcher, a double-decoding handler) reaches the protected /api/admin, keyway never
// selects the less protected /api policy for it: it selects api-admin or refuses the request.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import { KeywayError } from '../../../src/errors.js';
import { compilePolicies } from '../../../src/policy/compile-policies.js';
import { parseForwardedRequest } from '../../../src/request/request.js';
import { readersReaching } from '../../helpers/framework-echo.js';
import { enumerateAsciiFolds } from '../../helpers/unicode-case-folds.js';

const folds = enumerateAsciiFolds();
/** Every way to spell a letter of "admin" or "api": itself, upper case, a folding code point, encoded once or twice. */
const spell = (letter: string) => {
  const chars = [letter, letter.toUpperCase(), ...folds.filter((f) => f.ascii === letter).map((f) => f.char)];
  const odd = chars.flatMap((c) => {
    const once = encodeURIComponent(c) === c ? `%${c.charCodeAt(0).toString(16)}` : encodeURIComponent(c);
    return [c, once, once.replace(/%/g, '%25'), Buffer.from(c, 'utf8').toString('latin1')];
  });
  // Mostly the letter itself, so that whole words often reach the route in some reading.
  return fc.oneof(
    { arbitrary: fc.constant(letter), weight: 5 },
    { arbitrary: fc.constantFrom(...odd), weight: 1 },
  );
};
const mostly = <T>(usual: T, ...others: T[]) =>
  fc.oneof(
    { arbitrary: fc.constant(usual), weight: 2 },
    { arbitrary: fc.constantFrom(...others), weight: 1 },
  );
const word = (text: string) => fc.tuple(...[...text].map(spell)).map((parts) => parts.join(''));
const separator = mostly('/', '%2f', '%252f', '%5c', '%255c', '\\', '//', '/./', '/%2e/', '/x/../');
const tail = fc.constantFrom(
  '',
  '/',
  '/users',
  '#',
  '#x',
  '#/../x',
  '?q=1',
  '?#',
  ';v=1',
  '%23x',
  '%2523x',
  '%3f',
);
const head = mostly('', 'x', 'x#', 'adm#', '#/', 'public/..', 'x%23');
const target = fc
  .tuple(word('api'), separator, head, word('admin'), tail)
  .map(([api, sep, before, admin, after]) => `/${api}${sep}${before}${admin}${after}`);

const config = parseConfig(
  {
    issuers: [{ name: 'hs', hs_secrets: ['a-secret-of-at-least-32-bytes-0123456789'] }],
    policies: [
      { name: 'api-admin', match: { paths: ['/api/admin'] }, scopes: ['admin'] },
      { name: 'api', match: { paths: ['/api'] } },
    ],
  },
  'matcher-readers.property',
  { readFile: () => '' },
);
const select = compilePolicies(config, { clock: () => 0 });
const outcome = (uri: string) => {
  const req = parseForwardedRequest(
    { method: 'GET', query: '', header: (n) => (n === 'x-original-uri' ? uri : undefined) },
    () => 'id',
  );
  try {
    return select(req, undefined).name;
  } catch (err) {
    expect(err).toBeInstanceOf(KeywayError);
    return (err as KeywayError).reason;
  }
};

describe('path readings against framework readers (property)', () => {
  it('a target any reader serves as /api/admin is never selected as the api policy', () => {
    let reached = 0;
    fc.assert(
      fc.property(target, (uri) => {
        if (readersReaching(uri, '/api/admin').length === 0) return;
        reached++;
        expect([uri, outcome(uri)]).not.toEqual([uri, 'api']);
      }),
      { numRuns: 3000 },
    );
    // The generator reaches the protected route often enough for the property to mean something.
    expect(reached).toBeGreaterThan(300);
  });
});
