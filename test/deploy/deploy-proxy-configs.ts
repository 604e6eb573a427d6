// The proxy configs under deploy/ are `keyway print-config` output for the keyway config beside them, plus a header
// and the address placeholders of their platform. This renders them; deploy-files.test.ts checks the files are
// current, and `npx tsx test/deploy/deploy-proxy-configs.ts --write` rewrites them after a change to src/proxy-config.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { printProxyConfig } from '../../src/proxy-config/print-config.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Stand-ins for the secrets the configs name as ${VAR}: rendering needs a value, the output never holds one. */
export const PLACEHOLDER_ENV = {
  KEYWAY_PROXY_SECRET: 'placeholder-proxy-secret-never-printed',
  KEYWAY_HS_SECRET: 'placeholder-hs-secret-0123456789abcdef',
  KEYWAY_ISSUER: 'https://idp.example',
  KEYWAY_JWKS_URL: 'https://idp.example/jwks.json',
  REDIS_URL: 'redis://redis:6379',
};

/** deploy/<dir>/keyway.yaml as keyway loads it (KEYWAY_CONFIG_YAML, as on Fly), with `env` on top. */
export function deployConfig(dir: string, env: Record<string, string> = {}): Config {
  const yaml = readFileSync(join(REPO, 'deploy', dir, 'keyway.yaml'), 'utf8');
  return loadConfig({ ...PLACEHOLDER_ENV, KEYWAY_CONFIG_YAML: yaml, ...env });
}

/** print-config's output without its first line (what generated it: the file's own header says it). */
const body = (text: string) => text.replace(/^# [^\n]*\n/, '');
/** The same, also without the comment on where requests go (the Fly apps have no route table: the header says it). */
const unrouted = (text: string) => body(text).replace(/^# No routing configured[^\n]*\n/m, '');

const FLY_CADDY_HEADER = `# Caddy on Fly.io in front of keyway (fly.toml beside this file). The site block is \`keyway print-config caddy\` for
# deploy/fly/keyway.yaml with server.proxy_secret set (test/deploy checks the file is current); only the addresses
# are placeholders, filled from this app's environment when Caddy starts:
#   KEYWAY_ADDRESS  keyway's private address (default keyway.flycast:8081; keyway.internal:8081 also works: Caddy
#                   resolves per connection)
#   APP_UPSTREAM    your application's private address, e.g. my-app.flycast:80
#   KEYWAY_PROXY_SECRET (a \`fly secrets set\`, read per request) — the same value as keyway's.
{
\tadmin off
\tauto_https off
\t# Fly's edge terminates TLS and forwards plain HTTP to internal_port.
}

# Liveness for fly.toml's [checks] (no service exposes this port): Caddy answers, whatever keyway does.
http://:{$HEALTH_PORT:8079} {
\trespond /healthz "ok" 200
}

`;

const FLY_TRAEFIK_HEADER = `# Traefik dynamic config on Fly.io in front of keyway: \`keyway print-config traefik\` for deploy/fly/keyway.yaml with
# server.proxy_secret set (test/deploy checks the file is current). Traefik fills each env template from this
# app's environment when it loads the file (file provider templating):
#   KEYWAY_ADDRESS       keyway's private address (fly.toml: keyway.flycast:8081)
#   APP_UPSTREAM         your application's private address, e.g. my-app.flycast:80
#   KEYWAY_PROXY_SECRET  a \`fly secrets set\`, the same value as keyway's
`;

const COMPOSE_CADDY_HEADER = `# Caddy for the compose stack (docker compose --profile caddy up): global options, then the site block
# \`keyway print-config caddy --keyway keyway:8081 --listen :8080\` prints for keyway.yaml. KEYWAY_PROXY_SECRET is read
# from Caddy's environment per request ({env.…}); it is never written here.
{
\tadmin off
\tauto_https off
}

`;

const COMPOSE_NGINX_HEADER = `# nginx for the compose stack (docker compose --profile nginx up). The nginx image runs envsubst on
# /etc/nginx/templates/*.template at start, for the variables set in its environment only (so nginx's own $vars stay):
# the KEYWAY_PROXY_SECRET placeholder becomes the secret in /etc/nginx/conf.d/keyway.conf, never in this file. Unfilled,
# nginx refuses to start. The rest is \`keyway print-config nginx --keyway keyway:8081 --listen 8080\` for keyway.yaml.
`;

const COMPOSE_TRAEFIK_HEADER = `# Traefik dynamic config for the compose stack (docker compose --profile traefik up): \`keyway print-config traefik
# --keyway keyway:8081\` for keyway.yaml. Traefik fills the KEYWAY_PROXY_SECRET template from its environment when it
# loads this file (file provider templating); the secret is never written here.
`;

/** Every generated proxy config under deploy/: repository path → content. */
export function renderDeployProxyConfigs(): Record<string, string> {
  const fly = deployConfig('fly');
  const compose = deployConfig('compose');
  const flyCaddy = printProxyConfig('caddy', fly, {
    keyway: '{$KEYWAY_ADDRESS:keyway.flycast:8081}',
    listen: ':{$PORT:8080}',
    app: '{$APP_UPSTREAM:app.flycast:80}',
  });
  const flyTraefik = printProxyConfig('traefik', fly, {
    keyway: '{{ env "KEYWAY_ADDRESS" }}',
    app: '{{ env "APP_UPSTREAM" }}',
  });
  const composeCaddy = printProxyConfig('caddy', compose, { keyway: 'keyway:8081', listen: ':8080' });
  const composeNginx = printProxyConfig('nginx', compose, { keyway: 'keyway:8081', listen: '8080' });
  const composeTraefik = printProxyConfig('traefik', compose, { keyway: 'keyway:8081' });
  return {
    'deploy/fly/caddy/Caddyfile': FLY_CADDY_HEADER + unrouted(flyCaddy),
    'deploy/fly/traefik/dynamic.yml': FLY_TRAEFIK_HEADER + unrouted(flyTraefik),
    'deploy/compose/caddy/Caddyfile': COMPOSE_CADDY_HEADER + body(composeCaddy),
    'deploy/compose/nginx/templates/keyway.conf.template': COMPOSE_NGINX_HEADER + body(composeNginx),
    'deploy/compose/traefik/dynamic.yml': COMPOSE_TRAEFIK_HEADER + body(composeTraefik),
  };
}

if (process.argv[1]?.endsWith('deploy-proxy-configs.ts') && process.argv.includes('--write')) {
  for (const [path, text] of Object.entries(renderDeployProxyConfigs()))
    writeFileSync(join(REPO, path), text);
}
