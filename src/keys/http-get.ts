// The GET used for JWKS/discovery: the injected fetch (redirects refused), or node:https with an issuer's CA bundle.
import { request } from 'node:https';
import { Readable } from 'node:stream';

/** A GET returning a WHATWG Response; `signal` aborts both the request and the body stream. */
export type HttpGet = (
  url: string,
  init: { readonly signal: AbortSignal; readonly headers: Readonly<Record<string, string>> },
) => Promise<Response>;

/**
 * `user:password@` in a URL as an `Authorization: Basic` header (RFC 7617) on the URL without it: fetch() refuses
 * such URLs, and a header, unlike a URL, is never part of a log line.
 */
export function credentialsAsHeader(url: string): { url: string; authorization: string | undefined } {
  const parsed = new URL(url);
  if (parsed.username === '' && parsed.password === '') return { url, authorization: undefined };
  const pair = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.href, authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
}

/** A GET over the injected fetch with `redirect: 'error'`: a 3xx fails the attempt, nothing is followed. */
export function fetchGet(fetchImpl: typeof fetch): HttpGet {
  return (target, init) => {
    const { url, authorization } = credentialsAsHeader(target);
    const headers = authorization === undefined ? { ...init.headers } : { ...init.headers, authorization };
    return fetchImpl(url, { method: 'GET', redirect: 'error', signal: init.signal, headers });
  };
}

/**
 * A GET over node:https trusting only the PEM `ca` bundle (undici's fetch takes no per-request CA).
 * TLS verification stays on; node:https never follows redirects, so a 3xx surfaces as an HTTP error status.
 */
export function caGet(ca: string): HttpGet {
  return (target, init) =>
    new Promise<Response>((resolve, reject) => {
      const { url, authorization } = credentialsAsHeader(target);
      const headers = authorization === undefined ? init.headers : { ...init.headers, authorization };
      const req = request(url, { method: 'GET', ca, headers, signal: init.signal }, (res) => {
        const status = res.statusCode ?? 0;
        const headers = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (value === undefined) continue;
          for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
        }
        const nullBody = status === 204 || status === 205 || status === 304;
        if (nullBody) res.resume();
        try {
          const body = nullBody ? null : (Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>);
          resolve(new Response(body, { status, headers }));
        } catch (err) {
          res.destroy();
          reject(err);
        }
      });
      req.on('error', reject);
      req.end();
    });
}

/** Pick the GET for one URL: https with a configured CA goes through caGet, everything else through fetch. */
export function chooseGet(url: string, ca: string | undefined, fetchImpl: typeof fetch): HttpGet {
  return ca !== undefined && url.startsWith('https:') ? caGet(ca) : fetchGet(fetchImpl);
}
