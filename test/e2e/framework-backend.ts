// An echo backend that reads a request the way web frameworks do when they trust their proxy: the site from the
// forwarded host (Rack/Rails, Express with trust proxy, Django, Flask ProxyFix, Spring), the scheme, the client address,
// the path (IIS-style X-Original-URL, X-Forwarded-Prefix, WHATWG URL parsing) and CGI-style header names. It answers
// JSON with every reading and the raw headers; WebSocket-style upgrades get a 101 with the same JSON after it.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the backend made of one request. */
export interface FrameworkView {
  readonly url: string;
  readonly upgrade: boolean;
  readonly headers: IncomingHttpHeaders;
  /** Each framework's host (with port when it has one), scheme, client address and path. */
  readonly readings: {
    readonly host: Record<string, string>;
    readonly scheme: Record<string, string>;
    readonly clientIp: Record<string, string>;
    readonly path: Record<string, string>;
  };
  /** HTTP_* variable → every value a CGI/WSGI/PHP-style server would map to it (several: an alias was let through). */
  readonly cgi: Record<string, string[]>;
}

export interface FrameworkBackend {
  readonly port: number;
  close(): Promise<void>;
}

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
const first = (value: string | undefined) => list(value)[0];
const last = (value: string | undefined) => list(value).at(-1);

/** RFC 7239 Forwarded: the value of `key` in the first or last element (quotes removed). */
function forwarded(value: string | undefined, key: string, pick: 'first' | 'last'): string | undefined {
  const found = list(value)
    .map((element) =>
      element
        .split(';')
        .map((pair) => pair.trim().split('='))
        .find(([k]) => k?.toLowerCase() === key),
    )
    .filter((pair) => pair !== undefined)
    .map((pair) => (pair[1] ?? '').replace(/^"|"$/g, ''));
  return pick === 'first' ? found[0] : found.at(-1);
}

