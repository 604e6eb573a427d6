// ForwardedRequest: the client request the proxy is asking about, rebuilt from X-Forwarded-* / X-Original-* headers.

/** What the policy matcher and token extractor see; built once per /auth call. */
export interface ForwardedRequest {
  readonly method: string;
  /** Lower-cased host without a trailing dot (port kept when sent). */
  readonly host: string;
  /** Normalised path (percent-decoded, `;` parameters dropped, dot segments resolved, slashes collapsed); undefined when the proxy sent none. */
  readonly path: string | undefined;
  /**
   * Other ways a backend may read this request: the path taken literally (`;`, `\` and `%2F` kept), a method
   * override header or `_method`. Policy selection must give the same answer for each, or the request is refused.
   */
  readonly readings: readonly Reading[];
  /** Why the request cannot be matched at all (several forwarded hosts, URIs or methods; an undecodable path). */
  readonly ambiguity: string | undefined;
  /** The forwarded query string (without "?"), for `query:` token sources. */
  readonly query: string;
  readonly clientIp: string | undefined;
  readonly requestId: string;
  /** Case-insensitive header lookup; repeated headers arrive joined with ", " (cookies with "; "). */
  header(name: string): string | undefined;
}

/** One reading of the method and path (see ForwardedRequest.readings). */
export interface Reading {
  readonly method: string;
  readonly path: string | undefined;
}

export interface RawAuthRequest {
  readonly method: string;
  /** The /auth request's own query string (Caddy appends the client's query when its uri has none). */
  readonly query: string;
  header(name: string): string | undefined;
}

const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** Headers and a query parameter through which web frameworks let a client change the method a route sees. */
const METHOD_OVERRIDES = ['x-http-method-override', 'x-http-method', 'x-method-override'];
const METHOD_PARAM = /(?:^|&)_method=([^&]*)/gi;

/** A header value, or undefined when absent or empty (an empty X-Forwarded-Uri must not hide X-Original-URI). */
const present = (value: string | undefined) =>
  value === undefined || value.trim() === '' ? undefined : value;

/** Build the ForwardedRequest: X-Forwarded-Method/-Host/-Uri (Traefik, Caddy), else X-Original-Method/-URI (nginx). */
export function parseForwardedRequest(raw: RawAuthRequest, newId: () => string): ForwardedRequest {
  const h = (name: string) => raw.header(name);
  const problems: string[] = [];
  const sentMethod = present(h('x-forwarded-method')) ?? present(h('x-original-method')) ?? raw.method;
  // Repeated headers arrive joined with ", ": a proxy appended to the client's copy. Refused, not resolved.
  if (sentMethod.includes(',')) problems.push('several forwarded methods');
  const method = sentMethod.trim().toUpperCase();
  const sentHost = present(h('x-forwarded-host')) ?? h('host') ?? '';
  if (sentHost.includes(',')) problems.push('several forwarded hosts');
  const host = normaliseHost(sentHost);
  const uri = present(h('x-forwarded-uri')) ?? present(h('x-original-uri'));
  let path: string | undefined;
  let literal: string | undefined;
  let query = raw.query;
  if (uri !== undefined) {
    // A request-target has no spaces: ", " means two URIs were joined.
    if (uri.includes(', ')) problems.push('several forwarded URIs');
    const q = uri.indexOf('?');
    const rawPath = q === -1 ? uri : uri.slice(0, q);
    query = q === -1 ? '' : uri.slice(q + 1);
    path = normalisePath(rawPath);
    literal = LITERAL_DIFFERS.test(rawPath) ? literalPath(rawPath) : path;
    if (path === undefined || literal === undefined) problems.push('the forwarded path cannot be decoded');
  }
  const forwardedFor = h('x-forwarded-for') ?? h('x-real-ip');
  const clientIp = forwardedFor?.split(',')[0]?.trim() || undefined;
  const sentId = h('x-request-id');
  const requestId = sentId !== undefined && REQUEST_ID.test(sentId) ? sentId : newId();
  return {
    method,
    host,
    path,
    readings: otherReadings(method, path, literal, overrides(h, query)),
    ambiguity: problems.length > 0 ? problems.join('; ') : undefined,
    query,
    clientIp,
    requestId,
    header: h,
  };
}

