// A replaced runtime must be collectable once closed: a reload chain may not keep its predecessors alive.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import type { Deps } from '../../src/deps.js';
import { createLogger } from '../../src/infra/log.js';
import { createRuntime, type Runtime, runtimeParts } from '../../src/runtime.js';
import { createTestDeps } from '../helpers/test-deps.js';
import { HS_SECRET } from '../helpers/tokens.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const config = (leeway: string) =>
  parseConfig(
    {
      issuers: [{ issuer: 'https://idp.test', hs_secrets: [HS_SECRET], leeway }],
      policies: [{ name: 'api' }],
    },
    'test',
    { readFile: () => '' },
  );

/** Replace `runtime` as a reload does (key stores, guard and router handed over) and close the old one. */
async function replace(deps: Deps, runtime: Runtime, leeway: string): Promise<Runtime> {
  const next = createRuntime(
    { ...deps, config: config(leeway) },
    { revocation: runtime.revocation, previous: runtime },
  );
  await next.start(true);
  await runtime.close(runtimeParts(next));
  return next;
}

/** Collect until `ref` is gone or the tries run out (finalisation may need more than one cycle). */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let i = 0; i < 10 && ref.deref() !== undefined; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  return ref.deref() === undefined;
}

describe('runtime lifetime across reloads', () => {
  it('a replaced runtime, and every one before it, is garbage once the reload is done', async () => {
    const deps: Deps = createTestDeps(config('0s'), { log: createLogger('silent') });
    let current = createRuntime(deps);
    await current.start(true);
    const first = new WeakRef(current);
    // Policies and the verifier differ per runtime; key stores are adopted (same key source).
    current = await replace(deps, current, '1s');
    const second = new WeakRef(current);
    current = await replace(deps, current, '0s');
    current = await replace(deps, current, '1s');
    expect(await collected(first)).toBe(true);
    expect(await collected(second)).toBe(true);
    // What is handed over stays in use by the running runtime.
    expect(current.stores.size).toBe(1);
    await current.close();
  });
});
