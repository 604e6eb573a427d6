// A pino destination that keeps every log line in memory, so tests can assert on logs and grep them for secrets.
import type { DestinationStream } from 'pino';
import { recordOutput } from './audit.js';

export interface LogCapture extends DestinationStream {
  readonly lines: string[];
  /** Parsed JSON lines. */
  entries(): Record<string, unknown>[];
}

/** Create a capture; every captured line is also kept process-wide and recorded for the secrets audit (audit.ts). */
export function createLogCapture(): LogCapture {
  const lines: string[] = [];
  return {
    lines,
    write(line: string) {
      lines.push(line);
      allCapturedLines.push(line);
      recordOutput('log', line);
    },
    entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** Every line captured in this test process. */
export const allCapturedLines: string[] = [];
