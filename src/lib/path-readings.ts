// readPath: the ways backends read a forwarded request-target's path, and what makes it unmatchable in any of them.

/** The path readings of one forwarded URI (see readPath). */
export interface PathReadings {
  /** The main (Tomcat-style) reading of everything before the first `?`; undefined when it does not decode. */
  readonly path: string | undefined;
  /** Other readings, not yet case-folded: literal, cut at a raw `#`, decoded again. May repeat `path`. */
  readonly others: readonly string[];
  /** Why no reading can be trusted (refused as ambiguous_request). */
  readonly problems: readonly string[];
}

const UNDECODABLE = 'the forwarded path cannot be decoded';
const DOT_SEGMENTS = 'the forwarded path has dot segments, which backends resolve in different ways';
/** Decodes after the first one that still change the path: triple encoding is 3, so 5 leaves room. */
const MAX_DECODES = 5;
const TOO_DEEP = `the forwarded path is still percent-encoded after ${MAX_DECODES + 1} decodes`;

/** Nothing for the slow paths: printable ASCII without `%` (encodings), `#` (fragments) or a leading-dot segment. */
const PLAIN = /^(?:[!-"$&-~](?<![/\\]\.))*$/;

const NONE: readonly string[] = Object.freeze([]);

/**
 * True when `raw` reads the same in every way readPath knows, so it is its own main reading with no others: it starts
 * with `/` and has only printable ASCII other than `%` (escapes), `#` (fragments), `;` (parameters) and `\`, and no
 * empty or leading-dot segment inside (`//`, `/.`). Such a path decodes to itself and has no dot segment, parameter
 * or second separator, so normalisePath and literalPath both return it unchanged (test/unit/lib/path-readings.test.ts
 * checks that against them). Most traffic is such a path: this is its one pass over the characters.
 */
export function isSimplePath(raw: string): boolean {
  if (raw.charCodeAt(0) !== 0x2f) return false;
  for (let i = 1; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x23 || c === 0x25 || c === 0x3b || c === 0x5c) return false;
    if ((c === 0x2f || c === 0x2e) && raw.charCodeAt(i - 1) === 0x2f) return false;
  }
  return true;
}

/**
 * Read the path of a forwarded URI. The main reading stops at the first `?`, as nginx and Go split the target.
 * A raw `#` (invalid in a request-target, RFC 9112 §3.2, but forwarded as sent by nginx's `$request_uri`) starts a
 * fragment for WHATWG-URL readers (Node's `new URL`, Express), Werkzeug and `java.net.URI`: the path cut there is
 * another reading. An encoded `%23` is a character of the path in every reading. Bytes ≥ 0x80 (a raw UTF-8 path,
 * which Node hands over as latin1) are read as UTF-8, as backends do; invalid UTF-8 does not decode.
 */
export function readPath(uri: string): PathReadings {
  const q = uri.indexOf('?');
  const raw = q === -1 ? uri : uri.slice(0, q);
  if (isSimplePath(raw)) return { path: raw, others: NONE, problems: NONE };
  if (PLAIN.test(raw) && !raw.startsWith('.')) {
    const path = normalisePath(raw);
    const literal = LITERAL_DIFFERS.test(raw) ? literalPath(raw) : path;
    if (path === undefined || literal === undefined) return { path, others: [], problems: [UNDECODABLE] };
    return { path, others: literal === path ? [] : [literal], problems: [] };
  }
  const sent = raw.replace(/[\x80-\xff]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const others: string[] = [];
  const problems = new Set<string>();
  const path = readAll(sent, others, problems);
  const hash = sent.indexOf('#');
  if (hash !== -1) {
    const beforeFragment = readAll(sent.slice(0, hash), others, problems);
    if (beforeFragment !== undefined) others.push(beforeFragment);
  }
  return { path, others, problems: [...problems] };
}

/** The main reading of `raw`; its literal and decoded-again readings go to `others`, its problems to `problems`. */
function readAll(raw: string, others: string[], problems: Set<string>): string | undefined {
  const path = normalisePath(raw);
  const literal = LITERAL_DIFFERS.test(raw) ? literalPath(raw) : path;
  if (path === undefined || literal === undefined) {
    problems.add(UNDECODABLE);
    return path;
  }
  if (literal !== path) others.push(literal);
  const levels = decodings(raw);
  if (levels === undefined) problems.add(TOO_DEEP);
  else {
    if (levels.some(hasDotSegment)) problems.add(DOT_SEGMENTS);
    if (levels.slice(2).some((l) => l.includes('\0'))) problems.add(UNDECODABLE);
    // A backend that decodes again (a framework behind a decoding proxy, a handler that unescapes) sees these.
    for (const level of levels.slice(2)) others.push(normaliseDecoded(level));
  }
  return path;
}

/**
 * `raw`, then decoded once (strictly: the caller checked it decodes), then again and again (leniently: escapes that
 * do not decode as UTF-8 stay, but ASCII ones and the overlong UTF-8 forms of `.`, `/`, `\` are decoded, as lax
 * decoders do) until nothing changes. Undefined when it still changes after MAX_DECODES further decodes.
 */
function decodings(raw: string): readonly string[] | undefined {
  if (!raw.includes('%')) return [raw];
  const levels = [raw, decodeURIComponent(raw)];
  for (let i = 0; i < MAX_DECODES; i++) {
    const last = levels[levels.length - 1]!;
    if (!last.includes('%')) return levels;
    const next = decodeLeniently(last);
    if (next === last) return levels;
    levels.push(next);
  }
  return undefined;
}

const OVERLONG: Readonly<Record<string, string>> = { '%c0%ae': '.', '%c0%af': '/', '%c1%9c': '\\' };

function decodeLeniently(text: string): string {
  return text.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run
        .replace(/%c0%ae|%c0%af|%c1%9c/gi, (e) => OVERLONG[e.toLowerCase()]!)
        .replace(/%[0-7][0-9a-f]/gi, (e) => String.fromCharCode(Number.parseInt(e.slice(1), 16)));
    }
  });
}

/**
 * True when this decoding of the path has a `.` or `..` segment: split on `/` and `\`, with `;` parameters dropped
 * (`..;`). Checked on every decoding (so `%2e`, `%252e`, `..%252f`, `%255c` count): backends resolve dot segments
 * in incompatible ways (after an empty segment, before or after decoding, after dropping `;`, or not at all), so no
 * single normalisation matches them all and such paths are refused. Browsers and HTTP clients resolve dot segments
 * before sending, so ordinary traffic never has them.
 */
function hasDotSegment(decoded: string): boolean {
  for (const part of decoded.split(/[/\\]/)) {
    const semicolon = part.indexOf(';');
    const segment = semicolon === -1 ? part : part.slice(0, semicolon);
    if (segment === '.' || segment === '..') return true;
  }
  return false;
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
  return normaliseDecoded(decoded);
}

/** normalisePath for an already decoded path. */
function normaliseDecoded(decoded: string): string {
  const segments = decoded
    .replace(/\\/g, '/')
    .split('/')
    .map((segment) => {
      const semicolon = segment.indexOf(';');
      return semicolon === -1 ? segment : segment.slice(0, semicolon);
    });
  return resolveDots(segments, decoded.length > 1 && decoded.endsWith('/'));
}
