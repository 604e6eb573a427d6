import { describe, expect, it } from 'vitest';
import { isUpstream } from '../../../src/lib/upstream.js';

describe('isUpstream', () => {
  const valid = [
    '127.0.0.1:8080',
    'backend-1:80',
    'svc.ns.svc.cluster.local:9000',
    '[::1]:443',
    '[fd00::1]:1',
    'a:65535',
  ];
  const invalid = [
    'http://127.0.0.1:8080',
    '127.0.0.1:8080/path',
    '127.0.0.1',
    '127.0.0.1:0',
    '127.0.0.1:65536',
    '127.0.0.1:080',
    ' 127.0.0.1:80',
    '127.0.0.1:80 ',
    'a b:80',
    'user@host:80',
    '256.0.0.1:80',
    '1.2.3:80',
    '-bad:80',
    'bad-.example:80',
    '::1:80',
    '[::1]',
    '',
    'host:80\r\nX-Injected: 1',
    'host:80,other:81',
  ];
  it.each(valid)('accepts %s', (value) => expect(isUpstream(value)).toBe(true));
  it.each(invalid)('refuses %j', (value) => expect(isUpstream(value)).toBe(false));
  it('refuses non-strings', () => {
    expect(isUpstream(8080)).toBe(false);
    expect(isUpstream(undefined)).toBe(false);
  });
});
