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

/**
 * Standard output through a 4 KiB buffer (one write per many lines, not one per line), flushed every
 * LOG_FLUSH_INTERVAL_MS; flushLogs writes what is left (main.ts calls it before the process exits).
 */
function bufferedStdout(): DestinationStream {
  const out = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  setInterval(() => out.flush(), LOG_FLUSH_INTERVAL_MS).unref();
  return out;
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

type Sink = DestinationStream & { flushSync?: () => void };
const sinkOf = (log: Logger): Sink =>
  (log as unknown as Record<symbol, Sink>)[pino.symbols.streamSym] as Sink;

/** Write a line already serialized (with its newline) to the logger's output, in order with its other lines. */
export function writeLogLine(log: Logger, line: string): void {
  sinkOf(log).write(line);
}

/** Write every buffered line now, synchronously (before process.exit, which would drop them). Never throws. */
export function flushLogs(log: Logger): void {
  try {
    sinkOf(log).flushSync?.();
  } catch {
    // Standard output is gone (a closed pipe): nothing left to write to.
  }
}
