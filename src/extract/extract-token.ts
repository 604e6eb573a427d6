// extractToken: find the one token the request carries in the policy's sources; different tokens are refused.
import { KeywayError } from '../errors.js';
import type { ForwardedRequest } from '../request/request.js';
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

/** The source as written in `token_sources` (header names lower-cased): stable, safe for a deny detail. */
function describeSource(source: TokenSource): string {
  return source.kind === 'bearer' ? 'bearer' : `${source.kind}:${source.name}`;
}

/**
 * The token and the source it came from, or undefined when no source has one. Every source is read: the same token
 * in several sources is one token, different ones are refused (a backend may read another source than keyway did).
 * An Authorization header that does not carry the token (Basic, another Bearer) is refused beside a token from
 * another source, since the backend would receive a credential keyway never checked.
 * Throws KeywayError('malformed_token') with a detail naming the sources, never the values.
 */
export function extractToken(
  req: ForwardedRequest,
  sources: readonly TokenSource[],
): { token: string; source: TokenSource['kind'] } | undefined {
  let found: { token: string; source: TokenSource } | undefined;
  for (const source of sources) {
    const token = readSource(req, source);
    if (token === undefined) continue;
    if (found === undefined) found = { token, source };
    else if (token !== found.token)
      throw new KeywayError(
        'malformed_token',
        `token sources disagree: ${describeSource(found.source)} and ${describeSource(source)} carry different tokens`,
      );
  }
  if (found === undefined) return undefined;
  // A token read from Authorization is what Authorization carries: only another source needs the check.
  if (found.source.kind !== 'bearer')
    assertAuthorizationCarries(req, found.token, describeSource(found.source));
  return { token: found.token, source: found.source.kind };
}

/** Throws unless the Authorization header is absent or carries `token` (as `Bearer <token>` or the bare value). */
function assertAuthorizationCarries(req: ForwardedRequest, token: string, from: string): void {
  const value = req.header('authorization')?.trim();
  if (value === undefined || value === '' || value === token) return;
  let carried: string | undefined;
  try {
    carried = parseBearer(value);
  } catch {
    carried = undefined;
  }
  if (carried !== token)
    throw new KeywayError(
      'malformed_token',
      `Authorization carries a credential keyway does not check beside the token in ${from}`,
    );
}
