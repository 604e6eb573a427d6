// An emulation of Traefik's forwardAuth + routers for e2e tests, reading the real example static/dynamic YAML.
// Written from traefik/traefik v3 source: pkg/middlewares/auth/forward.go — forwardAuth.ServeHTTP (GET to `address`
// built by http.NewRequest with no body, non-2xx answered to the client with keyway's headers minus hop-by-hop and its
// body, 2xx: each authResponseHeaders name deleted from the request then copied from keyway's answer, then every
// request header matching authResponseHeadersRegex deleted and every matching answer header copied; call errors → 500,
// 30 s client timeout) and writeHeader / oldWriteHeader (client headers minus hop-by-hop and Connection-listed ones,
// authRequestHeaders allow-list; trustForwardHeader unset: X-Forwarded-For/-Method/-Proto/-Host/-Uri overwritten, the
// other X-Forwarded-* passed on; false: every X-Forwarded-* deleted, then For/Method/Proto/Port/Host/Uri set; true:
// kept, the client IP appended to X-Forwarded-For); pkg/middlewares/forwardedheaders (an entry point deletes client
// X-Forwarded-* unless the peer is in forwardedHeaders.trustedIPs, then sets X-Real-Ip/-Proto/-Port/-Host/-Server when
// absent, then removeConnectionHeaders: each header the client's Connection names is deleted, except Traefik's managed
// X- headers, then Connection itself unless the request is an upgrade); pkg/proxy/httputil/proxy.go (Go's ReverseProxy
// drops hop-by-hop and Connection-named headers; the client IP appended to X-Forwarded-For); net/url (the request-target
// both hops get, and forwardAuth's X-Forwarded-Uri, is URL.RequestURI(): a path that is not validly encoded — a raw
// "#", "\", non-ASCII byte… — is re-escaped, %23, %5C, %C4%B1); multi-layer routing (≥ 3.6,
// `parentRefs`: child routers are matched after the parent's middlewares, default priority = rule length, no child
// matches → 404). Any config key it does not implement throws: a silently ignored option would make a test lie.
// Not emulated: a raw non-ASCII byte in the request-target (Node's HTTP parser answers 400 where Go accepts and
// re-escapes it) and protocol upgrades.
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
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

