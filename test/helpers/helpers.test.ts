// The test helpers other tests lean on: fake time, the polling helper, and ports for external binaries.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createFakeTime } from './fake-time.js';
import { BindConflictError, ownsListeningPort, retryOnBindConflict, waitForReadyLine } from './ports.js';
import { acceptsConnections, waitFor } from './wait-for.js';

describe('createFakeTime', () => {
  it('runs timers in due order as the clock advances, intervals as often as they fall due, cleared ones never', async () => {
    const time = createFakeTime(1_000);
    const ran: string[] = [];
    time.timers.setTimeout(() => ran.push(`b@${time.clock()}`), 200);
    time.timers.setTimeout(() => ran.push(`a@${time.clock()}`), 100);
    const tick = time.timers.setInterval(() => ran.push(`tick@${time.clock()}`), 150);
    const never = time.timers.setTimeout(() => ran.push('never'), 50);
    time.timers.clear(never);
    await time.advance(99);
    expect(ran).toEqual([]);
    await time.advance(250);
    expect(ran).toEqual(['a@1100', 'tick@1150', 'b@1200', 'tick@1300']);
    expect(time.clock()).toBe(1_349);
    time.timers.clear(tick);
    await time.advance(1_000);
    expect(ran).toHaveLength(4);
    expect(time.pending()).toBe(0);
  });

  it('lets the promises a timer starts settle before the next one runs', async () => {
    const time = createFakeTime();
    const order: string[] = [];
    time.timers.setTimeout(() => {
      void Promise.resolve().then(() => order.push('first settled'));
    }, 10);
    time.timers.setTimeout(() => order.push('second'), 20);
    await time.advance(20);
    expect(order).toEqual(['first settled', 'second']);
  });
});

describe('waitFor', () => {
  it('resolves once the check holds, counting a throw as "not yet"', async () => {
    let calls = 0;
    await waitFor('the third call', () => {
      calls++;
      if (calls < 2) throw new Error('not up');
      return calls >= 3;
    });
    expect(calls).toBe(3);
  });

  it('rejects after the timeout naming what it waited for and the last error', async () => {
    await expect(
      waitFor(
        'a server',
        () => {
          throw new Error('ECONNREFUSED');
        },
        30,
        5,
      ),
    ).rejects.toThrow(/waiting for a server \(last error: Error: ECONNREFUSED\)/);
  });
});

describe('ports for external binaries', () => {
  const listen = async (): Promise<{ server: Server; port: number }> => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    return { server, port: typeof address === 'object' && address ? address.port : 0 };
  };

  it('a redis-server whose port is taken is reported as a bind conflict, not as ready', async () => {
    const { server, port } = await listen();
    try {
      const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', ''], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      await expect(
        waitForReadyLine(child, /Ready to accept connections/, 'redis-server', port),
      ).rejects.toThrow(BindConflictError);
      expect(await acceptsConnections(port)).toBe(true); // the holder, which a port poll would have mistaken for it
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('starts again on new ports after a bind conflict, and gives up after the attempts', async () => {
    const tried: number[][] = [];
    const started = await retryOnBindConflict(2, async (ports) => {
      tried.push(ports);
      if (tried.length < 3) throw new BindConflictError('x', ports[0]!);
      return ports;
    });
    expect(tried).toHaveLength(3);
    expect(started).toEqual(tried[2]);
    await expect(
      retryOnBindConflict(
        1,
        async ([port]) => {
          throw new BindConflictError('y', port!);
        },
        2,
      ),
    ).rejects.toThrow(BindConflictError);
    await expect(
      retryOnBindConflict(1, async () => {
        throw new Error('another failure');
      }),
    ).rejects.toThrow('another failure');
  });
});

describe('ownsListeningPort', () => {
  it('names the process that holds a listening port, and no other', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      expect(ownsListeningPort(process.pid, port)).toBe(true);
      expect(ownsListeningPort(process.ppid, port)).toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(ownsListeningPort(process.pid, port)).toBe(false);
  });
});
