// adminBodyLimit: the size cap of an admin request body, answered 413 body_too_large by the admin error map.
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AdminError } from './admin-errors.js';

/** Refuse a body over `maxBytes` (chunked ones too, while reading): throws AdminError('body_too_large'). */
export function adminBodyLimit(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AdminError('body_too_large', `at most ${maxBytes} bytes`);
    },
  });
}
