// One e2e stack for the print-config snippets: a framework-like backend, keyway (in-process, its decision log
// captured) and the real proxy running exactly what `keyway print-config <kind>` prints, inside the examples' wrappers.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { parseConfig } from '../../src/config/parse.js';
import { createLogger } from '../../src/infra/log.js';
import { startServer } from '../../src/main.js';
import { printProxyConfig } from '../../src/proxy-config/print-config.js';
import { createLogCapture } from '../helpers/log-capture.js';
import { unusedPort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait-for.js';
import { type FrameworkBackend, type FrameworkView, startFrameworkBackend } from './framework-backend.js';
import { type ProxyKind, startProxy } from './route-stack.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const SECRET = 'forwarding-headers-e2e-secret-0123456789abcdef';
const ISSUER = 'https://issuer.forwarding.test';

/** keyway's decision log line for one request. */
export interface Decision {
  readonly result: string;
  readonly reason: string;
  readonly policy: string;
  readonly host: string;
  readonly path: string | undefined;
  readonly method: string;
  readonly client_ip: string | undefined;
}

/** What one request through the proxy produced. */
export interface Exchange {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Set when the request reached the backend. */
  readonly backend: FrameworkView | undefined;
  /** keyway's decision, when keyway was asked. */
  readonly decision: Decision | undefined;
}

export interface SnippetStack {
  /** `127.0.0.1:<port>` of the proxy. */
  readonly authority: string;
  mint(claims: Record<string, unknown>): Promise<string>;
  /**
   * Send `target` byte for byte (a raw "#" or non-ASCII byte included: fetch would re-encode it) with `headers`
   * (a name may repeat; Host defaults to the proxy's address), and collect the backend's view and keyway's decision.
   */
  send(target: string, headers: readonly (readonly [string, string])[]): Promise<Exchange>;
  close(): Promise<void>;
}

/** keyway's policies for these tests: an admin site and path needing the admin scope, members, and an open rest. */
const POLICIES = [
  { name: 'admin-site', match: { hosts: ['admin.example.test'] }, scopes: ['admin'] },
  { name: 'api-admin', match: { paths: ['/api/admin'] }, scopes: ['admin'] },
  { name: 'members', match: { paths: ['/members'] }, headers: { 'X-User-Roles': 'roles' } },
  { name: 'open', anonymous: true, headers: { 'X-User-Roles': 'roles' } },
];

/** Copy an example wrapper file (Caddyfile, nginx.conf, traefik*.yml) with its fixed ports swapped. */
function wrapper(dir: string, example: string, file: string, ports: Record<string, number>): void {
  const text = readFileSync(join(EXAMPLES, example, file), 'utf8')
    .replace(/\b18080\b/g, String(ports['proxy']))
    .replace(/\b18090\b/g, String(ports['hop']));
  writeFileSync(join(dir, file), text);
}

/**
 * Start backend, keyway and the proxy for `kind`, all on loopback; retried on new ports (after cleaning up) when a
 * port picked as free was taken by a parallel test file in the meantime.
 */
export async function startSnippetStack(kind: ProxyKind, attempts = 3): Promise<SnippetStack> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(kind);
    } catch (err) {
      const text = String((err as Error)?.message ?? err);
      if (attempt >= attempts || !/EADDRINUSE|address already in use|nothing listens/i.test(text)) throw err;
    }
  }
}

