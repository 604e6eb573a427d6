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
  return hasDuplicateOrDeep(text) ? undefined : (value as Record<string, unknown>);
}

/** Scan already-valid JSON text for a repeated member name in any object, or nesting deeper than MAX_DEPTH. */
function hasDuplicateOrDeep(text: string): boolean {
  // Each open container: a Set of member names for objects, null for arrays.
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '{' || ch === '[') {
      stack.push(ch === '{' ? new Set() : null);
      if (stack.length > MAX_DEPTH) return true;
      expectKey = ch === '{';
    } else if (ch === '}' || ch === ']') {
      stack.pop();
      expectKey = false;
    } else if (ch === ',') {
      expectKey = stack.at(-1) instanceof Set;
    } else if (ch === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (expectKey) {
        const name = JSON.parse(text.slice(i, end + 1)) as string;
        const names = stack.at(-1) as Set<string>;
        if (names.has(name)) return true;
        names.add(name);
        expectKey = false;
      }
      i = end;
    }
  }
  return false;
}
