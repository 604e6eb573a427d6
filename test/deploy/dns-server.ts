// A minimal DNS server on loopback UDP for the re-resolution test: answers A queries for names it was given (TTL 1 s),
// NOERROR with no answer for anything else (nginx also asks for AAAA). Its answers can change while it runs.
import { createSocket, type Socket } from 'node:dgram';

export interface DnsServer {
  readonly port: number;
  /** Answer `name` with the IPv4 `address` from now on. */
  set(name: string, address: string): void;
  /** How many A queries for `name` were answered. */
  queries(name: string): number;
  close(): Promise<void>;
}

/** Read the question's name (labels) and type; undefined for anything that is not a plain one-question query. */
function parseQuestion(msg: Buffer): { name: string; type: number; end: number } | undefined {
  if (msg.length < 12 || msg.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let at = 12;
  while (at < msg.length && msg[at] !== 0) {
    const len = msg[at]!;
    if (len > 63) return undefined;
    labels.push(msg.subarray(at + 1, at + 1 + len).toString('latin1'));
    at += len + 1;
  }
  if (at + 5 > msg.length) return undefined;
  return { name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(at + 1), end: at + 5 };
}

/** Start the server on 127.0.0.1 (a free port). */
export function startDnsServer(): Promise<DnsServer> {
  const records = new Map<string, string>();
  const counts = new Map<string, number>();
  const socket: Socket = createSocket('udp4');
  socket.on('message', (msg, peer) => {
    const q = parseQuestion(msg);
    if (!q) return;
    const address = q.type === 1 ? records.get(q.name) : undefined;
    if (address !== undefined) counts.set(q.name, (counts.get(q.name) ?? 0) + 1);
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0); // id
    header.writeUInt16BE(0x8180, 2); // response, recursion desired + available, NOERROR
    header.writeUInt16BE(1, 4); // one question
    header.writeUInt16BE(address === undefined ? 0 : 1, 6);
    const question = msg.subarray(12, q.end);
    const answer =
      address === undefined
        ? Buffer.alloc(0)
        : Buffer.concat([
            Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4]), // name → question, A, IN, TTL 1, 4 bytes
            Buffer.from(address.split('.').map(Number)),
          ]);
    socket.send(Buffer.concat([header, question, answer]), peer.port, peer.address);
  });
  return new Promise((resolve) => {
    socket.bind(0, '127.0.0.1', () =>
      resolve({
        port: socket.address().port,
        set: (name, address) => records.set(name.toLowerCase(), address),
        queries: (name) => counts.get(name.toLowerCase()) ?? 0,
        close: () => new Promise<void>((done) => socket.close(() => done())),
      }),
    );
  });
}
