// Raw HTTP/1.1 over node:net, so a test can send exactly the bytes an attacker (or a misconfigured proxy) would:
// repeated headers, oversized heads, a Content-Length with no body, a head that never ends.
import { connect, type Socket } from 'node:net';
import { recordOutput } from '../helpers/audit.js';

/** A parsed response: status, the raw head (for exact line checks), header lines (lower-cased names) and body. */
export interface RawResponse {
  readonly status: number;
  readonly head: string;
  readonly headers: readonly (readonly [name: string, value: string])[];
  readonly body: string;
  /** The first value of a header, or undefined. */
  header(name: string): string | undefined;
}

/** Build a request head: request line, the header lines in order (repeats allowed), then the blank line. */
export function requestHead(
  target: string,
  headers: readonly (readonly [string, string])[],
  method = 'GET',
): string {
  return `${method} ${target} HTTP/1.1\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
}

function parse(raw: Buffer): RawResponse | undefined {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const head = raw.subarray(0, end).toString('latin1');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = lines.map((l) => {
    const colon = l.indexOf(':');
    return [l.slice(0, colon).toLowerCase(), l.slice(colon + 1).trim()] as const;
  });
  const length = Number(headers.find(([n]) => n === 'content-length')?.[1] ?? 0);
  const bodyBytes = raw.subarray(end + 4);
  if (bodyBytes.length < length) return undefined;
  return {
    status: Number(statusLine.split(' ')[1]),
    head,
    headers,
    body: bodyBytes.subarray(0, length).toString('utf8'),
    header: (name) => headers.find(([n]) => n === name.toLowerCase())?.[1],
  };
}

/**
 * Send `bytes` to 127.0.0.1:port and resolve with the first complete response (the socket is then destroyed), or
 * reject when the connection closes without one. The bytes are written as given: nothing is added.
 */
export function rawRequest(port: number, bytes: string | Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ port, host: '127.0.0.1' });
    let raw = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      raw = Buffer.concat([raw, chunk]);
      const res = parse(raw);
      if (res) {
        socket.destroy();
        recordOutput('response', `${res.head}\r\n\r\n${res.body}`);
        resolve(res);
      }
    });
    socket.on('error', reject);
    socket.on('close', () =>
      reject(
        new Error(`connection closed without a complete response: ${raw.toString('latin1').slice(0, 200)}`),
      ),
    );
    socket.write(bytes);
  });
}

/** Open a connection, send `bytes`, and resolve with everything received until the server closes the connection. */
export function sendAndWaitForClose(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let raw = '';
    socket.on('data', (chunk: Buffer) => {
      raw += chunk.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('close', () => {
      recordOutput('response', raw);
      resolve(raw);
    });
    socket.write(bytes);
  });
}
