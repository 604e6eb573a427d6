// Routing key templates: "{tenant}/{service}/{version}" filled from claims; a missing claim leaves the key unset.
import { readClaim } from '../policy/claim-path.js';

export type KeyTemplate = (claims: Readonly<Record<string, unknown>>) => string | undefined;

const PLACEHOLDER = /\{([^{}]+)\}/g;
const SAFE_PART = /^[A-Za-z0-9._:@-]{1,128}$/;

/** Compile a template once; the result fills it from claims, or returns undefined when a claim is missing or unsafe. */
export function compileKeyTemplate(template: string): KeyTemplate {
  const literals: string[] = [];
  const paths: string[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    literals.push(template.slice(last, m.index));
    paths.push(m[1]!);
    last = m.index + m[0].length;
  }
  literals.push(template.slice(last));
  return function fillKeyTemplate(claims) {
    let out = literals[0]!;
    for (let i = 0; i < paths.length; i++) {
      const v = readClaim(claims, paths[i]!);
      const text = typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
      // Claim values become part of a routing key: only a conservative charset, so "/" or ".." can't forge another key.
      if (text === undefined || !SAFE_PART.test(text) || text === '..' || text === '.') return undefined;
      out += text + literals[i + 1]!;
    }
    return out;
  };
}
