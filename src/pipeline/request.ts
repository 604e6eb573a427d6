// ForwardedRequest: the client request the proxy is asking about, rebuilt from X-Forwarded-* / X-Original-* headers.

/** What the policy matcher and token extractor see; built once per /auth call. */
export interface ForwardedRequest {
  readonly method: string;
  /** Lower-cased host without a trailing dot (port kept when sent). */
  readonly host: string;
  /** Normalised path (percent-decoded, `;` parameters dropped, dot segments resolved, slashes collapsed); undefined when the proxy sent none. */
  readonly path: string | undefined;
  /** The forwarded query string (without "?"), for `query:` token sources. */
  readonly query: string;
  readonly clientIp: string | undefined;
  readonly requestId: string;
  /** Case-insensitive header lookup; repeated headers arrive joined with ", " (cookies with "; "). */
  header(name: string): string | undefined;
}

export interface RawAuthRequest {
  readonly method: string;
  /** The /auth request's own query string (Caddy appends the client's query when its uri has none). */
  readonly query: string;
  header(name: string): string | undefined;
}

const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** Build the ForwardedRequest: X-Forwarded-Method/-Host/-Uri (Traefik, Caddy), else X-Original-Method/-URI (nginx). */
export function parseForwardedRequest(raw: RawAuthRequest, newId: () => string): ForwardedRequest {
  const h = (name: string) => raw.header(name);
  const method = (h('x-forwarded-method') ?? h('x-original-method') ?? raw.method).trim().toUpperCase();
  const host = normaliseHost(h('x-forwarded-host') ?? h('host') ?? '');
  const uri = h('x-forwarded-uri') ?? h('x-original-uri');
  let path: string | undefined;
  let query = raw.query;
  if (uri !== undefined) {
    const q = uri.indexOf('?');
    path = normalisePath(q === -1 ? uri : uri.slice(0, q));
    query = q === -1 ? '' : uri.slice(q + 1);
  }
  const forwardedFor = h('x-forwarded-for') ?? h('x-real-ip');
  const clientIp = forwardedFor?.split(',')[0]?.trim() || undefined;
  const sentId = h('x-request-id');
  const requestId = sentId !== undefined && REQUEST_ID.test(sentId) ? sentId : newId();
  return { method, host, path, query, clientIp, requestId, header: h };
}

/** Lower-cased, without a trailing dot; several values (a proxy appended the client's copy) are ambiguous: "". */
function normaliseHost(value: string): string {
  if (value.includes(',')) return '';
  const host = value.trim().toLowerCase();
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

/**
 * Normalise a request path the way a backend is likely to see it, so a prefix policy cannot be bypassed with
 * `/public/../admin`, `//admin`, `%2e%2e` or `/public/..;/admin`: percent-decode, drop each segment's `;` path
 * parameters (Tomcat, Jetty and Spring serve `/admin;x` as `/admin` and resolve `..;` as `..`), resolve dot
 * segments (RFC 3986 §5.2.4), collapse "//". Undecodable input returns undefined (matches no path-restricted policy).
 */
export function normalisePath(raw: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const out: string[] = [];
  for (const withParams of decoded.replace(/\\/g, '/').split('/')) {
    const semicolon = withParams.indexOf(';');
    const segment = semicolon === -1 ? withParams : withParams.slice(0, semicolon);
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  const trailing = decoded.length > 1 && decoded.endsWith('/') && out.length > 0 ? '/' : '';
  return `/${out.join('/')}${trailing}`;
}
