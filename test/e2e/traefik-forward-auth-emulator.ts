// An emulation of Traefik's forwardAuth + routers for e2e tests, reading the real example static/dynamic YAML.
// Written from traefik/traefik v3 source: pkg/middlewares/auth/forward.go — forwardAuth.ServeHTTP (GET to `address`,
// non-2xx answered to the client with keyway's headers minus hop-by-hop and its body, 2xx: each authResponseHeaders
// name deleted from the request then copied from keyway's answer, call errors → 500, 30 s client timeout) and
// writeHeader (copy client headers minus hop-by-hop and Connection-listed ones, authRequestHeaders allow-list,
// X-Forwarded-For/-Method/-Proto/-Host/-Uri overwritten unless trustForwardHeader); pkg/middlewares/forwardedheaders
// (an entry point without trusted IPs drops client X-Forwarded-*); multi-layer routing (≥ 3.6, `parentRefs`: child
// routers are matched after the parent's middlewares, default priority = rule length, no child matches → 404).
import { readFileSync } from 'node:fs';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

interface ForwardAuth {
  address: string;
  trustForwardHeader?: boolean;
  authResponseHeaders?: string[];
  authRequestHeaders?: string[];
  preserveRequestMethod?: boolean;
}
interface RouterDef {
  rule: string;
  entryPoints?: string[];
  middlewares?: string[];
  service?: string;
  parentRefs?: string[];
}
interface Dynamic {
  http: {
    routers: Record<string, RouterDef>;
    middlewares?: Record<
      string,
      { forwardAuth?: ForwardAuth; headers?: { customRequestHeaders?: Record<string, string> } }
    >;
    services: Record<string, { loadBalancer: { servers: { url: string }[] } }>;
  };
}
type Headers = Record<string, string>;
interface Req {
  method: string;
  url: string;
  host: string;
  remote: string;
  headers: Headers;
  body: Buffer;
}

const HOP = ['connection', 'keep-alive', 'te', 'trailers', 'transfer-encoding', 'upgrade'];
const X_FORWARDED = [
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-proto',
  'x-forwarded-server',
  'x-forwarded-uri',
  'x-forwarded-method',
  'x-forwarded-prefix',
  'x-real-ip',
];

