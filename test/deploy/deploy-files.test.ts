// Every deploy file parses, validates against its published schema where one ships on npm (Kubernetes, Prometheus
// Operator and Traefik CRDs via kubernetes-models; the Compose specification via dclint's copy + ajv), and agrees with
// keyway's real defaults and code: ports, probe paths, header lists, drain timeouts, env names, metric names.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { IngressRoute } from '@kubernetes-models/traefik/traefik.io/v1alpha1/IngressRoute';
import { Middleware } from '@kubernetes-models/traefik/traefik.io/v1alpha1/Middleware';
import { Ajv } from 'ajv';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { parse as parseToml } from 'smol-toml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { configSchema } from '../../src/config/schema.js';
import { REASON_CODES } from '../../src/errors.js';
import { createLogger } from '../../src/infra/log.js';
import { authHeadersRegex } from '../../src/proxy-config/traefik.js';
import { emittedHeaders } from '../../src/respond/emitted-headers.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { createTestKeyway, type TestKeyway } from '../helpers/keyway.js';
import { unusedPort } from '../helpers/ports.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';
import { HS_SECRET } from '../helpers/tokens.js';
import { deployConfig, PLACEHOLDER_ENV, REPO, renderDeployProxyConfigs } from './deploy-proxy-configs.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed deploy documents are walked by known keys, checked by value
type Doc = Record<string, any>;
const read = (path: string) => readFileSync(join(REPO, path), 'utf8');
const yamlOf = (path: string) => parseYaml(read(path), { merge: true }) as Doc;
const tomlOf = (path: string) => parseToml(read(path)) as Doc;

/** keyway's defaults, from its schema (never retyped here). */
const DEFAULTS = configSchema.parse({});
const PORT = DEFAULTS.server.port;
/** The margin main.ts gives the drain before it exits anyway (shutdown_timeout + 2 s): the platform must wait longer. */
const HARD_STOP_MARGIN_MS = 2_000;

/** Every environment variable keyway reads: the names the config loaders and the start look up, and NODE_ENV. */
const KEYWAY_ENV = new Set(
  ['src/config/load.ts', 'src/config/env-input.ts', 'src/cli/startup.ts', 'src/main.ts'].flatMap((f) =>
    [...read(f).matchAll(/env\['([A-Z0-9_]+)'\]/g)].map((m) => m[1]!),
  ),
);
/** The ${VAR}s a keyway.yaml reads from the environment. */
const interpolated = (yaml: string) =>
  new Set([...yaml.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!));

const ms = (duration: string) => {
  const m = /^(\d+)(ms|s|m)$/.exec(duration);
  if (!m) throw new Error(`not a duration: ${duration}`);
  return Number(m[1]) * { ms: 1, s: 1_000, m: 60_000 }[m[2] as 'ms' | 's' | 'm'];
};

function filesUnder(dir: string): string[] {
  return readdirSync(join(REPO, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(REPO, path)).isDirectory() ? filesUnder(path) : [path];
  });
}

// One keyway app (no socket) to ask whether a probe path the deploy files name is one keyway serves.
let kw: TestKeyway;
beforeAll(async () => {
  kw = await createTestKeyway({ issuers: [{ issuer: 'https://idp.test', hs_secrets: [HS_SECRET] }] });
});
afterAll(() => kw.close());
const servesProbe = async (path: string) => (await kw.app.request(path)).status !== 404;

describe('every YAML, TOML and JSON file under deploy/ (and fly.toml) parses', () => {
  const files = [...filesUnder('deploy'), 'fly.toml'].filter((f) => /\.(ya?ml|toml|json)$/.test(f));
  it('finds the files', () => expect(files.length).toBeGreaterThanOrEqual(25));
  it.each(files)('%s', (file) => {
    const text = read(file);
    if (file.endsWith('.json')) expect(() => JSON.parse(text)).not.toThrow();
    else if (file.endsWith('.toml')) expect(() => parseToml(text)).not.toThrow();
    else for (const doc of parseAllDocuments(text, { merge: true })) expect(doc.errors).toEqual([]);
  });
});

describe('the proxy configs under deploy/ are print-config output for the keyway config beside them', () => {
  const rendered = renderDeployProxyConfigs();
  it.each(Object.keys(rendered))(
    '%s is current (regenerate: npx tsx test/deploy/deploy-proxy-configs.ts --write)',
    (path) => {
      expect(read(path)).toBe(rendered[path]);
      expect(read(path)).not.toContain(PLACEHOLDER_ENV.KEYWAY_PROXY_SECRET);
    },
  );
});

