// Every close() or stop() a test calls that returns a promise is awaited (or returned): a close left floating lets
// the next test start while servers, timers and Redis connections of the last one still run. Read with the type
// checker, so it knows which close() returns a promise.
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `file:line: text` of each statement `x.close(…)` / `x.stop(…)` (or `void x.close(…)`) whose value is a promise. */
function floatingCloses(program: ts.Program, only: (file: string) => boolean): string[] {
  const checker = program.getTypeChecker();
  const found: string[] = [];
  for (const sf of program.getSourceFiles()) {
    if (!only(sf.fileName)) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isExpressionStatement(node)) {
        let e = node.expression;
        if (ts.isVoidExpression(e)) e = e.expression;
        if (
          ts.isCallExpression(e) &&
          ts.isPropertyAccessExpression(e.expression) &&
          ['close', 'stop'].includes(e.expression.name.text) &&
          /Promise</.test(checker.typeToString(checker.getTypeAtLocation(e)))
        ) {
          const { line } = sf.getLineAndCharacterOfPosition(node.getStart());
          found.push(`${sf.fileName.slice(ROOT.length)}:${line + 1}: ${node.getText()}`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return found;
}

function programOf(files: readonly string[]): ts.Program {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    `${ROOT}tsconfig.json`,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: () => {},
    },
  );
  if (!parsed) throw new Error('tsconfig.json does not parse');
  return ts.createProgram(files.length > 0 ? [...files] : parsed.fileNames, {
    ...parsed.options,
    noEmit: true,
  });
}

describe('close() in tests', () => {
  it('every promise-returning close() and stop() in test/ is awaited or returned', () => {
    const program = programOf([]);
    expect(floatingCloses(program, (f) => f.startsWith(`${ROOT}test/`))).toEqual([]);
  }, 60_000);

  it('a floating close() is reported (the guard can fail)', () => {
    const file = `${ROOT}test/helpers/fixtures-floating-close.ts`;
    const source = [
      'const server = { close: async () => {}, stop: () => 1 };',
      'export async function f() {',
      '  server.close();',
      '  void server.close();',
      '  await server.close();',
      '  server.stop();',
      '}',
    ].join('\n');
    const host = ts.createCompilerHost({ noEmit: true, target: ts.ScriptTarget.ES2022 });
    const read = host.readFile.bind(host);
    host.readFile = (name) => (name === file ? source : read(name));
    const exists = host.fileExists.bind(host);
    host.fileExists = (name) => name === file || exists(name);
    const getSource = host.getSourceFile.bind(host);
    host.getSourceFile = (name, version) =>
      name === file ? ts.createSourceFile(name, source, version) : getSource(name, version);
    const program = ts.createProgram([file], { noEmit: true, target: ts.ScriptTarget.ES2022 }, host);
    expect(floatingCloses(program, (f) => f === file)).toEqual([
      'test/helpers/fixtures-floating-close.ts:3: server.close();',
      'test/helpers/fixtures-floating-close.ts:4: void server.close();',
    ]);
  });
});
