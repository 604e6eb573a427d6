// ProxyInput: what every proxy snippet needs — keyway's address, the listen address, headers and the upstream allowlist.
import { readFileSync } from 'node:fs';
import type { Config } from '../config/types.js';
import { emittedHeaders } from '../respond/emitted-headers.js';
import { parseRouteTableText, tableRules } from '../route/table.js';

export interface ProxyInput {
  /** `host:port` the proxy reaches keyway's main listener on. */
  readonly keyway: string;
  /** The proxy's own listen address, e.g. ":8080". */
  readonly listen: string;
  readonly headers: readonly string[];
  /** The upstreams the proxy may dial; empty when no route table is configured. */
  readonly upstreams: readonly string[];
  readonly routing: boolean;
  /** Where the allowlist came from, said in a comment of the snippet. */
  readonly allowlistFrom: string;
  /** server.proxy_secret is set: the snippet sends it (from KEYWAY_PROXY_SECRET) on every auth subrequest. */
  readonly proxySecret: boolean;
}

/** Overrides for print-config (the CLI passes none). */
export interface ProxyOptions {
  readonly listen?: string;
  readonly keyway?: string;
  /** The upstreams to allow; default routing.upstream_allowlist, else the table file's upstreams. */
  readonly upstreams?: readonly string[];
}

function allowlist(config: Config, options: ProxyOptions): { upstreams: readonly string[]; from: string } {
  const routing = config.routing;
  if (options.upstreams) return { upstreams: options.upstreams, from: 'the given list' };
  if (routing.upstream_allowlist.length > 0) {
    return { upstreams: routing.upstream_allowlist, from: 'routing.upstream_allowlist' };
  }
  if (routing.table_file !== undefined) {
    // Throws RouteTableError for an invalid table: better than printing an allowlist that does not match it.
    const table = parseRouteTableText(readFileSync(routing.table_file, 'utf8'), tableRules(routing));
    return {
      upstreams: table.upstreams,
      from: `${routing.table_file} (re-run print-config when the table changes)`,
    };
  }
  return {
    upstreams: routing.default_upstreams,
    from: 'routing.default_upstreams (set routing.upstream_allowlist)',
  };
}

/** Collect the snippet inputs from the config (reads routing.table_file when there is no upstream_allowlist). */
export function proxyInput(config: Config, options: ProxyOptions = {}): ProxyInput {
  const { upstreams, from } = allowlist(config, options);
  const host =
    config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : config.server.host;
  return {
    keyway: options.keyway ?? `${host}:${config.server.port}`,
    listen: options.listen ?? ':8080',
    headers: emittedHeaders(config),
    upstreams: [...new Set(upstreams)].sort(),
    routing:
      config.routing.table_file !== undefined ||
      config.routing.redis ||
      config.routing.default_upstreams.length > 0,
    allowlistFrom: from,
    proxySecret: config.server.proxy_secret !== undefined,
  };
}
