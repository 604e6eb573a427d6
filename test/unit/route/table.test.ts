import { describe, expect, it } from 'vitest';
import { parseRouteTableText, RouteTableError, type TableRules } from '../../../src/route/table.js';

const rules: TableRules = { defaultUpstreams: ['10.0.0.9:80'], allowlist: [] };

function issues(text: string, r = rules): readonly string[] {
  try {
    parseRouteTableText(text, r);
  } catch (err) {
    if (err instanceof RouteTableError) return err.issues;
    throw err;
  }
  throw new Error('expected a RouteTableError');
}

describe('parseRouteTableText', () => {
  it('reads YAML with single strings and lists, deduplicates and collects every upstream', () => {
    const table = parseRouteTableText(
      'routes:\n  t1/svc/blue/i1: 10.0.0.1:80\n  t1/svc/blue: [10.0.0.1:80, 10.0.0.2:80, 10.0.0.2:80]\ndefault: 10.0.0.3:80\n',
      rules,
    );
    expect(table.routes.get('t1/svc/blue/i1')).toEqual(['10.0.0.1:80']);
    expect(table.routes.get('t1/svc/blue')).toEqual(['10.0.0.1:80', '10.0.0.2:80']);
    expect(table.defaults).toEqual(['10.0.0.3:80']);
    expect(table.upstreams).toEqual(['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80']);
  });

  it('reads JSON and falls back to routing.default_upstreams without "default"', () => {
    const table = parseRouteTableText('{"routes": {"k": ["10.0.0.1:80"]}}', rules);
    expect(table.defaults).toEqual(['10.0.0.9:80']);
  });

  it('accepts an empty file as an empty table', () => {
    expect(parseRouteTableText('', rules).routes.size).toBe(0);
  });

  it('names every problem with its key path', () => {
    expect(
      issues(
        'routes:\n  t1/svc/blue: [10.0.0.1:80, "http://evil:80"]\n  t1/x: []\n  "": 10.0.0.1:80\ndefault: nope\n',
      ),
    ).toEqual([
      'routes["t1/svc/blue"][1]: expected "host:port" (IPv4, [IPv6] or DNS name and a port 1-65535; no scheme, path, user or spaces), got "http://evil:80"',
      'routes["t1/x"]: expected a "host:port" string or a non-empty list of them',
      'routes[""]: expected a routing key of 1-1024 printable ASCII characters',
      'default: expected "host:port" (IPv4, [IPv6] or DNS name and a port 1-65535; no scheme, path, user or spaces), got "nope"',
    ]);
  });

  it('refuses upstreams outside routing.upstream_allowlist', () => {
    expect(
      issues('routes:\n  k: [10.0.0.1:80, 10.0.0.2:80]\n', {
        defaultUpstreams: [],
        allowlist: ['10.0.0.1:80'],
      }),
    ).toEqual(['routes["k"][1]: 10.0.0.2:80 is not in routing.upstream_allowlist']);
  });

  it('refuses unknown top-level keys, non-mappings and broken syntax', () => {
    expect(issues('route:\n  k: 10.0.0.1:80\n')).toEqual([
      'route: unknown key; expected "routes" or "default"; did you mean "routes"?',
    ]);
    expect(issues('- 10.0.0.1:80\n')).toEqual(['expected a mapping with "routes" and optionally "default"']);
    // Every problem at once: an unknown key does not hide the routes' own problems.
    expect(issues('rotues: {}\nroutes:\n  k: nowhere\n')).toEqual([
      'rotues: unknown key; expected "routes" or "default"; did you mean "routes"?',
      'routes["k"]: expected "host:port" (IPv4, [IPv6] or DNS name and a port 1-65535; no scheme, path, user or spaces), got "nowhere"',
    ]);
    expect(issues('routes: [a]\n')).toEqual(['routes: expected a mapping of routing key → upstreams']);
    // The whole YAML message: line, column and the snippet.
    expect(issues('routes: {k: [\n')[0]).toMatch(/^not valid JSON or YAML: .* at line \d+, column \d+:\n\n/s);
    expect(issues('routes:\n  k: 10.0.0.1:80\n  k: 10.0.0.2:80\n')[0]).toMatch(/^not valid JSON or YAML: /);
  });
  it('refuses a repeated key in YAML and in JSON (one pass over the keys, not the quadratic YAML check)', () => {
    for (const text of [
      'routes:\n  a: 1.2.3.4:80\n  a: 1.2.3.5:80\n',
      '{"routes": {"a": "1.2.3.4:80", "a": "1.2.3.5:80"}}',
    ])
      expect(() => parseRouteTableText(text, rules)).toThrow(RouteTableError);
    const big = Object.fromEntries(
      Array.from({ length: 20_000 }, (_, i) => [`t${i}/svc/v1`, `10.0.${(i >> 8) & 255}.${i & 255}:80`]),
    );
    expect(parseRouteTableText(JSON.stringify({ routes: big }), rules).routes.size).toBe(20_000);
    const yaml = `routes:\n${Object.entries(big)
      .map(([k, v]) => `  ${k}: ${v}`)
      .join('\n')}\n`;
    expect(parseRouteTableText(yaml, rules).routes.size).toBe(20_000);
  });
});
