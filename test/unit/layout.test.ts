// The source layout (CONTRIBUTING.md "Source layout"): every folder of src/ is a stage with a rank; a file may import
// only from its own stage or a lower one, with no file circle and no stage cycle. Read from the source itself.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** Stages, bottom to top: a folder of src/ (with its subfolders) or a file at the root of src/. One row, one rank. */
const RANKS: readonly (readonly string[])[] = [
  ['lib/', 'errors.ts', 'version.ts'],
  ['config/'],
  ['infra/'],
  ['deps.ts', 'deps-create.ts'],
  ['request/'],
  ['extract/'],
  ['keys/'],
  ['verify/'],
  ['revocation/'],
  ['policy/'],
  ['route/'],
  ['respond/'],
  ['pipeline/'],
  ['explain/'],
  ['proxy-config/'],
  ['process.ts', 'generation.ts', 'readiness.ts', 'reload.ts'],
  ['http/'],
  ['cli/'],
  ['app.ts', 'server.ts', 'dev-banner.ts', 'main.ts', 'cli.ts'],
];

/**
 * The only imports allowed to run up (importer → imported, paths under src/). Config checks static keys and HS
 * secrets with the key store's own import at start, so a key keyway would skip fails the config instead of vanishing.
 */
const UPWARD_EXCEPTIONS: readonly string[] = ['config/resolve-issuer.ts → keys/configured-key-problems.ts'];

const UNIT = dirname(fileURLToPath(import.meta.url));
const SRC = join(UNIT, '../../src');
const IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

/** Every .ts file under src/ and its relative imports, as paths under src/ (".js" read as ".ts"). */
function importGraph(src: string): Map<string, string[]> {
  const files = readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.split('\\').join('/'));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(src, file), 'utf8');
    const targets = [...text.matchAll(IMPORT)].map((m) =>
      relative(src, normalize(join(src, dirname(file), m[1]!.replace(/\.js$/, '.ts'))))
        .split('\\')
        .join('/'),
    );
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** The stage a file belongs to: its first folder under src/, or the file itself at the root. */
function stageOf(file: string): string {
  const slash = file.indexOf('/');
  return slash === -1 ? file : file.slice(0, slash + 1);
}

function rankOf(stage: string, ranks: readonly (readonly string[])[] = RANKS): number {
  return ranks.findIndex((row) => row.includes(stage));
}

/** Strongly connected components with more than one node (or a self-loop): each is a circle. */
function circles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

/** Every layout rule broken by `graph`, one line each; empty when the layout holds. */
function layoutProblems(
  graph: ReadonlyMap<string, readonly string[]>,
  ranks: readonly (readonly string[])[] = RANKS,
  exceptions: readonly string[] = UPWARD_EXCEPTIONS,
): string[] {
  const problems: string[] = [];
  const used = new Set<string>();
  const stages = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    const from = stageOf(file);
    if (rankOf(from, ranks) === -1) problems.push(`${file}: stage ${from} has no rank`);
    for (const target of targets) {
      if (!graph.has(target)) problems.push(`${file}: imports ${target}, which is not a file under src/`);
      const to = stageOf(target);
      const edge = `${file} → ${target}`;
      if (exceptions.includes(edge)) {
        used.add(edge);
        continue;
      }
      if (rankOf(to, ranks) > rankOf(from, ranks)) problems.push(`${edge}: runs up from ${from} to ${to}`);
      if (to !== from) stages.set(from, (stages.get(from) ?? new Set()).add(to));
    }
  }
  for (const edge of exceptions)
    if (!used.has(edge)) problems.push(`${edge}: listed as an exception, not imported`);
  for (const circle of circles(graph)) problems.push(`file circle: ${circle.join(', ')}`);
  const stageGraph = new Map([...stages].map(([k, v]) => [k, [...v]]));
  for (const circle of circles(stageGraph)) problems.push(`stage cycle: ${circle.join(', ')}`);
  return problems;
}

/**
 * Where test/unit does not mirror src/: a test folder with no src folder, or `<name>.test.ts` where src/ has
 * `<name>.ts` in another folder only (tests named for a topic, not a module, may sit in their stage's folder).
 */
function mirrorProblems(unitFiles: readonly string[], srcFiles: readonly string[]): string[] {
  const problems: string[] = [];
  const srcDirs = new Set(srcFiles.map((f) => dirname(f)));
  for (const test of unitFiles.filter((f) => f.endsWith('.test.ts'))) {
    const dir = dirname(test);
    const module = `${dir === '.' ? '' : `${dir}/`}${basename(test, '.test.ts')}.ts`;
    if (!srcDirs.has(dir)) problems.push(`test/unit/${test}: src/${dir}/ does not exist`);
    else if (!srcFiles.includes(module)) {
      const elsewhere = srcFiles.filter((f) => basename(f) === basename(module));
      if (elsewhere.length > 0)
        problems.push(`test/unit/${test}: tests src/${elsewhere.join(', src/')}; move it there`);
    }
  }
  return problems;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => f.split('\\').join('/'));
}

describe('source layout', () => {
  const graph = importGraph(SRC);

  it('reads the source: every stage of the rank table has files, and imports were found', () => {
    const stages = new Set([...graph.keys()].map(stageOf));
    for (const row of RANKS) for (const stage of row) expect(stages, stage).toContain(stage);
    expect([...graph.values()].flat().length).toBeGreaterThan(300);
  });

  it('imports only downward (or within a stage), with no file circle and no stage cycle', () => {
    expect(layoutProblems(graph)).toEqual([]);
  });

  it('fails on an import that runs up, a file circle, a stage cycle and an unranked stage', () => {
    const bad = new Map(graph);
    bad.set('config/parse.ts', [...graph.get('config/parse.ts')!, 'pipeline/decide.ts']);
    bad.set('lib/clock.ts', ['lib/duration.ts']);
    bad.set('lib/duration.ts', ['lib/clock.ts']);
    bad.set('newstage/x.ts', []);
    const problems = layoutProblems(bad);
    expect(problems).toContain('config/parse.ts → pipeline/decide.ts: runs up from config/ to pipeline/');
    expect(problems).toContain('file circle: lib/clock.ts, lib/duration.ts');
    expect(problems.some((p) => p.startsWith('stage cycle:') && p.includes('config/'))).toBe(true);
    expect(problems).toContain('newstage/x.ts: stage newstage/ has no rank');
    expect(layoutProblems(graph, RANKS, [...UPWARD_EXCEPTIONS, 'lib/clock.ts → http/drain.ts'])).toContain(
      'lib/clock.ts → http/drain.ts: listed as an exception, not imported',
    );
  });

  it('test/unit mirrors src/: each unit test sits in the folder of the module it is named for', () => {
    expect(existsSync(join(UNIT, 'layout.test.ts'))).toBe(true);
    expect(mirrorProblems(filesUnder(UNIT), filesUnder(SRC))).toEqual([]);
    expect(
      mirrorProblems(['verify/roca.test.ts', 'nowhere/x.test.ts'], ['keys/roca.ts', 'verify/claims.ts']),
    ).toEqual([
      'test/unit/verify/roca.test.ts: tests src/keys/roca.ts; move it there',
      'test/unit/nowhere/x.test.ts: src/nowhere/ does not exist',
    ]);
  });
});
