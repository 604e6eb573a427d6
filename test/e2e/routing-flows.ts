// The issue-5 end-to-end flows, registered once per proxy: routing, fallback, spoofing, denials, keyway down.
import { createServer, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProxyKind, type Stack, startStack } from './route-stack.js';

export interface ProxyExpectations {
  /** The status the client gets when keyway is unreachable (the proxy fails closed). */
  readonly keywayDown: number;
  /** The status when a 2xx names no allowlisted upstream (Caddy, nginx: 502; Traefik: no child router, 404). */
  readonly unknownUpstream: number;
}

interface Seen {
  readonly status: number;
  readonly backend: string | undefined;
  readonly headers: Record<string, string>;
  readonly response: Response;
  readonly body: string;
}

const FORGED = {
  'X-Route-Upstream': '10.9.9.9:80',
  'X-Auth-Subject': 'admin',
  'X-Route-Instance-Key': 't1/shop/blue/i2',
  'X-Route-Match': 'instance',
};

const BLUE_I1 = { sub: 'alice', tenant: 't1', service: 'shop', version: 'blue', instance: 'i1' };

/**
 * Client-sent aliases of keyway's headers: Go (Caddy, Traefik) keeps each as a header of its own, and CGI/WSGI/PHP
 * backends read every one as the dash form (HTTP_X_AUTH_SUBJECT), next to keyway's value.
 */
const ALIASES: Record<string, string> = {
  'X-Auth_Subject': 'mallory1',
  'X.Auth.Subject': 'mallory2',
  'x~auth~subject': 'mallory3',
  X_Auth_Subject: 'mallory4',
  'X-Route_Upstream': '10.9.9.9:80',
  'X_Auth-Token_Id': 'forged-jti',
  'X!Route!Match': 'default',
  'X+Route+Instance+Key': 't1/shop/blue/i2',
  "X'Auth'Issuer": 'https://evil.example',
  'X|Auth|Subject': 'mallory5',
  'X^Auth^Subject': 'mallory6',
  'X`Auth`Subject': 'mallory7',
  'X#Auth#Subject': 'mallory8',
  X$Auth$Subject: 'mallory9',
  'X%Auth%Subject': 'mallory10',
  'X&Auth&Subject': 'mallory11',
  'X*Auth*Subject': 'mallory12',
};

