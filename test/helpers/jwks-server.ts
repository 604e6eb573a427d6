// A loopback HTTP(S) JWKS server tests control (keys, status, headers, raw bodies, delays, hangs), plus signing keys.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { registerPrivateJwk, registerToken } from './audit.js';

/** A canned answer for one path. */
export interface Reply {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  /** Wait this long before answering. */
  readonly delayMs?: number;
  /** Never answer ('headers'), or send the headers and half the body, then stall ('body'). */
  readonly hang?: 'headers' | 'body';
  /** Send the body in two chunks with Transfer-Encoding: chunked (no Content-Length). */
  readonly chunked?: boolean;
}

export interface JwksServer {
  /** Base URL, e.g. http://127.0.0.1:PORT (https://localhost:PORT with TLS). */
  readonly url: string;
  /** `${url}/jwks`, which serves the keys set by setKeys unless overridden by reply(). */
  readonly jwksUrl: string;
  /** Serve these JWKs at /jwks (200, application/json, plus `headers`). */
  setKeys(keys: readonly object[], headers?: Readonly<Record<string, string>>): void;
  /** Answer `path` with `reply` (undefined restores the default: /jwks keys, 404 elsewhere). */
  reply(path: string, reply: Reply | undefined): void;
  /** Make /jwks fail the way an IdP does (see JwksFault); undefined serves the keys again. */
  fault(fault: JwksFault | undefined): void;
  /** Requests received for `path` (default /jwks). */
  count(path?: string): number;
  /** Resolves when the next request for `path` (default /jwks) arrives, before it is answered. */
  nextRequest(path?: string): Promise<void>;
  /** Most requests ever in flight at once (all paths). */
  readonly maxInFlight: number;
  /** Requests received and not answered yet (all paths). */
  readonly inFlight: number;
  close(): Promise<void>;
}

/**
 * The ways a JWKS endpoint fails: `500`; `hang` (never answers); `garbage` (broken JSON); `html` (a 200 error page);
 * `empty` (`{"keys":[]}`); `unimportable` (200 JSON whose every key is skipped: oct, weak RSA, encryption-only).
 */
export type JwksFault = '500' | 'hang' | 'garbage' | 'html' | 'empty' | 'unimportable';

const UNIMPORTABLE_KEYS = [
  { kty: 'oct', kid: 'sym', k: Buffer.alloc(32, 7).toString('base64url') },
  { kty: 'RSA', kid: 'rsa-512', n: Buffer.alloc(64, 0xc5).toString('base64url'), e: 'AQAB' },
  { kty: 'EC', kid: 'ec-enc', crv: 'P-256', use: 'enc', x: 'AA', y: 'AA' },
  { kty: 'DSA', kid: 'dsa' },
];

/** The canned reply of one fault. */
export function faultReply(fault: JwksFault): Reply {
  switch (fault) {
    case '500':
      return { status: 500, headers: { 'content-type': 'text/plain' }, body: 'internal error' };
    case 'hang':
      return { hang: 'headers' };
    case 'garbage':
      return { ...json(null), body: '{"keys": [{"kty": "EC", ' };
    case 'html':
      return { headers: { 'content-type': 'text/html' }, body: '<html><body>Maintenance</body></html>' };
    case 'empty':
      return json({ keys: [] });
    case 'unimportable':
      return json({ keys: UNIMPORTABLE_KEYS });
  }
}

/** A JSON reply with `headers`. */
export function json(value: unknown, headers: Readonly<Record<string, string>> = {}): Reply {
  return { headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) };
}

/** Start a server on 127.0.0.1, port 0; pass `tls` for HTTPS. */
export async function startJwksServer(tls?: { key: string; cert: string }): Promise<JwksServer> {
  let keys: readonly object[] = [];
  let keyHeaders: Readonly<Record<string, string>> = {};
  const replies = new Map<string, Reply>();
  const counts = new Map<string, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  const waiting = new Map<string, (() => void)[]>();

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    for (const arrived of waiting.get(path) ?? []) arrived();
    waiting.delete(path);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    // 'finish' fires before the client can see the end of the body (so before it can send its next request).
    let done = false;
    const settle = (): void => {
      if (!done) inFlight--;
      done = true;
    };
    res.on('finish', settle);
    res.on('close', settle);
    const reply = replies.get(path) ?? (path === '/jwks' ? json({ keys }, keyHeaders) : { status: 404 });
    setTimeout(() => send(res, reply), reply.delayMs ?? 0);
  };
  const server: Server = tls ? createHttpsServer(tls, handle) : createHttpServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `${tls ? 'https://localhost' : 'http://127.0.0.1'}:${port}`;

  return {
    url,
    jwksUrl: `${url}/jwks`,
    setKeys(next, headers = {}) {
      keys = next;
      keyHeaders = headers;
    },
    reply(path, reply) {
      if (reply) replies.set(path, reply);
      else replies.delete(path);
    },
    fault(fault) {
      if (fault) replies.set('/jwks', faultReply(fault));
      else replies.delete('/jwks');
    },
    count: (path = '/jwks') => counts.get(path) ?? 0,
    nextRequest: (path = '/jwks') =>
      new Promise<void>((resolve) => waiting.set(path, [...(waiting.get(path) ?? []), resolve])),
    get maxInFlight() {
      return maxInFlight;
    },
    get inFlight() {
      return inFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply.hang === 'headers') return;
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : Buffer.from(reply.body ?? '');
  const length = reply.chunked || reply.hang ? {} : { 'content-length': String(body.length) };
  res.writeHead(reply.status ?? 200, { ...length, ...reply.headers });
  const half = Math.floor(body.length / 2);
  if (reply.hang === 'body') {
    res.write(body.subarray(0, half));
    return;
  }
  if (reply.chunked) {
    res.write(body.subarray(0, half));
    res.end(body.subarray(half));
    return;
  }
  res.end(body);
}

/** A signing key pair for tests: its public JWK (with kid and alg) and a signer. */
export interface TestKey {
  readonly kid: string;
  readonly alg: 'ES256' | 'RS256' | 'EdDSA';
  readonly privateKey: KeyObject;
  readonly jwk: Readonly<Record<string, unknown>>;
  /** Sign a JWT with this key (header alg + kid). */
  sign(claims?: Record<string, unknown>): Promise<string>;
}

/** Generate a fresh key (EC P-256 by default: fast to generate). */
export function createTestKey(kid: string, alg: TestKey['alg'] = 'ES256', modulusLength = 2048): TestKey {
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'RS256'
        ? generateKeyPairSync('rsa', { modulusLength })
        : generateKeyPairSync('ed25519');
  const jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  registerPrivateJwk(pair.privateKey.export({ format: 'jwk' }), `${alg} private key ${kid}`);
  return {
    kid,
    alg,
    privateKey: pair.privateKey,
    jwk,
    sign: async (claims = { sub: 'user-1' }) => {
      const token = await new SignJWT(claims).setProtectedHeader({ alg, kid }).sign(pair.privateKey);
      registerToken(token);
      return token;
    },
  };
}
