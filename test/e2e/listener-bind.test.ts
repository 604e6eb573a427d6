// `keyway serve` with its main or admin port already taken, with and without Redis: the process exits non-zero
// within a bound (after closing what it opened) instead of staying up serving nothing or half of keyway.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSecret } from '../helpers/audit.js';
import { type KeywayProcess, spawnKeyway, within } from '../helpers/keyway-process.js';
import { unusedPort } from '../helpers/ports.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';
import { HS_SECRET } from '../helpers/tokens.js';

const ADMIN = 'bind-test-admin-token-0123456789';
registerSecret(ADMIN, 'admin token');

let redis: RedisServer;
const running: KeywayProcess[] = [];
const blockers: Server[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const p of running) p.kill();
  for (const b of blockers) b.close();
  await redis?.close();
});

/** Hold 127.0.0.1:port with a plain TCP listener (another process's socket, as far as keyway can tell). */
async function occupy(): Promise<number> {
  const port = await unusedPort();
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
  blockers.push(blocker);
  return port;
}

const cases = [
  { taken: 'main', redis: false },
  { taken: 'main', redis: true },
  { taken: 'admin', redis: false },
  { taken: 'admin', redis: true },
] as const;

describe('a listener that cannot bind is fatal', () => {
  it.each(cases)(
    '$taken port taken, redis: $redis → exit 1 with the address named',
    async (c) => {
      const busy = await occupy();
      const free = await unusedPort();
      const [main, admin] = c.taken === 'main' ? [busy, free] : [free, busy];
      const proc = spawnKeyway(
        `server: { host: 127.0.0.1, port: ${main} }\n` +
          `admin: { host: 127.0.0.1, port: ${admin} }\n` +
          'issuers:\n  - issuer: https://idp.test\n    hs_secrets: ["${HS}"]\npolicies:\n  - name: api\n',
        {
          HS: HS_SECRET,
          KEYWAY_ADMIN_TOKEN: ADMIN,
          ...(c.redis ? { REDIS_URL: redis.url } : {}),
        },
      );
      running.push(proc);
      // Before the fix the process stayed up (Redis connections, or the listener that did bind, held it).
      const { code } = await within(proc.exited, 15_000, `keyway exit with the ${c.taken} port taken`);
      expect(code).toBe(1);
      expect(proc.output()).toContain(`cannot listen on 127.0.0.1:${busy}: EADDRINUSE`);
      // The listener that did bind was closed too: nothing answers on the other port.
      if (c.taken === 'admin') {
        const probe = await fetch(`http://127.0.0.1:${main}/readyz`).catch((err: Error) => err);
        expect(probe).toBeInstanceOf(Error);
      }
    },
    30_000,
  );
});
