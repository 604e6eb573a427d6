// vitest globalSetup: create the audit run directory before any worker starts, and after the run fail it
// (exit code 1) when any registered token or secret appears in any recorded log line, response or metrics text.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AUDIT_DIR_ENV,
  type AuditOutput,
  type AuditSecret,
  describeLeaks,
  findLeaks,
} from '../../helpers/audit.js';

function readRecords<T>(dir: string, prefix: string): T[] {
  const out: T[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(`${prefix}.`)) continue;
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n'))
      if (line) out.push(JSON.parse(line) as T);
  }
  return out;
}

/** Workers are forked after this runs, so they inherit the variable. */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'keyway-audit-'));
  process.env[AUDIT_DIR_ENV] = dir;
  return function teardown() {
    const secrets = readRecords<AuditSecret>(dir, 'secrets');
    const outputs = readRecords<AuditOutput>(dir, 'outputs');
    const leaks = findLeaks(secrets, outputs);
    if (leaks.length === 0) {
      rmSync(dir, { recursive: true, force: true });
      return;
    }
    // A throw here is only logged by vitest ("error during close"); the exit code is what fails CI.
    process.exitCode = 1;
    console.error(
      `\nSECRETS AUDIT FAILED: ${leaks.length} leak(s) across ${outputs.length} recorded outputs ` +
        `(${secrets.length} registered secret spellings). Records kept in ${dir}.\n${describeLeaks(leaks)}\n`,
    );
  };
}
