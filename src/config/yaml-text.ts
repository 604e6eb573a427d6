// Config text → document: YAML parsed with every syntax error reported whole (line, column, snippet), then ${VAR}
// and ${VAR:-default} replaced from the environment in string values.
import { parseDocument } from 'yaml';
import type { ConfigProblem } from '../errors.js';
import type { Env, Origin } from './env-input.js';
import { formatPath } from './zod-problems.js';

/** Parse YAML text; each syntax error (duplicate keys included) becomes an `invalid_yaml` problem. */
export function parseYamlText(text: string, problems: ConfigProblem[]): unknown {
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (document.errors.length > 0) {
    for (const error of document.errors)
      problems.push({
        path: '(root)',
        code: 'invalid_yaml',
        message: `not valid YAML: ${maskSecrets(error.message.trimEnd())}`,
      });
    return undefined;
  }
  try {
    return document.toJS({ maxAliasCount: 100 });
  } catch (err) {
    problems.push({
      path: '(root)',
      code: 'invalid_yaml',
      message: `not valid YAML: ${(err as Error).message}`,
    });
    return undefined;
  }
}

/** A snippet line's value after a key that names a secret (`hs_secrets:`, `token:`, `password:`, …). */
const SECRET_VALUE = /((?:secret|token|password|passwd|credential|private|pem)[\w-]*["']?\s*:\s*)(\S.*)$/i;

/**
 * The message with the values of secret-named keys in its snippet replaced by "*" (same length, so the caret under
 * the error still points at its column): a config written with a literal secret must not put it in a log.
 */
function maskSecrets(message: string): string {
  return message
    .split('\n')
    .map((line) =>
      line.replace(SECRET_VALUE, (_m, key: string, value: string) => key + '*'.repeat(value.length)),
    )
    .join('\n');
}

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replace ${VAR}s in every string of `value`; an unset one without default is a problem; `origins` records which. */
export function interpolate(value: unknown, env: Env, problems: ConfigProblem[], origins: Origin[]): unknown {
  return walk(value, [], env, problems, origins);
}

function walk(
  value: unknown,
  path: PropertyKey[],
  env: Env,
  problems: ConfigProblem[],
  origins: Origin[],
): unknown {
  if (typeof value === 'string') {
    return value.replace(VAR, (_m, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') {
        origins.push({ path: formatPath(path), variable: name, kind: 'interpolated' });
        return v;
      }
      if (fallback !== undefined) return fallback;
      problems.push({
        path: formatPath(path),
        code: 'unset_variable',
        message: `environment variable ${name} is not set: set it, or write \${${name}:-default}`,
      });
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i], env, problems, origins));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, walk(v, [...path, k], env, problems, origins)]),
    );
  }
  return value;
}
