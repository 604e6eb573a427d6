// parseStrictJsonObject: JSON.parse plus what JWT needs on top — no duplicate member names (RFC 7515 §5.2 step 4), bounded depth.

const MAX_DEPTH = 32;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Rewrite integer literals outside strings that a double cannot hold exactly as JSON strings of their digits. */
function quoteUnsafeIntegers(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      continue;
    }
    if (ch !== '-' && (ch < '0' || ch > '9')) continue;
    let end = i + 1;
    while (end < text.length && /[\d.eE+-]/.test(text[end]!)) end++;
    const literal = text.slice(i, end);
    if (/^-?\d{16,}$/.test(literal)) {
      const big = BigInt(literal);
      if (big > MAX_SAFE || big < -MAX_SAFE) {
        out += `${text.slice(from, i)}"${literal}"`;
        from = end;
      }
    }
    i = end - 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

/**
 * Parse text that must be a JSON object; returns undefined on bad JSON, a non-object, a duplicate name or nesting
 * past 32. An integer too large for a double to hold exactly (beyond ±2^53, e.g. a 64-bit user id) is kept as the
 * string of its digits, never rounded: two different ids must not become one value in a header or an allowlist.
 */
export function parseStrictJsonObject(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const tally = { names: 0, unsafe: false, deep: false };
  walk(value, tally, 1);
  if (tally.deep) return undefined;
  if (tally.unsafe) {
    // A number past ±2^53 was read: parse again with such integer literals kept as their digits (rare: most
    // payloads never pay for the rewrite). Its names are the same, so the count stands.
    value = JSON.parse(quoteUnsafeIntegers(text));
  }
  return hasDuplicateOrDeep(text, tally.names) ? undefined : (value as Record<string, unknown>);
}

/**
 * Count the member names in `value` and every object or array it holds (what JSON.parse kept: a duplicate kept one),
 * and note a number a double cannot hold exactly as an integer (|n| > 2^53 − 1: its literal may have had more digits)
 * and nesting past MAX_DEPTH.
 */
function walk(value: unknown, tally: { names: number; unsafe: boolean; deep: boolean }, depth: number): void {
  if (typeof value === 'number') {
    if (value > Number.MAX_SAFE_INTEGER || value < -Number.MAX_SAFE_INTEGER) tally.unsafe = true;
    return;
  }
  if (value === null || typeof value !== 'object') return;
  // Past MAX_DEPTH nothing more is read (the text is refused): no recursion as deep as the input.
  if (depth > MAX_DEPTH) {
    tally.deep = true;
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) walk(item, tally, depth + 1);
    return;
  }
  for (const key of Object.keys(value)) {
    tally.names++;
    walk((value as Record<string, unknown>)[key], tally, depth + 1);
  }
}

/** The index of the quote that closes the string opened at `start` (valid JSON: there is one), found by indexOf. */
function stringEnd(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  for (;;) {
    // Escaped when an odd number of backslashes stands right before it.
    let slashes = 0;
    while (text.charCodeAt(end - 1 - slashes) === 0x5c) slashes++;
    if (slashes % 2 === 0 || end === -1) return end === -1 ? text.length : end;
    end = text.indexOf('"', end + 1);
  }
}

/**
 * True when already-valid JSON text repeats a member name in some object, or nests deeper than MAX_DEPTH. The text's
 * member names are counted in one pass over its characters (a string right after `{` or `,` inside an object is a
 * name); JSON.parse keeps one member per distinct (unescaped) name, so fewer members parsed than names written means a
 * repeat — `"a"` and `"\u0061"` included.
 */
function hasDuplicateOrDeep(text: string, parsedNames: number): boolean {
  // Open containers: true for an object, false for an array.
  const inObject: boolean[] = [];
  let expectKey = false;
  let names = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      inObject.push(c === 0x7b);
      if (inObject.length > MAX_DEPTH) return true;
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      inObject.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = inObject[inObject.length - 1] === true;
    } else if (c === 0x22 /* " */) {
      const end = stringEnd(text, i);
      if (expectKey) {
        names++;
        expectKey = false;
      }
      i = end;
    }
  }
  return parsedNames !== names;
}
