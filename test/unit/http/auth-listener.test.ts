// createAuthListener: which targets it answers itself, that answers go out at the end of the turn (together), that a
// client gone before then gets nothing written, and that a bug is a logged 500, never a thrown request handler.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { AuthAnswer, AuthCall } from '../../../src/http/auth-answer.js';
import { authTarget, createAuthListener } from '../../../src/http/auth-listener.js';
import { createLogger } from '../../../src/infra/log.js';
import { createLogCapture } from '../../helpers/log-capture.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

function fakeRequest(url: string, headers: Record<string, string> = {}): IncomingMessage {
  const rawHeaders = Object.entries(headers).flat();
  return { url, method: 'GET', headers, rawHeaders } as unknown as IncomingMessage;
}

const asObject = (flat: string[]) =>
  Object.fromEntries(flat.flatMap((v, i) => (i % 2 ? [] : [[v, flat[i + 1] ?? '']])));

function fakeResponse() {
  const seen: { status?: number; headers?: Record<string, string>; body?: string; ended: boolean } = {
    ended: false,
  };
  const res = {
    destroyed: false,
    writableEnded: false,
    writeHead(status: number, headers: string[]) {
      seen.status = status;
      seen.headers = asObject(headers);
    },
    write(chunk: string) {
      seen.body = (seen.body ?? '') + chunk;
    },
    end(body?: string) {
      if (body !== undefined) seen.body = (seen.body ?? '') + body;
      seen.ended = true;
    },
  };
  return { res: res as unknown as ServerResponse & { destroyed: boolean }, seen };
}

const ALLOW: AuthAnswer = {
  status: 200,
  headers: ['content-length', '0', 'x-auth-subject', 'a'],
  body: undefined,
};

describe('authTarget', () => {
  it('claims /auth and /auth/{policy} with any query', () => {
    expect(authTarget('/auth')).toEqual({ policy: undefined, query: '' });
    expect(authTarget('/auth?token=x')).toEqual({ policy: undefined, query: 'token=x' });
    expect(authTarget('/auth/api-v1.internal_2?a=1?b')).toEqual({
      policy: 'api-v1.internal_2',
      query: 'a=1?b',
    });
  });

  it('leaves every other target to hono (its own reading of encodings, dot segments, case, slashes)', () => {
    for (const url of [
      '/',
      '/authx',
      '/AUTH',
      '/auth/',
      '/auth/a/b',
      '/auth/%61pi',
      '/auth/..',
      '/auth/.x',
      '/auth//a',
      '/healthz',
      'http://keyway/auth',
      '*',
    ])
      expect(authTarget(url), url).toBeUndefined();
  });
});

describe('createAuthListener', () => {
  const log = createLogger('silent');

  it('answers /auth calls itself, each at the end of the turn, and passes the rest to the fallback', async () => {
    const calls: AuthCall[] = [];
    const passed: string[] = [];
    const listener = createAuthListener(
      (call) => {
        calls.push(call);
        return ALLOW;
      },
      (req) => passed.push(req.url ?? ''),
      log,
    );
    const one = fakeResponse();
    const two = fakeResponse();
    listener(fakeRequest('/auth/p?x=1', { authorization: 'Bearer t' }), one.res);
    listener(fakeRequest('/auth'), two.res);
    listener(fakeRequest('/readyz'), fakeResponse().res);
    expect(passed).toEqual(['/readyz']);
    // Received, not decided or written yet: both are answered, then written, once this turn's I/O callbacks are done.
    expect(calls).toHaveLength(0);
    expect([one.seen.ended, two.seen.ended]).toEqual([false, false]);
    await turn();
    expect(calls.map((c) => [c.policy, c.query, c.header('Authorization')])).toEqual([
      ['p', 'x=1', 'Bearer t'],
      [undefined, '', undefined],
    ]);
    expect([one.seen, two.seen].map((s) => [s.status, s.headers?.['x-auth-subject'], s.ended])).toEqual([
      [200, 'a', true],
      [200, 'a', true],
    ]);
  });

  it('writes an answer that waited (a key fetch) once it comes, and nothing to a client that left', async () => {
    let release: (a: AuthAnswer) => void = () => {};
    const listener = createAuthListener(
      () => new Promise<AuthAnswer>((resolve) => (release = resolve)),
      () => {},
      log,
    );
    const gone = fakeResponse();
    listener(fakeRequest('/auth'), gone.res);
    gone.res.destroyed = true;
    release(ALLOW);
    await turn();
    expect(gone.seen.ended).toBe(false);
    const waiting = fakeResponse();
    listener(fakeRequest('/auth'), waiting.res);
    await turn();
    expect(waiting.seen.ended).toBe(false);
    release(ALLOW);
    await turn(); // the answer's callback queues the write for the end of the next turn
    await turn();
    expect(waiting.seen.status).toBe(200);
  });

  it('a throwing or rejecting answerer is a 500 internal_error with a JSON body, logged', async () => {
    const logs = createLogCapture();
    const logged = createLogger('error', logs);
    for (const answerer of [
      () => {
        throw new Error('bug');
      },
      () => Promise.reject(new Error('async bug')),
    ]) {
      const listener = createAuthListener(answerer, () => {}, logged);
      const r = fakeResponse();
      listener(fakeRequest('/auth/p'), r.res);
      await turn();
      await turn();
      expect(r.seen.status).toBe(500);
      expect(JSON.parse(r.seen.body ?? '')).toEqual({ error: 'internal_error', reason: 'internal_error' });
      expect(r.seen.headers?.['content-length']).toBe(String(r.seen.body?.length));
    }
    expect(logs.entries().filter((l) => l['msg'] === 'unhandled error')).toHaveLength(2);
  });

  it('a response node refuses to write costs that connection only: the rest of the turn is written, the bug logged', async () => {
    const logs = createLogCapture();
    const listener = createAuthListener(
      () => ({ ...ALLOW, headers: ['x-request-id', 'req-1', ...ALLOW.headers] }),
      () => {},
      createLogger('error', logs),
    );
    const broken = fakeResponse();
    let destroyed = false;
    Object.assign(broken.res, {
      writeHead() {
        throw new TypeError('Invalid character in header content');
      },
      destroy() {
        destroyed = true;
      },
    });
    const after = fakeResponse();
    listener(fakeRequest('/auth'), broken.res);
    listener(fakeRequest('/auth'), after.res);
    await turn();
    expect(destroyed).toBe(true);
    expect([after.seen.status, after.seen.ended]).toEqual([200, true]);
    expect(logs.entries().filter((l) => l['msg'] === 'unhandled error')).toMatchObject([
      { request_id: 'req-1' },
    ]);
  });
});
