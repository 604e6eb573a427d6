// parseStrictJsonObject: JSON.parse plus what JWT needs on top — no duplicate member names (RFC 7515 §5.2 step 4), bounded depth.

const MAX_DEPTH = 32;
/** 16 digits in a row: the only way an integer literal can exceed Number.MAX_SAFE_INTEGER (16 digits). */
const LONG_DIGITS = /\d{16}/;
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
    value = JSON.parse(LONG_DIGITS.test(text) ? quoteUnsafeIntegers(text) : text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return hasDuplicateOrDeep(text, value) ? undefined : (value as Record<string, unknown>);
}

/** Member names in `value` and in every object or array it holds (what JSON.parse kept: a duplicate kept one). */
function countNames(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  let n = 0;
  if (Array.isArray(value)) {
    for (const item of value) n += countNames(item);
    return n;
  }
  for (const key of Object.keys(value)) n += 1 + countNames((value as Record<string, unknown>)[key]);
  return n;
}

/**
 * True when already-valid JSON text repeats a member name in some object, or nests deeper than MAX_DEPTH. The text's
 * member names are counted in one pass over its characters (a string right after `{` or `,` inside an object is a
 * name); JSON.parse keeps one member per distinct (unescaped) name, so fewer members parsed than names written means a
 * repeat — `"a"` and `"\u0061"` included.
 */
function hasDuplicateOrDeep(text: string, parsed: unknown): boolean {
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
      let end = i + 1;
      while (end < text.length && text.charCodeAt(end) !== 0x22) end += text.charCodeAt(end) === 0x5c ? 2 : 1;
      if (expectKey) {
        names++;
        expectKey = false;
      }
      i = end;
    }
  }
  return countNames(parsed) !== names;
}
