// vitest setupFiles entry (runs before every test file): tag outputs with the test file, record the metrics of
// every tracked registry when the file ends, and fail the file at once if it leaked one of its own secrets.
import { afterAll, beforeAll, expect } from 'vitest';
import { describeLeaks, fileLeaks, flushTrackedRegistries, setAuditContext } from '../../helpers/audit.js';

beforeAll(() => {
  setAuditContext(expect.getState().testPath ?? 'unknown');
});

afterAll(async () => {
  await flushTrackedRegistries();
  const leaks = fileLeaks();
  if (leaks.length > 0) throw new Error(`secrets audit: this file leaked a secret\n${describeLeaks(leaks)}`);
});
