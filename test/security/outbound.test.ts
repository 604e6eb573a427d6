// Outbound safety: JWKS and discovery URLs come only from config; https unless loopback or allow_insecure_http; TLS
// verification stays on (custom CA via ca_file, hostname checked); redirects are never followed; bodies are capped
// and must be JSON. Each case goes through /auth against real loopback servers.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { ConfigError } from '../../src/errors.js';
import { createManualClock } from '../../src/lib/clock.js';
import { type JwksServer, json, type Reply, startJwksServer } from '../helpers/jwks-server.js';
import { createTestKeyway, type TestKeyway } from '../helpers/keyway.js';
import { claims, craft, expectAllow, expectDeny, holdKey, NOW, signer } from './fixture.js';

const key = holdKey('k1', 'ec');
const ISS = 'https://idp.test';
const token = (iss = ISS) => craft({ alg: 'ES256', kid: 'k1' }, claims(iss), signer('ES256', key.privateKey));

function keywayFor(issuer: Record<string, unknown>, files: Record<string, string> = {}): Promise<TestKeyway> {
  return createTestKeyway(
    {
      issuers: [{ name: 'idp', issuer: ISS, jwks: { retries: 0, timeout: '2s' }, ...issuer }],
      policies: [{ name: 'api' }],
    },
    { clock: createManualClock(NOW * 1000), readFile: (path) => files[path] ?? '' },
  );
}

async function outcomes(kw: TestKeyway): Promise<Record<string, number>> {
  const { values } = await kw.deps.metrics.jwksFetches.get();
  return Object.fromEntries(values.map((v) => [String(v.labels.outcome), v.value]));
}

describe('JWKS and discovery URLs: https, or http only for loopback / allow_insecure_http', () => {
  const parse = (issuer: Record<string, unknown>) =>
    parseConfig({ issuers: [{ name: 'idp', issuer: ISS, ...issuer }] }, 'outbound-test', {
      readFile: () => '',
    });

  it.each([
    ['plain http to a public host', { jwks_uri: 'http://idp.example/jwks' }],
    ['plain http to a host named like loopback', { jwks_uri: 'http://localhost.attacker.example/jwks' }],
    ['plain http to 127.0.0.1.nip.io', { jwks_uri: 'http://127.0.0.1.nip.io/jwks' }],
    ['plain http to a private address', { jwks_uri: 'http://10.0.0.1/jwks' }],
    ['a file: URL', { jwks_uri: 'file:///etc/passwd' }],
    ['an ftp: URL', { jwks_uri: 'ftp://idp.example/jwks' }],
    ['a data: URL', { jwks_uri: 'data:application/json,{"keys":[]}' }],
    ['a relative URL', { jwks_uri: '/jwks' }],
    ['discovery of a plain-http issuer', { issuer: 'http://idp.example', discovery: true }],
  ])('refuses %s at start (ConfigError naming the key)', (_name, issuer) => {
    expect(() => parse(issuer)).toThrow(ConfigError);
    expect(() => parse(issuer)).toThrow(
      expect.objectContaining({
        issues: [
          expect.objectContaining({ path: expect.stringMatching(/^issuers\[0\]\.(jwks_uri|issuer)$/) }),
        ],
      }),
    );
  });

  it.each([
    ['https', { jwks_uri: 'https://idp.example/jwks' }],
    ['http to 127.0.0.1', { jwks_uri: 'http://127.0.0.1:8080/jwks' }],
    ['http to 127.1.2.3', { jwks_uri: 'http://127.1.2.3/jwks' }],
    ['http to localhost', { jwks_uri: 'http://localhost:8080/jwks' }],
    ['http to [::1]', { jwks_uri: 'http://[::1]:8080/jwks' }],
    [
      'http to a public host with allow_insecure_http: true',
      { jwks_uri: 'http://idp.example/jwks', allow_insecure_http: true },
    ],
  ])('accepts %s', (_name, issuer) => {
    expect(parse(issuer).issuers[0]!.jwks_uri).toBe(issuer.jwks_uri);
  });
});

