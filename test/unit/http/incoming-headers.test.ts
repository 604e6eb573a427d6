// incomingHeaderReader against what it replaces: on a real @hono/node-server socket, for random header lists with
// repeats, case variants and padding, it answers exactly as c.req.header() does, for every name read on /auth.
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import fc from 'fast-check';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IncomingHeaders, incomingHeaderReader } from '../../../src/http/incoming-headers.js';
import { rawRequest, requestHead } from '../../security/raw-http.js';

/** Names /auth reads (forwarding, token sources, ids), plus names node keeps only once and names it joins. */
const NAMES = [
  'Host',
  'Authorization',
  'Cookie',
  'X-Forwarded-Uri',
  'X-Forwarded-Host',
  'X-Forwarded-Method',
  'X-Original-URI',
  'X-Original-Method',
  'X-Forwarded-For',
  'X-Real-IP',
  'X-Request-Id',
  'X-Keyway-Proxy-Secret',
  'X-Http-Method-Override',
  'Fly-Client-IP',
  'User-Agent',
  'Referer',
  'Content-Type',
  'X-Api-Key',
];

const variants = (name: string) => [name, name.toLowerCase(), name.toUpperCase()];
const value = fc.string({
  unit: fc.constantFrom(...'ab/,; =%.-_\t'.split(''), ' '),
  maxLength: 12,
});
const headerList = fc.array(fc.tuple(fc.constantFrom(...NAMES.flatMap(variants)), value), { maxLength: 10 });

type Answers = Record<string, [raw: string | null, fetch: string | null]>;

let server: ServerType;
let port: number;
beforeAll(async () => {
  const app = new Hono();
  app.get('/h', (c) => {
    const read = incomingHeaderReader((c.env as { incoming: IncomingHeaders }).incoming);
    const answers: Answers = {};
    for (const name of NAMES) answers[name] = [read(name) ?? null, c.req.header(name) ?? null];
    return c.json(answers);
  });
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const ask = async (headers: readonly (readonly [string, string])[]): Promise<Answers> => {
  const res = await rawRequest(port, requestHead('/h', [['Host', 'k'], ...headers, ['Connection', 'close']]));
  expect(res.status).toBe(200);
  return JSON.parse(res.body) as Answers;
};

describe('incomingHeaderReader', () => {
  it('answers as c.req.header() for random header lists with repeats (node-server on a socket)', async () => {
    await fc.assert(
      fc.asyncProperty(headerList, async (headers) => {
        const answers = await ask(headers);
        for (const [name, [raw, fetch]] of Object.entries(answers)) expect(raw, name).toBe(fetch);
      }),
      { numRuns: 150 },
    );
  });

  it.each([
    [
      'Authorization twice (node keeps the first)',
      'Authorization',
      ['Bearer a', 'Bearer b'],
      'Bearer a, Bearer b',
    ],
    ['Host twice (node keeps the first)', 'Host', ['evil'], 'k, evil'],
    ['X-Forwarded-Uri twice (node joins)', 'X-Forwarded-Uri', ['/a', '/b'], '/a, /b'],
    ['Cookie twice (joined with "; ")', 'Cookie', ['a=1', 'b=2'], 'a=1; b=2'],
    ['a padded value', 'X-Forwarded-Uri', ['  /a\t'], '/a'],
  ])('%s → %s', async (_name, name, values, expected) => {
    const answers = await ask(values.map((v) => [name, v] as const));
    expect(answers[name]).toEqual([expected, expected]);
  });

  it('an absent header is undefined, whatever the case asked', async () => {
    const read = incomingHeaderReader({ headers: {}, rawHeaders: [] });
    expect([read('Authorization'), read('x-forwarded-uri'), read('__proto__'), read('constructor')]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