/** Methods the client asked a framework to use instead (override headers, `_method` in the query), upper-cased. */
function overrides(h: (name: string) => string | undefined, query: string): readonly string[] {
  const out: string[] = [];
  for (const name of METHOD_OVERRIDES) {
    const value = present(h(name));
    if (value !== undefined) out.push(...value.split(',').map((v) => v.trim().toUpperCase()));
  }
  if (query.includes('_method='))
    for (const m of query.matchAll(METHOD_PARAM)) {
      try {
        out.push(
          decodeURIComponent(m[1] ?? '')
            .trim()
            .toUpperCase(),
        );
      } catch {
        out.push('');
      }
    }
  return out;
}

const NO_READINGS: readonly Reading[] = Object.freeze([]);

/** Every (method, path) reading other than the main one, without duplicates. */
function otherReadings(
  method: string,
  path: string | undefined,
  literal: string | undefined,
  methods: readonly string[],
): readonly Reading[] {
  if (methods.length === 0 && literal === path) return NO_READINGS;
  const paths = literal !== path ? [path, literal] : [path];
  const out: Reading[] = [];
  const seen = new Set([`${method} ${path}`]);
  for (const m of [method, ...methods])
    for (const p of paths) {
      const key = `${m} ${p}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ method: m, path: p });
    }
  return out;
}

/** Lower-cased, without a trailing dot on the name (before or without a port); several values: "". */
function normaliseHost(value: string): string {
  if (value.includes(',')) return '';
  const host = value.trim().toLowerCase();
  if (host.startsWith('[')) return host;
  const m = /^(.*?)\.?(:\d+)?$/.exec(host);
  return m ? `${m[1]}${m[2] ?? ''}` : host;
}

/** A raw path whose literal reading can differ from the normalised one: `;`, `\` or an encoded `/` or `\`. */
const LITERAL_DIFFERS = /[;\\]|%2f|%5c/i;

/**
 * The path as a backend that takes it literally reads it (nginx, Go, Node): each segment percent-decoded on its
 * own (an encoded `/` stays inside its segment, shown as %2F), `;` and `\` kept, dot segments resolved.
 */
export function literalPath(raw: string): string | undefined {
  const segments: string[] = [];
  for (const encoded of raw.split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(encoded);
    } catch {
      return undefined;
    }
    if (segment.includes('\0')) return undefined;
    segments.push(segment.replaceAll('/', '%2F'));
  }
  return resolveDots(segments, raw.length > 1 && raw.endsWith('/'));
}

/** Drop empty and `.` segments, let `..` remove the one before (RFC 3986 §5.2.4), and join them as a path. */
function resolveDots(segments: readonly string[], trailingSlash: boolean): string {
  const out: string[] = [];
  for (const segment of segments) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return `/${out.join('/')}${trailingSlash && out.length > 0 ? '/' : ''}`;
}

/**
 * The path as Tomcat, Jetty and Spring read it (the main reading; literalPath is the other), so a prefix policy
 * cannot be bypassed with `/public/../admin`, `//admin` or `%2e%2e`: percent-decode, `\` as `/`, drop each
 * segment's `;` parameters (`/admin;x` is `/admin`, `..;` is `..`), resolve dot segments, collapse "//".
 * Undecodable input returns undefined (the request is refused).
 */
export function normalisePath(raw: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const segments = decoded
    .replace(/\\/g, '/')
    .split('/')
    .map((segment) => {
      const semicolon = segment.indexOf(';');
      return semicolon === -1 ? segment : segment.slice(0, semicolon);
    });
  return resolveDots(segments, decoded.length > 1 && decoded.endsWith('/'));
}
