import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readConfigFile } from '../../../src/config/load.js';
import { parseConfig } from '../../../src/config/parse.js';
import { emittedHeaders } from '../../../src/proxy-config/emitted-headers.js';
import { printProxyConfig } from '../../../src/proxy-config/print-config.js';
import { routingConfig } from './helpers.js';

const examples = fileURLToPath(new URL('../../../examples/', import.meta.url));
const read = (path: string) => readFileSync(`${examples}${path}`, 'utf8');

function exampleConfig(dir: string) {
  const doc = readConfigFile(`${examples}${dir}/keyway.yaml`, {});
  const routing = (doc as { routing: Record<string, unknown> }).routing;
  routing['table_file'] = `${examples}${dir}/routes.yaml`;
  return parseConfig(doc, `${dir}/keyway.yaml`, { readFile: () => '' });
}

const exampleOptions = { listen: '127.0.0.1:18080', hop: '127.0.0.1:18090' };

describe('printProxyConfig', () => {
  // The checked-in example proxy configs are exactly what print-config prints for the example keyway.yaml.
  it.each([
    ['caddy', 'caddy', 'caddy/keyway.caddy'],
    ['nginx', 'nginx', 'nginx/keyway.conf'],
    ['traefik', 'traefik', 'traefik/dynamic.yml'],
    ['traefik', 'traefik-two-hop', 'traefik/dynamic-two-hop.yml'],
  ] as const)('%s: %s matches examples/%s', (dir, kind, file) => {
    expect(printProxyConfig(kind, exampleConfig(dir), exampleOptions)).toBe(read(file));
  });

  it('takes the allowlist from the table file when there is no upstream_allowlist', () => {
    const config = routingConfig({ table_file: `${examples}caddy/routes.yaml` });
    const out = printProxyConfig('nginx', config);
    expect(out).toContain('\t"127.0.0.1:19001" keyway_upstream_1;\n\t"127.0.0.1:19002" keyway_upstream_2;\n');
    expect(out).toContain('upstream keyway_upstream_2 {\n\tserver 127.0.0.1:19002;\n}\n');
    expect(out).toContain('re-run print-config when the table changes');
    expect(out).toContain('listen 8080;');
  });

  it('strips, blanks and copies every emitted header, including policy header mappings', () => {
    const config = parseConfig(
      {
        policies: [
          { name: 'p', anonymous: true, headers: { 'X-Auth-Email': 'email' } },
          { name: 'q', anonymous: true, headers: { 'x-auth-email': 'mail' } },
        ],
      },
      't',
      { readFile: () => '' },
    );
    expect(emittedHeaders(config)).toEqual([
      'X-Auth-Subject',
      'X-Auth-Issuer',
      'X-Auth-Token-Id',
      'X-Route-Instance-Key',
      'X-Route-Version-Key',
      'X-Route-Upstream',
      'X-Route-Match',
      'X-Auth-Email',
    ]);
    expect(printProxyConfig('caddy', config)).toContain('\t\trequest_header -X-Auth-Email\n');
    expect(printProxyConfig('caddy', config)).toContain('X-Route-Match X-Auth-Email\n');
    const nginx = printProxyConfig('nginx', config);
    expect(nginx).toContain('\t\tproxy_set_header X-Auth-Email "";\n');
    expect(nginx).toContain('\t\tproxy_set_header X-Auth-Email $keyway_x_auth_email;\n');
    expect(printProxyConfig('traefik', config)).toContain('          - X-Auth-Email\n');
  });

  it('without a route table proxies to a fixed application and names no upstream header guard', () => {
    const config = routingConfig({});
    expect(printProxyConfig('caddy', config)).toContain('reverse_proxy 127.0.0.1:3000');
    expect(printProxyConfig('caddy', config)).not.toContain('header_regexp');
    expect(printProxyConfig('traefik', config)).toContain('service: app');
  });
});
