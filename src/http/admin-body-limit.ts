// adminBodyLimit: the size cap of an admin request body, answered 413 with keyway's JSON error shape.
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/** Refuse a body over `maxBytes` (chunked ones too, while reading) with 413 body_too_large. */
export function adminBodyLimit(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) =>
      c.json({ error: 'bad_request', reason: 'body_too_large', detail: `at most ${maxBytes} bytes` }, 413),
  });
}
