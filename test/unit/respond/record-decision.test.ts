import fc from 'fast-check';
// The decision line and metrics: every deny logged, allows as log.allow_lines says, client-controlled fields capped.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import { KeywayError } from '../../../src/errors.js';
import type { ForwardedRequest } from '../../../src/request/request.js';
import type { Decision } from '../../../src/respond/decision.js';
import { FIELD_CAPS } from '../../../src/respond/decision-line.js';
import { createDecisionRecorder } from '../../../src/respond/record-decision.js';
import { createTestDeps } from '../../helpers/test-deps.js';

const request = (path = '/api/items'): ForwardedRequest => ({
  method: 'GET',
  host: 'app.example.com',
  path,
  readings: [],
  ambiguity: undefined,
  query: '',
  clientIp: '203.0.113.7',
  requestId: 'req-1',
  header: () => undefined,
});
const allow = (stale = false): Decision => ({
  kind: 'allow',
  policy: 'api',
  headers: { 'X-Route-Upstream': '' },
  wire: ['x-route-upstream', ''],
  subject: 'alice',
  issuer: 'idp',
  revocationStale: stale,
});
const deny = (reason: 'missing_token' | 'bad_signature' = 'missing_token'): Decision => ({
  kind: 'deny',
  policy: 'api',
  error: new KeywayError(reason),
  subject: undefined,
  scopes: [],
});

function recorder(log: Record<string, unknown>, level = 'info') {
  const config = parseConfig({ log }, 'test', { readFile: () => '' });
  const deps = createTestDeps(config, { level });
  const record = createDecisionRecorder(config.log, deps);
  const decisions = () => deps.logs.entries().filter((e) => e['msg'] === 'decision');
  return { record, decisions, metrics: deps.metrics };
}

describe('decision log policy', () => {
  it.each([
    ['all', {}, 100],
    ['sampled 1 in 10: the first, then every tenth', { allow_sample: 10 }, 10],
    ['off', {}, 0],
  ] as const)('allow lines %s', async (_name, extra, lines) => {
    const mode = _name.split(' ')[0] as string;
    const { record, decisions, metrics } = recorder({ allow_lines: mode, ...extra });
    for (let i = 0; i < 100; i++) record(request(), allow(), 0.0001);
    expect(decisions()).toHaveLength(lines);
    if (lines > 0) expect(decisions()[0]).toMatchObject({ result: 'allow', reason: 'ok', sub: 'alice' });
    // Metrics count every decision, logged or not.
    expect(await metrics.registry.metrics()).toMatch(
      /keyway_decisions_total\{result="allow",reason="ok",policy="api"\} 100/,
    );
  });

  it('the default samples allows (1 in 100) and logs every deny and every stale-revocation allow', () => {
    const { record, decisions } = recorder({});
    for (let i = 0; i < 250; i++) record(request(), allow(), 0.0001);
    for (let i = 0; i < 7; i++) record(request(), deny(i % 2 ? 'bad_signature' : 'missing_token'), 0.0001);
    record(request(), allow(true), 0.0001);
    const lines = decisions();
    expect(lines.filter((l) => l['reason'] === 'ok')).toHaveLength(3);
    expect(lines.filter((l) => l['result'] === 'deny')).toHaveLength(7);
    expect(lines.filter((l) => l['reason'] === 'revocation_stale_allowed')).toEqual([
      expect.objectContaining({ level: 'warn' }),
    ]);
  });

  it('with allow_lines off, denies and stale allows are still logged', () => {
    const { record, decisions } = recorder({ allow_lines: 'off' });
    record(request(), allow(), 0.0001);
    record(request(), deny(), 0.0001);
    record(request(), allow(true), 0.0001);
    expect(decisions().map((l) => l['reason'])).toEqual(['missing_token', 'revocation_stale_allowed']);
  });

  it('log.level warn keeps only the warn lines', () => {
    const { record, decisions } = recorder({ allow_lines: 'all' }, 'warn');
    record(request(), allow(), 0.0001);
    record(request(), deny(), 0.0001);
    record(request(), allow(true), 0.0001);
    expect(decisions().map((l) => l['reason'])).toEqual(['revocation_stale_allowed']);
  });
});

describe('decision line', () => {
  it('has the shape of keyway pino lines: level, ISO time, service, msg and the fields', () => {
    const { record, decisions } = recorder({ allow_lines: 'all' });
    record(request(), deny(), 0.00123);
    expect(decisions()[0]).toEqual({
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      service: 'keyway',
      msg: 'decision',
      request_id: 'req-1',
      result: 'deny',
      reason: 'missing_token',
      policy: 'api',
      method: 'GET',
      host: 'app.example.com',
      path: '/api/items',
      client_ip: '203.0.113.7',
      latency_ms: 1.23,
      detail: new KeywayError('missing_token').message,
    });
  });

  it('caps a 30 KB path (and other client-controlled fields) and says it did', () => {
    const config = parseConfig({}, 'test', { readFile: () => '' });
    const deps = createTestDeps(config, { level: 'info' });
    const logs = deps.logs;
    const record = createDecisionRecorder(config.log, deps);
    const path = `/api/${'a'.repeat(30_000)}`;
    record({ ...request(path), host: 'h'.repeat(5_000), method: 'M'.repeat(100) }, deny(), 0.0001);
    const line = logs.lines.join('');
    expect(line.length).toBeLessThan(2_000);
    const entry = JSON.parse(line) as Record<string, string | boolean>;
    expect(entry['truncated']).toBe(true);
    expect(entry['path']).toBe(`${path.slice(0, FIELD_CAPS.path)}…`);
    expect((entry['host'] as string).length).toBe(FIELD_CAPS.host + 1);
  });

  it('escapes what a client sends into valid JSON (quotes, control characters, lone surrogates)', () => {
    const { record, decisions } = recorder({ allow_lines: 'all' });
    const path = '/a"b\\c\n\u0000\ud800';
    record(request(path), deny(), 0.0001);
    expect(decisions()[0]?.['path']).toBe(path);
  });

  it('every line is JSON that gives back each field as sent, whatever characters it holds', () => {
    const chars = fc.constantFrom(
      'a',
      '"',
      '\\',
      '\n',
      '\u0000',
      '\u007f',
      'é',
      '\ud800',
      '😀',
      ' ',
      '/',
      '\u2028',
    );
    const text = fc.array(chars, { maxLength: 20 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(text, text, (path, host) => {
        const { record, decisions } = recorder({ allow_lines: 'all' });
        record({ ...request(path), host }, deny(), 0.0001);
        const entry = decisions()[0];
        expect(entry?.['path']).toBe(path);
        expect(entry?.['host']).toBe(host);
      }),
      { numRuns: 2_000 },
    );
  });
});
