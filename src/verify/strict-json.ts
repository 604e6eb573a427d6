// parseStrictJsonObject: JSON.parse plus what JWT needs on top — no duplicate member names (RFC 7515 §5.2 step 4), bounded depth.

const MAX_DEPTH = 32;

/** Parse text that must be a JSON object; returns undefined on bad JSON, a non-object, a duplicate name or nesting past 32. */
export function parseStrictJsonObject(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
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
