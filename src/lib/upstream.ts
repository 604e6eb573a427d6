// Upstream addresses: strict `host:port` (IPv4, [IPv6] or DNS name), the only values keyway ever tells a proxy to dial.

/** What a valid upstream looks like, for validation messages. */
export const UPSTREAM_EXPECTED =
  'expected "host:port" (IPv4, [IPv6] or DNS name and a port 1-65535; no scheme, path, user or spaces)';

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^\[[0-9A-Fa-f:.]{2,45}\]$/;
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const PORT = /^[1-9]\d{0,4}$/;

/** True when `value` is exactly `host:port` with a valid host and a port in 1-65535. */
export function isUpstream(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 260) return false;
  const colon = value.lastIndexOf(':');
  if (colon <= 0) return false;
  const host = value.slice(0, colon);
  const port = value.slice(colon + 1);
  if (!PORT.test(port) || Number(port) > 65535) return false;
  if (host.startsWith('[')) return IPV6.test(host) && host.includes(':');
  if (/^[\d.]+$/.test(host)) return IPV4.test(host);
  return host.length <= 253 && host.split('.').every((label) => LABEL.test(label));
}
