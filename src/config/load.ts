// loadConfig: the YAML file (KEYWAY_CONFIG) or inline YAML (KEYWAY_CONFIG_YAML) with ${VAR} secrets, or the env quick
// start; env overrides on top. Every problem names where its value came from (the file or the variable).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, type ConfigProblem } from '../errors.js';
import {
  applyEnvOverrides,
  type Env,
  type Origin,
  quickStartFromEnv,
  quickStartVariables,
} from './env-input.js';
import { checkConfig } from './parse.js';
import type { ParsedSections } from './parse-sections.js';
import { resolveRelativePaths } from './relative-paths.js';
import type { Config, ConfigIo } from './types.js';
import { interpolate, parseYamlText } from './yaml-text.js';

export type { Env };

const nodeIo: ConfigIo = { readFile: (path) => readFileSync(path, 'utf8') };

/** The source name of a config given inline (a Fly/Kubernetes/compose secret holding the YAML itself). */
const INLINE = 'KEYWAY_CONFIG_YAML';

/** The unvalidated config document, where it came from, and which key paths environment variables set. */
export interface ConfigInput {
  readonly doc: unknown;
  /** The file path, KEYWAY_CONFIG_YAML, or "environment" (quick start or nothing). */
  readonly source: string;
  /** How the config was given: none means no config source at all (`serve` then runs dev mode). */
  readonly kind: 'file' | 'inline' | 'quick-start' | 'none';
  readonly origins: readonly Origin[];
  /** Problems reading it (YAML syntax, unset ${VAR}s, an unreadable file); `doc` is then what could be read. */
  readonly problems: readonly ConfigProblem[];
}

/** Read the config input named by env; never throws (problems are in the result). */
export function readConfigInput(env: Env, io: ConfigIo = nodeIo): ConfigInput {
  const path = env['KEYWAY_CONFIG'];
  const inline = env['KEYWAY_CONFIG_YAML'];
  // Two config sources could disagree about every key: refuse rather than pick one.
  if (path && inline)
    return {
      doc: undefined,
      source: 'environment',
      kind: 'file',
      origins: [],
      problems: [
        {
          path: '(root)',
          code: 'conflicting_sources',
          source: 'KEYWAY_CONFIG',
          message:
            'KEYWAY_CONFIG and KEYWAY_CONFIG_YAML are both set: unset one of them (a file path, or the YAML itself)',
        },
      ],
    };
  if (inline || path) {
    const source = inline ? INLINE : (path as string);
    let text: string | undefined;
    if (inline) text = inline;
    else {
      try {
        text = io.readFile(source);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        const problem: ConfigProblem = {
          path: '(root)',
          code: 'unreadable_file',
          message: `cannot read the config file (${code}): check the path in KEYWAY_CONFIG`,
        };
        return { doc: undefined, source, kind: 'file', origins: [], problems: [problem] };
      }
    }
    const problems: ConfigProblem[] = [];
    const origins: Origin[] = [];
    const parsed = interpolate(parseYamlText(text, problems), env, problems, origins);
    // Paths in a file are relative to that file; in KEYWAY_CONFIG_YAML (no file), to the working directory.
    const based = inline ? parsed : resolveRelativePaths(parsed, dirname(resolve(source)));
    const doc = applyEnvOverrides(based, env, origins);
    return { doc, source, kind: inline ? 'inline' : 'file', origins, problems };
  }
  const origins: Origin[] = [];
  const quick = quickStartFromEnv(env, origins);
  const kind = quickStartVariables(env).length > 0 ? 'quick-start' : 'none';
  return { doc: applyEnvOverrides(quick, env, origins), source: 'environment', kind, origins, problems: [] };
}

/** Attach to each problem the source of its value: the variable that set it, or a note on the ${VAR} it read. */
export function attributeProblems(
  problems: readonly ConfigProblem[],
  origins: readonly Origin[],
): ConfigProblem[] {
  return problems.map((problem) => {
    if (problem.source !== undefined) return problem;
    const under = (o: Origin) =>
      problem.path === o.path ||
      problem.path.startsWith(`${o.path}.`) ||
      problem.path.startsWith(`${o.path}[`);
    const origin = origins.find((o) => o.kind === 'set' && under(o));
    if (origin) return { ...problem, source: origin.variable };
    const read = origins.filter((o) => o.kind === 'interpolated' && under(o)).map((o) => `\${${o.variable}}`);
    return read.length === 0
      ? problem
      : { ...problem, message: `${problem.message} (the value comes from ${read.join(', ')})` };
  });
}

/** Check the config named by env: every problem (attributed) and the Config when there is none. Never throws. */
export function checkLoadedConfig(
  input: ConfigInput,
  io: ConfigIo = nodeIo,
  extra?: Record<string, unknown>,
  source = input.source,
): { config: Config | undefined; problems: readonly ConfigProblem[]; sections: ParsedSections } {
  const doc = extra === undefined ? input.doc : { ...((input.doc ?? {}) as object), ...extra };
  const checked = checkConfig(doc, source, io);
  // A value whose ${VAR} is unset is already reported as such: what its empty string then fails is noise.
  const unset = input.problems.filter((p) => p.code === 'unset_variable').map((p) => p.path);
  const consequences = (p: ConfigProblem) =>
    unset.some((u) => p.path === u || p.path.startsWith(`${u}.`) || p.path.startsWith(`${u}[`));
  const problems = attributeProblems(
    [...input.problems, ...checked.problems.filter((p) => !consequences(p))],
    input.origins,
  );
  return { config: problems.length === 0 ? checked.config : undefined, problems, sections: checked.sections };
}

/** Load the config named by env (KEYWAY_CONFIG) or built from the quick-start env; throws ConfigError. */
export function loadConfig(env: Env, io: ConfigIo = nodeIo): Config {
  const input = readConfigInput(env, io);
  const { config, problems } = checkLoadedConfig(input, io);
  if (config === undefined) throw new ConfigError(input.source, problems);
  return config;
}

/** Read and YAML-parse a config file, replacing ${VAR} and ${VAR:-default} in string values; throws ConfigError. */
export function readConfigFile(path: string, env: Env, io: ConfigIo = nodeIo): unknown {
  const problems: ConfigProblem[] = [];
  let text: string;
  try {
    text = io.readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(path, [
      { path: '(root)', code: 'unreadable_file', message: `cannot read the file (${code})` },
    ]);
  }
  const doc = resolveRelativePaths(
    interpolate(parseYamlText(text, problems), env, problems, []),
    dirname(resolve(path)),
  );
  if (problems.length > 0) throw new ConfigError(path, problems);
  return doc;
}
