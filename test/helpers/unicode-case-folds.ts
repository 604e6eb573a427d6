// The enumeration keyway's case-fold table is checked against: every code point whose case mapping or folding, as
// Node's ICU implements them, lands on ASCII letters only.

const ASCII_LETTERS = /^[A-Za-z]+$/;
/**
 * Code points that change under some case mapping or folding (Unicode's derived properties). A code point outside
 * this set maps to itself under every mapping below, so skipping it loses nothing; it keeps the scan fast.
 */
const CHANGES = /[\p{Changes_When_Casemapped}\p{Changes_When_Casefolded}]/u;
const LETTERS = [...'abcdefghijklmnopqrstuvwxyz'].map((l) => [l, new RegExp(`^${l}$`, 'iu')] as const);

/** One ASCII-landing mapping: the code point, the ASCII letters (lower-case), and the mappings that produce them. */
export interface AsciiFold {
  readonly char: string;
  readonly codePoint: number;
  readonly ascii: string;
  readonly by: readonly string[];
}

/** The mappings tried, each as a library applies it. */
const MAPPINGS: readonly (readonly [name: string, map: (c: string) => string])[] = [
  ['toLowerCase (full lower-case mapping)', (c) => c.toLowerCase()],
  ['toUpperCase (full upper-case mapping)', (c) => c.toUpperCase()],
  ['toUpperCase then toLowerCase', (c) => c.toUpperCase().toLowerCase()],
  ['toLowerCase then toUpperCase', (c) => c.toLowerCase().toUpperCase()],
  // The Turkic tailoring is where ICU exposes the simple mapping İ→i that Go's unicode.ToLower, Java's
  // Character.toLowerCase and Python's re.IGNORECASE apply in every locale.
  ['toLocaleLowerCase("tr")', (c) => c.toLocaleLowerCase('tr')],
  ['toLocaleUpperCase("tr")', (c) => c.toLocaleUpperCase('tr')],
  ['toLocaleLowerCase("lt")', (c) => c.toLocaleLowerCase('lt')],
  ['toLocaleUpperCase("lt")', (c) => c.toLocaleUpperCase('lt')],
];

/** Scan U+0080..U+10FFFF (surrogates excluded) for mappings that land on ASCII letters only. */
export function enumerateAsciiFolds(): AsciiFold[] {
  const out: AsciiFold[] = [];
  for (let cp = 0x80; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const char = String.fromCodePoint(cp);
    if (!CHANGES.test(char)) continue;
    const found = new Map<string, string[]>();
    const add = (ascii: string, by: string) => found.set(ascii, [...(found.get(ascii) ?? []), by]);
    for (const [name, map] of MAPPINGS) {
      const mapped = map(char);
      if (ASCII_LETTERS.test(mapped)) add(mapped.toLowerCase(), name);
    }
    // Simple case folding (CaseFolding.txt C+S), as Go's EqualFold/SimpleFold orbits and Java's UNICODE_CASE.
    for (const [letter, re] of LETTERS) if (re.test(char)) add(letter, 'RegExp /iu (simple case folding)');
    if (found.size > 1)
      throw new Error(`U+${cp.toString(16)} folds to several ASCII strings: ${[...found.keys()]}`);
    for (const [ascii, by] of found) out.push({ char, codePoint: cp, ascii, by });
  }
  return out;
}