describe('URLs from a token are never fetched; discovery uses only the configured issuer', () => {
  let idp: JwksServer;
  let other: JwksServer;
  beforeEach(async () => {
    idp = await startJwksServer();
    other = await startJwksServer();
  });
  afterEach(async () => {
    await idp.close();
    await other.close();
  });

  const discoveryDoc = (server: JwksServer, doc: Record<string, unknown>) =>
    server.reply(
      '/.well-known/openid-configuration',
      json({ issuer: server.url, jwks_uri: server.jwksUrl, ...doc }),
    );

  it('a token whose iss is another (discoverable) server → 401 bad_issuer; that server is never asked', async () => {
    idp.setKeys([key.jwk]);
    discoveryDoc(idp, {});
    discoveryDoc(other, {});
    const kw = await createTestKeyway(
      {
        issuers: [{ name: 'idp', issuer: idp.url, discovery: true, jwks: { retries: 0 } }],
        policies: [{ name: 'api' }],
      },
      { clock: createManualClock(NOW * 1000) },
    );
    try {
      await expectAllow(await kw.auth({ authorization: `Bearer ${token(idp.url)}` }));
      await expectDeny(await kw.auth({ authorization: `Bearer ${token(other.url)}` }), 401, 'bad_issuer');
      expect(other.maxInFlight).toBe(0);
    } finally {
      await kw.close();
    }
  });

  it.each([
    ['a plain-http, non-loopback jwks_uri', { jwks_uri: 'http://idp.example/jwks' }],
    ['a file: jwks_uri', { jwks_uri: 'file:///etc/passwd' }],
    ['an issuer that differs from the configured one', { issuer: 'https://evil.example' }],
  ])(
    'a discovery document with %s is refused → 503 keys_unavailable, the JWKS is never fetched',
    async (_name, doc) => {
      idp.setKeys([key.jwk]);
      discoveryDoc(idp, doc);
      const kw = await createTestKeyway(
        {
          issuers: [{ name: 'idp', issuer: idp.url, discovery: true, jwks: { retries: 0 } }],
          policies: [{ name: 'api' }],
        },
        { clock: createManualClock(NOW * 1000) },
      );
      try {
        await expectDeny(
          await kw.auth({ authorization: `Bearer ${token(idp.url)}` }),
          503,
          'keys_unavailable',
        );
        expect(idp.count('/jwks')).toBe(0);
        expect((await outcomes(kw))['invalid']).toBeGreaterThanOrEqual(1);
      } finally {
        await kw.close();
      }
    },
  );
});

