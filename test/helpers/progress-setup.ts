// vitest setupFiles entry: when KEYWAY_TEST_PROGRESS names a file, append a line as each test file and each test
// starts, so a run that is stopped from outside (.ci/run's time bound) can say what was running.
import { appendFileSync } from 'node:fs';
import { beforeAll, beforeEach, expect } from 'vitest';

const trace = process.env['KEYWAY_TEST_PROGRESS'];

function note(line: string): void {
  if (trace) appendFileSync(trace, `${new Date().toISOString()} ${line}\n`);
}

beforeAll(() => note(`file ${expect.getState().testPath ?? 'unknown'}`));
beforeEach((ctx) => note(`  test ${ctx.task.name}`));
