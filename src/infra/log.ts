// The pino logger: JSON lines, secrets redacted by path, written through a buffer; output stream injectable for tests.
import { type DestinationStream, type Logger, pino } from 'pino';

/** Paths pino censors wherever they appear, in case a token or secret ever reaches a log object. */
export const REDACT_PATHS = [
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers.cookie',
  'cookie',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'hs_secrets',
  '*.hs_secrets',
];

/** How long a log line may wait in the buffer before it is written (a quiet instance still logs promptly). */
export const LOG_FLUSH_INTERVAL_MS = 250;

type Buffered = DestinationStream & { flush(): void };
let stdout: Buffered | undefined;

/**
 * Standard output through a 4 KiB buffer (one write per many lines, not one per line), flushed every
 * LOG_FLUSH_INTERVAL_MS; one for the process, shared by every logger. pino.destination with `sync: false` registers
 * its own flush on process exit (pino lib/tools.js buildSafeSonicBoom, on-exit-leak-free), so process.exit after a
 * SIGTERM or a failed start loses no line (test/e2e/log-flush.test.ts).
 */
function bufferedStdout(): DestinationStream {
  if (stdout === undefined) {
    const out: Buffered = pino.destination({ dest: 1, sync: false, minLength: 4096 });
    setInterval(() => out.flush(), LOG_FLUSH_INTERVAL_MS).unref();
    stdout = out;
  }
  return stdout;
}

/** Create the logger; pass `stream` to capture output (tests grep it for leaked secrets). */
export function createLogger(level: string, stream?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'keyway' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return pino(options, stream ?? bufferedStdout());
}

const sinkOf = (log: Logger): DestinationStream =>
  (log as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym] as DestinationStream;

/** Write a line already serialized (with its newline) to the logger's output, in order with its other lines. */
export function writeLogLine(log: Logger, line: string): void {
  sinkOf(log).write(line);
}
