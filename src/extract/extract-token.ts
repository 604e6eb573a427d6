// extractToken: find the token in the policy's sources, in order; the first source that is present wins.
import { KeywayError } from '../errors.js';
import type { ForwardedRequest } from '../pipeline/request.js';
import { parseBearer } from './bearer.js';
import { readCookie } from './cookie.js';

/** A compiled token source (from "bearer", "header:X-JWT-Token", "cookie:name", "query:param"). */
export type TokenSource =
  | { readonly kind: 'bearer' }
  | { readonly kind: 'header'; readonly name: string }
  | { readonly kind: 'cookie'; readonly name: string }
  | { readonly kind: 'query'; readonly name: string };

/** Compile the config strings once at boot. */
export function compileTokenSource(spec: string): TokenSource {
  if (spec === 'bearer') return { kind: 'bearer' };
  const colon = spec.indexOf(':');
  const kind = spec.slice(0, colon) as 'header' | 'cookie' | 'query';
  const name = spec.slice(colon + 1);
  return { kind, name: kind === 'header' ? name.toLowerCase() : name };
}

function readSource(req: ForwardedRequest, source: TokenSource): string | undefined {
  switch (source.kind) {
    case 'bearer': {
      const value = req.header('authorization');
      return value === undefined ? undefined : parseBearer(value);
    }
    case 'header': {
      const value = req.header(source.name)?.trim();
      if (value === undefined || value === '') return undefined;
      // A forwarded copy of the bearer form is accepted too; a comma means the header was sent more than once.
      const token = /^bearer /i.test(value) ? parseBearer(value) : value;
      if (token?.includes(','))
        throw new KeywayError('malformed_token', `header ${source.name} sent more than once`);
      return token;
    }
    case 'cookie': {
      const value = req.header('cookie');
      return value === undefined ? undefined : readCookie(value, source.name) || undefined;
    }
    case 'query': {
      const values = new URLSearchParams(req.query).getAll(source.name);
      if (values.length > 1)
        throw new KeywayError('malformed_token', `query parameter ${source.name} sent more than once`);
      return values[0] || undefined;
    }
  }
}

/**
 * The token and the source it came from, or undefined when no source has one.
 * Throws KeywayError('malformed_token') when a present source is ambiguous or breaks its grammar.
 */
export function extractToken(
  req: ForwardedRequest,
  sources: readonly TokenSource[],
): { token: string; source: TokenSource['kind'] } | undefined {
  for (const source of sources) {
    const token = readSource(req, source);
    if (token !== undefined) return { token, source: source.kind };
  }
  return undefined;
}
