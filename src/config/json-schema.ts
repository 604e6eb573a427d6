// configJsonSchema: the JSON Schema of keyway.yaml as a user writes it (zod's input side), for editors and CI. It
// checks keys, types, ranges, patterns and enums; refinements (cross-field rules, upstream and routing-key syntax,
// files and secrets) have no JSON Schema form and stay with the parser (`keyway check-config`).
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { duration } from './duration-schema.js';
import { configSchema } from './schema.js';

type JsonSchema = Record<string, unknown>;

/** A string holding a `${VAR}` or `${VAR:-default}` reference (load.ts replaces it before zod sees the value). */
const INTERPOLATED: JsonSchema = {
  type: 'string',
  pattern: '\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}',
  description:
    'Replaced by the environment variable when keyway loads the file (${VAR}, or ${VAR:-default}).',
};

/** What parseDuration (lib/duration.ts) takes as text: a number and a unit, surrounding whitespace ignored. */
export const DURATION_PATTERN = '^\\s*\\d+(\\.\\d+)?(ms|s|m|h|d)\\s*$';

const UNITS = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
] as const;

/** Milliseconds in the largest unit that divides them ("5m", "1d", "500ms"). */
export function formatDuration(ms: number): string {
  const unit = UNITS.find(([, size]) => ms >= size && ms % size === 0);
  return unit ? `${ms / unit[1]}${unit[0]}` : `${ms}ms`;
}

const DURATION_JSON: JsonSchema = {
  description: 'A duration: a number of seconds, or a string like "500ms", "30s", "5m", "12h", "7d".',
  anyOf: [
    { type: 'number', minimum: 0 },
    {
      type: 'string',
      pattern: DURATION_PATTERN,
      patternErrorMessage:
        'expected a duration like "30s", "500ms", "5m", "12h", "7d" or a number of seconds',
    },
  ],
};

/** Keys that only annotate (they stay on the outer node when a string node gains the ${VAR} alternative). */
const ANNOTATIONS = ['title', 'description', 'default', 'examples'] as const;
/** Keys under which a JSON Schema holds subschemas of values (not `propertyNames`: keys are never interpolated). */
const CHILDREN = ['items', 'additionalProperties'] as const;

function isDuration(schema: z.core.$ZodType): boolean {
  for (let s: z.core.$ZodType | undefined = schema; s; s = s._zod.parent) if (s === duration) return true;
  return false;
}

/** A default as the file would spell it: zod drops defaults of transformed values (durations are milliseconds). */
function inputDefault(inner: z.core.$ZodType, value: unknown): unknown {
  const candidates = typeof value === 'number' ? [value, formatDuration(value)] : [value];
  return candidates.find((c) => {
    const parsed = z.safeParse(inner, c);
    return parsed.success && isDeepStrictEqual(parsed.data, value);
  });
}

/** The message of a string's one `.regex(re, message)` check, for editors (VS Code's `patternErrorMessage`). */
function patternMessage(schema: z.core.$ZodType): string | undefined {
  const regexes = (schema._zod.def.checks ?? []).filter(
    (c) => (c._zod.def as { format?: string }).format === 'regex',
  );
  const error = regexes.length === 1 ? regexes[0]?._zod.def.error : undefined;
  const message = typeof error === 'function' ? error({} as never) : undefined;
  return typeof message === 'string' ? message : undefined;
}

function override(ctx: { zodSchema: z.core.$ZodTypes; jsonSchema: JsonSchema }): void {
  const { zodSchema, jsonSchema } = ctx;
  const message = jsonSchema['pattern'] === undefined ? undefined : patternMessage(zodSchema);
  if (message !== undefined) jsonSchema['patternErrorMessage'] = message;
  if (isDuration(zodSchema)) {
    // zod sees `number | string` (the text is parsed by a transform): say which numbers and strings parse.
    const own = pick(jsonSchema, ['description']);
    delete jsonSchema['type'];
    Object.assign(jsonSchema, structuredClone(DURATION_JSON), own);
  }
  const def = zodSchema._zod.def;
  if (def.type === 'default' && !('default' in jsonSchema)) {
    const value = inputDefault(def.innerType, def.defaultValue);
    if (value !== undefined) jsonSchema['default'] = value;
  }
}

function pick(schema: JsonSchema, keys: readonly string[]): JsonSchema {
  return Object.fromEntries(keys.filter((k) => k in schema).map((k) => [k, schema[k]]));
}

/** The shortest `${VAR}` reference: a string needing no more characters passes as it is. */
const SHORTEST_REFERENCE = '${A}'.length;

/** A string a `${VAR}` reference would fail (pattern, format, enum, length) although keyway takes it once replaced. */
function isConstrainedString(schema: JsonSchema): boolean {
  if (schema['type'] !== 'string') return false;
  const minLength = (schema['minLength'] as number | undefined) ?? 0;
  return (
    minLength > SHORTEST_REFERENCE || ['pattern', 'format', 'enum', 'maxLength'].some((k) => k in schema)
  );
}

const REFERENCE: JsonSchema = { $ref: '#/definitions/interpolated' };

/** Let every constrained string also be a `${VAR}` reference, in this schema and all the values it holds. */
function allowInterpolation(schema: JsonSchema): JsonSchema {
  if (isConstrainedString(schema)) {
    const annotations = pick(schema, ANNOTATIONS);
    const constraints = { ...schema };
    for (const key of ANNOTATIONS) delete constraints[key];
    return { ...annotations, anyOf: [constraints, REFERENCE] };
  }
  const out: JsonSchema = { ...schema };
  const anyOf = out['anyOf'] as JsonSchema[] | undefined;
  if (anyOf) {
    // One reference branch beside the string branches, rather than one nested in each of them.
    const branches = anyOf.map((b) => (isConstrainedString(b) ? b : allowInterpolation(b)));
    out['anyOf'] = anyOf.some(isConstrainedString) ? [...branches, REFERENCE] : branches;
  }
  const properties = out['properties'] as Record<string, JsonSchema> | undefined;
  if (properties)
    out['properties'] = Object.fromEntries(
      Object.entries(properties).map(([key, value]) => [key, allowInterpolation(value)]),
    );
  for (const key of CHILDREN) {
    const child = out[key];
    if (child && typeof child === 'object') out[key] = allowInterpolation(child as JsonSchema);
  }
  return out;
}

/** The JSON Schema (draft-07) of the config file: the input format of `configSchema`, with `${VAR}` allowed in strings. */
export function configJsonSchema(): JsonSchema {
  const generated = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-07', override }) as JsonSchema;
  const { $schema, ...body } = generated;
  return {
    $schema,
    title: 'keyway configuration (keyway.yaml)',
    ...allowInterpolation(body),
    definitions: { interpolated: INTERPOLATED },
  };
}

/** The checked-in text of the schema file (`npm run schema` writes it; a test compares it). */
export function renderConfigJsonSchema(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
