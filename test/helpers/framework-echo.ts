// A backend that reads each request target the ways common frameworks do and answers which route each reading
// serves: the oracle for the path-bypass e2e tests (a bypass is any reading that reaches the protected route).
import { type AddressInfo, createServer, type Socket } from 'node:net';

/** How one framework-like reader sees a request target. */
export type ReaderName = 'whatwg-url' | 'unicode-case-insensitive' | 'double-decode';

/** What the echo backend answers (JSON body, status 200). */
export interface EchoAnswer {
  /** The route the backend served: `protected` when any reader reached it. */
  readonly route: 'protected' | 'other';
  /** The readers that reached the protected route. */
  readonly reachedBy: readonly ReaderName[];
  /** Each reader's path. */
  readonly paths: Readonly<Record<ReaderName, string>>;
  /** The raw request-target the backend received. */
  readonly target: string;
  /** keyway's identity header, to see whom the proxy let through. */
  readonly subject: string | undefined;
}

const BASE = 'http://backend.invalid';

/** Percent-decode once; escapes that do not decode (invalid UTF-8) stay, as lax decoders (Python's unquote) do. */
function decodeOnce(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/%[0-7][0-9a-f]/gi, (e) => String.fromCharCode(Number.parseInt(e.slice(1), 16)));
  }
}

/** Resolve dot segments and `\` the way WHATWG URL parsing does, on a decoded path (`?`, `#` are characters in it). */
const resolve = (path: string) =>
  new URL(path.replace(/^\/*/, '/').replace(/[%?#]/g, encodeURIComponent), BASE).pathname;

/**
 * Node hands the request-target over as latin1; a framework reads the bytes as UTF-8. Escape them again so that a
 * raw UTF-8 path decodes to the characters the client sent.
 */
const utf8 = (target: string) =>
  target.replace(/[\x80-\xff]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** The paths each reader sees for `target` (origin-form, as received). */
export function readTarget(target: string): Record<ReaderName, string> {
  const sent = utf8(target);
  // Express, Werkzeug, java.net.URI: `#…` is a fragment, `?…` the query; the path is decoded once.
  const whatwg = decodeOnce(new URL(sent, BASE).pathname);
  // A case-insensitive router (Spring with case-insensitive matching, Caddy's path matcher): decoded once, cut
  // at `?` only (Go and Tomcat keep a raw `#` in the path).
  const q = sent.indexOf('?');
  const decoded = decodeOnce(q === -1 ? sent : sent.slice(0, q));
  // A handler behind a decoding proxy, or one that unescapes its own path: decoded twice, then resolved.
  const twice = resolve(decodeOnce(decodeOnce(new URL(sent, BASE).pathname)));
  return { 'whatwg-url': whatwg, 'unicode-case-insensitive': decoded, 'double-decode': twice };
}

/**
 * Java's `equalsIgnoreCase` / `regionMatches(true, …)`: per character, equal when the upper-case or lower-case
 * forms are (the simple mappings: İ lower-cases to i, ı and ſ upper-case to I and S, K lower-cases to k). JS only
 * exposes the full mappings, so the simple lower-case of İ is taken from the Turkic tailoring, where it is i.
 */
function sameCharIgnoringCase(a: string, b: string): boolean {
  return (
    a === b ||
    a.toUpperCase() === b.toUpperCase() ||
    a.toLowerCase() === b.toLowerCase() ||
    (a.length === 1 && b.length === 1 && a.toLocaleLowerCase('tr') === b.toLocaleLowerCase('tr'))
  );
}

/**
 * True when `path` is `prefix` or below it for a case-insensitive matcher built from the language's own case
 * rules, independent of keyway's table: per character as Java's equalsIgnoreCase (Spring's case-insensitive
 * matching), JS simple case folding (`/iu`, as Go's EqualFold), and full upper- and lower-casing of the whole path
 * (String.toUpperCase/toLowerCase in Java, JS and Python: ß→SS, ﬀ→FF).
 */
export function matchesIgnoringCase(path: string, prefix: string): boolean {
  const chars = [...path];
  const want = [...prefix];
  const next = chars[want.length];
  if (
    want.every((c, i) => chars[i] !== undefined && sameCharIgnoringCase(chars[i]!, c)) &&
    (next === undefined || next === '/')
  )
    return true;
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (new RegExp(`^${escaped}(?:/|$)`, 'iu').test(path)) return true;
  const under = (p: string, q: string) => p === q || p.startsWith(`${q}/`);
  return under(path.toUpperCase(), prefix.toUpperCase()) || under(path.toLowerCase(), prefix.toLowerCase());
}

/** Which readers of `target` reach `prefix` (exact-case readers compare exactly, the Unicode one ignoring case). */
export function readersReaching(target: string, prefix: string): ReaderName[] {
  const paths = readTarget(target);
  const under = (p: string) => p === prefix || p.startsWith(`${prefix}/`);
  const out: ReaderName[] = [];
  if (under(paths['whatwg-url'])) out.push('whatwg-url');
  if (matchesIgnoringCase(paths['unicode-case-insensitive'], prefix)) out.push('unicode-case-insensitive');
  if (under(paths['double-decode'])) out.push('double-decode');
  return out;
}

export interface FrameworkEcho {
  readonly port: number;
  /** `127.0.0.1:port`, as an upstream. */
  readonly address: string;
  /** Requests answered so far that reached the protected route: the target and keyway's X-Auth-Subject. */
  readonly protectedHits: readonly { readonly target: string; readonly subject: string | undefined }[];
  close(): Promise<void>;
}

/** The answer for one request head (latin1 text up to the blank line): status line, headers and JSON body. */
function answer(
  head: string,
  protectedPrefix: string,
  hits: { target: string; subject: string | undefined }[],
) {
  const [requestLine = '', ...lines] = head.split('\r\n');
  const target = requestLine.split(' ')[1] ?? '';
  const sent = lines
    .find((l) => /^x-auth-subject:/i.test(l))
    ?.slice('x-auth-subject:'.length)
    .trim();
  const subject = sent === undefined || sent === '' ? undefined : sent;
  let status = '200 OK';
  let json: string;
  try {
    const reachedBy = readersReaching(target, protectedPrefix);
    if (reachedBy.length > 0) hits.push({ target, subject });
    const body: EchoAnswer = {
      route: reachedBy.length > 0 ? 'protected' : 'other',
      reachedBy,
      paths: readTarget(target),
      target,
      subject,
    };
    json = JSON.stringify(body);
  } catch (err) {
    status = '400 Bad Request';
    json = JSON.stringify({ error: String(err) });
  }
  return `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`;
}

/**
 * Start the echo backend on a free loopback port; `protectedPrefix` is the route the tests try to reach. It speaks
 * just enough HTTP/1.1 (one GET per connection, then close) to take any request-target byte for byte, raw
 * non-ASCII and `#` included, as Tomcat, Jetty and Werkzeug accept them (Node's own parser refuses raw bytes ≥ 0x80).
 */
export async function startFrameworkEcho(protectedPrefix: string): Promise<FrameworkEcho> {
  const protectedHits: { target: string; subject: string | undefined }[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end !== -1) socket.end(answer(head.slice(0, end), protectedPrefix, protectedHits), 'utf8');
      else if (head.length > 65_536) socket.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    address: `127.0.0.1:${port}`,
    protectedHits,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