describe('fly.toml (keyway on Fly.io)', () => {
  const fly = tomlOf('fly.toml');
  const config = deployConfig('fly', { PORT: fly['env'].PORT, HOST: fly['env'].HOST });

  it('listens where the services, metrics and checks look, on every interface of the 6PN network', async () => {
    expect(Number(fly['env'].PORT)).toBe(PORT);
    expect(config.server.port).toBe(PORT);
    expect(fly['env'].HOST).toBe('::');
    expect(fly['services'].map((s: Doc) => s.internal_port)).toEqual([PORT]);
    expect(fly['services'][0].ports.map((p: Doc) => p.port)).toEqual([PORT]);
    // Flycast only: no public HTTP service, and no handler rewriting requests.
    expect(fly['http_service']).toBeUndefined();
    expect(fly['services'][0].ports[0].handlers ?? []).toEqual([]);
    expect(fly['metrics']).toEqual({ port: PORT, path: '/metrics' });
    expect((await kw.app.request('/metrics')).status).toBe(200);
    const checks = [...Object.values(fly['checks'] as Doc), ...fly['services'][0].http_checks];
    for (const check of checks) {
      expect(check.port ?? PORT).toBe(PORT);
      expect([check.path, await servesProbe(check.path)]).toEqual([check.path, true]);
    }
    expect(checks.map((c) => c.path).sort()).toEqual(['/healthz', '/readyz', '/readyz']);
  });

  it('waits out the drain before killing (kill_timeout > shutdown_timeout + keyway’s own margin)', () => {
    expect(fly['kill_signal']).toBe('SIGTERM');
    expect(ms(fly['kill_timeout'])).toBeGreaterThan(config.server.shutdown_timeout + HARD_STOP_MARGIN_MS);
    expect(fly['services'][0].min_machines_running).toBeGreaterThanOrEqual(2);
    expect(fly['services'][0].auto_stop_machines).toBe('off');
  });

  it('the config reads the client address from Fly-Client-IP and names only env keyway or the config reads', () => {
    expect(config.server.client_ip_header).toBe('Fly-Client-IP');
    expect(config.source).toBe('KEYWAY_CONFIG_YAML');
    const known = new Set([...KEYWAY_ENV, ...interpolated(read('deploy/fly/keyway.yaml'))]);
    for (const name of Object.keys(fly['env'])) expect([name, known.has(name)]).toEqual([name, true]);
    expect(KEYWAY_ENV.has('KEYWAY_CONFIG_YAML') && KEYWAY_ENV.has('KEYWAY_PROXY_SECRET')).toBe(true);
  });
});

describe('deploy/fly proxy apps', () => {
  it.each(['caddy', 'traefik'])(
    '%s: public on 8080, dials keyway’s Flycast port, health off the public port',
    (app) => {
      const fly = tomlOf(`deploy/fly/${app}/fly.toml`);
      expect(fly['http_service'].internal_port).toBe(8080);
      expect(fly['http_service'].force_https).toBe(true);
      expect(fly['env'].KEYWAY_ADDRESS).toBe(`keyway.flycast:${PORT}`);
      expect(ms(fly['kill_timeout'])).toBeGreaterThanOrEqual(ms('10s'));
      expect(Object.values(fly['checks'] as Doc).map((c) => c.port)).toEqual([8079]);
      expect(read(`deploy/fly/${app}/Dockerfile`)).toMatch(
        /^FROM (caddy:\d+\.\d+\.\d+-alpine|traefik:v\d+\.\d+\.\d+)$/m,
      );
    },
  );
});

