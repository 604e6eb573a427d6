// The floor for `npm run bench`: hono on @hono/node-server answering 200 + one header, no work at all.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.all('/auth', (c) => {
  c.header('X-Auth-Subject', 'bench');
  return c.body(null, 200);
});
serve({ fetch: app.fetch, port: Number(process.env['PORT']), hostname: '127.0.0.1' });
