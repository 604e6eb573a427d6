// A steady, bounded loopback load on keyway's /auth over keep-alive connections, recording every answer.
import { Agent, request } from 'node:http';

/** One request's outcome: the HTTP status and X-Auth-Reason, or the socket error it failed with. */
export interface Sample {
  /** When it was sent (Date.now()). */
  readonly at: number;
  readonly target: string;
  /** What the token is (the scenario's names: valid, revoked, forged, rotated, …). */
  readonly kind: string;
  /** 0 when no response came. */
  readonly status: number;
  readonly reason: string;
  /** ECONNRESET, ECONNREFUSED, EPIPE, client_timeout, …; '' when a response came. */
  readonly error: string;
  readonly ms: number;
  /** The response said `Connection: close`. */
  readonly closed: boolean;
}

/** A kind of token in the mix: picked with probability weight / total. */
export interface TokenSource {
  readonly kind: string;
  readonly weight: number;
  next(): string;
}

export interface LoadTarget {
  readonly name: string;
  readonly port: number;
}

export interface Load {
  readonly samples: Sample[];
  /** Stop sending to a target (its requests in flight still finish and are recorded). */
  pause(target: string): void;
  resume(target: string): void;
  /** Replace the token mix. */
  setMix(mix: readonly TokenSource[]): void;
  /** Requests not sent because `maxInFlight` were already waiting (a bound, not a result). */
  readonly skipped: number;
  /** Stop sending and wait for every request in flight. */
  stop(): Promise<Sample[]>;
}

export interface LoadOptions {
  readonly targets: readonly LoadTarget[];
  readonly mix: readonly TokenSource[];
  /** Requests per second over all targets (default 200: CPU is shared). */
  readonly rate?: number;
  /** Keep-alive sockets per target (default 8). */
  readonly sockets?: number;
  /** A request without an answer after this is recorded as client_timeout (default 5 s). */
  readonly timeoutMs?: number;
  readonly maxInFlight?: number;
}

const TICK_MS = 20;

/** Start sending at once; round-robin over the targets not paused. */
export function startLoad(options: LoadOptions): Load {
  const rate = options.rate ?? 200;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxInFlight = options.maxInFlight ?? 200;
  const agents = new Map(
    options.targets.map((t) => [
      t.name,
      new Agent({ keepAlive: true, maxSockets: options.sockets ?? 8, keepAliveMsecs: 1_000 }),
    ]),
  );
  const paused = new Set<string>();
  const samples: Sample[] = [];
  let mix = options.mix;
  let inFlight = 0;
  let skipped = 0;
  let turn = 0;
  let owed = 0;
  const pending = new Set<Promise<void>>();

  const pick = (): TokenSource => {
    const total = mix.reduce((sum, s) => sum + s.weight, 0);
    let r = Math.random() * total;
    for (const source of mix) {
      r -= source.weight;
      if (r < 0) return source;
    }
    return mix[mix.length - 1]!;
  };

  const send = (target: LoadTarget, source: TokenSource): Promise<void> =>
    new Promise<void>((resolve) => {
      const at = Date.now();
      let done = false;
      const record = (status: number, reason: string, error: string, closed: boolean) => {
        if (done) return;
        done = true;
        samples.push({
          at,
          target: target.name,
          kind: source.kind,
          status,
          reason,
          error,
          ms: Date.now() - at,
          closed,
        });
        resolve();
      };
      const req = request(
        {
          host: '127.0.0.1',
          port: target.port,
          path: '/auth',
          agent: agents.get(target.name),
          headers: { authorization: `Bearer ${source.next()}`, 'x-forwarded-uri': '/api/items' },
        },
        (res) => {
          res.resume();
          res.once('end', () =>
            record(
              res.statusCode ?? 0,
              String(res.headers['x-auth-reason'] ?? ''),
              '',
              res.headers.connection === 'close',
            ),
          );
          res.once('error', (err: NodeJS.ErrnoException) => record(0, '', err.code ?? err.message, false));
        },
      );
      req.setTimeout(timeoutMs, () => {
        record(0, '', 'client_timeout', false);
        req.destroy();
      });
      req.once('error', (err: NodeJS.ErrnoException) => record(0, '', err.code ?? err.message, false));
      req.end();
    });

  const timer = setInterval(() => {
    owed += (rate * TICK_MS) / 1000;
    const active = options.targets.filter((t) => !paused.has(t.name));
    while (owed >= 1) {
      owed -= 1;
      if (active.length === 0) continue;
      if (inFlight >= maxInFlight) {
        skipped++;
        continue;
      }
      const target = active[turn++ % active.length]!;
      inFlight++;
      const p = send(target, pick()).finally(() => {
        inFlight--;
        pending.delete(p);
      });
      pending.add(p);
    }
  }, TICK_MS);

  return {
    samples,
    pause: (name) => paused.add(name),
    resume: (name) => paused.delete(name),
    setMix(next) {
      mix = next;
    },
    get skipped() {
      return skipped;
    },
    async stop() {
      clearInterval(timer);
      await Promise.all([...pending]);
      for (const agent of agents.values()) agent.destroy();
      return samples;
    },
  };
}

/** A token source cycling through a fixed list. */
export function cycle(kind: string, tokens: readonly string[], weight = 1): TokenSource {
  let i = 0;
  return { kind, weight, next: () => tokens[i++ % tokens.length]! };
}

/** Connection-level failures that mean a client lost a request (a refused connect is not one: nothing was sent). */
export const RESET_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'socket hang up', 'ECONNABORTED']);
