// hostProblem / hostPortProblem: IP literals and host names (never an all-numeric last label), ports 1–65535, no
// scheme or path.
import { describe, expect, it } from 'vitest';
import { hostPortProblem, hostProblem } from '../../../src/lib/host-port.js';

describe('hostProblem', () => {
  it.each([
    '127.0.0.1',
    '0.0.0.0',
    '::',
    '::1',
    'fe80::1',
    'localhost',
    'keyway.internal',
    'a-b.example.com.',
  ])('%s is a host', (host) => expect(hostProblem(host)).toBeUndefined());
  it.each([
    '999.1.1.1',
    '1.2.3',
    '256.0.0.1',
    'bad addr',
    'under_score',
    '-lead.example',
    '',
    'a..b',
    'http://x',
  ])('%s is refused', (host) => expect(hostProblem(host)).toMatch(/^expected an IPv/));
});

describe('hostPortProblem', () => {
  it.each(['127.0.0.1:8080', 'keyway:8081', '[::1]:8081', '[2001:db8::1]:443', 'x.example:65535'])(
    '%s is host:port',
    (value) => expect(hostPortProblem(value)).toBeUndefined(),
  );
  it('":port" only where the host may be left out', () => {
    expect(hostPortProblem(':8080', true)).toBeUndefined();
    expect(hostPortProblem(':8080')).toMatch(/host before the port/);
  });
  it.each([
    ['http://127.0.0.1:18080', /without a scheme/],
    ['127.0.0.1:8080/path', /expected host:port/],
    ['nope', /expected host:port/],
    ['host:0', /port 1–65535/],
    ['host:70000', /port 1–65535/],
    ['[not-v6]:80', /IPv6 address inside/],
    ['::1:80', /expected host:port/],
    ['999.1.1.1:80', /IPv4 address/],
  ])('%s is refused', (value, says) => expect(hostPortProblem(value)).toMatch(says));
});