function flatten(h: IncomingHttpHeaders): Headers {
  const out: Headers = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function matches(rule: string, req: Req): boolean {
  return rule.split('&&').every((term) => {
    const m = /^\s*(\w+)\(([^)]*)\)\s*$/.exec(term);
    if (!m) throw new Error(`unsupported rule term: ${term}`);
    const args = [...m[2]!.matchAll(/`([^`]*)`/g)].map((a) => a[1]!);
    const path = req.url.split('?')[0]!;
    switch (m[1]) {
      case 'PathPrefix':
        return path.startsWith(args[0]!);
      case 'Path':
        return path === args[0];
      case 'Host':
        return req.host.replace(/:\d+$/, '') === args[0];
      case 'Header':
        return req.headers[args[0]!.toLowerCase()] === args[1];
      default:
        throw new Error(`unsupported matcher ${m[1]}`);
    }
  });
}

function call(
  url: string,
  method: string,
  headers: Headers,
  body?: Buffer,
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  return new Promise((resolveCall, reject) => {
    const req = request(url, { method, headers, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolveCall({
          status: res.statusCode ?? 500,
          headers: flatten(res.headers),
          body: Buffer.concat(chunks),
        }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/** forward.go writeHeader: the headers of the auth request. */
function authRequestHeaders(req: Req, fa: ForwardAuth): Headers {
  const listed = (req.headers['connection'] ?? '').split(',').map((s) => s.trim().toLowerCase());
  let h: Headers = {};
  for (const [k, v] of Object.entries(req.headers))
    if (k !== 'host' && !HOP.includes(k) && !listed.includes(k)) h[k] = v;
  if (fa.authRequestHeaders?.length) {
    const allowed = fa.authRequestHeaders.map((n) => n.toLowerCase());
    h = Object.fromEntries(Object.entries(h).filter(([k]) => allowed.includes(k)));
  }
  const trust = fa.trustForwardHeader === true;
  const prior = req.headers['x-forwarded-for'];
  h['x-forwarded-for'] = trust && prior ? `${prior}, ${req.remote}` : req.remote;
  const pick = (name: string, fallback: string) =>
    trust && req.headers[name] ? req.headers[name]! : fallback;
  h['x-forwarded-method'] = pick('x-forwarded-method', req.method);
  h['x-forwarded-proto'] = pick('x-forwarded-proto', 'http');
  if (trust && req.headers['x-forwarded-port']) h['x-forwarded-port'] = req.headers['x-forwarded-port'];
  h['x-forwarded-host'] = pick('x-forwarded-host', req.host);
  h['x-forwarded-uri'] = pick('x-forwarded-uri', req.url);
  return h;
}

/** forward.go ServeHTTP: true to continue with the (modified) request, false when the client was answered. */
async function forwardAuth(fa: ForwardAuth, req: Req, res: ServerResponse): Promise<boolean> {
  let answer: Awaited<ReturnType<typeof call>>;
  try {
    answer = await call(
      fa.address,
      fa.preserveRequestMethod ? req.method : 'GET',
      authRequestHeaders(req, fa),
    );
  } catch {
    res.writeHead(500).end();
    return false;
  }
  if (answer.status < 200 || answer.status >= 300) {
    const headers = Object.fromEntries(Object.entries(answer.headers).filter(([k]) => !HOP.includes(k)));
    if (headers['location']) headers['location'] = new URL(headers['location'], fa.address).toString();
    headers['content-length'] = String(answer.body.length);
    res.writeHead(answer.status, headers).end(answer.body);
    return false;
  }
  for (const name of fa.authResponseHeaders ?? []) {
    const key = name.toLowerCase();
    delete req.headers[key];
    if (answer.headers[key] !== undefined) req.headers[key] = answer.headers[key]!;
  }
  return true;
}

/** A running emulator: the bound port of each entry point. */
export interface TraefikEmulator {
  readonly ports: Readonly<Record<string, number>>;
  close(): Promise<void>;
}

/** Start every entry point of the static config `staticPath` (its providers.file.filename is the dynamic config). */
export async function startTraefikEmulator(staticPath: string): Promise<TraefikEmulator> {
  const stat = parseYaml(readFileSync(staticPath, 'utf8')) as {
    entryPoints: Record<string, { address: string }>;
    providers: { file: { filename: string } };
  };
  const dyn = (
    parseYaml(readFileSync(resolve(dirname(staticPath), stat.providers.file.filename), 'utf8')) as Dynamic
  ).http;
  const byPriority = (names: string[]) =>
    names.sort((a, b) => dyn.routers[b]!.rule.length - dyn.routers[a]!.rule.length);

  async function handle(name: string, req: Req, res: ServerResponse): Promise<void> {
    const router = dyn.routers[name]!;
    for (const mw of router.middlewares ?? []) {
      const custom = dyn.middlewares?.[mw]?.headers?.customRequestHeaders;
      if (custom) {
        // pkg/middlewares/headers/header.go modifyCustomRequestHeaders: "" deletes (req.Header.Del, canonical name,
        // so case-insensitive), anything else sets.
        for (const [name, value] of Object.entries(custom)) {
          if (value === '') delete req.headers[name.toLowerCase()];
          else req.headers[name.toLowerCase()] = value;
        }
        continue;
      }
      const fa = dyn.middlewares?.[mw]?.forwardAuth;
      if (!fa) throw new Error(`unsupported middleware ${mw}`);
      if (!(await forwardAuth(fa, req, res))) return;
    }
    if (router.service) return proxy(router.service, req, res);
    const children = byPriority(
      Object.keys(dyn.routers).filter((n) => dyn.routers[n]!.parentRefs?.includes(name)),
    );
    const child = children.find((n) => matches(dyn.routers[n]!.rule, req));
    if (child === undefined) res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
    else await handle(child, req, res);
  }

  async function proxy(service: string, req: Req, res: ServerResponse): Promise<void> {
    const url = dyn.services[service]!.loadBalancer.servers[0]!.url;
    const headers: Headers = {
      ...req.headers,
      host: req.host,
      'x-forwarded-for': req.remote,
      'x-forwarded-host': req.host,
      'x-forwarded-proto': 'http',
      'x-real-ip': req.remote,
    };
    for (const h of HOP) delete headers[h];
    try {
      const answer = await call(new URL(req.url, url).toString(), req.method, headers, req.body);
      res.writeHead(answer.status, answer.headers).end(answer.body);
    } catch {
      res.writeHead(502, { 'content-type': 'text/plain' }).end('Bad Gateway');
    }
  }

  const servers: Server[] = [];
  const ports: Record<string, number> = {};
  for (const [ep, { address }] of Object.entries(stat.entryPoints)) {
    const top = byPriority(
      Object.keys(dyn.routers).filter(
        (n) => !dyn.routers[n]!.parentRefs && (dyn.routers[n]!.entryPoints ?? [ep]).includes(ep),
      ),
    );
    const server = createServer((message: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      message.on('data', (c: Buffer) => chunks.push(c));
      message.on('end', () => {
        const headers = flatten(message.headers);
        for (const h of X_FORWARDED) delete headers[h]; // untrusted entry point: forwardedheaders drops them
        const req: Req = {
          method: message.method ?? 'GET',
          url: message.url ?? '/',
          host: headers['host'] ?? '',
          remote: message.socket.remoteAddress ?? '',
          headers,
          body: Buffer.concat(chunks),
        };
        const name = top.find((n) => matches(dyn.routers[n]!.rule, req));
        if (name === undefined) res.writeHead(404).end('404 page not found\n');
        else handle(name, req, res).catch(() => res.writeHead(500).end());
      });
    });
    const [host, port] = [
      address.slice(0, address.lastIndexOf(':')) || '127.0.0.1',
      Number(address.slice(address.lastIndexOf(':') + 1)),
    ];
    await new Promise<void>((ok, fail) => server.once('error', fail).listen(port, host, ok));
    ports[ep] = (server.address() as AddressInfo).port;
    servers.push(server);
  }
  return {
    ports,
    close: () =>
      Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((done) => {
              s.close(() => done());
              s.closeAllConnections();
            }),
        ),
      ).then(() => undefined),
  };
}