describe('deploy/fly proxy apps: every placeholder their config reads is set', () => {
  // Secrets come from `fly secrets set` (deploy/fly/README.md), the rest from fly.toml's [env].
  const SECRETS = ['KEYWAY_PROXY_SECRET'];
  it('Caddy: {$VAR} / {env.VAR} come from [env] or secrets; the health site is on the checked port', () => {
    const fly = tomlOf('deploy/fly/caddy/fly.toml');
    const caddyfile = read('deploy/fly/caddy/Caddyfile');
    const withDefault = new Map(
      [...caddyfile.matchAll(/\{\$([A-Z_]+)(?::([^}]*))?\}/g)].map((m) => [m[1]!, m[2]] as const),
    );
    const runtime = [...caddyfile.matchAll(/\{env\.([A-Z_]+)\}/g)].map((m) => m[1]!);
    for (const [name, fallback] of withDefault)
      expect([name, name in fly['env'] || fallback !== undefined]).toEqual([name, true]);
    for (const name of runtime) expect([...Object.keys(fly['env']), ...SECRETS]).toContain(name);
    expect(withDefault.get('HEALTH_PORT')).toBe(String(fly['checks'].caddy.port));
    expect(withDefault.get('PORT')).toBe(String(fly['http_service'].internal_port));
  });

  it('Traefik: {{ env }} templates come from [env] or secrets; ping and web on the checked and served ports', () => {
    const fly = tomlOf('deploy/fly/traefik/fly.toml');
    const names = [...read('deploy/fly/traefik/dynamic.yml').matchAll(/\{\{ env "([A-Z_]+)" \}\}/g)].map(
      (m) => m[1]!,
    );
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect([...Object.keys(fly['env']), ...SECRETS]).toContain(name);
    const traefik = yamlOf('deploy/fly/traefik/traefik.yml');
    expect(traefik['entryPoints'].web.address).toBe(`:${fly['http_service'].internal_port}`);
    expect(traefik['entryPoints'][traefik['ping'].entryPoint].address).toBe(`:${fly['checks'].traefik.port}`);
  });
});

describe('deploy/compose', () => {
  const compose = yamlOf('deploy/compose/compose.yaml');
  const services = compose['services'] as Record<string, Doc>;

  it('validates against the Compose specification schema', () => {
    // The Compose specification's JSON schema (draft-07), as the dclint package ships it.
    const schema = JSON.parse(read('node_modules/dclint/schemas/compose.schema.json')) as Doc;
    // Its $schema is draft-07 under an https URL ajv does not know by that name: compile it as draft-07 anyway.
    const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    const validate = ajv.compile(schema);
    expect(validate(compose) ? [] : validate.errors).toEqual([]);
    // The schema really checks: a wrong type is reported.
    expect(validate({ services: { keyway: { ports: 'eighty' } } })).toBe(false);
  });

  it('keyway: the env it reads, its config, a stop grace past the drain, a probe it serves', async () => {
    const keyway = services['keyway']!;
    const config = deployConfig('compose');
    const known = new Set([...KEYWAY_ENV, ...interpolated(read('deploy/compose/keyway.yaml'))]);
    for (const name of Object.keys(keyway['environment']))
      expect([name, known.has(name)]).toEqual([name, true]);
    expect(keyway['environment'].KEYWAY_CONFIG).toBe('/etc/keyway/keyway.yaml');
    expect(ms(keyway['stop_grace_period'])).toBeGreaterThan(
      config.server.shutdown_timeout + HARD_STOP_MARGIN_MS,
    );
    const probe = (keyway['healthcheck'].test as string[]).join(' ');
    const url = /http:\/\/127\.0\.0\.1:(\d+)(\/\w+)/.exec(probe)!;
    expect(Number(url[1])).toBe(PORT);
    expect(await servesProbe(url[2]!)).toBe(true);
    expect(keyway['read_only']).toBe(true);
    expect(keyway['user']).not.toMatch(/^0/);
    // The proxies dial what the config allows; the route table names only allowlisted upstreams.
    const allowed = new Set(config.routing.upstream_allowlist);
    const table = yamlOf('deploy/compose/routes.yaml');
    for (const u of [...Object.values(table['routes'] as Record<string, string>), table['default']])
      expect([u, allowed.has(u)]).toEqual([u, true]);
    for (const u of allowed) expect(services[u.split(':')[0]!]).toBeDefined();
  });

  it('one profile per proxy, each given the same proxy secret as keyway', () => {
    for (const proxy of ['traefik', 'caddy', 'nginx']) {
      expect(services[proxy]!['profiles']).toEqual([proxy]);
      expect(services[proxy]!['environment'].KEYWAY_PROXY_SECRET).toBe(
        services['keyway']!['environment'].KEYWAY_PROXY_SECRET,
      );
      expect(services[proxy]!['ports']).toEqual(['127.0.0.1:8080:8080']);
    }
    expect(services['keyway']!['ports']).toBeUndefined();
    expect(services['redis']!['ports']).toBeUndefined();
  });
});

/** Every document of every deploy/kubernetes file, validated by the model of its apiVersion/kind. */
// biome-ignore lint/suspicious/noExplicitAny: each model class takes its own typed input; the YAML is checked by validate()
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'networking.k8s.io/v1/Ingress': Ingress,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
  'traefik.io/v1alpha1/Middleware': Middleware,
  'traefik.io/v1alpha1/IngressRoute': IngressRoute,
};
const k8sDocs = filesUnder('deploy/kubernetes')
  .filter((f) => f.endsWith('.yaml') && !f.endsWith('kustomization.yaml'))
  .flatMap((f) => parseAllDocuments(read(f)).map((d) => ({ file: f, doc: d.toJS() as Doc })));