interface ForwardAuth {
  address: string;
  trustForwardHeader?: boolean;
  authResponseHeaders?: string[];
  authResponseHeadersRegex?: string;
  authRequestHeaders?: string[];
  preserveRequestMethod?: boolean;
}
const FORWARD_AUTH_KEYS = [
  'address',
  'trustForwardHeader',
  'authResponseHeaders',
  'authResponseHeadersRegex',
  'authRequestHeaders',
  'preserveRequestMethod',
];
interface RouterDef {
  rule: string;
  entryPoints?: string[];
  middlewares?: string[];
  service?: string;
  parentRefs?: string[];
}
interface Middleware {
  forwardAuth?: ForwardAuth;
  headers?: { customRequestHeaders?: Record<string, string> };
}
interface Dynamic {
  http: {
    routers: Record<string, RouterDef>;
    middlewares?: Record<string, Middleware>;
    services: Record<string, { loadBalancer: { servers: { url: string }[] } }>;
  };
}
interface EntryPoint {
  address: string;
  forwardedHeaders?: { trustedIPs?: string[] };
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
// forwardedheaders.XHeadersSet: deleted, with their underscore spellings, from an untrusted peer's request.
const X_HEADERS = [
  'x-forwarded-proto',
  'x-forwarded-scheme',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-server',
  'x-forwarded-uri',
  'x-forwarded-method',
  'x-forwarded-prefix',
  'x-forwarded-tls-client-cert',
  'x-forwarded-tls-client-cert-info',
  'x-scheme',
  'x-real-ip',
];
const isManagedXHeader = (name: string) => X_HEADERS.includes(name.replace(/_/g, '-'));
const deleteXForwardedHeaders = (h: Headers) => {
  for (const name of Object.keys(h)) if (isManagedXHeader(name)) delete h[name];
};
/** The names a Connection header lists, lower-cased. */
const connectionNames = (h: Headers) =>
  (h['connection'] ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');

/**
 * forwardedheaders removeConnectionHeaders, at the entry point before any middleware: each header Connection names is
 * deleted (Traefik's managed X- headers excepted), then Connection itself, kept as "Upgrade" (with Upgrade) for an
 * upgrade. So forwardAuth and the proxy never see a client's Connection list.
 */
function removeConnectionHeaders(h: Headers): void {
  const names = connectionNames(h);
  const upgrade = names.includes('upgrade') ? h['upgrade'] : undefined;
  for (const name of names) if (!isManagedXHeader(name)) delete h[name];
  delete h['connection'];
  if (upgrade) {
    h['connection'] = 'Upgrade';
    h['upgrade'] = upgrade;
  }
}

// net/http/httputil ReverseProxy hopHeaders: deleted (with every name Connection lists) before dialling a backend.
const PROXY_HOP = [
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/** net/url shouldEscape(c, encodePath): what URL.EscapedPath() percent-encodes. */
const shouldEscapeInPath = (c: number) =>
  !(/[A-Za-z0-9\-_.~$&+,/:;=@]/.test(String.fromCharCode(c)) && c < 0x80);
/** net/url validEncoded(s, encodePath): a RawPath Go keeps as sent. */
const validEncoded = (path: string) =>
  [...Buffer.from(path, 'latin1')].every(
    (c) => c < 0x80 && (/[!$&'()*+,;=:@[\]%]/.test(String.fromCharCode(c)) || !shouldEscapeInPath(c)),
  );

/**
 * Go's url.ParseRequestURI(target).RequestURI(): the path kept when validly encoded, else unescaped and re-escaped
 * (raw "#" → %23, "\" → %5C, non-ASCII bytes → %XX); the query kept as sent. Undefined when Go refuses the target
 * (a "%" not followed by two hex digits: its server answers 400).
 */
export function goRequestURI(target: string): string | undefined {
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q);
  if (/%(?![0-9A-Fa-f]{2})/.test(path)) return undefined;
  if (validEncoded(path)) return target;
  const bytes = Buffer.from(
    path.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
    'latin1',
  );
  let out = '';
  for (const c of bytes)
    out += shouldEscapeInPath(c)
      ? `%${c.toString(16).toUpperCase().padStart(2, '0')}`
      : String.fromCharCode(c);
  return out + query;
}

/** Throw on a key the emulator does not implement (it would otherwise be silently ignored). */
function onlyKeys(what: string, value: object | undefined, keys: readonly string[]): void {
  for (const key of Object.keys(value ?? {}))
    if (!keys.includes(key)) throw new Error(`traefik emulator: ${what}.${key} is not implemented`);
}

/** Go's textproto.CanonicalMIMEHeaderKey: the name Traefik's regex sees (Node lower-cases every name). */
function canonicalHeaderKey(name: string): string {
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) return name;
  let upper = true;
  let out = '';
  for (const c of name) {
    out += upper ? c.toUpperCase() : c.toLowerCase();
    upper = c === '-';
  }
  return out;
}

/** A Go (RE2) pattern as a JS RegExp: only a leading (?i) flag is supported, anything else Go-specific throws. */
function goRegexp(pattern: string): RegExp {
  const insensitive = pattern.startsWith('(?i)');
  const body = insensitive ? pattern.slice(4) : pattern;
  if (/\(\?[^:]/.test(body)) throw new Error(`traefik emulator: unsupported regexp syntax in ${pattern}`);
  return new RegExp(body, insensitive ? 'i' : '');
}

/** forward.go / forwardedheaders forwardedPort: the Host's port, else 443 for https, else 80. */
function forwardedPort(host: string, proto: string | undefined): string {
  const port = /:(\d+)$/.exec(host)?.[1];
  return port ?? (proto === 'https' || proto === 'wss' ? '443' : '80');
}

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
  path?: string,
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  return new Promise((resolveCall, reject) => {
    // A fresh connection each time: Go's transport retries a GET whose reused keep-alive connection turns out dead;
    // Node's agent would fail it instead (and the tests restart keyway on the same port).
    // `path` as given: a URL string would be WHATWG-normalised (dot segments resolved), which Go never does.
    const options = {
      method,
      headers,
      timeout: 30_000,
      agent: false,
      ...(path === undefined ? {} : { path }),
    };
    const req = request(url, options, (res) => {
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

/** forward.go writeHeader (oldWriteHeader when trustForwardHeader is unset): the headers of the auth request. */
function authRequestHeaders(req: Req, fa: ForwardAuth): Headers {
  const listed = (req.headers['connection'] ?? '').split(',').map((s) => s.trim().toLowerCase());
  let h: Headers = {};
  for (const [k, v] of Object.entries(req.headers))
    if (k !== 'host' && !HOP.includes(k) && !listed.includes(k)) h[k] = v;
  // http.NewRequest(GET, address, nil): net/http's Request.Write never sends these from the header map
  // (reqWriteExcludeHeader), so keyway never waits for a body. (Expect is sent as is: Go's server keeps it.)
  delete h['content-length'];
  delete h['trailer'];
  const trust = fa.trustForwardHeader;
  if (trust === false) deleteXForwardedHeaders(h);
  if (fa.authRequestHeaders?.length) {
    const allowed = fa.authRequestHeaders.map((n) => n.toLowerCase());
    if (trust === true) allowed.push(...X_HEADERS);
    h = Object.fromEntries(Object.entries(h).filter(([k]) => allowed.includes(k)));
  }
  if (trust === undefined) {
    h['x-forwarded-for'] = req.remote;
    h['x-forwarded-proto'] = 'http';
    h['x-forwarded-method'] = req.method;
    h['x-forwarded-host'] = req.host;
    h['x-forwarded-uri'] = req.url;
    return h;
  }
  const prior = h['x-forwarded-for'];
  h['x-forwarded-for'] = prior ? `${prior}, ${req.remote}` : req.remote;
  h['x-forwarded-method'] ??= req.method;
  h['x-forwarded-proto'] ??= 'http';
  // Computed from the sanitised auth request (GHSA-3q9r-p662-5j8m), not the client's X-Forwarded-Proto.
  h['x-forwarded-port'] ??= forwardedPort(req.host, h['x-forwarded-proto']);
  h['x-forwarded-host'] ??= req.host;
  h['x-forwarded-uri'] ??= req.url;
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
  if (fa.authResponseHeadersRegex !== undefined) {
    const re = goRegexp(fa.authResponseHeadersRegex);
    for (const key of Object.keys(req.headers)) if (re.test(canonicalHeaderKey(key))) delete req.headers[key];
    for (const [key, value] of Object.entries(answer.headers))
      if (re.test(canonicalHeaderKey(key))) req.headers[key] = value;
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
    entryPoints: Record<string, EntryPoint>;
    providers: { file: { filename: string } };
  };
  onlyKeys('(static)', stat, ['entryPoints', 'providers', 'log']);
  const dyn = (
    parseYaml(readFileSync(resolve(dirname(staticPath), stat.providers.file.filename), 'utf8')) as Dynamic
  ).http;
  for (const [ep, def] of Object.entries(stat.entryPoints)) {
    onlyKeys(`entryPoints.${ep}`, def, ['address', 'forwardedHeaders']);
    onlyKeys(`entryPoints.${ep}.forwardedHeaders`, def.forwardedHeaders, ['trustedIPs']);
    for (const ip of def.forwardedHeaders?.trustedIPs ?? [])
      if (ip.includes('/')) throw new Error(`traefik emulator: trustedIPs takes plain IPs here, not ${ip}`);
  }
  for (const [mw, def] of Object.entries(dyn.middlewares ?? {})) {
    onlyKeys(`middlewares.${mw}`, def, ['forwardAuth', 'headers']);
    onlyKeys(`middlewares.${mw}.forwardAuth`, def.forwardAuth, FORWARD_AUTH_KEYS);
    onlyKeys(`middlewares.${mw}.headers`, def.headers, ['customRequestHeaders']);
    if (def.forwardAuth?.authResponseHeadersRegex !== undefined)
      goRegexp(def.forwardAuth.authResponseHeadersRegex);
  }
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
    // httputil rewriteRequestBuilder: the client IP is appended to X-Forwarded-For; Host is passed (passHostHeader).
    const prior = req.headers['x-forwarded-for'];
    const headers: Headers = {
      ...req.headers,
      host: req.host,
      'x-forwarded-for': prior ? `${prior}, ${req.remote}` : req.remote,
    };
    for (const name of connectionNames(headers)) delete headers[name];
    for (const h of PROXY_HOP) delete headers[h];
    try {
      const answer = await call(url, req.method, headers, req.body, req.url);
      res.writeHead(answer.status, answer.headers).end(answer.body);
    } catch {
      res.writeHead(502, { 'content-type': 'text/plain' }).end('Bad Gateway');
    }
  }

  const servers: Server[] = [];
  const ports: Record<string, number> = {};
  const serverName = hostname();
  for (const [ep, { address, forwardedHeaders }] of Object.entries(stat.entryPoints)) {
    const trusted = forwardedHeaders?.trustedIPs ?? [];
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
        const remote = message.socket.remoteAddress ?? '';
        const host = headers['host'] ?? '';
        // forwardedheaders.XForwarded: an untrusted peer's X-Forwarded-* go; then rewrite() fills the absent ones.
        if (!trusted.includes(remote)) deleteXForwardedHeaders(headers);
        headers['x-real-ip'] ||= remote;
        headers['x-forwarded-proto'] ||= 'http';
        headers['x-forwarded-port'] ||= forwardedPort(host, headers['x-forwarded-proto']);
        if (host) headers['x-forwarded-host'] ||= host;
        headers['x-forwarded-server'] = serverName;
        removeConnectionHeaders(headers);
        const url = goRequestURI(message.url ?? '/');
        if (url === undefined) {
          res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('400 Bad Request');
          return;
        }
        const req: Req = {
          method: message.method ?? 'GET',
          url,
          host,
          remote,
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
