// A demo backend for the examples: answers JSON naming itself and echoing the headers it received; /healthz is 200.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running demo backend. */
export interface DemoBackend {
  readonly name: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Start a backend called `name` on 127.0.0.1:`port` (0 picks a free port). */
export function startDemoBackend(name: string, port: number): Promise<DemoBackend> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    const body = JSON.stringify({ backend: name, method: req.method, url: req.url, headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json', 'x-demo-backend': name }).end(`${body}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      resolve({
        name,
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

// `tsx examples/demo-backend.ts NAME PORT` runs one backend until killed.
if (process.argv[1]?.endsWith('demo-backend.ts')) {
  const [name = 'demo', port = '19001'] = process.argv.slice(2);
  void startDemoBackend(name, Number(port)).then((b) =>
    process.stdout.write(`demo backend ${b.name} on 127.0.0.1:${b.port}\n`),
  );
}
