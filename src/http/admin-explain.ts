// POST /admin/explain: the decision trace for a token + forwarded request (see src/explain/explain.ts).
import { Hono } from 'hono';
import { type ExplainContext, explain, explainInput } from '../explain/explain.js';
import { adminBodyLimit } from './admin-body-limit.js';
import { AdminError } from './admin-errors.js';

/** Routes under /admin/explain. The token is used, never echoed. */
export function createExplainAdminRoutes(context: () => ExplainContext): Hono {
  const app = new Hono();
  // Room for the largest token limits.max_token_bytes allows (1 MiB) plus the forwarded request's headers.
  app.post('/', adminBodyLimit(2 * 1024 * 1024), async (c) => {
    const parsed = explainInput.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success)
      throw new AdminError(
        'invalid_body',
        parsed.error.issues.map((i) => i.message),
      );
    return c.json(await explain(context(), parsed.data));
  });
  return app;
}
