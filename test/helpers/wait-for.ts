// waitFor: the one polling helper of the suite, for what a test cannot be told about (another process, a socket,
// Redis replication). Time inside keyway is driven with createFakeTime instead.
import { createConnection } from 'node:net';

/**
 * Call `check` every `everyMs` until it returns true; a throw counts as "not yet" (a server still starting). Resolves
 * with the elapsed milliseconds; rejects after `timeoutMs` naming `what` and the last error.
 */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  everyMs = 5,
): Promise<number> {
  const started = performance.now();
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return performance.now() - started;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (performance.now() - started > timeoutMs) {
      const why = lastError === undefined ? '' : ` (last error: ${String(lastError)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Whether something accepts a TCP connection on 127.0.0.1:port now. */
export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Resolve once something accepts TCP connections on 127.0.0.1:port; reject after timeoutMs. */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  await waitFor(`something to listen on ${port}`, () => acceptsConnections(port), timeoutMs, 25);
}