const k8s = (kind: string) => k8sDocs.find((d) => d.doc['kind'] === kind)!.doc;

describe('deploy/kubernetes', () => {
  it.each(k8sDocs.map((d) => [`${d.file} ${d.doc['kind']}`, d.doc] as const))(
    '%s validates',
    (_name, doc) => {
      const Model = MODELS[`${doc['apiVersion']}/${doc['kind']}`];
      expect(Model, `no model for ${doc['apiVersion']}/${doc['kind']}`).toBeDefined();
      expect(() => new Model!(doc).validate()).not.toThrow();
    },
  );

  it('the validator really checks (a string port is refused)', () => {
    const bad = structuredClone(k8s('Deployment'));
    bad['spec'].template.spec.containers[0].ports[0].containerPort = 'http';
    expect(() => new Deployment(bad).validate()).toThrow(/containerPort/);
  });

  it('kustomization lists every manifest but the examples', () => {
    const listed = yamlOf('deploy/kubernetes/kustomization.yaml')['resources'] as string[];
    const files = filesUnder('deploy/kubernetes').map((f) => relative('deploy/kubernetes', f));
    const examples = [
      'secret.example.yaml',
      'traefik-middleware.yaml',
      'ingress-nginx.yaml',
      'kustomization.yaml',
    ];
    expect([...listed].sort()).toEqual(
      files.filter((f) => f.endsWith('.yaml') && !examples.includes(f)).sort(),
    );
  });

  it('Deployment: port, probes keyway serves, non-root, read-only root fs, drain inside the grace period', async () => {
    const pod = k8s('Deployment')['spec'].template.spec;
    const c = pod.containers[0];
    const config = loadConfig({
      ...PLACEHOLDER_ENV,
      KEYWAY_CONFIG_YAML: k8s('ConfigMap')['data']['keyway.yaml'],
    });
    expect(c.ports[0].containerPort).toBe(PORT);
    expect(config.server.port).toBe(PORT);
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    for (const p of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
      expect(p.httpGet.port).toBe(c.ports[0].name);
      expect(await servesProbe(p.httpGet.path)).toBe(true);
    }
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(c.resources.requests.cpu).toBeDefined();
    const preStop = Number(c.lifecycle.preStop.exec.command[1]) * 1000;
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(
      preStop + config.server.shutdown_timeout + HARD_STOP_MARGIN_MS,
    );
    const env = c.env.map((e: Doc) => e.name) as string[];
    const known = new Set([...KEYWAY_ENV, ...interpolated(k8s('ConfigMap')['data']['keyway.yaml'])]);
    for (const name of env) expect([name, known.has(name)]).toEqual([name, true]);
    for (const e of c.env.filter((x: Doc) => x.valueFrom))
      expect(Object.keys(k8s('Secret')['stringData'])).toContain(e.valueFrom.secretKeyRef.key);
  });

  it('Service, NetworkPolicy, ServiceMonitor, PDB and HPA point at keyway’s pods and port', () => {
    const labels = k8s('Deployment')['spec'].template.metadata.labels;
    expect(k8s('Service')['spec'].selector).toEqual(labels);
    expect(k8s('Service')['spec'].ports[0].port).toBe(PORT);
    expect(k8s('NetworkPolicy')['spec'].podSelector.matchLabels).toEqual(labels);
    expect(k8s('NetworkPolicy')['spec'].ingress.flatMap((r: Doc) => r.ports.map((p: Doc) => p.port))).toEqual(
      [PORT],
    );
    expect(k8s('PodDisruptionBudget')['spec'].selector.matchLabels).toEqual(labels);
    expect(k8s('HorizontalPodAutoscaler')['spec'].minReplicas).toBeGreaterThanOrEqual(2);
    expect(k8s('ServiceMonitor')['spec'].endpoints[0]).toMatchObject({ port: 'http', path: '/metrics' });
  });

  it('Traefik Middleware and ingress-nginx copy exactly keyway’s headers; the auth-url names a real policy', () => {
    const config = loadConfig({
      ...PLACEHOLDER_ENV,
      KEYWAY_CONFIG_YAML: k8s('ConfigMap')['data']['keyway.yaml'],
    });
    const headers = emittedHeaders(config);
    const mw = k8s('Middleware')['spec'].forwardAuth;
    expect(mw.authResponseHeadersRegex).toBe(authHeadersRegex(headers));
    expect(mw.trustForwardHeader).toBe(false);
    expect(mw.address).toBe(`http://keyway.keyway.svc.cluster.local:${PORT}/auth`);
    const annotations = k8s('Ingress')['metadata'].annotations;
    expect(annotations['nginx.ingress.kubernetes.io/auth-response-headers'].split(',')).toEqual([...headers]);
    const policy = /\/auth\/([\w.-]+)$/.exec(annotations['nginx.ingress.kubernetes.io/auth-url'])?.[1];
    expect(config.policies.map((p) => p.name)).toContain(policy);
  });
});

