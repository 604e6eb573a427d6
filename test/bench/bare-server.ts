// The baseline for `npm run bench`: a bare hono server answering 200 with a few headers, no auth at all.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.all('/auth', (c) => {
  c.header('X-Auth-Subject', 'bench');
  return c.body(null, 200);
});
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.send?.({ port: info.port });
});
process.on('disconnect', () => server.close(() => process.exit(0)));
