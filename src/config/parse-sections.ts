// parseSections: the config document parsed section by section (and issuer by issuer, policy by policy), so one bad
// value costs only its own part: the cross-field checks still run over every part that parsed, in the same pass.
import type { ConfigProblem } from '../errors.js';
import { lenientParse } from './lenient-parse.js';
import {
  type ConfigInput,
  configSchema,
  type IssuerConfig,
  issuerSchema,
  type PolicyConfig,
  policySchema,
} from './schema.js';
import { unknownKeyProblem, zodProblems } from './zod-problems.js';

/** An array element that parsed, with its index in the document. */
export interface Indexed<T> {
  readonly index: number;
  readonly value: T;
}

export interface ParsedSections {
  /** Every section; a section that failed holds its readable part (see `failed`), or its defaults (`unreadable`). */
  readonly raw: Omit<ConfigInput, 'issuers' | 'policies'>;
  readonly issuers: readonly Indexed<IssuerConfig>[];
  readonly policies: readonly Indexed<PolicyConfig>[];
  /** Top-level sections with problems (`issuers` / `policies` when any element failed). */
  readonly failed: ReadonlySet<string>;
  /** Failed sections whose readable part could not be parsed either: `raw` holds their defaults. */
  readonly unreadable: ReadonlySet<string>;
  /** The names of issuers and policies that failed to parse but name themselves (so references to them stand). */
  readonly looseIssuerNames: ReadonlySet<string>;
  readonly loosePolicyNames: ReadonlySet<string>;
  /** The issuers and policies that failed to parse, as written (for the checks their readable fields allow). */
  readonly looseIssuers: readonly Indexed<Record<string, unknown>>[];
  readonly loosePolicies: readonly Indexed<Record<string, unknown>>[];
  /** Their readable parts (the offending keys and values removed), for the checks of the rest in the same pass. */
  readonly readableIssuers: readonly Indexed<IssuerConfig>[];
  readonly readablePolicies: readonly Indexed<PolicyConfig>[];
  readonly problems: readonly ConfigProblem[];
}

type Shape = typeof configSchema.shape;
type SectionName = Exclude<keyof Shape, 'issuers' | 'policies'>;

const SECTIONS = Object.keys(configSchema.shape).filter(
  (k) => k !== 'issuers' && k !== 'policies',
) as SectionName[];

const isMapping = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v);

/** Parse `input` (the YAML document, env overrides applied); never throws. */
export function parseSections(input: unknown): ParsedSections {
  const problems: ConfigProblem[] = [];
  const failed = new Set<string>();
  const unreadable = new Set<string>();
  const doc = input ?? {};
  if (!isMapping(doc)) {
    problems.push({
      path: '(root)',
      code: 'invalid_type',
      message: 'expected a mapping of config sections (server, issuers, policies, …)',
    });
  }
  const root = isMapping(doc) ? doc : {};
  for (const key of Object.keys(root))
    if (!Object.hasOwn(configSchema.shape, key)) problems.push(unknownKeyProblem(configSchema, [], key));
  const raw: Record<string, unknown> = {};
  for (const name of SECTIONS) {
    const schema = configSchema.shape[name];
    const parsed = schema.safeParse(root[name]);
    if (parsed.success) raw[name] = parsed.data;
    else {
      failed.add(name);
      problems.push(...zodProblems(parsed.error, configSchema, root, [name]));
      const readable = lenientParse(schema, root[name]);
      if (readable === undefined) unreadable.add(name);
      raw[name] = readable ?? schema.safeParse(undefined).data;
    }
  }
  const issuers = parseList(root, 'issuers', issuerSchema, problems, failed);
  const policies = parseList(root, 'policies', policySchema, problems, failed);
  return {
    raw: raw as ParsedSections['raw'],
    issuers: issuers.parsed,
    policies: policies.parsed,
    failed,
    unreadable,
    looseIssuerNames: new Set(
      issuers.loose.flatMap(({ value: e }) => [e['name'], e['issuer']]).filter(isName),
    ),
    loosePolicyNames: new Set(policies.loose.map(({ value: e }) => e['name']).filter(isName)),
    looseIssuers: issuers.loose,
    loosePolicies: policies.loose,
    readableIssuers: readable(issuers.loose, issuerSchema),
    readablePolicies: readable(policies.loose, policySchema),
    problems,
  };
}

function readable<S extends typeof issuerSchema | typeof policySchema>(
  loose: readonly Indexed<Record<string, unknown>>[],
  schema: S,
): Indexed<S['_output']>[] {
  return loose.flatMap(({ index, value }) => {
    const parsed = lenientParse(schema, value) as S['_output'] | undefined;
    return parsed === undefined ? [] : [{ index, value: parsed }];
  });
}

const isName = (v: unknown): v is string => typeof v === 'string' && v !== '';

function parseList<S extends typeof issuerSchema | typeof policySchema>(
  root: Record<string, unknown>,
  name: 'issuers' | 'policies',
  schema: S,
  problems: ConfigProblem[],
  failed: Set<string>,
): { parsed: Indexed<S['_output']>[]; loose: Indexed<Record<string, unknown>>[] } {
  const value = root[name];
  if (value === undefined || value === null) return { parsed: [], loose: [] };
  if (!Array.isArray(value)) {
    failed.add(name);
    problems.push({ path: name, code: 'invalid_type', message: 'expected a list (one "- " entry per item)' });
    return { parsed: [], loose: [] };
  }
  const parsed: Indexed<S['_output']>[] = [];
  const loose: Indexed<Record<string, unknown>>[] = [];
  value.forEach((element, index) => {
    const result = schema.safeParse(element);
    if (result.success) parsed.push({ index, value: result.data });
    else {
      failed.add(name);
      if (isMapping(element)) loose.push({ index, value: element });
      problems.push(...zodProblems(result.error, configSchema, root, [name, index]));
    }
  });
  return { parsed, loose };
}
