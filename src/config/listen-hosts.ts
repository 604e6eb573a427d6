// listenHostProblems: server.host and admin.host (HOST) must be an IP literal or a name that resolves — checked by
// check-config and by serve before it listens, so a bad address is a config problem, not ENOTFOUND at bind time.
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { ConfigProblem } from '../errors.js';
import { hostProblem } from '../lib/host-port.js';
import type { ParsedSections } from './parse-sections.js';

export type HostLookup = (host: string) => Promise<unknown>;

const FIX = 'give an IP address to listen on (0.0.0.0, ::, 127.0.0.1) or a name this machine resolves';
const errno = (err: unknown) => (err as NodeJS.ErrnoException).code ?? 'error';

/** One listen host's problem: not an address or a name, or a name that does not resolve. */
async function oneHost(host: string, path: string, lookup: HostLookup): Promise<ConfigProblem | undefined> {
  const shape = hostProblem(host);
  if (shape !== undefined) return { path, code: 'invalid_value', message: `${shape}: ${FIX}` };
  if (isIP(host) !== 0) return undefined;
  try {
    await lookup(host);
    return undefined;
  } catch (err) {
    return {
      path,
      code: 'invalid_value',
      message: `cannot resolve ${JSON.stringify(host)} to listen on (${errno(err)}): ${FIX}`,
    };
  }
}

/** The listen-host problems of the readable server and admin sections (admin only when its listener is on). */
export async function listenHostProblems(
  sections: ParsedSections,
  lookup: HostLookup = (host) => dnsLookup(host),
): Promise<ConfigProblem[]> {
  const { raw, unreadable } = sections;
  const checks: Promise<ConfigProblem | undefined>[] = [];
  if (!unreadable.has('server')) checks.push(oneHost(raw.server.host, 'server.host', lookup));
  const adminOn = raw.admin.token !== undefined || raw.admin.token_file !== undefined;
  if (!unreadable.has('admin') && adminOn) checks.push(oneHost(raw.admin.host, 'admin.host', lookup));
  return (await Promise.all(checks)).filter((p) => p !== undefined);
}
