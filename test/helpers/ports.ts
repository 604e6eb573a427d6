// Ports for what cannot listen on port 0 and report back: external binaries (redis-server, caddy, nginx, a spawned
// keyway) get a port that was unused a moment ago and are started again on another when that port was taken in the
// meantime. Servers in this process listen on port 0 and read their port back instead (jwks-server, framework-echo).
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

/** A loopback port nothing listened on a moment ago (bound to 0, read, closed). Only for retryOnBindConflict and for
 *  a destination that must refuse connections: anything else listens on 0 itself. */
export function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Thrown by a starter when its process could not bind its port (another process took it). */
export class BindConflictError extends Error {
  constructor(what: string, port: number, output = '') {
    super(`${what}: port ${port} is taken${output ? ` (${output.trim().split('\n').at(-1)})` : ''}`);
    this.name = 'BindConflictError';
  }
}

/** Whether a process's output says its listen failed because the address was taken. */
export const saysAddressInUse = (output: string): boolean =>
  /EADDRINUSE|address already in use/i.test(output);

/**
 * Start something on `count` unused ports; when it throws BindConflictError (another process bound one of them
 * between the probe and the bind), start it again on new ports, up to `attempts` times.
 */
export async function retryOnBindConflict<T>(
  count: number,
  start: (ports: number[]) => Promise<T>,
  attempts = 5,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) ports.push(await unusedPort());
    try {
      return await start(ports);
    } catch (err) {
      if (!(err instanceof BindConflictError) || attempt >= attempts) throw err;
    }
  }
}

/**
 * Resolve once `child` prints `ready` (on stdout or stderr); reject with BindConflictError when it exits saying its
 * address is taken, or with an Error naming its last output when it exits otherwise or stays silent for `timeoutMs`.
 * Its output keeps being read afterwards (a full pipe would block it). Returns a reader of all output so far.
 */
export function waitForReadyLine(
  child: ChildProcess,
  ready: RegExp,
  what: string,
  port: number,
  timeoutMs = 10_000,
): Promise<() => string> {
  let output = '';
  const read = (chunk: Buffer) => {
    output += chunk;
  };
  child.stdout?.on('data', read);
  child.stderr?.on('data', read);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      done();
      child.kill('SIGKILL');
      reject(new Error(`${what} not ready on port ${port} within ${timeoutMs} ms: ${output.slice(-500)}`));
    }, timeoutMs);
    const check = () => {
      if (!ready.test(output)) return;
      done();
      resolve(() => output);
    };
    const exited = () => {
      done();
      if (saysAddressInUse(output)) reject(new BindConflictError(what, port, output));
      else reject(new Error(`${what} exited before it was ready: ${output.slice(-500)}`));
    };
    const done = () => {
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.stderr?.off('data', check);
      child.off('exit', exited);
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', exited);
  });
}

/** Whether the server answering HTTP on 127.0.0.1:port names itself like `server` (its `Server` header): a proxy we
 *  started, not whoever else holds the port (nginx and Caddy print nothing on a successful start). */
export async function answersAs(port: number, server: RegExp): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`, {
      redirect: 'manual',
      signal: AbortSignal.timeout(1_000),
    });
    await res.body?.cancel();
    return server.test(res.headers.get('server') ?? '');
  } catch {
    return false;
  }
}

/** Whether process `pid` holds the listening socket of TCP `port` (Linux /proc): the positive sign that a child we
 *  spawned bound its port, where a connect would also reach whoever else holds it. */
export function ownsListeningPort(pid: number, port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is ADDR:PORT (hex); state 0A is LISTEN; field 9 is the socket's inode.
      if (f[1]?.endsWith(`:${hex}`) && f[3] === '0A' && f[9]) inodes.add(f[9]);
    }
  }
  if (inodes.size === 0) return false;
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  return fds.some((fd) => {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      return m !== null && inodes.has(m[1]!);
    } catch {
      return false;
    }
  });
}
