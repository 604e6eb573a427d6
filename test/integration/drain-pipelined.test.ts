// The drain and HTTP/1.1 pipelining: requests that arrive in one packet during a drain are all answered, only the
// last says `Connection: close`, and the socket closes after it (a close on the first would drop the others).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createConnection } from 'node:net';
import { describe, expect, it } from 'vitest';
import { trackConnections } from '../../src/http/drain.js';

/** A server that answers each request at the end of the turn (as keyway's /auth listener does), and its tracker. */
async function startServer(onRequest: (path: string) => void = () => {}) {
  const server = createServer((req, res) => {
    onRequest(req.url ?? '');
    setImmediate(() => {
      res.writeHead(200, ['content-length', '2', 'x-path', req.url ?? '']);
      res.end('ok');
    });
  });
  // Tracked before the app's listener runs (trackConnections prepends its own), as in server.ts.
  const tracker = trackConnections(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, tracker, port: (server.address() as AddressInfo).port };
}

/** Send `first` on a new connection, then let `then` write more; collect everything until the server closes it. */
function exchange(port: number, first: string, then: (write: (raw: string) => void) => Promise<void>) {
  return new Promise<string>((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
    socket.once('connect', () => {
      socket.write(first);
      void then((raw) => socket.write(raw));
    });
  });
}

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: keyway\r\n\r\n`;
const responses = (raw: string) =>
  raw
    .split('HTTP/1.1 ')
    .slice(1)
    .map((r) => ({
      status: Number(r.slice(0, 3)),
      path: /x-path: (\S+)/i.exec(r)?.[1],
      close: /\r\nconnection: close\r\n/i.test(r),
      keepAlive: /\r\nconnection: keep-alive\r\n/i.test(r),
    }));

describe('drain with pipelined requests', () => {
  it('an HTTP/1.0 keep-alive client is told keep-alive on every pipelined answer but the last', async () => {
    let drained: Promise<void> | undefined;
    const { tracker, port } = await startServer((path) => {
      if (path === '/one') drained = tracker.drain(5_000, () => {});
    });
    const get10 = (path: string) => `GET ${path} HTTP/1.0\r\nHost: keyway\r\nConnection: keep-alive\r\n\r\n`;
    const raw = await exchange(port, get10('/one') + get10('/two'), async () => {});
    await drained;
    expect(responses(raw)).toEqual([
      { status: 200, path: '/one', close: false, keepAlive: true },
      { status: 200, path: '/two', close: true, keepAlive: false },
    ]);
  });

  it('requests pipelined in one packet after the drain began: all answered, the last one closes', async () => {
    const { tracker, port } = await startServer();
    let drained: Promise<void> | undefined;
    const raw = await exchange(port, get('/warm'), async (write) => {
      // Wait for the first answer on this keep-alive socket, then drain, then pipeline three requests in one write.
      await new Promise((r) => setTimeout(r, 100));
      drained = tracker.drain(5_000, () => {});
      write(get('/one') + get('/two') + get('/three'));
    });
    await drained;
    expect(responses(raw)).toEqual([
      { status: 200, path: '/warm', close: false, keepAlive: true },
      { status: 200, path: '/one', close: false, keepAlive: true },
      { status: 200, path: '/two', close: false, keepAlive: true },
      { status: 200, path: '/three', close: true, keepAlive: false },
    ]);
  });

  it('a drain that starts while pipelined answers are pending closes after the last of them', async () => {
    let drained: Promise<void> | undefined;
    // The drain starts while the first of three pipelined requests is being handled, before any answer is written.
    const { tracker, port } = await startServer((path) => {
      if (path === '/one') drained = tracker.drain(5_000, () => {});
    });
    const raw = await exchange(port, get('/one') + get('/two') + get('/three'), async () => {});
    await drained;
    expect(responses(raw)).toEqual([
      { status: 200, path: '/one', close: false, keepAlive: true },
      { status: 200, path: '/two', close: false, keepAlive: true },
      { status: 200, path: '/three', close: true, keepAlive: false },
    ]);
  });
});