/** The readings, each written after the named framework's documented behaviour (only what these tests need). */
export function readRequest(req: IncomingMessage): FrameworkView['readings'] {
  const h = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  };
  const host = h('host') ?? '';
  const xfh = h('x-forwarded-host');
  const rackHost = forwarded(h('forwarded'), 'host', 'last') ?? last(xfh) ?? host;
  const rackPort = forwarded(h('forwarded'), 'host', 'last') ? undefined : h('x-forwarded-port');
  const withPort = (name: string, port: string | undefined) =>
    port === undefined || /:\d+$/.test(name) || port === '80' ? name : `${name}:${port}`;
  const rackScheme =
    forwarded(h('forwarded'), 'proto', 'last') ??
    (h('x-forwarded-ssl') === 'on' ? 'https' : undefined) ??
    last(h('x-forwarded-scheme')) ??
    last(h('x-forwarded-proto')) ??
    'http';
  const springForwarded = h('forwarded') !== undefined;
  const url = new URL(req.url ?? '/', 'http://backend.invalid');
  return {
    host: {
      // Rack ≥ 3: Forwarded host= first, then the last X-Forwarded-Host, X-Forwarded-Port appended.
      rails: withPort(rackHost, rackPort),
      // Express 5 req.host with trust proxy: the first X-Forwarded-Host, else Host.
      express: first(xfh) ?? host,
      // Django get_host with USE_X_FORWARDED_HOST / USE_X_FORWARDED_PORT.
      django: withPort(xfh ?? host, h('x-forwarded-port')),
      // Werkzeug ProxyFix(x_host=1, x_port=1): the last value of each.
      proxyfix: withPort(last(xfh) ?? host, last(h('x-forwarded-port'))),
      // Spring ForwardedHeaderFilter: Forwarded first, else X-Forwarded-Host (+ X-Forwarded-Port).
      spring: springForwarded
        ? (forwarded(h('forwarded'), 'host', 'first') ?? host)
        : withPort(first(xfh) ?? host, first(h('x-forwarded-port'))),
      // Azure/IIS-style and ad-hoc readers.
      original: h('x-original-host') ?? h('x-host') ?? host,
    },
    scheme: {
      rails: rackScheme,
      express: first(h('x-forwarded-proto')) ?? 'http',
      spring: springForwarded
        ? (forwarded(h('forwarded'), 'proto', 'first') ?? 'http')
        : h('x-forwarded-ssl') === 'on'
          ? 'https'
          : (first(h('x-forwarded-proto')) ?? 'http'),
      // gunicorn secure_scheme_headers (default: X-Forwarded-Protocol: ssl, X-Forwarded-Proto: https, X-Forwarded-Ssl: on).
      gunicorn:
        h('x-forwarded-protocol') === 'ssl' ||
        h('x-forwarded-proto') === 'https' ||
        h('x-forwarded-ssl') === 'on'
          ? 'https'
          : 'http',
      // PHP apps (CodeIgniter is_https), Tornado xheaders, WSGI prefix middlewares.
      php: h('front-end-https')?.toLowerCase() === 'on' ? 'https' : 'http',
      tornado: h('x-scheme') ?? h('x-forwarded-proto') ?? 'http',
      wsgi: h('x-url-scheme') ?? 'http',
    },
    clientIp: {
      // Express trust proxy (true): the leftmost X-Forwarded-For.
      express: first(h('x-forwarded-for')) ?? req.socket.remoteAddress ?? '',
      // ProxyFix(x_for=1): the last one.
      proxyfix: last(h('x-forwarded-for')) ?? req.socket.remoteAddress ?? '',
      // npm request-ip: the first of these that is set.
      requestIp:
        [
          h('x-client-ip'),
          first(h('x-forwarded-for')),
          h('cf-connecting-ip'),
          h('fastly-client-ip'),
          h('true-client-ip'),
          h('x-real-ip'),
          h('x-cluster-client-ip'),
          forwarded(h('forwarded'), 'for', 'first'),
        ].find((v) => v !== undefined) ?? '',
      // Rails RemoteIp also looks at Client-IP.
      rails: h('client-ip') ?? first(h('x-forwarded-for')) ?? '',
    },
    path: {
      // WHATWG URL (undici, Hono, Deno, Next.js): the fragment cut, percent-decoded for comparison.
      whatwg: safeDecode(url.pathname),
      // IIS URL Rewrite headers, honoured by Symfony < 2.7.49 and Laminas.
      iis: safeDecode((h('x-original-url') ?? h('x-rewrite-url') ?? url.pathname).split('?')[0] ?? ''),
      // ProxyFix(x_prefix=1): SCRIPT_NAME from X-Forwarded-Prefix, then the path.
      prefixed: safeDecode(`${(h('x-forwarded-prefix') ?? '').replace(/\/$/, '')}${url.pathname}`),
      // Forward-auth conventions some apps read as "the original request".
      forwardedUri: safeDecode(
        (h('x-forwarded-uri') ?? h('x-original-uri') ?? url.pathname).split('?')[0] ?? '',
      ),
    },
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** HTTP_* as CGI maps a header name: upper-cased, every character but a letter or digit turned into "_". */
function cgiView(req: IncomingMessage): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = `HTTP_${req.rawHeaders[i]!.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
    out[name] = [...(out[name] ?? []), req.rawHeaders[i + 1]!];
  }
  return out;
}

const view = (req: IncomingMessage, upgrade: boolean): FrameworkView => ({
  url: req.url ?? '',
  upgrade,
  headers: req.headers,
  readings: readRequest(req),
  cgi: cgiView(req),
});

/** Start the backend on 127.0.0.1 (a free port); /healthz answers 200 for keyway's health checks. */
export function startFrameworkBackend(): Promise<FrameworkBackend> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/healthz') return void res.writeHead(200).end('ok\n');
    res
      .writeHead(200, { 'content-type': 'application/json', 'x-framework-backend': '1' })
      .end(JSON.stringify(view(req, false)));
  });
  server.on('upgrade', (req: IncomingMessage, socket) => {
    const body = JSON.stringify(view(req, true));
    socket.end(
      `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${req.headers.upgrade}\r\n\r\n${body}`,
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      }),
    );
  });
}