/** The variable a CGI/WSGI/PHP-style backend reads a header name as. */
const cgiName = (header: string) => `HTTP_${header.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

/** keyway-shaped denials, answered by a stand-in on keyway's port (so the proxy, not keyway, is under test). */
const DENIALS = [
  {
    status: 401,
    challenge: 'Bearer realm="keyway", error="invalid_token", error_description="expired"',
    body: { error: 'invalid_token', reason: 'expired' },
  },
  {
    status: 401,
    challenge: 'Bearer realm="keyway"',
    body: { error: 'unauthorized', reason: 'missing_token' },
  },
  {
    status: 403,
    challenge:
      'Bearer realm="keyway", error="insufficient_scope", error_description="insufficient_scope", scope="admin"',
    body: { error: 'insufficient_scope', reason: 'insufficient_scope' },
  },
  { status: 403, challenge: 'Bearer realm="keyway"', body: { error: 'forbidden', reason: 'no_policy' } },
] as const;

/** Register the flows for `kind` against a fresh stack. */
export function describeRoutingFlows(kind: ProxyKind, expectations: ProxyExpectations): void {
  describe(`routing through ${kind}`, () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStack(kind);
    });
    afterAll(async () => {
      await stack?.close();
    });

    async function get(headers: Record<string, string>, path = '/orders?id=7'): Promise<Seen> {
      const response = await fetch(`${stack.url}${path}`, { headers });
      const body = await response.text();
      const echo = response.headers.get('x-demo-backend')
        ? (JSON.parse(body) as { backend: string; headers: Record<string, string> })
        : undefined;
      return {
        status: response.status,
        backend: echo?.backend,
        headers: echo?.headers ?? {},
        response,
        body,
      };
    }
    /** A GET from 127.0.0.2 (still loopback), so the client's address differs from the proxy's own. */
    function getFrom(localAddress: string, headers: Record<string, string>): Promise<Record<string, string>> {
      return new Promise((done, fail) => {
        const req = request(`${stack.url}/orders`, { headers, localAddress }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c));
          res.on('end', () => done((JSON.parse(body) as { headers: Record<string, string> }).headers));
        });
        req.on('error', fail);
        req.end();
      });
    }
    /** Run `fn` while a stand-in answers on keyway's port (after stopKeyway()). */
    async function withStandIn(
      answer: (res: ServerResponse) => void,
      fn: () => Promise<void>,
    ): Promise<void> {
      const standIn: Server = createServer((_req, res) => answer(res));
      await new Promise<void>((r) => standIn.listen(stack.keywayPort, '127.0.0.1', r));
      try {
        await fn();
      } finally {
        standIn.closeAllConnections();
        await new Promise((r) => standIn.close(r));
      }
    }
    const bearer = async (claims: Record<string, unknown>) => ({
      authorization: `Bearer ${await stack.mint(claims)}`,
    });

    it('token for instance i1 → backend i1, with keyway headers', async () => {
      const seen = await get(await bearer(BLUE_I1));
      expect(seen.status).toBe(200);
      expect(seen.backend).toBe('i1');
      expect(seen.headers['x-route-match']).toBe('instance');
      expect(seen.headers['x-route-upstream']).toBe(stack.upstreams['i1']);
      expect(seen.headers['x-auth-subject']).toBe('alice');
      expect(seen.headers['x-route-instance-key']).toBe('t1/shop/blue/i1');
      expect(seen.headers['x-route-version-key']).toBe('t1/shop/blue');
    });

    it('token without an instance claim → a version backend, the same one every time', async () => {
      const headers = await bearer({ ...BLUE_I1, instance: undefined, sub: 'bob' });
      const first = await get(headers);
      expect(first.status).toBe(200);
      expect(['i1', 'i2']).toContain(first.backend);
      expect(first.headers['x-route-match']).toBe('version');
      for (let i = 0; i < 3; i++) expect((await get(headers)).backend).toBe(first.backend);
    });

    it('unknown version → the default backend', async () => {
      const seen = await get(await bearer({ ...BLUE_I1, version: 'green' }));
      expect(seen.status).toBe(200);
      expect(seen.backend).toBe('default');
      expect(seen.headers['x-route-match']).toBe('default');
    });

    it('forged X-Route-Upstream / X-Auth-Subject / X-Route-Instance-Key with a valid token are replaced by keyway’s', async () => {
      const seen = await get({
        ...(await bearer(BLUE_I1)),
        ...FORGED,
        'X-Route-Upstream': stack.upstreams['default']!,
      });
      expect(seen.backend).toBe('i1');
      expect(seen.headers['x-route-upstream']).toBe(stack.upstreams['i1']);
      expect(seen.headers['x-auth-subject']).toBe('alice');
      expect(seen.headers['x-route-instance-key']).toBe('t1/shop/blue/i1');
      // No instance claim: keyway's value is empty, and the forged one must not survive either.
      const noInstance = await get({ ...(await bearer({ ...BLUE_I1, instance: undefined })), ...FORGED });
      expect(noInstance.status).toBe(200);
      expect(noInstance.headers['x-route-instance-key'] ?? '').toBe('');
      expect(noInstance.headers['x-route-match']).toBe('version');
      expect(noInstance.headers['x-auth-subject']).toBe('alice');
    });

    it('aliases of keyway’s headers (X_Auth_Subject, X.Auth.Subject, x~auth~subject, …) never reach a backend', async () => {
      const seen = await get({ ...(await bearer(BLUE_I1)), ...ALIASES });
      expect(seen.status).toBe(200);
      expect(seen.backend).toBe('i1');
      expect(seen.headers['x-auth-subject']).toBe('alice');
      expect(seen.headers['x-route-upstream']).toBe(stack.upstreams['i1']);
      // Every header a CGI-style backend would read as HTTP_X_AUTH_* / HTTP_X_ROUTE_* is keyway's own dash form.
      const keywayFamily = Object.keys(seen.headers).filter((n) => /^HTTP_X_(AUTH|ROUTE)_/.test(cgiName(n)));
      for (const name of keywayFamily) expect(name).toMatch(/^x-(auth|route)-[a-z0-9-]+$/);
      expect(JSON.stringify(seen.headers)).not.toMatch(/mallory|forged-jti|evil\.example|10\.9\.9\.9/);
    });

    it('the backend sees the client’s address first in X-Forwarded-For', async () => {
      const headers = await getFrom('127.0.0.2', await bearer(BLUE_I1));
      expect(headers['x-forwarded-for']?.split(',')[0]?.trim()).toBe('127.0.0.2');
    });

    it('forged headers without a token never reach a backend', async () => {
      const seen = await get(FORGED);
      expect(seen.status).toBe(401);
      expect(seen.backend).toBeUndefined();
      expect(seen.response.headers.get('www-authenticate')).toBe('Bearer realm="keyway"');
    });

    it('bad token → keyway’s 401 and challenge reach the client', async () => {
      const token = await stack.mint(BLUE_I1);
      const seen = await get({ authorization: `Bearer ${token.slice(0, -4)}AAAA` });
      expect(seen.status).toBe(401);
      expect(seen.backend).toBeUndefined();
      expect(seen.response.headers.get('www-authenticate')).toBe(
        'Bearer realm="keyway", error="invalid_token", error_description="bad_signature"',
      );
      expect(seen.response.headers.get('x-auth-reason')).toBe('bad_signature');
      expect(JSON.parse(seen.body)).toEqual({ error: 'invalid_token', reason: 'bad_signature' });
    });

    it('stop backend i1 → the version backend answers (instance → version fallback)', async () => {
      const headers = await bearer(BLUE_I1);
      await stack.stopBackend('i1');
      const started = Date.now();
      let seen: Seen | undefined;
      while (Date.now() - started < 10_000) {
        seen = await get(headers);
        if (seen.backend !== undefined && seen.backend !== 'i1') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const elapsed = Date.now() - started;
      process.stdout.write(`[${kind}] instance → version fallback after ${elapsed} ms\n`);
      expect(seen?.backend).toBe('i2');
      expect(seen?.headers['x-route-match']).toBe('version');
      // "Within 2 s" is a property of the example's health config (worst-case detection), asserted here instead
      // of timing the run: unhealthy_threshold checks, interval apart, each up to timeout.
      const h = stack.config.routing.health;
      expect(h.interval * h.unhealthy_threshold + h.timeout).toBeLessThanOrEqual(2_000);
    });

    it('nothing healthy → keyway’s 503 no_upstream reaches the client', async () => {
      await stack.stopBackend('i2');
      await stack.stopBackend('default');
      const headers = await bearer(BLUE_I1);
      const started = Date.now();
      let seen: Seen | undefined;
      while (Date.now() - started < 10_000) {
        seen = await get(headers);
        if (seen.status === 503) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(seen?.status).toBe(503);
      expect(seen?.response.headers.get('x-auth-reason')).toBe('no_upstream');
      for (const name of ['i1', 'i2', 'default']) await stack.startBackend(name);
    });

    it('keyway down → the proxy fails closed', async () => {
      await stack.stopKeyway();
      const seen = await get({ ...(await bearer(BLUE_I1)), ...FORGED });
      expect(seen.status).toBe(expectations.keywayDown);
      expect(seen.backend).toBeUndefined();
    });

    it('keyway’s 401 and 403 reach the client with its WWW-Authenticate (once), X-Auth-Reason and body', async () => {
      for (const denial of DENIALS) {
        await withStandIn(
          (res) =>
            res
              .writeHead(denial.status, {
                'Content-Type': 'application/json',
                'Cache-Control': 'no-store',
                'WWW-Authenticate': denial.challenge,
                'X-Auth-Reason': denial.body.reason,
              })
              .end(JSON.stringify(denial.body)),
          async () => {
            const seen = await get(await bearer(BLUE_I1));
            expect({
              status: seen.status,
              challenge: seen.response.headers.get('www-authenticate'),
              reason: seen.response.headers.get('x-auth-reason'),
              body: JSON.parse(seen.body) as unknown,
              backend: seen.backend,
            }).toEqual({
              status: denial.status,
              challenge: denial.challenge,
              reason: denial.body.reason,
              body: denial.body,
              backend: undefined,
            });
          },
        );
      }
    });

    it('a 2xx naming a missing, empty or unexpected upstream is never dialled', async () => {
      let canaryHits = 0;
      const canary = createServer((_req, res) => {
        canaryHits++;
        res.end('canary');
      });
      await new Promise<void>((r) => canary.listen(0, '127.0.0.1', r));
      const rogueValues = ['', `127.0.0.1:${(canary.address() as AddressInfo).port}`, 'evil.example:80'];
      let value: string | undefined;
      // A stand-in keyway on keyway's port that allows everything and names an odd upstream.
      const rogue: Server = createServer((_req, res) => {
        const headers: Record<string, string> = { 'X-Auth-Subject': 'mallory', 'X-Route-Match': 'instance' };
        if (value !== undefined) headers['X-Route-Upstream'] = value;
        res.writeHead(200, headers).end();
      });
      await new Promise<void>((r) => rogue.listen(stack.keywayPort, '127.0.0.1', r));
      try {
        for (value of [undefined, ...rogueValues]) {
          const seen = await get({ 'X-Route-Upstream': stack.upstreams['i1']! });
          expect({ value, status: seen.status, backend: seen.backend }).toEqual({
            value,
            status: expectations.unknownUpstream,
            backend: undefined,
          });
        }
        expect(canaryHits).toBe(0);
      } finally {
        rogue.closeAllConnections();
        canary.closeAllConnections();
        await new Promise((r) => rogue.close(r));
        await new Promise((r) => canary.close(r));
      }
    });
  });
}
