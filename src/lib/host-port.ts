// Host and host:port checks: an IPv4/IPv6 literal or a DNS host name (an all-numeric last label is neither, so
// `999.1.1.1` is refused), with a port 1–65535.
import { isIP } from 'node:net';

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** What is wrong with `host` as an IP literal or a host name, or undefined when it is one. */
export function hostProblem(host: string): string | undefined {
  if (isIP(host) !== 0) return undefined;
  const labels = host.replace(/\.$/, '').split('.');
  if (host.length > 253 || !labels.every((l) => LABEL.test(l)))
    return `expected an IPv4 or IPv6 address or a host name, got ${JSON.stringify(host)}`;
  if (/^\d+$/.test(labels[labels.length - 1]!))
    return `expected an IPv4 address (four numbers 0–255) or a host name, got ${JSON.stringify(host)}`;
  return undefined;
}

/**
 * What is wrong with `value` as `host:port` (`[v6]:port` for IPv6; `:port` alone when `hostOptional`), or undefined.
 * No scheme and no path: `http://127.0.0.1:8080` and `127.0.0.1:8080/x` are refused.
 */
export function hostPortProblem(value: string, hostOptional = false): string | undefined {
  const form = hostOptional ? 'host:port or :port' : 'host:port';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value))
    return `expected ${form} without a scheme (like 127.0.0.1:8080), got ${JSON.stringify(value)}`;
  const match = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(value);
  if (!match) return `expected ${form} (like 127.0.0.1:8080 or [::1]:8080), got ${JSON.stringify(value)}`;
  const [, v6, name, port] = match;
  if (Number(port) < 1 || Number(port) > 65535) return `expected a port 1–65535 in ${JSON.stringify(value)}`;
  if (v6 !== undefined)
    return isIP(v6) === 6 ? undefined : `expected an IPv6 address inside [ ] in ${JSON.stringify(value)}`;
  if (name === '')
    return hostOptional ? undefined : `expected a host before the port in ${JSON.stringify(value)}`;
  return hostProblem(name!);
}