describe('JWKS responses', () => {
  let idp: JwksServer;
  let target: JwksServer;
  let kw: TestKeyway | undefined;
  beforeEach(async () => {
    idp = await startJwksServer();
    target = await startJwksServer();
    target.setKeys([key.jwk]);
  });
  afterEach(async () => {
    await kw?.close();
    kw = undefined;
    await idp.close();
    await target.close();
  });

  const body = JSON.stringify({ keys: [key.jwk] });
  const cases: [string, string, Reply][] = [
    ['a redirect to another JWKS (302)', 'network', { status: 302, headers: { location: '' } }],
    ['a redirect with 307', 'network', { status: 307, headers: { location: '' } }],
    ['Content-Type text/html', 'invalid', { headers: { 'content-type': 'text/html' }, body }],
    ['Content-Type text/plain', 'invalid', { headers: { 'content-type': 'text/plain' }, body }],
    ['no Content-Type', 'invalid', { body }],
    [
      'a body over jwks.max_bytes (declared Content-Length)',
      'too_large',
      { headers: { 'content-type': 'application/json' }, body: body + ' '.repeat(4096) },
    ],
    [
      'a chunked body over jwks.max_bytes (no Content-Length)',
      'too_large',
      { headers: { 'content-type': 'application/json' }, body: body + ' '.repeat(4096), chunked: true },
    ],
    [
      'a body that is not JSON',
      'invalid',
      { headers: { 'content-type': 'application/json' }, body: '<keys/>' },
    ],
    [
      'a JSON body of the wrong shape',
      'invalid',
      { headers: { 'content-type': 'application/json' }, body: JSON.stringify([key.jwk]) },
    ],
  ];
  it.each(cases)(
    '%s → 503 keys_unavailable (outcome %s), nothing else fetched',
    async (_name, outcome, reply) => {
      const r =
        reply.headers?.['location'] === undefined
          ? reply
          : { ...reply, headers: { location: target.jwksUrl } };
      idp.reply('/jwks', r);
      kw = await keywayFor({ jwks_uri: idp.jwksUrl, jwks: { retries: 0, max_bytes: 2048 } });
      await expectDeny(await kw.auth({ authorization: `Bearer ${token()}` }), 503, 'keys_unavailable');
      const seen = await outcomes(kw);
      expect(seen).toMatchObject({ [outcome]: expect.any(Number) });
      expect(seen['ok']).toBeUndefined();
      expect(target.maxInFlight).toBe(0);
    },
  );

  it.each([
    ['application/json; charset=utf-8', 'application/json; charset=utf-8'],
    ['application/jwk-set+json', 'application/jwk-set+json'],
  ])('control: Content-Type %s within max_bytes → 200', async (_name, type) => {
    idp.reply('/jwks', { headers: { 'content-type': type }, body });
    kw = await keywayFor({ jwks_uri: idp.jwksUrl, jwks: { retries: 0, max_bytes: 2048 } });
    await expectAllow(await kw.auth({ authorization: `Bearer ${token()}` }));
  });
});

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasOpenssl)('TLS verification', () => {
  let dir: string;
  let cert: string;
  let otherCa: string;
  let tls: JwksServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keyway-tls-'));
    const selfSigned = (name: string, cn: string) =>
      execFileSync(
        'openssl',
        [
          ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'],
          ...['-subj', `/CN=${cn}`, '-addext', `subjectAltName=DNS:${cn}`],
          ...['-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.pem`)],
        ],
        { stdio: 'ignore', timeout: 30_000 },
      );
    selfSigned('server', 'localhost');
    selfSigned('other', 'localhost');
    cert = readFileSync(join(dir, 'server.pem'), 'utf8');
    otherCa = readFileSync(join(dir, 'other.pem'), 'utf8');
    tls = await startJwksServer({ key: readFileSync(join(dir, 'server.key'), 'utf8'), cert });
    tls.setKeys([key.jwk]);
  });
  afterAll(async () => {
    await tls.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function withCa(ca: string | undefined, url: string) {
    const issuer: Record<string, unknown> = { jwks_uri: url, jwks: { retries: 0 } };
    if (ca) issuer['ca_file'] = '/etc/keyway/ca.pem';
    const kw = await keywayFor(issuer, ca ? { '/etc/keyway/ca.pem': ca } : {});
    const res = await kw.auth({ authorization: `Bearer ${token()}` });
    const out = await outcomes(kw);
    await kw.close();
    return { res, out };
  }

  it('a self-signed server without ca_file → 503 keys_unavailable (verification is on)', async () => {
    const { res, out } = await withCa(undefined, tls.jwksUrl);
    await expectDeny(res, 503, 'keys_unavailable');
    expect(out).toEqual({ network: expect.any(Number) });
  });

  it('ca_file holding a different CA → 503 keys_unavailable', async () => {
    const { res, out } = await withCa(otherCa, tls.jwksUrl);
    await expectDeny(res, 503, 'keys_unavailable');
    expect(out['ok']).toBeUndefined();
  });

  it('ca_file holding the server’s CA, but the URL host is not in the certificate → 503 (hostname checked)', async () => {
    const { res, out } = await withCa(cert, tls.jwksUrl.replace('localhost', '127.0.0.1'));
    await expectDeny(res, 503, 'keys_unavailable');
    expect(out['ok']).toBeUndefined();
  });

  it('control: ca_file holding the server’s CA and the right host → 200', async () => {
    const { res } = await withCa(cert, tls.jwksUrl);
    await expectAllow(res);
  });
});
