// The route table: routing keys → upstream lists plus a default list, validated from an untrusted document.
import { isMap, isScalar, parseDocument } from 'yaml';
import { suggestKey } from '../config/suggest-key.js';
import { parseStrictJsonObject } from '../lib/strict-json.js';
import { isUpstream, UPSTREAM_EXPECTED } from '../lib/upstream.js';

/** An immutable, validated route table. */
export interface RouteTable {
  readonly routes: ReadonlyMap<string, readonly string[]>;
  readonly defaults: readonly string[];
  /** Every upstream the table names (routes and defaults), unique and sorted: what the proxy may be told to dial. */
  readonly upstreams: readonly string[];
}

/** Checks applied to every table, from the config. */
export interface TableRules {
  /** Used when the document has no `default`. */
  readonly defaultUpstreams: readonly string[];
  /** When non-empty, every upstream must be one of these. */
  readonly allowlist: readonly string[];
}

/** One problem of a table: the key path inside the table (`routes["t1/svc/blue"][1]`, `(root)`) and what is wrong. */
export interface TableProblem {
  readonly path: string;
  readonly message: string;
}

/** A table that failed validation: every problem with its key path, e.g. `routes["t1/svc/blue"][1]: expected ...`. */
export class RouteTableError extends Error {
  /** The problems as `path: message` lines (for logs and the admin API). */
  readonly issues: readonly string[];

  constructor(readonly problems: readonly TableProblem[]) {
    const issues = problems.map((p) => (p.path === '(root)' ? p.message : `${p.path}: ${p.message}`));
    super(`invalid route table:\n  - ${issues.join('\n  - ')}`);
    this.name = 'RouteTableError';
    this.issues = issues;
  }
}

const MAX_KEY_LENGTH = 1024;
const PRINTABLE = /^[\x20-\x7e]+$/;

/** Build a table from already-parsed lists; throws RouteTableError when a key or upstream is invalid. */
export function buildRouteTable(
  routes: Iterable<readonly [string, unknown]>,
  defaults: unknown,
  rules: TableRules,
): RouteTable {
  const issues: TableProblem[] = [];
  const allowed = new Set(rules.allowlist);
  const list = (value: unknown, at: string, allowEmpty = false): string[] => {
    const items =
      typeof value === 'string' ? [value] : Array.isArray(value) ? (value as unknown[]) : undefined;
    if (items === undefined || (items.length === 0 && !allowEmpty)) {
      issues.push({ path: at, message: 'expected a "host:port" string or a non-empty list of them' });
      return [];
    }
    const out: string[] = [];
    items.forEach((item, i) => {
      const where = typeof value === 'string' ? at : `${at}[${i}]`;
      if (!isUpstream(item))
        issues.push({ path: where, message: `${UPSTREAM_EXPECTED}, got ${JSON.stringify(item)}` });
      else if (allowed.size > 0 && !allowed.has(item))
        issues.push({ path: where, message: `${item} is not in routing.upstream_allowlist` });
      else if (!out.includes(item)) out.push(item);
    });
    return out;
  };
  const map = new Map<string, readonly string[]>();
  for (const [key, value] of routes) {
    const at = `routes[${JSON.stringify(key)}]`;
    if (key === '' || key.length > MAX_KEY_LENGTH || !PRINTABLE.test(key)) {
      issues.push({
        path: at,
        message: `expected a routing key of 1-${MAX_KEY_LENGTH} printable ASCII characters`,
      });
      continue;
    }
    map.set(key, Object.freeze(list(value, at)));
  }
  const defaultList = defaults === undefined ? [...rules.defaultUpstreams] : list(defaults, 'default', true);
  if (issues.length > 0) throw new RouteTableError(issues);
  const all = new Set<string>(defaultList);
  for (const upstreams of map.values()) for (const u of upstreams) all.add(u);
  return Object.freeze({
    routes: map,
    defaults: Object.freeze(defaultList),
    upstreams: Object.freeze([...all].sort()),
  });
}

/** Validate `{ routes: { key: upstream | [upstream] }, default?: upstream | [upstream] }` (`default: []`: none). */
export function parseRouteTableDocument(doc: unknown, rules: TableRules): RouteTable {
  if (doc === null || doc === undefined) return buildRouteTable([], undefined, rules);
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new RouteTableError([
      { path: '(root)', message: 'expected a mapping with "routes" and optionally "default"' },
    ]);
  }
  const { routes, default: defaults, ...rest } = doc as Record<string, unknown>;
  const unknownKeys = Object.keys(rest).map((k) => ({
    path: k,
    message: `unknown key; expected "routes" or "default"${suggestKey(k, ['routes', 'default']) ? `; did you mean "${suggestKey(k, ['routes', 'default'])}"?` : ''}`,
  }));
  if (routes !== undefined && (typeof routes !== 'object' || routes === null || Array.isArray(routes))) {
    throw new RouteTableError([
      ...unknownKeys,
      { path: 'routes', message: 'expected a mapping of routing key → upstreams' },
    ]);
  }
  const entries = Object.entries((routes ?? {}) as Record<string, unknown>);
  if (unknownKeys.length === 0) return buildRouteTable(entries, defaults, rules);
  // Every problem at once: the routes' own problems too.
  try {
    buildRouteTable(entries, defaults, rules);
  } catch (err) {
    if (err instanceof RouteTableError) throw new RouteTableError([...unknownKeys, ...err.problems]);
    throw err;
  }
  throw new RouteTableError(unknownKeys);
}

/** The first key repeated in a mapping (YAML's own uniqueKeys check is quadratic: 10,000 routes took seconds). */
function repeatedKey(node: unknown): string | undefined {
  if (!isMap(node)) return undefined;
  const seen = new Set<string>();
  for (const pair of node.items) {
    const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
    if (seen.has(key)) return key;
    seen.add(key);
  }
  return undefined;
}

/** Parse JSON or YAML text (JSON is YAML) into a table; throws RouteTableError with the parse or validation problems. */
export function parseRouteTableText(text: string, rules: TableRules): RouteTable {
  // JSON (what generators write) takes the fast, strict path: it refuses duplicate names itself.
  const json = text.trimStart().startsWith('{') ? parseStrictJsonObject(text) : undefined;
  if (json !== undefined) return parseRouteTableDocument(json, rules);
  let doc: unknown;
  try {
    const document = parseDocument(text, { uniqueKeys: false, prettyErrors: true });
    const error = document.errors[0];
    if (error) throw error;
    const routes = isMap(document.contents) ? document.contents.get('routes', true) : undefined;
    const repeated = repeatedKey(document.contents) ?? repeatedKey(routes);
    if (repeated !== undefined) throw new Error(`Map keys must be unique ("${repeated}" appears twice)`);
    doc = document.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // The whole message: yaml's carries the line, the column and the snippet.
    throw new RouteTableError([
      { path: '(root)', message: `not valid JSON or YAML: ${(err as Error).message.trimEnd()}` },
    ]);
  }
  return parseRouteTableDocument(doc, rules);
}

/** The rules a config imposes on every table. */
export function tableRules(routing: {
  default_upstreams: readonly string[];
  upstream_allowlist: readonly string[];
}): TableRules {
  return { defaultUpstreams: routing.default_upstreams, allowlist: routing.upstream_allowlist };
}
