import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readConfigFile } from '../../../src/config/load.js';
import { parseConfig } from '../../../src/config/parse.js';
import { printProxyConfig } from '../../../src/proxy-config/print-config.js';
import { authHeadersRegex } from '../../../src/proxy-config/traefik.js';
import { emittedHeaders } from '../../../src/respond/emitted-headers.js';
import { EXAMPLE_ENV } from '../../helpers/example-env.js';
import { routingConfig } from '../route/helpers.js';

const examples = fileURLToPath(new URL('../../../examples/', import.meta.url));
const read = (path: string) => readFileSync(`${examples}${path}`, 'utf8');

function exampleConfig(dir: string) {
  const doc = readConfigFile(`${examples}${dir}/keyway.yaml`, EXAMPLE_ENV);
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

  it.each([
    ['127.0.0.1:18080', '127.0.0.1'],
    ['[::1]:18080', '::1'],
    ['10.0.0.5:8080', '10.0.0.5'],
    [':8080', undefined],
    ['api.example.com:8080', undefined],
  ])('caddy --listen %s: a site address with an IP also binds it (%s)', (listen, bound) => {
    const out = printProxyConfig('caddy', exampleConfig('caddy'), { listen });
    expect(out).toContain(`\nhttp://${listen} {\n`);
    const binds = [...out.matchAll(/^\tbind (\S+)$/gm)].map((m) => m[1]);
    expect(binds).toEqual(bound === undefined ? [] : [bound]);
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
          { name: 'q', anonymous: true, headers: { 'x-auth-email': 'mail', 'X-User-Email': 'mail' } },
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
      'X-User-Email',
    ]);
    expect(printProxyConfig('caddy', config)).toContain('\t\trequest_header -X-Auth-Email\n');
    expect(printProxyConfig('caddy', config)).toContain('X-Route-Match X-Auth-Email X-User-Email\n');
    const nginx = printProxyConfig('nginx', config);
    expect(nginx).toContain('\t\tproxy_set_header X-Auth-Email "";\n');
    expect(nginx).toContain('\t\tproxy_set_header X-Auth-Email $keyway_x_auth_email;\n');
    expect(printProxyConfig('traefik', config)).toContain(
      "authResponseHeadersRegex: '(?i)^(?:x[^a-z0-9](?:auth|route)[^a-z0-9].*|x[^a-z0-9]user[^a-z0-9]email|.*[^a-z0-9-].*)$'\n",
    );
  });

  it('Traefik: the regex matches keyway’s headers and every alias spelling, nothing else', () => {
    const pattern = authHeadersRegex(['X-Auth-Subject', 'X-Route-Upstream', 'X-User-Email']);
    expect(pattern.startsWith('(?i)')).toBe(true);
    const re = new RegExp(pattern.slice(4), 'i'); // Go's (?i) flag; the rest is the same in RE2 and JS
    const matched = [
      'X-Auth-Subject',
      'X_Auth_Subject',
      'X.auth.subject',
      'x~auth~subject',
      'X-Auth_Subject',
      'X-Route_Upstream',
      'X!Route!Upstream',
      'X-Auth-Anything',
      'X-User-Email',
      'X_User.Email',
      // Any name with a character other than a letter, a digit or "-": the alias of a forwarding header, or of any.
      'X_Forwarded_Host',
      'X.Original.URL',
      'Script_Name',
    ];
    for (const name of matched) expect({ name, match: re.test(name) }).toEqual({ name, match: true });
    for (const name of [
      'X-Authorization',
      'Authorization',
      'X-User',
      'X-User-Email-2',
      'X-Request-Id',
      'Xauthsubject',
      'X-Forwarded-Host',
      'Forwarded',
    ])
      expect({ name, match: re.test(name) }).toEqual({ name, match: false });
  });

  it('Traefik: router and service names are index-based, so addresses never collide', () => {
    const config = routingConfig({ default_upstreams: ['a-b:80', 'a.b:80'] });
    const out = printProxyConfig('traefik', config, { upstreams: ['a-b:80', 'a.b:80'] });
    expect(out).toContain('    keyway-upstream-1: # a-b:80\n');
    expect(out).toContain('    keyway-upstream-2: # a.b:80\n');
    expect(out).toContain('rule: Header(`X-Route-Upstream`, `a.b:80`)\n      service: keyway-upstream-2\n');
  });

  it('Caddy deletes every alias spelling; nginx pins the header-name checks; both answer like keyway on 401/403', () => {
    const config = routingConfig({});
    const caddy = printProxyConfig('caddy', config);
    for (const c of "!#$%&'*+.^_`|~") expect(caddy).toMatch(new RegExp(`request_header "?-\\*\\${c}\\*"?\n`));
    const nginx = printProxyConfig('nginx', config);
    expect(nginx).toContain('\tunderscores_in_headers off;\n\tignore_invalid_headers on;\n');
    expect(nginx).toContain('\t\terror_page 401 403 = @keyway_denied;\n');
  });

  it('without a route table proxies to a fixed application and names no upstream header guard', () => {
    const config = routingConfig({});
    expect(printProxyConfig('caddy', config)).toContain('reverse_proxy 127.0.0.1:3000');
    expect(printProxyConfig('caddy', config)).not.toContain('@keyway_upstream');
    expect(printProxyConfig('traefik', config)).toContain('service: app');
  });

  // Issue 8 item 3: the forwarding headers backends read, the test's own list (not the module's).
  const FORWARDING = [
    'Forwarded',
    'X-Forwarded-Host',
    'X-Forwarded-Proto',
    'X-Forwarded-For',
    'X-Forwarded-Port',
    'X-Forwarded-Prefix',
    'X-Forwarded-Ssl',
    'X-Forwarded-Uri',
    'X-Forwarded-Method',
    'X-Original-URI',
    'X-Original-URL',
    'X-Original-Method',
    'X-Rewrite-Url',
    'X-Real-IP',
    'Front-End-Https',
    'X-Url-Scheme',
  ];

  it('nginx sets or removes every forwarding header on both hops, and refuses a raw "#" or non-ASCII byte', () => {
    const nginx = printProxyConfig('nginx', routingConfig({}));
    const [backend = '', keyway = ''] = nginx.split('\tlocation = /_keyway {');
    for (const name of FORWARDING) {
      expect(backend).toMatch(new RegExp(`\\tproxy_set_header ${name} [^\\n]+;\\n`));
      expect(keyway).toMatch(new RegExp(`\\tproxy_set_header ${name} [^\\n]+;\\n`));
    }
    expect(backend).toContain('\t\tproxy_set_header Host $host;\n\t\tproxy_set_header Forwarded "";\n');
    expect(backend).toContain('\t\tproxy_set_header X-Forwarded-Host $host;\n');
    expect(backend).toContain('\t\tproxy_set_header X-Original-URL "";\n');
    expect(keyway).toContain('\t\tproxy_set_header X-Original-URI $request_uri;\n');
    // Server level (before every location and auth_request); \x23 ("#") is outside the allowed ranges.
    expect(nginx).toContain('\tignore_invalid_headers on;\n\t# Refuse a request-target with a raw "#"');
    expect(nginx).toContain(
      '\tif ($request_uri ~ "[^\\x21\\x22\\x24-\\x7e]") {\n\t\trewrite ^ /_keyway_ambiguous last;\n\t}\n',
    );
    expect(nginx).toContain(
      `\t\treturn 400 '{"error":"invalid_request","reason":"ambiguous_request"}\\n';\n`,
    );
  });

  it('Caddy drops the client’s Connection list first, then every forwarding header it does not set itself', () => {
    const caddy = printProxyConfig('caddy', routingConfig({ default_upstreams: ['127.0.0.1:9'] }));
    const route = caddy.slice(caddy.indexOf('\troute {'));
    const first = route.indexOf('\t\trequest_header ');
    expect(route.slice(first)).toMatch(/^\t\trequest_header @keyway_upgrade Connection Upgrade\n/);
    expect(route).toContain(
      '\t\t@keyway_no_upgrade not header Connection Upgrade\n\t\trequest_header @keyway_no_upgrade -Connection\n',
    );
    expect(route.indexOf('-Connection')).toBeLessThan(route.indexOf('\t\tforward_auth '));
    for (const name of FORWARDING.filter(
      (h) => !['X-Forwarded-Host', 'X-Forwarded-Proto', 'X-Forwarded-For'].includes(h),
    ))
      expect(route.slice(0, route.indexOf('\t\tforward_auth '))).toContain(`\t\trequest_header -${name}\n`);
    expect(route).not.toContain('request_header -X-Forwarded-Host\n');
  });

  it('Traefik clears the forwarding headers it does not manage before forwardAuth, on both shapes', () => {
    const config = routingConfig({ default_upstreams: ['127.0.0.1:9'] });
    for (const kind of ['traefik', 'traefik-two-hop'] as const) {
      const out = printProxyConfig(kind, config);
      expect(out).toContain('      middlewares: [keyway-forwarding, keyway]\n');
      const middleware = out.slice(out.indexOf('    keyway-forwarding:\n'));
      for (const name of [
        'Forwarded',
        'X-Original-URI',
        'X-Original-URL',
        'X-Rewrite-Url',
        'Front-End-Https',
      ])
        expect(middleware).toContain(`\n          ${name}: ''\n`);
      // Traefik's entry point deletes and resets these itself (forwardedheaders.XHeadersSet).
      for (const name of ['X-Forwarded-Host', 'X-Forwarded-Uri', 'X-Real-IP'])
        expect(middleware).not.toContain(`\n          ${name}: ''\n`);
    }
  });
});
