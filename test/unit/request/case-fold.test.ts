// The case-fold table against an enumeration of every code point, and the policy selector on each folding code point.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import { KeywayError } from '../../../src/errors.js';
import { compilePolicies } from '../../../src/policy/compile-policies.js';
import { ASCII_CASE_FOLDS, foldCase } from '../../../src/request/case-fold.js';
import { parseForwardedRequest } from '../../../src/request/request.js';
import { enumerateAsciiFolds } from '../../helpers/unicode-case-folds.js';

const folds = enumerateAsciiFolds();

describe('ASCII_CASE_FOLDS', () => {
  it('holds exactly the code points whose case mapping or folding lands on ASCII letters (Node ICU scan)', () => {
    expect(Object.fromEntries(ASCII_CASE_FOLDS)).toEqual(
      Object.fromEntries(folds.map((f) => [f.char, f.ascii])),
    );
  });
  it('the scan finds the mappings Go, Java and Python apply (İ, ı, ſ, K), so it is not vacuous', () => {
    const found = new Map(folds.map((f) => [f.codePoint, f.ascii]));
    expect(found.get(0x130)).toBe('i');
    expect(found.get(0x131)).toBe('i');
    expect(found.get(0x17f)).toBe('s');
    expect(found.get(0x212a)).toBe('k');
    expect(found.get(0xfb00)).toBe('ff');
    expect(found.has(0x212b)).toBe(false); // Å (Angstrom sign) folds to å: not ASCII
  });
});

describe('foldCase', () => {
  it('lower-cases ASCII text', () => {
    expect(foldCase('/API/Admin;X')).toBe('/api/admin;x');
  });
  it.each(folds.map((f) => [`U+${f.codePoint.toString(16).toUpperCase()} ${f.char}`, f] as const))(
    '%s folds to its ASCII letters, alone and inside a path',
    (_, f) => {
      expect(foldCase(f.char)).toBe(f.ascii);
      expect(foldCase(`/A/${f.char}${f.char.toUpperCase()}/B`)).toBe(
        `/a/${f.ascii}${foldCase(f.char.toUpperCase())}/b`,
      );
    },
  );
  it('folds other letters by upper- then lower-casing, so every case variant folds alike', () => {
    expect(foldCase('ΣΑΣ')).toBe(foldCase('σας'));
    expect(foldCase('\u212b')).toBe(foldCase('\u00e5'));
    expect(foldCase('/Straße')).toBe('/strasse');
    expect(foldCase('/STRAẞE')).toBe('/strasse');
  });
});

/**
 * For every folding code point: a protected policy whose prefix holds the code point's ASCII letters, listed
 * before a less protected catch-all, and a request with the code point in their place. The request must select the
 * protected policy or be refused, never land on the catch-all — whichever case the prefix is written in, and
 * whether the client sends the code point raw (UTF-8 bytes, as nginx forwards them) or percent-encoded.
 */
describe('no folding code point leads an admin path to a less protected policy', () => {
  // Each code point's letters in a protected prefix, written in lower case and (another policy) in upper case.
  const prefixes = folds.flatMap((f, i) => [
    { fold: f, name: `admin-${i}`, prefix: `/api/x${f.ascii}y`, letters: f.ascii },
    {
      fold: f,
      name: `upper-${i}`,
      prefix: `/api/U${f.ascii.toUpperCase()}Z`,
      letters: f.ascii.toUpperCase(),
    },
  ]);
  const config = parseConfig(
    {
      issuers: [{ name: 'hs', hs_secrets: ['a-secret-of-at-least-32-bytes-0123456789'] }],
      policies: [
        { name: 'api-admin', match: { paths: ['/api/admin'] }, scopes: ['admin'] },
        ...prefixes.map((p) => ({ name: p.name, match: { paths: [p.prefix] }, scopes: ['admin'] })),
        { name: 'api', match: { paths: ['/api'] } },
      ],
    },
    'case-fold.test',
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
  /** The path percent-encoded (Caddy, Traefik, curl) and as raw UTF-8 bytes (nginx forwards what the client sent). */
  const sent = (path: string) => [encodeURI(path), Buffer.from(path, 'utf8').toString('latin1')];
  const cp = (f: { codePoint: number }) => `U+${f.codePoint.toString(16).toUpperCase().padStart(4, '0')}`;

  it.each(prefixes.map((p) => [`${cp(p.fold)} ${p.fold.char} in place of ${p.prefix}`, p] as const))(
    '%s: refused',
    (_, { fold, prefix, letters }) => {
      const spelled = `/api/${prefix.slice('/api/'.length).replace(letters, fold.char)}`;
      for (const path of [spelled, `${spelled}/users`, `${spelled};v=1`])
        for (const uri of sent(path)) expect(outcome(uri)).toBe('ambiguous_request');
      // Below the protected prefix every reading agrees: no false refusal.
      for (const uri of sent(`${prefix}/${fold.char}`)) expect(outcome(uri)).not.toMatch(/^api$|ambiguous/);
    },
  );

  const inAdmin = folds.flatMap((f) =>
    [...'admin'].flatMap((letter, at) =>
      f.ascii === letter ? [`/api/${'admin'.slice(0, at)}${f.char}${'admin'.slice(at + 1)}`] : [],
    ),
  );
  it('the scan has code points that spell /api/admin', () => expect(inAdmin.length).toBeGreaterThan(0));
  it.each(inAdmin)('%s: refused, never matched as /api', (path) => {
    for (const uri of sent(path)) expect(outcome(uri)).toBe('ambiguous_request');
    for (const uri of sent(`${path}/users`)) expect(outcome(uri)).toBe('ambiguous_request');
  });
});
