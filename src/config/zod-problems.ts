// zodProblems: zod issues → config problems with a stable code, the key path, what was expected and, for an unknown
// key, the nearest valid key computed from the schema. Values are never echoed (one may be a misplaced secret).
import type { z } from 'zod';
import type { ConfigIssueCode, ConfigProblem } from '../errors.js';
import { suggestKey } from './suggest-key.js';

type Path = readonly PropertyKey[];

/** Render a zod path the way users write keys: `policies[2].audiences`. */
export function formatPath(path: Path): string {
  let out = '';
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : out === '' ? String(part) : `.${String(part)}`;
  }
  return out || '(root)';
}

interface Def {
  readonly type: string;
  readonly shape?: Record<string, z.ZodType>;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly element?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly valueType?: z.ZodType;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The schemas a value at `schema` may be matched by once wrappers (default, optional, pipe, union) are removed. */
function candidates(schema: z.ZodType): z.ZodType[] {
  const def = defOf(schema);
  if (def.innerType) return candidates(def.innerType);
  if (def.type === 'pipe' && def.in) return candidates(def.in);
  if (def.type === 'union' && def.options) return def.options.flatMap(candidates);
  return [schema];
}

/** The schemas describing the value at `path` under `schema` (several through a union). */
function schemasAt(schema: z.ZodType, path: Path): z.ZodType[] {
  let current = [schema];
  for (const part of path) {
    current = current.flatMap(candidates).flatMap((s) => {
      const def = defOf(s);
      if (def.type === 'object' && typeof part === 'string' && def.shape?.[part]) return [def.shape[part]];
      if (def.type === 'array' && typeof part === 'number' && def.element) return [def.element];
      if (def.type === 'record' && def.valueType) return [def.valueType];
      return [];
    });
  }
  return current;
}

/** The keys an object at `path` accepts. */
export function keysAt(schema: z.ZodType, path: Path): string[] {
  return [
    ...new Set(
      schemasAt(schema, path)
        .flatMap(candidates)
        .flatMap((s) => Object.keys(defOf(s).shape ?? {})),
    ),
  ];
}

/** Where an unknown key is valid one level down (`port` at the top level: `server.port`, `admin.port`). */
function nestedHomes(schema: z.ZodType, path: Path, key: string): string[] {
  return keysAt(schema, path).filter((child) => keysAt(schema, [...path, child]).includes(key));
}

/** The problem of `key`, unknown in the object at `path`, with the nearest valid key (or where it is valid). */
export function unknownKeyProblem(schema: z.ZodType, path: Path, key: string): ConfigProblem {
  const at = [...path, key];
  const valid = keysAt(schema, path);
  const near = suggestKey(key, valid);
  const homes = near === undefined ? nestedHomes(schema, path, key) : [];
  const hint =
    near !== undefined
      ? `did you mean "${formatPath([...path, near])}"?`
      : homes.length > 0
        ? `did you mean ${homes.map((h) => `"${formatPath([...path, h, key])}"`).join(' or ')}?`
        : `expected one of: ${valid.join(', ')}`;
  return { path: formatPath(at), code: 'unknown_key', message: `unknown key; ${hint}` };
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'boolean') return 'a boolean';
  return `a ${typeof value}`;
}

/** The value at `path` of the input (to say what type was given; never shown itself). */
function valueAt(input: unknown, path: Path): unknown {
  let v = input;
  for (const part of path)
    v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[part] : undefined;
  return v;
}

/** One zod issue → problems (an `unrecognized_keys` issue gives one per key; a union, its closest branch's). */
function translate(issue: z.core.$ZodIssue, schema: z.ZodType, input: unknown, base: Path): ConfigProblem[] {
  const path = [...base, ...issue.path];
  const at = formatPath(path);
  const problem = (code: ConfigIssueCode, message: string): ConfigProblem[] => [{ path: at, code, message }];
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => unknownKeyProblem(schema, path, key));
    case 'invalid_type': {
      const given = valueAt(input, path);
      const expected = TYPE_WORDS[issue.expected] ?? issue.expected;
      if (given === undefined) return problem('missing_key', `expected ${expected} (required)`);
      return problem('invalid_type', `expected ${expected}, got ${typeOf(given)}`);
    }
    case 'invalid_union': {
      // A branch whose problems lie deeper than the value itself is the one the input meant: report those.
      const deep = issue.errors.find((branch) =>
        branch.some((i) => i.path.length > 0 || i.code !== 'invalid_type'),
      );
      if (deep) return deep.flatMap((i) => translate(i, schema, input, path));
      const expected = issue.errors.flatMap((branch) =>
        branch.flatMap((i) => (i.code === 'invalid_type' ? [TYPE_WORDS[i.expected] ?? i.expected] : [])),
      );
      const given = valueAt(input, path);
      if (given === undefined) return problem('missing_key', `expected ${expected.join(' or ')} (required)`);
      return problem('invalid_type', `expected ${expected.join(' or ')}, got ${typeOf(given)}`);
    }
    case 'invalid_value': {
      const options = issue.values.map(String);
      const given = valueAt(input, path);
      const near = typeof given === 'string' ? suggestKey(given, options) : undefined;
      return problem(
        'invalid_value',
        `expected one of ${options.join(', ')}${near === undefined ? '' : `; did you mean "${near}"?`}`,
      );
    }
    case 'too_small':
    case 'too_big': {
      if (!issue.message.startsWith('Too ')) return problem('invalid_value', issue.message);
      const bound = String(issue.code === 'too_small' ? issue.minimum : issue.maximum);
      const word = issue.code === 'too_small' ? 'at least' : 'at most';
      const unit =
        issue.origin === 'string'
          ? ' characters'
          : issue.origin === 'array' || issue.origin === 'set'
            ? ' items'
            : '';
      if (issue.code === 'too_small' && bound === '1' && issue.origin === 'string')
        return problem('invalid_value', 'expected a non-empty string');
      if (issue.code === 'too_small' && bound === '1' && issue.origin === 'array')
        return problem('invalid_value', 'expected a non-empty list');
      return problem('invalid_value', `expected ${word} ${bound}${unit}`);
    }
    case 'invalid_format':
      if (issue.message.startsWith('Invalid '))
        return problem(
          'invalid_value',
          issue.format === 'url' ? 'expected an absolute URL' : `expected ${issue.format}`,
        );
      return problem('invalid_value', issue.message);
    case 'custom': {
      // A refinement may name its code (`params: { code: 'conflict' }`); otherwise the value is not allowed.
      const code = (issue.params as { code?: ConfigIssueCode } | undefined)?.code;
      return problem(code ?? 'invalid_value', issue.message);
    }
    default:
      return problem('invalid_value', issue.message);
  }
}

/** Every problem of a failed parse of `input` by `schema`; `base` is where that input sits in the config. */
export function zodProblems(
  error: z.ZodError,
  schema: z.ZodType,
  input: unknown,
  base: Path = [],
): ConfigProblem[] {
  return error.issues.flatMap((issue) => translate(issue, schema, input, base));
}
