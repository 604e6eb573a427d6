// printProxyConfig: the proxy snippet matching the current config (headers keyway emits, upstream allowlist).
import type { Config } from '../config/types.js';
import { renderCaddy } from './caddy.js';
import { renderFlyNginx } from './fly.js';
import { renderNginx } from './nginx.js';
import { type ProxyOptions, proxyInput } from './proxy-input.js';
import { renderTraefik, renderTraefikTwoHop } from './traefik.js';

/** The snippets print-config can render (`traefik-two-hop`: the Traefik < 3.6 pattern; `fly`: nginx on Fly.io). */
export type ProxyKind = 'caddy' | 'nginx' | 'traefik' | 'traefik-two-hop' | 'fly';

/**
 * Render the snippet for `kind`. Throws RouteTableError when the table file it reads the allowlist from is invalid,
 * ConfigError when the config's allowlist cannot be expressed honestly (an allowlist without routing, routing with none).
 */
export function printProxyConfig(
  kind: ProxyKind,
  config: Config,
  options: ProxyOptions & { readonly hop?: string } = {},
): string {
  const input = proxyInput(config, options);
  switch (kind) {
    case 'caddy':
      return renderCaddy(input);
    case 'nginx':
      return renderNginx(input);
    case 'traefik':
      return renderTraefik(input);
    case 'traefik-two-hop':
      return renderTraefikTwoHop(input, options.hop ?? '127.0.0.1:8090');
    case 'fly':
      return renderFlyNginx(input, options.keyway !== undefined);
  }
}
