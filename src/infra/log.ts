// The pino logger: JSON lines, secrets redacted by path, output stream injectable for tests.
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

/** Create the logger; pass `stream` to capture output (tests grep it for leaked secrets). */
export function createLogger(level: string, stream?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'keyway' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return stream ? pino(options, stream) : pino(options);
}
