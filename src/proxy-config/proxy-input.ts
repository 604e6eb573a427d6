// ProxyInput: what every proxy snippet needs — keyway's address, the listen address, headers and the upstream allowlist.
import { readFileSync } from 'node:fs';
import type { Config } from '../config/types.js';
import { ConfigError, type ConfigProblem } from '../errors.js';
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
  /** Without routing: the one application every allowed request goes to (--app). */
  readonly app: string;
  /** server.proxy_secret is set: the snippet sends it (from KEYWAY_PROXY_SECRET) on every auth subrequest. */
  readonly proxySecret: boolean;
}

/** Overrides for print-config (the CLI passes none). */
export interface ProxyOptions {
  readonly listen?: string;
  readonly keyway?: string;
  /** The upstreams to allow; default routing.upstream_allowlist, else the table file's upstreams. */
  readonly upstreams?: readonly string[];
  /** Without routing: the application's address (default 127.0.0.1:3000). */
  readonly app?: string;
}

/** Where a snippet without routing sends allowed requests when --app is not given. */
export const DEFAULT_APP = '127.0.0.1:3000';

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

/** True when keyway names an upstream (X-Route-Upstream): a route table (file or Redis) or default upstreams. */
const routes = (config: Config) =>
  config.routing.table_file !== undefined ||
  config.routing.redis ||
  config.routing.default_upstreams.length > 0;

/**
 * What the proxy could not be told honestly: an upstream allowlist without a route source (keyway never names an
 * upstream, so the list guards nothing), or routing with no upstream at all to allow (the proxy would refuse all).
 */
function allowlistProblem(
  config: Config,
  routing: boolean,
  upstreams: readonly string[],
): ConfigProblem | undefined {
  if (!routing && config.routing.upstream_allowlist.length > 0)
    return {
      path: 'routing.upstream_allowlist',
      code: 'requires',
      message:
        'set, but there is no route source (routing.table_file, routing.redis: true or routing.default_upstreams), so keyway never names an upstream and the proxy has nothing to choose from it — configure a route source, or remove upstream_allowlist and give print-config --app ADDR (the one application)',
    };
  if (routing && upstreams.length === 0)
    return {
      path: 'routing',
      code: 'requires',
      message:
        'no upstream to allow (upstream_allowlist and default_upstreams are empty, and the route table names none), so the proxy would refuse every request — set routing.upstream_allowlist to every upstream the table may name',
    };
  return undefined;
}

/**
 * Collect the snippet inputs from the config (reads routing.table_file when there is no upstream_allowlist). Throws
 * ConfigError when the config's allowlist cannot be expressed (see allowlistProblem), RouteTableError for a bad table.
 */
export function proxyInput(config: Config, options: ProxyOptions = {}): ProxyInput {
  const routing = routes(config);
  const { upstreams, from } = routing ? allowlist(config, options) : { upstreams: [], from: '' };
  const problem = options.upstreams ? undefined : allowlistProblem(config, routing, upstreams);
  if (problem !== undefined) throw new ConfigError(config.source, [problem]);
  const host =
    config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : config.server.host;
  return {
    keyway: options.keyway ?? `${host}:${config.server.port}`,
    listen: options.listen ?? ':8080',
    headers: emittedHeaders(config),
    upstreams: [...new Set(upstreams)].sort(),
    routing,
    allowlistFrom: from,
    app: options.app ?? DEFAULT_APP,
    proxySecret: config.server.proxy_secret !== undefined,
  };
}

/** The snippet's header line on where requests go: the allowlist's source, or the one application. */
export function targetComment(input: ProxyInput): string {
  return input.routing
    ? `# Upstream allowlist from ${input.allowlistFrom}.`
    : `# No routing configured (no route table, no default_upstreams): every allowed request goes to ${input.app} (--app).`;
}
