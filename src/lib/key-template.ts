// Routing key templates: "{tenant}/{service}/{version}" filled from claims; a missing claim leaves the key unset.
import { type ClaimReader, compileClaimPath } from './claim-path.js';

export type KeyTemplate = (claims: Readonly<Record<string, unknown>>) => string | undefined;

const PLACEHOLDER = /\{([^{}]+)\}/g;
const SAFE_PART = /^[A-Za-z0-9._:@-]{1,128}$/;

/**
 * Why a template could let one set of claims forge another's key, if it could: two placeholders next to each other, or
 * separated only by characters a claim value may itself contain (`{tenant}.{service}`: "a.b"+"c" = "a"+"b.c").
 */
export function keyTemplateProblem(template: string): string | undefined {
  const matches = [...template.matchAll(PLACEHOLDER)];
  for (let i = 1; i < matches.length; i++) {
    const previous = matches[i - 1]!;
    const between = template.slice(previous.index + previous[0].length, matches[i]!.index);
    if (!/[^A-Za-z0-9._:@-]/.test(between))
      return `expected a separator outside [A-Za-z0-9._:@-] (such as "/") between ${previous[0]} and ${matches[i]![0]}: claim values may contain those characters, so two different sets of claims could build the same key`;
  }
  return undefined;
}

/** Compile a template once; the result fills it from claims, or returns undefined when a claim is missing or unsafe. */
export function compileKeyTemplate(template: string): KeyTemplate {
  const literals: string[] = [];
  const paths: ClaimReader[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    literals.push(template.slice(last, m.index));
    paths.push(compileClaimPath(m[1]!));
    last = m.index + m[0].length;
  }
  literals.push(template.slice(last));
  return function fillKeyTemplate(claims) {
    let out = literals[0]!;
    for (let i = 0; i < paths.length; i++) {
      const v = paths[i]!(claims);
      const text = typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
      // Claim values become part of a routing key: only a conservative charset, so "/" or ".." can't forge another key.
      if (text === undefined || !SAFE_PART.test(text) || text === '..' || text === '.') return undefined;
      out += text + literals[i + 1]!;
    }
    return out;
  };
}
