// compileMatcher: a policy's host / path-prefix / method conditions compiled once into one predicate.
import type { Policy } from '../config/types.js';
import { foldCase } from '../request/case-fold.js';
import type { ForwardedRequest } from '../request/request.js';

/** What a matcher looks at: one reading of the forwarded request (`folded`: a foldCase path, compared with the folded prefix). */
export type Matchable = Pick<ForwardedRequest, 'method' | 'host' | 'path'> & { readonly folded?: boolean };

type Predicate = (req: Matchable) => boolean;

function stripPort(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/** `api.example.com`, `api.example.com:8443`, or `*.example.com` (exactly one label, like Caddy and Traefik). */
function hostPredicate(pattern: string): Predicate {
  const p = pattern.toLowerCase();
  const withPort = /:\d+$/.test(p);
  if (p.startsWith('*.')) {
    const suffix = p.slice(1);
    return (req) => {
      const host = withPort ? req.host : stripPort(req.host);
      const label = host.slice(0, host.length - suffix.length);
      return host.endsWith(suffix) && label.length > 0 && !label.includes('.');
    };
  }
  return (req) => (withPort ? req.host : stripPort(req.host)) === p;
}

/**
 * A path prefix matched at a segment boundary: `/api` matches `/api`, `/api/x` and `/api;v=1` (a `;` parameter, as
 * the literal reading of a path keeps it), not `/apix`.
 */
function pathPredicate(prefix: string): Predicate {
  const at = (p: string) => ({
    prefix: p,
    base: p.endsWith('/') ? p : `${p}/`,
    params: p.endsWith('/') ? undefined : `${p};`,
  });
  const exact = at(prefix);
  const folded = at(foldCase(prefix));
  return (req) => {
    if (req.path === undefined) return false;
    const m = req.folded ? folded : exact;
    return (
      req.path === m.prefix ||
      req.path.startsWith(m.base) ||
      (m.params !== undefined && req.path.startsWith(m.params)) ||
      prefix === '/'
    );
  };
}

/** The policy's match block as one predicate; an empty block matches every request. */
export function compileMatcher(match: Policy['match']): Predicate {
  const hosts = match.hosts.map(hostPredicate);
  const paths = match.paths.map(pathPredicate);
  const methods = new Set(match.methods.map((m) => m.toUpperCase()));
  return function matchesPolicy(req) {
    if (hosts.length > 0 && !hosts.some((p) => p(req))) return false;
    if (paths.length > 0 && !paths.some((p) => p(req))) return false;
    return methods.size === 0 || methods.has(req.method);
  };
}
