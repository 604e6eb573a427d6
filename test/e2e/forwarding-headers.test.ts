// Issue 8 items 1 (nginx half), 3 and 4 end to end: the exact print-config snippet in real Caddy, real nginx and the
// Traefik emulator, in front of a backend that reads the request the way frameworks trusting their proxy do. The
// backend must read the host, scheme, client address and path keyway decided on, and always get keyway's headers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FrameworkView } from './framework-backend.js';
import type { ProxyKind } from './route-stack.js';
import { type Decision, type Exchange, type SnippetStack, startSnippetStack } from './snippet-stack.js';

type Header = readonly [string, string];

/** Forged forwarding headers, one group per framework reading they would change (this list is the test's own). */
const FORGED: Readonly<Record<string, readonly Header[]>> = {
  'X-Forwarded-Host (Rails, Express trust proxy, Django, ProxyFix)': [
    ['X-Forwarded-Host', 'admin.example.test'],
  ],
  'two X-Forwarded-Host lines': [
    ['X-Forwarded-Host', 'admin.example.test'],
    ['X-Forwarded-Host', 'admin.example.test'],
  ],
  'Forwarded (Rack 3, Spring)': [['Forwarded', 'for=6.6.6.6;host=admin.example.test;proto=https']],
  'X-Forwarded-Port': [['X-Forwarded-Port', '8443']],
  'X-Forwarded-Proto': [['X-Forwarded-Proto', 'https']],
  'X-Forwarded-Ssl, X-Forwarded-Scheme, X-Forwarded-Protocol': [
    ['X-Forwarded-Ssl', 'on'],
    ['X-Forwarded-Scheme', 'https'],
    ['X-Forwarded-Protocol', 'ssl'],
  ],
  'Front-End-Https, X-Scheme, X-Url-Scheme': [
    ['Front-End-Https', 'on'],
    ['X-Scheme', 'https'],
    ['X-Url-Scheme', 'https'],
  ],
  'X-Original-URL, X-Rewrite-Url (IIS rewriting: Symfony, Laminas)': [
    ['X-Original-URL', '/api/admin'],
    ['X-Rewrite-Url', '/api/admin'],
  ],
  'X-Forwarded-Prefix (ProxyFix, Spring, ASP.NET)': [['X-Forwarded-Prefix', '/api/admin']],
  'X-Forwarded-Uri, X-Original-URI, -Method': [
    ['X-Forwarded-Uri', '/api/admin'],
    ['X-Original-URI', '/api/admin'],
    ['X-Forwarded-Method', 'DELETE'],
    ['X-Original-Method', 'DELETE'],
  ],
  'X-Original-Host, X-Host': [
    ['X-Original-Host', 'admin.example.test'],
    ['X-Host', 'admin.example.test'],
  ],
  'client address headers': [
    ['X-Forwarded-For', '6.6.6.6'],
    ['X-Real-IP', '6.6.6.6'],
    ['X-Client-IP', '6.6.6.6'],
    ['Client-IP', '6.6.6.6'],
    ['True-Client-IP', '6.6.6.6'],
    ['X-Cluster-Client-IP', '6.6.6.6'],
    ['CF-Connecting-IP', '6.6.6.6'],
    ['Fastly-Client-IP', '6.6.6.6'],
    ['X-Original-For', '6.6.6.6'],
  ],
  'client certificate headers': [
    ['X-Forwarded-Client-Cert', 'Subject="CN=admin"'],
    ['X-Forwarded-Tls-Client-Cert', 'forged'],
    ['X-Forwarded-Tls-Client-Cert-Info', 'Subject="CN=admin"'],
  ],
  'other X-Forwarded-* and X-Original-*': [
    ['X-Forwarded-Server', 'admin.example.test'],
    ['X-Forwarded-By', '6.6.6.6'],
    ['X-Forwarded-Path', '/api/admin'],
    ['X-Original-Proto', 'https'],
  ],
  // CGI/WSGI/PHP-style servers read each as the dash form (HTTP_X_FORWARDED_HOST, …).
  'alias spellings of forwarding headers': [
    ['X_Forwarded_Host', 'admin.example.test'],
    ['X.Forwarded.Host', 'admin.example.test'],
    ['X-Forwarded_Proto', 'https'],
    ['X_Original_URL', '/api/admin'],
    ['X~Real~IP', '6.6.6.6'],
  ],
};
const ALL_FORGED = Object.values(FORGED).flat();
const FORGED_VALUES = new Set(ALL_FORGED.map(([, v]) => v));
/** The CGI name of a header (HTTP_X_FORWARDED_HOST). */
const cgi = (name: string) => `HTTP_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

/** keyway's decision and the backend's every reading agree: the backend serves what keyway authorized. */
function expectSameReading(kind: ProxyKind, seen: Exchange): void {
  expect(seen.status, seen.body).toBe(200);
  const decision = seen.decision as Decision;
  const backend = seen.backend as FrameworkView;
  expect(decision.policy).toBe('open');
  const every = (values: Record<string, string>, want: string | undefined) =>
    Object.fromEntries(Object.keys(values).map((k) => [k, want]));
  expect({ kind, host: backend.readings.host }).toEqual({
    kind,
    host: every(backend.readings.host, decision.host),
  });
  expect({ kind, scheme: backend.readings.scheme }).toEqual({
    kind,
    scheme: every(backend.readings.scheme, 'http'),
  });
  expect({ kind, ip: backend.readings.clientIp }).toEqual({
    kind,
    ip: every(backend.readings.clientIp, decision.client_ip),
  });
  expect({ kind, path: backend.readings.path }).toEqual({
    kind,
    path: every(backend.readings.path, decision.path),
  });
  // No forged value reaches the backend under any spelling a server could read it as.
  const leaked = ALL_FORGED.flatMap(([name]) =>
    (backend.cgi[cgi(name)] ?? [])
      .filter((v) => FORGED_VALUES.has(v) || v.split(',').some((part) => FORGED_VALUES.has(part.trim())))
      .map((v) => [name, v]),
  );
  expect({ kind, leaked }).toEqual({ kind, leaked: [] });
  for (const [name] of ALL_FORGED) expect((backend.cgi[cgi(name)] ?? []).length).toBeLessThanOrEqual(1);
}

const KINDS: readonly ProxyKind[] = ['caddy', 'nginx', 'traefik', 'traefik-two-hop'];

describe.each(KINDS)('the %s snippet in front of a framework backend', (kind) => {
  let stack: SnippetStack;
  beforeAll(async () => {
    stack = await startSnippetStack(kind);
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  describe('item 3: the backend reads the host, scheme, client address and path keyway decided on', () => {
    it.each(Object.entries(FORGED))('%s', async (_name, forged) => {
      const seen = await stack.send('/site?page=2', forged);
      expectSameReading(kind, seen);
    });

    it('all of them at once, on a request keyway authorizes as the open site, never as admin', async () => {
      const seen = await stack.send('/site', ALL_FORGED);
      expectSameReading(kind, seen);
      expect(seen.decision?.host).toBe(kind === 'nginx' ? '127.0.0.1' : stack.authority);
    });

    // The reproduction: Host www + X-Forwarded-Host admin reached the admin site behind nginx. (Caddy serves
    // only its site address, 127.0.0.1:<port>, so it runs the same case with that Host above.)
    it.skipIf(kind === 'caddy')(
      'Host www + a forged X-Forwarded-Host admin: www for keyway and the backend',
      async () => {
        const token = await stack.mint({ sub: 'bob', scope: 'read' });
        const www = await stack.send('/api/admin/users', [
          ['Host', 'www.example.test'],
          ['X-Forwarded-Host', 'admin.example.test'],
          ['Authorization', `Bearer ${token}`],
        ]);
        expect(www.status).toBe(403); // /api/admin needs the admin scope on every host
        const site = await stack.send('/', [
          ['Host', 'www.example.test'],
          ['X-Forwarded-Host', 'admin.example.test'],
          ['Forwarded', 'host=admin.example.test'],
          ['X-Original-Host', 'admin.example.test'],
        ]);
        expect(site.decision?.host).toBe('www.example.test');
        expectSameReading(kind, site);
        // The admin site itself, asked for honestly, still needs the admin scope.
        const admin = await stack.send('/', [
          ['Host', 'admin.example.test'],
          ['Authorization', `Bearer ${token}`],
        ]);
        expect([admin.status, admin.decision?.policy, admin.backend]).toEqual([403, 'admin-site', undefined]);
      },
    );

    it('keyway itself decides on the proxy’s reading, not the client’s forwarding headers', async () => {
      // The admin site and path need the admin scope: a forged host or path must not make keyway look elsewhere
      // either (it would then refuse a request the backend serves as the open site, or the reverse).
      const seen = await stack.send('/site', [
        ['X-Forwarded-Host', 'admin.example.test'],
        ['Forwarded', 'host=admin.example.test'],
        ['X-Original-URI', '/api/admin'],
        ['X-Original-Method', 'DELETE'],
      ]);
      expect(seen.decision).toMatchObject({ policy: 'open', path: '/site', method: 'GET' });
    });
  });

  describe('item 4: a client cannot make keyway’s headers disappear as hop-by-hop', () => {
    const IDENTITY =
      'X-Auth-Subject, X-Auth-Issuer, X-Auth-Token-Id, X-User-Roles, X-Route-Upstream, X-Route-Match';
    it.each([
      ['Connection naming every keyway header', [['Connection', `close, ${IDENTITY}`]]],
      [
        'lower-case names, spread over two Connection lines',
        [
          ['Connection', 'close, x-auth-subject, x-user-roles'],
          ['Connection', 'x-route-upstream,x-auth-issuer'],
        ],
      ],
      [
        'Connection naming forwarding headers too',
        [['Connection', 'close, X-Auth-Subject, X-Forwarded-Host, X-Forwarded-For, X-Real-IP, Host']],
      ],
      [
        'Keep-Alive, Proxy-Connection, TE and Upgrade naming them',
        [
          ['Keep-Alive', IDENTITY],
          ['Proxy-Connection', IDENTITY],
          ['TE', IDENTITY],
          ['Upgrade', IDENTITY],
        ],
      ],
    ] as const)('%s', async (_name, headers) => {
      const token = await stack.mint({ sub: 'alice', jti: 'j-1', roles: 'viewer' });
      const seen = await stack.send('/members', [['Authorization', `Bearer ${token}`], ...headers]);
      expect(seen.status, seen.body).toBe(200);
      expect(seen.decision).toMatchObject({ result: 'allow', policy: 'members' });
      expect(seen.backend?.headers).toMatchObject({
        'x-auth-subject': 'alice',
        'x-auth-issuer': 'https://issuer.forwarding.test',
        'x-auth-token-id': 'j-1',
        'x-user-roles': 'viewer',
        'x-route-match': 'default',
      });
      expect(seen.backend?.headers['x-route-upstream']).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(seen.backend?.readings.host.rails).toBe(seen.decision?.host);
    });

    it.runIf(kind === 'caddy')('a WebSocket upgrade still upgrades, with keyway’s headers', async () => {
      const token = await stack.mint({ sub: 'alice', roles: 'viewer' });
      const seen = await stack.send('/members/socket', [
        ['Authorization', `Bearer ${token}`],
        ['Connection', 'keep-alive, Upgrade, X-Auth-Subject, X-User-Roles'],
        ['Upgrade', 'websocket'],
        ['Sec-WebSocket-Version', '13'],
        ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
      ]);
      expect(seen.status).toBe(101);
      expect(seen.backend?.upgrade).toBe(true);
      expect(seen.backend?.headers).toMatchObject({ 'x-auth-subject': 'alice', 'x-user-roles': 'viewer' });
    });
  });

  describe('item 1: a raw "#" or non-ASCII byte in the request-target', () => {
    const TARGETS = [
      '/api/admin#x',
      '/api/admin#/../site',
      '/site?page=1#frag',
      '/api/adm\xc4\xb1n',
      '/members\xff',
    ];
    if (kind === 'nginx') {
      it.each(TARGETS)('nginx refuses %j before asking keyway', async (target) => {
        const token = await stack.mint({ sub: 'alice' });
        const seen = await stack.send(target, [['Authorization', `Bearer ${token}`]]);
        expect(seen.status).toBe(400);
        expect(seen.headers['x-auth-reason']).toBe('ambiguous_request');
        expect(JSON.parse(seen.body)).toEqual({ error: 'invalid_request', reason: 'ambiguous_request' });
        expect(seen.decision).toBeUndefined();
        expect(seen.backend).toBeUndefined();
      });
      it('an encoded %23 or UTF-8 escape is no raw byte: it passes', async () => {
        const seen = await stack.send('/site%23x/adm%C4%B1n', []);
        expect(seen.status).toBe(200);
        expect(seen.backend?.readings.path.whatwg).toBe(seen.decision?.path);
      });
    } else {
      it.each(TARGETS)(
        '%j: re-escaped for both hops, so keyway and the backend read one path',
        async (target) => {
          const token = await stack.mint({ sub: 'alice' });
          const seen = await stack.send(target, [['Authorization', `Bearer ${token}`]]);
          // Either keyway refused it, or the backend's WHATWG reading is keyway's.
          if (seen.backend === undefined) expect([400, 401, 403]).toContain(seen.status);
          else expect(seen.backend.readings.path.whatwg).toBe(seen.decision?.path);
        },
      );
    }
  });
});