describe('deploy/observability uses metric names and reason codes that exist', () => {
  let redis: RedisServer;
  let server: RunningServer;
  let names: Set<string>;
  beforeAll(async () => {
    redis = await startRedis();
    // Every part that registers metrics: key store, Redis-backed revocation, a routed table with health checks.
    server = await startServer(
      loadConfig({
        KEYWAY_ISSUER: 'https://idp.test',
        KEYWAY_HS_SECRET: HS_SECRET,
        REDIS_URL: redis.url,
        PORT: '0',
        KEYWAY_CONFIG_YAML: `issuers: [{ issuer: https://idp.test, hs_secrets: ["${HS_SECRET}"] }]\npolicies: [{ name: a }]\nrouting:\n  default_upstreams: ["127.0.0.1:${await unusedPort()}"]\n`,
      }),
      { deps: { log: createLogger('silent') }, loadConfig: () => server.config },
    );
    names = new Set((await server.deps.metrics.registry.getMetricsAsJSON()).map((m) => m.name));
  });
  afterAll(async () => {
    await server?.close();
    await redis?.close();
  });

  /** keyway_* names in a PromQL expression, histogram series mapped to their metric. */
  const metricsIn = (expr: string) =>
    [...expr.matchAll(/\bkeyway_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''));
  const reasonsIn = (expr: string) =>
    [...expr.matchAll(/reason=~?"([^"]+)"/g)].flatMap((m) => m[1]!.split('|'));

  it('the alert rules: valid PrometheusRule groups, every metric registered, every reason a code', () => {
    const rules = yamlOf('deploy/observability/prometheus-rules.yaml');
    expect(() =>
      new PrometheusRule({ metadata: { name: 'keyway' }, spec: { groups: rules['groups'] } }).validate(),
    ).not.toThrow();
    // The Kubernetes PrometheusRule carries the same groups.
    expect(k8s('PrometheusRule')['spec'].groups).toEqual(rules['groups']);
    const all = (rules['groups'] as Doc[]).flatMap((g) => g['rules'] as Doc[]);
    const wanted = [
      'keyway_keys_loaded',
      'keyway_jwks_age_seconds',
      'keyway_revocation_staleness_seconds',
      'keyway_upstream_healthy',
      'keyway_decisions_total',
      'keyway_config_last_reload_successful',
    ];
    for (const m of wanted) expect(all.some((r) => metricsIn(r['expr']).includes(m))).toBe(true);
    for (const rule of all) {
      expect(rule['alert']).toMatch(/^Keyway[A-Za-z]+$/);
      expect(rule['labels'].severity).toMatch(/^(critical|warning|info)$/);
      for (const m of metricsIn(rule['expr']))
        expect([rule['alert'], m, names.has(m)]).toEqual([rule['alert'], m, true]);
      for (const r of reasonsIn(rule['expr'])) expect(REASON_CODES).toContain(r);
    }
  });

  it('the Grafana dashboard: every panel query names registered metrics', () => {
    const dash = JSON.parse(read('deploy/observability/grafana-dashboard.json')) as Doc;
    const exprs = [
      ...(dash['panels'] as Doc[]).flatMap((p) => (p['targets'] as Doc[]).map((t) => t['expr'] as string)),
      ...(dash['templating'].list as Doc[]).map((v) => v['definition'] ?? ''),
    ];
    expect(exprs.length).toBeGreaterThan(15);
    for (const expr of exprs) {
      for (const m of metricsIn(expr)) expect([m, names.has(m)]).toEqual([m, true]);
      for (const r of reasonsIn(expr)) expect(REASON_CODES).toContain(r);
    }
    expect(new Set(exprs.flatMap(metricsIn))).toContain('keyway_build_info');
  });
});
