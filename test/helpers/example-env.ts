// The environment examples/*/run.sh exports: fresh random demo secrets (the example configs have no fallbacks).
import { randomBytes } from 'node:crypto';
import { registerSecret } from './audit.js';

/** KEYWAY_DEMO_SECRET and KEYWAY_ADMIN_TOKEN for reading examples/<proxy>/keyway.yaml, random per test process. */
export const EXAMPLE_ENV = {
  KEYWAY_DEMO_SECRET: randomBytes(32).toString('hex'),
  KEYWAY_ADMIN_TOKEN: randomBytes(32).toString('hex'),
} as const;
registerSecret(EXAMPLE_ENV.KEYWAY_DEMO_SECRET, 'example demo secret');
registerSecret(EXAMPLE_ENV.KEYWAY_ADMIN_TOKEN, 'example admin token');
