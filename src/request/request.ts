// ForwardedRequest: the client request the proxy is asking about, rebuilt from X-Forwarded-* / X-Original-* headers.

import { readPath } from '../lib/path-readings.js';
import { foldCase } from './case-fold.js';

/** What the policy matcher and token extractor see; built once per /auth call. */
export interface ForwardedRequest {
  readonly method: string;
  /** Lower-cased host without a trailing dot (port kept when sent). */
  readonly host: string;
  /** The Tomcat-style reading (percent-decoded, `;` parameters dropped, slashes collapsed); undefined when the proxy sent none. */
  readonly path: string | undefined;
  /**
   * Other ways a backend may read this request: the path taken literally (`;`, `\` and `%2F` kept), cut at a raw
   * `#` (a fragment to WHATWG-URL readers), decoded again (`%2561` is `a` to a double-decoding backend), each also
   * case-folded (foldCase: `ı`, `ſ`, `K`, `ﬀ`… fold to ASCII); a method override (header or `_method`), GET for
   * HEAD. Policy selection must give the same answer for each, or the request is refused.
   */
  readonly readings: readonly Reading[];
  /** Why the request cannot be matched at all (several forwarded hosts, URIs or methods; an undecodable path or one
   *  with dot segments; a host with a bad port). */
  readonly ambiguity: string | undefined;
  /** The forwarded query string (without "?", up to the end: a raw `#…` is kept), for `query:` token sources. */
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
  /** The path as a case-insensitive router sees it (foldCase): matched against folded prefixes. */
  readonly folded?: boolean;
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

/** A header value, or undefined when absent or empty (an empty X-Forwarded-Uri must not hide X-Original-URI). */
const present = (value: string | undefined) =>
  value === undefined || value.trim() === '' ? undefined : value;

/**
 * Build the ForwardedRequest: X-Forwarded-Method/-Host/-Uri (Traefik, Caddy), else X-Original-Method/-URI (nginx).
 * The client address is the first X-Forwarded-For (else X-Real-IP) entry, or, with `clientIpHeader`
 * (server.client_ip_header, e.g. Fly-Client-IP), that header alone: absent or holding several values, none.
 */
export function parseForwardedRequest(
  raw: RawAuthRequest,
  newId: () => string,
  clientIpHeader?: string,
): ForwardedRequest {
  const h = (name: string) => raw.header(name);
  const problems: string[] = [];
  const sentMethod = present(h('x-forwarded-method')) ?? present(h('x-original-method')) ?? raw.method;
  // Repeated headers arrive joined with ", ": a proxy appended to the client's copy. Refused, not resolved.
  if (sentMethod.includes(',')) problems.push('several forwarded methods');
  const method = sentMethod.trim().toUpperCase();
  const sentHost = present(h('x-forwarded-host')) ?? h('host') ?? '';
  if (sentHost.includes(',')) problems.push('several forwarded hosts');
  const host = normaliseHost(sentHost);
  if (host === undefined) problems.push('the forwarded host has an invalid port');
  const uri = present(h('x-forwarded-uri')) ?? present(h('x-original-uri'));
  let path: string | undefined;
  let others: readonly string[] = [];
  let query = raw.query;
  if (uri !== undefined) {
    // A request-target has no spaces: ", " means two URIs were joined.
    if (uri.includes(', ')) problems.push('several forwarded URIs');
    const q = uri.indexOf('?');
    // As sent, `#…` included: the longest reading. A token value that a fragment-cutting reader would see shorter
    // ends in `#…` here, which no JWS has, so the two readers never accept different tokens.
    query = q === -1 ? '' : uri.slice(q + 1);
    const read = readPath(uri);
    path = read.path;
    others = read.others;
    problems.push(...read.problems);
  }
  const forwardedFor = h('x-forwarded-for') ?? h('x-real-ip');
  const clientIp = clientIpHeader ? singleValue(h(clientIpHeader)) : firstEntry(forwardedFor);
  const sentId = h('x-request-id');
  const requestId = sentId !== undefined && REQUEST_ID.test(sentId) ? sentId : newId();
  return {
    method,
    host: host ?? '',
    path,
    readings: otherReadings(method, path, others, overrides(method, h, query)),
    ambiguity: problems.length > 0 ? problems.join('; ') : undefined,
    query,
    clientIp,
    requestId,
    header: h,
  };
}

/** The first entry of a comma-separated list (X-Forwarded-For: the client), trimmed; undefined when empty. */
function firstEntry(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const comma = value.indexOf(',');
  return (comma === -1 ? value : value.slice(0, comma)).trim() || undefined;
}

/** A header that must hold one value: joined copies (a client's and the proxy's) are refused, not resolved. */
const singleValue = (value: string | undefined) =>
  value === undefined || value.includes(',') ? undefined : value.trim() || undefined;

/** A query string component decoded the way form parsers do (`+` is a space); undecodable: as sent. */
function formDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * Methods a framework may run instead of the one sent: override headers, a `_method` query parameter (also as PHP
 * reads its name: `%5Fmethod`, `.method`, ` _method` all become `_method`), and GET for HEAD (routers serve HEAD
 * with the GET handler). Upper-cased.
 */
function overrides(
  method: string,
  h: (name: string) => string | undefined,
  query: string,
): readonly string[] {
  const out: string[] = method === 'HEAD' ? ['GET'] : [];
  for (const name of METHOD_OVERRIDES) {
    const value = present(h(name));
    if (value !== undefined) out.push(...value.split(',').map((v) => v.trim().toUpperCase()));
  }
  // A raw `#` ends the query for WHATWG-URL readers: `_method=DELETE#x` is also DELETE.
  const hash = query.indexOf('#');
  const queries = hash === -1 ? [query] : [query, query.slice(0, hash)];
  for (const q of /method/i.test(query) ? queries : [])
    for (const pair of q.split('&')) {
      const eq = pair.indexOf('=');
      if (eq === -1) continue;
      const name = formDecode(pair.slice(0, eq)).replace(/^ +/, '').replace(/[. []/g, '_');
      if (name.toLowerCase() === '_method')
        out.push(
          formDecode(pair.slice(eq + 1))
            .trim()
            .toUpperCase(),
        );
    }
  return out;
}

const NO_READINGS: readonly Reading[] = Object.freeze([]);

/**
 * Every (method, path) reading other than the main one, without duplicates: each path reading (main and others)
 * taken as sent and, when folding changes it, as a case-insensitive router reads it (foldCase), for each method.
 */
function otherReadings(
  method: string,
  path: string | undefined,
  others: readonly string[],
  methods: readonly string[],
): readonly Reading[] {
  const folded = path === undefined ? undefined : foldCase(path);
  if (methods.length === 0 && others.length === 0 && folded === path) return NO_READINGS;
  const paths: Reading[] = [{ method, path }];
  for (const other of others) paths.push({ method, path: other });
  for (const p of [path, ...others]) {
    const f = p === undefined ? undefined : foldCase(p);
    if (f !== p) paths.push({ method, path: f, folded: true });
  }
  const out: Reading[] = [];
  const seen = new Set([`${method} ${path} false`]);
  for (const m of [method, ...methods])
    for (const p of paths) {
      const key = `${m} ${p.path} ${p.folded === true}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ ...p, method: m });
    }
  return out;
}

/**
 * Lower-cased, without a trailing dot on the name (before or without a port, which an empty port also loses);
 * several values: "" (refused by the caller); a port that is not a number: undefined.
 */
function normaliseHost(value: string): string | undefined {
  if (value.includes(',')) return '';
  const host = value.trim().toLowerCase();
  if (host.startsWith('[')) return host;
  const colon = host.lastIndexOf(':');
  const name = colon === -1 ? host : host.slice(0, colon);
  const port = colon === -1 ? '' : host.slice(colon + 1);
  if (port !== '' && !/^\d+$/.test(port)) return undefined;
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  return port === '' ? bare : `${bare}:${port}`;
}
