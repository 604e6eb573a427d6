// createLogSink: log lines buffered in memory and written to a file descriptor once per event-loop turn, bounded.
import { writeSync } from 'node:fs';

/** What the logger writes to (a pino DestinationStream) and what the process flushes on exit. */
export interface LogSink {
  /** Queue one line (with its newline); written at the end of this event-loop turn, or at once past `flushBytes`. */
  write(line: string): void;
  /** Write everything queued now (synchronously); `done` (pino's logger.flush) is called after. */
  flush(done?: (err?: Error) => void): void;
  /** Lines dropped because the output could not keep up (`maxQueuedBytes` was reached). */
  dropped(): number;
}

export interface LogSinkOptions {
  /** Write as soon as this much is queued (characters), without waiting for the end of the turn. */
  readonly flushBytes?: number;
  /** Drop lines (counted) rather than queue more than this while the output does not take them (a full pipe). */
  readonly maxQueuedBytes?: number;
  /** Retry after this long when the output is not writable now (EAGAIN on a non-blocking pipe). */
  readonly retryMs?: number;
  /** The write call (fs.writeSync); injectable for tests. Returns the bytes written. */
  readonly writeSync?: (fd: number, data: string | Buffer) => number;
}

const DEFAULTS = { flushBytes: 64 * 1024, maxQueuedBytes: 8 * 1024 * 1024, retryMs: 20 } as const;

/**
 * Lines are joined and written with one write(2) per event-loop turn: under load the lines of every request answered
 * in that turn share it (one syscall for dozens of decision lines, no threadpool round trip), and an idle instance
 * still writes each line within the turn that logged it. On a non-blocking pipe that is full (EAGAIN) the rest stays
 * queued and is retried; past `maxQueuedBytes` new lines are dropped and counted instead of growing the heap (on a
 * blocking descriptor the write waits, as any synchronous logger's does). Other write errors (EPIPE: the reader is
 * gone) drop that text. The process flushes the sink on exit (log.ts).
 */
export function createLogSink(fd: number, options: LogSinkOptions = {}): LogSink {
  const flushBytes = options.flushBytes ?? DEFAULTS.flushBytes;
  const maxQueued = options.maxQueuedBytes ?? DEFAULTS.maxQueuedBytes;
  const retryMs = options.retryMs ?? DEFAULTS.retryMs;
  const write =
    options.writeSync ??
    ((f: number, data: string | Buffer) =>
      typeof data === 'string' ? writeSync(f, data) : writeSync(f, data));
  let queue: string[] = [];
  let queued = 0;
  let scheduled = false;
  let waiting: NodeJS.Timeout | undefined;
  let dropped = 0;

  /** What a short or refused write left over, written before the queue on the next try. */
  let head: string | Buffer | undefined;

  /** Write `data` fully; what the output does not take now is left in `head` (false: stop, retry later). */
  const writeAll = (first: string | Buffer): boolean => {
    let data = first;
    for (;;) {
      let written: number;
      try {
        written = write(fd, data);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
          head = data;
          waiting ??= setTimeout(() => {
            waiting = undefined;
            flush();
          }, retryMs).unref();
          return false;
        }
        return true; // EPIPE, EBADF…: nowhere to write; this text is gone, later lines try again.
      }
      const length = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
      if (written >= length) return true;
      // A short write (a pipe with less room than the text) goes on from the first byte not written.
      data = (typeof data === 'string' ? Buffer.from(data) : data).subarray(written);
    }
  };

  const flush = () => {
    scheduled = false;
    if (head !== undefined) {
      const rest = head;
      head = undefined;
      if (!writeAll(rest)) return;
    }
    if (queue.length === 0) return;
    const text = queue.length === 1 ? queue[0]! : queue.join('');
    queue = [];
    queued = 0;
    writeAll(text);
  };

  return {
    write(line) {
      if (queued + line.length + (head?.length ?? 0) > maxQueued) {
        dropped++;
        return;
      }
      queue.push(line);
      queued += line.length;
      if (waiting !== undefined) return;
      if (queued >= flushBytes) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush: (done) => {
      if (waiting !== undefined) {
        clearTimeout(waiting);
        waiting = undefined;
      }
      flush();
      done?.();
    },
    dropped: () => dropped,
  };
}