async function startOnce(kind: ProxyKind): Promise<SnippetStack> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const backend: FrameworkBackend = await startFrameworkBackend();
    cleanups.push(() => backend.close());
    // keyway listens on port 0 and reports its port; the proxy and the hop are binaries (or need the port in their
    // config before they start): ports unused a moment ago, and the whole stack again on new ones if one was taken.
    const ports = { proxy: await unusedPort(), keyway: 0, hop: await unusedPort() };
    const upstream = `127.0.0.1:${backend.port}`;
    const config = parseConfig(
      {
        server: { host: '127.0.0.1', port: ports.keyway },
        // Every decision logged: the tests compare the backend's readings with keyway's decision line.
        log: { allow_lines: 'all' },
        issuers: [{ name: 'e2e', issuer: ISSUER, hs_secrets: [SECRET], audiences: ['shop'] }],
        policies: POLICIES,
        routing: {
          default_upstreams: [upstream],
          upstream_allowlist: [upstream],
          health: { path: '/healthz', interval: '250ms', timeout: '200ms' },
        },
      },
      'forwarding-headers e2e',
      { readFile: () => '' },
    );
    const logs = createLogCapture();
    const keyway = await startServer(config, { deps: { log: createLogger('info', logs) } });
    cleanups.push(() => keyway.close());
    ports.keyway = keyway.port;

    const dir = mkdtempSync(join(tmpdir(), `keyway-e2e-fwd-${kind}-`));
    chmodSync(dir, 0o755); // nginx workers run as an unprivileged user when the master is root
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const options = {
      listen: `127.0.0.1:${ports.proxy}`,
      keyway: `127.0.0.1:${ports.keyway}`,
      hop: `127.0.0.1:${ports.hop}`,
    };
    const snippet = printProxyConfig(kind, config, options);
    if (kind === 'caddy') {
      wrapper(dir, 'caddy', 'Caddyfile', ports);
      writeFileSync(join(dir, 'keyway.caddy'), snippet);
    } else if (kind === 'nginx') {
      wrapper(dir, 'nginx', 'nginx.conf', ports);
      writeFileSync(join(dir, 'keyway.conf'), snippet);
    } else {
      const two = kind === 'traefik-two-hop';
      wrapper(dir, 'traefik', two ? 'traefik-two-hop.yml' : 'traefik.yml', ports);
      writeFileSync(join(dir, two ? 'dynamic-two-hop.yml' : 'dynamic.yml'), snippet);
    }
    const proxy = await startProxy(kind, dir, ports.proxy);
    cleanups.push(() => proxy.stop());

    let sequence = 0;
    const stack: SnippetStack = {
      authority: `127.0.0.1:${ports.proxy}`,
      mint: (claims) =>
        new SignJWT({ iss: ISSUER, aud: 'shop', sub: 'alice', ...claims })
          .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
          .setIssuedAt()
          .setExpirationTime('10m')
          .sign(new TextEncoder().encode(SECRET)),
      send: async (target, headers) => {
        const id = `fwd-${process.pid}-${++sequence}`;
        // The proxy's own address as Host, unless the test sends one (Caddy serves only its site address).
        const host = headers.some(([k]) => k.toLowerCase() === 'host')
          ? []
          : ([['Host', `127.0.0.1:${ports.proxy}`]] as const);
        const raw = await rawRequest(ports.proxy, target, [...host, ['X-Request-Id', id], ...headers]);
        const entry = logs.entries().find((e) => e['msg'] === 'decision' && e['request_id'] === id) as
          | Decision
          | undefined;
        const backend =
          raw.headers['x-framework-backend'] !== undefined || raw.status === 101
            ? (JSON.parse(raw.body) as FrameworkView)
            : undefined;
        return { ...raw, backend, decision: entry };
      },
      close,
    };
    // keyway routes only once its first health check of the backend passed: wait for one request to go through.
    await waitFor(
      `${kind}: the stack to reach the backend`,
      async () => (await stack.send('/ready-probe', [])).backend !== undefined,
      10_000,
      100,
    );
    return stack;
  } catch (err) {
    await close();
    throw err;
  }
}

/** One HTTP/1.1 request written byte for byte ("latin1": each char one byte), answered within 10 s. */
function rawRequest(
  port: number,
  target: string,
  headers: readonly (readonly [string, string])[],
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error(`no answer to ${target} within 10 s`)), 10_000);
    const lines = [`GET ${target} HTTP/1.1`, ...headers.map(([k, v]) => `${k}: ${v}`)];
    // The proxy closes after answering: "Connection: close", unless the test sends a Connection header of its own
    // (then it says "close" in it, or is an upgrade, which the backend ends). Never a half-close: Go servers read
    // it as the client going away and cancel the request.
    if (!headers.some(([k]) => k.toLowerCase() === 'connection')) lines.push('Connection: close');
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parseResponse(Buffer.concat(chunks).toString('latin1')));
    });
    socket.write(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'));
  });
}

/** Status, lower-cased headers and the (de-chunked) body of one raw response. */
function parseResponse(text: string): { status: number; headers: Record<string, string>; body: string } {
  const end = text.indexOf('\r\n\r\n');
  const [statusLine = '', ...headerLines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = text.slice(end + 4);
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
    let out = '';
    for (let rest = body; ; ) {
      const eol = rest.indexOf('\r\n');
      const size = Number.parseInt(rest.slice(0, eol), 16);
      if (!size) break;
      out += rest.slice(eol + 2, eol + 2 + size);
      rest = rest.slice(eol + 2 + size + 2);
    }
    body = out;
  }
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    body: Buffer.from(body, 'latin1').toString('utf8'),
  };
}
