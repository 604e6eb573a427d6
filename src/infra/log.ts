// The pino logger: JSON lines, secrets redacted by path, written through a buffer; output stream injectable for tests.
import { type DestinationStream, type Logger, pino } from 'pino';
import { createLogSink, type LogSink } from './log-sink.js';

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

let stdout: LogSink | undefined;

/**
 * Standard output through a LogSink (one write per event-loop turn, not one per line); one for the process, shared
 * by every logger, flushed when the process exits (process.exit after a SIGTERM or a failed start loses no line:
 * test/e2e/log-flush.test.ts).
 */
function bufferedStdout(): LogSink {
  if (stdout === undefined) {
    const sink = createLogSink(1);
    process.once('exit', () => sink.flush());
    stdout = sink;
  }
  return stdout;
}

/** Lines standard output dropped because it could not keep up (a full non-blocking pipe past 8 MiB queued). */
export function droppedLogLines(): number {
  return stdout?.dropped() ?? 0;
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
