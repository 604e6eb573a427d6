// foldCase: text as a case-insensitive router compares it, with every non-ASCII case mapping that lands on ASCII.

/**
 * The non-ASCII code points that some widely used case-insensitive comparison equates with ASCII letters, and the
 * letters (lower-case) it equates them with. Found by enumerating every code point (test/unit/request/case-fold.test.ts
 * repeats the enumeration with Node's ICU and fails when a mapping is missing here):
 * - simple case mappings (Go `unicode.ToLower/ToUpper`, so `strings.ToLower` in Caddy's `path` matcher; Java
 *   `Character.toLowerCase/toUpperCase`, so `equalsIgnoreCase`; Python `re.IGNORECASE`): İ→i, ı→I, ſ→S, K→k;
 * - simple case folding orbits (Go `strings.EqualFold`, JS `/iu`, Java `UNICODE_CASE`): ſ ~ s, K ~ k;
 * - full mappings and folding (JS and Java `String.toUpperCase`, Python `str.upper`/`casefold`): ß→SS, ẞ→ß→ss,
 *   ﬀ→FF, ﬁ→FI, ﬂ→FL, ﬃ→FFI, ﬄ→FFL, ﬅ→ST, ﬆ→ST.
 * Not here: mappings that keep a non-ASCII mark (ǰ→J̌, ẖ→H̱: no segment-aware matcher sees the bare letter) and
 * Unicode normalisation (full-width Ａ is NFKC-equal to A, not case-equal).
 */
export const ASCII_CASE_FOLDS: ReadonlyMap<string, string> = new Map([
  ['\u00df', 'ss'], // ß LATIN SMALL LETTER SHARP S (upper: SS)
  ['\u0130', 'i'], // İ LATIN CAPITAL LETTER I WITH DOT ABOVE (simple lower: i)
  ['\u0131', 'i'], // ı LATIN SMALL LETTER DOTLESS I (upper: I)
  ['\u017f', 's'], // ſ LATIN SMALL LETTER LONG S (upper: S; simple fold: s)
  ['\u1e9e', 'ss'], // ẞ LATIN CAPITAL LETTER SHARP S (lower: ß; full fold: ss)
  ['\u212a', 'k'], // K KELVIN SIGN (lower: k)
  ['\ufb00', 'ff'], // ﬀ LATIN SMALL LIGATURE FF
  ['\ufb01', 'fi'], // ﬁ LATIN SMALL LIGATURE FI
  ['\ufb02', 'fl'], // ﬂ LATIN SMALL LIGATURE FL
  ['\ufb03', 'ffi'], // ﬃ LATIN SMALL LIGATURE FFI
  ['\ufb04', 'ffl'], // ﬄ LATIN SMALL LIGATURE FFL
  ['\ufb05', 'st'], // ﬅ LATIN SMALL LIGATURE LONG S T
  ['\ufb06', 'st'], // ﬆ LATIN SMALL LIGATURE ST
]);

const NON_ASCII = /\P{ASCII}/u;

/**
 * Lower-case `text` so that every spelling a case-insensitive backend treats as equal folds to the same string:
 * ASCII text is just lower-cased (no table lookup); otherwise each code point is mapped by ASCII_CASE_FOLDS, else
 * upper-cased and then lower-cased (so ς, σ and Σ, or Å and Å, fold alike). Total: never throws.
 */
export function foldCase(text: string): string {
  if (!NON_ASCII.test(text)) return text.toLowerCase();
  let out = '';
  for (const ch of text) out += ASCII_CASE_FOLDS.get(ch) ?? ch.toUpperCase().toLowerCase();
  return out;
}
