// One bounded GET of a JSON document (timeout, size cap, content type) and the retry loop around it.
import type { HttpGet } from './http-get.js';

/** The outcome label of keyway_jwks_fetches_total, one per attempt. */
export type FetchOutcome =
  | 'ok'
  | 'http_error'
  | 'timeout'
  | 'invalid'
  | 'network'
  | 'too_large'
  | 'no_usable_keys';

/** A failed fetch: the outcome and a short detail that never contains key material or a full URL. */
export interface FetchFailure {
  readonly ok: false;
  readonly outcome: Exclude<FetchOutcome, 'ok'>;
  readonly detail: string;
  readonly status?: number;
}

/** A successful fetch: the parsed value and the Cache-Control header (for the TTL). */
export interface Fetched<T> {
  readonly ok: true;
  readonly value: T;
  readonly cacheControl: string | null;
}

/** What to fetch and how hard to try; `parse` returns undefined for a document of the wrong shape. */
export interface FetchPlan<T> {
  readonly url: string;
  readonly get: HttpGet;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly retries: number;
  readonly backoffMs: number;
  readonly parse: (body: unknown) => T | undefined;
  /** A well-formed document keyway still cannot use (a JWKS with no usable key): why, or undefined to accept it. */
  readonly refuse?: (value: T) => string | undefined;
  /** Wraps each attempt (the global concurrency limiter). */
  readonly limit: <R>(task: () => Promise<R>) => Promise<R>;
  /** Aborts everything (store closed). */
  readonly signal: AbortSignal;
  readonly onAttempt: (outcome: FetchOutcome) => void;
}

const ACCEPT = { accept: 'application/jwk-set+json, application/json;q=0.9' };
const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json$/;
const MAX_BACKOFF_MS = 30_000;

/** Fetch with up to `retries` more attempts on network errors, timeouts, 408, 429 and 5xx; never throws. */
export async function fetchWithRetries<T>(plan: FetchPlan<T>): Promise<Fetched<T> | FetchFailure> {
  for (let attempt = 0; ; attempt++) {
    const result = await plan.limit(() => fetchOnce(plan));
    // An attempt cut by close() is no outcome of the IdP's: counting it would bring back the series of an issuer a
    // reload just released (key-store-pool.ts removes them once the store is closed).
    if (plan.signal.aborted) return result;
    plan.onAttempt(result.ok ? 'ok' : result.outcome);
    if (result.ok || attempt >= plan.retries || !isRetryable(result)) return result;
    // Exponential backoff with equal jitter: half fixed, half random, so issuers do not retry in lockstep.
    const base = Math.min(plan.backoffMs * 2 ** attempt, MAX_BACKOFF_MS);
    await sleep(base / 2 + Math.random() * (base / 2), plan.signal);
  }
}

/** One GET: refuses non-2xx, non-JSON content types and bodies past maxBytes (counted while streaming). */
export async function fetchOnce<T>(plan: FetchPlan<T>): Promise<Fetched<T> | FetchFailure> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, plan.timeoutMs);
  const onClose = (): void => controller.abort();
  plan.signal.addEventListener('abort', onClose, { once: true });
  try {
    const res = await plan.get(plan.url, { signal: controller.signal, headers: ACCEPT });
    if (res.status < 200 || res.status > 299) {
      await res.body?.cancel().catch(() => {});
      return { ok: false, outcome: 'http_error', detail: `HTTP ${res.status}`, status: res.status };
    }
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (!JSON_TYPE.test(type)) {
      await res.body?.cancel().catch(() => {});
      return { ok: false, outcome: 'invalid', detail: `content-type ${JSON.stringify(type.slice(0, 60))}` };
    }
    const text = await readCapped(res, plan.maxBytes, controller);
    if (text === undefined)
      return { ok: false, outcome: 'too_large', detail: `body over ${plan.maxBytes} bytes` };
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { ok: false, outcome: 'invalid', detail: 'body is not JSON' };
    }
    const value = plan.parse(body);
    if (value === undefined) return { ok: false, outcome: 'invalid', detail: 'unexpected document shape' };
    const refused = plan.refuse?.(value);
    if (refused !== undefined) return { ok: false, outcome: 'no_usable_keys', detail: refused };
    return { ok: true, value, cacheControl: res.headers.get('cache-control') };
  } catch (err) {
    if (timedOut)
      return { ok: false, outcome: 'timeout', detail: `no complete answer within ${plan.timeoutMs}ms` };
    return { ok: false, outcome: 'network', detail: describe(err) };
  } finally {
    clearTimeout(timer);
    plan.signal.removeEventListener('abort', onClose);
  }
}

/** Read the body, aborting once it passes `max` bytes (Content-Length is a hint, not trusted). */
async function readCapped(
  res: Response,
  max: number,
  controller: AbortController,
): Promise<string | undefined> {
  if (Number(res.headers.get('content-length') ?? 0) > max) {
    controller.abort();
    return undefined;
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      controller.abort();
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function isRetryable(failure: FetchFailure): boolean {
  if (failure.outcome === 'network' || failure.outcome === 'timeout') return true;
  const status = failure.status ?? 0;
  return failure.outcome === 'http_error' && (status >= 500 || status === 408 || status === 429);
}

/** An error's code or message (fetch wraps the real one in `cause`), with any URL in it elided. */
function describe(err: unknown): string {
  const cause = (err as { cause?: unknown })?.cause ?? err;
  const { code, message } = (cause ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof code === 'string' ? code : typeof message === 'string' ? message : 'network error';
  return text.replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, '<url>').slice(0, 120);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
