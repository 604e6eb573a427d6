// incomingHeaderReader: request header lookups straight from node's IncomingMessage, answering as hono's would.
import type { IncomingHttpHeaders } from 'node:http';

/** What a header reader needs of node's IncomingMessage (node-server passes it as `c.env.incoming`). */
export interface IncomingHeaders {
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
}

/**
 * Headers of which node keeps only the first copy in `headers` (node's http docs, "message.headers"), plus
 * set-cookie (an array there) and __proto__: read from rawHeaders, every copy, so a repeat is seen, not dropped.
 */
const FIRST_COPY_ONLY: ReadonlySet<string> = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
  'set-cookie',
  '__proto__',
]);

/** HTTP whitespace as the Fetch spec (and node-server) strips it from a value's ends: HTAB, LF, CR, SP. */
const isSpace = (code: number) => code === 9 || code === 10 || code === 13 || code === 32;

/** The value without leading and trailing HTTP whitespace (RFC 9110 §5.5); the common case allocates nothing. */
function trim(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isSpace(value.charCodeAt(start))) start++;
  while (end > start && isSpace(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/** Every copy of `lower` in rawHeaders, each trimmed, joined with ", "; undefined when absent. */
function joinRaw(raw: readonly string[], lower: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length !== lower.length || name.toLowerCase() !== lower) continue;
    const part = trim(raw[i + 1] ?? '');
    value = value === undefined ? part : `${value}, ${part}`;
  }
  return value;
}

/**
 * A case-insensitive reader with the answers of `c.req.header()` under @hono/node-server (its RequestHeaders): a
 * repeated header comes back as all its copies joined with ", " (Cookie with "; ") — node's own join where node
 * joins, a scan of rawHeaders where node keeps the first copy only (Authorization, Host, …) — so two
 * X-Forwarded-Uri or two Authorization headers are still seen as two. Without the closures and validation of a
 * Fetch Headers object on the way.
 */
export function incomingHeaderReader(incoming: IncomingHeaders): (name: string) => string | undefined {
  const { headers, rawHeaders } = incoming;
  return (name) => {
    const lower = name.toLowerCase();
    if (!FIRST_COPY_ONLY.has(lower)) {
      const value = headers[lower];
      if (typeof value === 'string') return trim(value);
      if (value === undefined) return undefined;
    }
    return joinRaw(rawHeaders, lower);
  };
}
