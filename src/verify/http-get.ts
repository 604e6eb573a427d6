// The GET used for JWKS/discovery: the injected fetch (redirects refused), or node:https with an issuer's CA bundle.
import { request } from 'node:https';
import { Readable } from 'node:stream';

/** A GET returning a WHATWG Response; `signal` aborts both the request and the body stream. */
export type HttpGet = (
  url: string,
  init: { readonly signal: AbortSignal; readonly headers: Readonly<Record<string, string>> },
) => Promise<Response>;

/** A GET over the injected fetch with `redirect: 'error'`: a 3xx fails the attempt, nothing is followed. */
export function fetchGet(fetchImpl: typeof fetch): HttpGet {
  return (url, init) =>
    fetchImpl(url, { method: 'GET', redirect: 'error', signal: init.signal, headers: { ...init.headers } });
}

/**
 * A GET over node:https trusting only the PEM `ca` bundle (undici's fetch takes no per-request CA).
 * TLS verification stays on; node:https never follows redirects, so a 3xx surfaces as an HTTP error status.
 */
export function caGet(ca: string): HttpGet {
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const req = request(url, { method: 'GET', ca, headers: init.headers, signal: init.signal }, (res) => {
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
