// createHostCheck: which Host headers may read the probes and /metrics on the main listener (DNS rebinding guard).
import { isIP } from 'node:net';
import { hostname } from 'node:os';

/**
 * Suffixes no one can register in public DNS (RFC 6761, RFC 8375, ICANN's .internal) plus Kubernetes' `svc`: a page
 * on an attacker's domain can rebind only a name it controls, so it can never send one of these.
 */
const PRIVATE_SUFFIXES = ['localhost', 'local', 'internal', 'home.arpa', 'svc', 'test', 'invalid'];

/**
 * Build the check for `allowed` (server.allowed_hosts: exact names, `*.domain` for any name below it, or `*` for
 * every Host). Besides those it accepts what a probe, a scraper or a health check sends and a rebinding page cannot:
 * no Host at all, an IP literal, a single-label name (`localhost`, a Compose service, a container), a name under a
 * private suffix (`keyway.default.svc.cluster.local`, `keyway.internal`) and this machine's hostname. Ports are ignored.
 */
export function createHostCheck(
  allowed: readonly string[] = [],
  machine: string = hostname(),
): (host: string | undefined) => boolean {
  if (allowed.includes('*')) return () => true;
  const exact = new Set(allowed.filter((a) => !a.startsWith('*.')).map((a) => a.toLowerCase()));
  exact.add(machine.toLowerCase());
  const suffixes = [
    ...PRIVATE_SUFFIXES,
    ...allowed.filter((a) => a.startsWith('*.')).map((a) => a.slice(2).toLowerCase()),
  ];
  return function isAllowedHost(host) {
    if (host === undefined || host === '') return true;
    const name = hostOf(host);
    if (name === undefined) return false;
    if (isIP(name) !== 0 || !name.includes('.') || exact.has(name)) return true;
    return suffixes.some((s) => name.endsWith(`.${s}`) || name === s);
  };
}

/** The lower-case name or IP of a Host header value without its port or trailing dot; undefined when malformed. */
function hostOf(value: string): string | undefined {
  const v = value.trim().toLowerCase();
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(v);
  if (bracketed) return isIP(bracketed[1]!) === 6 ? bracketed[1] : undefined;
  const plain = /^([a-z0-9_.-]+?)\.?(?::\d{1,5})?$/.exec(v);
  return plain?.[1];
}
