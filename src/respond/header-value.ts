// toHeaderValue: a claim value made safe for an HTTP header — never splits headers, never throws, never ambiguous.

/** What is percent-encoded: anything but visible ASCII and space, plus `%` (the escape) and `,` (the array separator). */
const ENCODE = /[^\x20-\x7e]+|[%,]/g;
const EDGE_SPACES = /^ +| +$/g;
/** A lone surrogate has no UTF-8 form (encodeURIComponent throws on it). */
const LONE_SURROGATE = /\p{Cs}/u;

function encodePart(text: string): string | undefined {
  if (LONE_SURROGATE.test(text)) return undefined;
  return text.replace(ENCODE, (s) => encodeURIComponent(s));
}

/** True when `text` needs no encoding: visible ASCII and inner spaces only, no `%` or `,` (one pass, no regex). */
function isPlain(text: string): boolean {
  const last = text.length - 1;
  for (let i = 0; i <= last; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7e || c < 0x20 || c === 0x25 || c === 0x2c || (c === 0x20 && (i === 0 || i === last)))
      return false;
  }
  return true;
}

/**
 * The header form of a claim: scalars as text, arrays of scalars joined with `,`. Control characters, non-ASCII,
 * `%`, `,` and leading/trailing spaces are percent-encoded (UTF-8), so the value can never split a header and a
 * backend that splits on `,` and percent-decodes gets back exactly the claim ("ad\nmin", "ad%6Din" and "admin"
 * stay distinct). "" when over maxBytes, not a scalar or array of scalars, or not well-formed Unicode. Never throws.
 */
export function toHeaderValue(value: unknown, maxBytes: number): string {
  if (typeof value === 'string' && isPlain(value)) return value.length > maxBytes ? '' : value;
  const parts: unknown[] = Array.isArray(value) ? value : [value];
  const encoded: string[] = [];
  for (const part of parts) {
    const ok = typeof part === 'string' || typeof part === 'number' || typeof part === 'boolean';
    const text = ok ? encodePart(String(part)) : undefined;
    if (text === undefined) return '';
    encoded.push(text);
  }
  const clean = encoded.join(',').replace(EDGE_SPACES, (s) => '%20'.repeat(s.length));
  // Over the cap: emit nothing rather than a truncated value that could mean something else ("admins-ro" → "admins").
  return clean.length > maxBytes ? '' : clean;
}
