import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The secrets audit (SECURITY.md): a run directory for every worker, a leak check per file and for the whole run.
    globalSetup: ['test/security/audit/global-setup.ts'],
    setupFiles: ['test/helpers/progress-setup.ts', 'test/security/audit/setup.ts'],
    teardownTimeout: 30_000,
  },
});
