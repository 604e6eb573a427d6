// A backend that reads each request target the ways common frameworks do and answers which route each reading
// serves: the oracle for the path-bypass e2e tests (a bypass is any reading that reaches the protected route).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

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
 * True when `path` is `prefix` or below it for a case-insensitive matcher built from the language's own case
 * rules, independent of keyway's table: JS simple case folding (`/iu`, as Go's EqualFold and Java's UNICODE_CASE),
 * full upper- and lower-casing (Java's and Python's String.toUpperCase/lower), and the Turkic lower-casing
 * (the simple mapping İ→i that Go and Java use).
 */
export function matchesIgnoringCase(path: string, prefix: string): boolean {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (new RegExp(`^${escaped}(?:/|$)`, 'iu').test(path)) return true;
  const under = (p: string, q: string) => p === q || p.startsWith(`${q}/`);
  return (
    under(path.toUpperCase(), prefix.toUpperCase()) ||
    under(path.toLowerCase(), prefix.toLowerCase()) ||
    under(path.toLocaleLowerCase('tr'), prefix.toLocaleLowerCase('tr')) ||
    under(path.toLocaleUpperCase('tr').toLowerCase(), prefix.toLowerCase())
  );
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
  /** Requests answered so far that reached the protected route, by target. */
  readonly protectedHits: readonly string[];
  close(): Promise<void>;
}

/** Start the echo backend on a free loopback port; `protectedPrefix` is the route the tests try to reach. */
export async function startFrameworkEcho(protectedPrefix: string): Promise<FrameworkEcho> {
  const protectedHits: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const target = req.url ?? '/';
    let answer: EchoAnswer;
    try {
      const reachedBy = readersReaching(target, protectedPrefix);
      if (reachedBy.length > 0) protectedHits.push(target);
      const subject = req.headers['x-auth-subject'];
      answer = {
        route: reachedBy.length > 0 ? 'protected' : 'other',
        reachedBy,
        paths: readTarget(target),
        target,
        subject: typeof subject === 'string' ? subject : undefined,
      };
    } catch (err) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(String(err));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    address: `127.0.0.1:${port}`,
    protectedHits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
