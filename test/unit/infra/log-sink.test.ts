// createLogSink: one write per event-loop turn, immediate past flushBytes, bounded while the output refuses, no line
// reordered or silently lost.
import { describe, expect, it } from 'vitest';
import { createLogSink } from '../../../src/infra/log-sink.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));
const errno = (code: string) => Object.assign(new Error(code), { code });

/** A fake write(2): records what it took; `plan` says, call by call, how many bytes to take or which error to throw. */
function output(plan: (number | string | undefined)[] = []) {
  const writes: string[] = [];
  const writeSync = (_fd: number, data: string | Buffer) => {
    const step = plan.shift();
    if (typeof step === 'string') throw errno(step);
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    const n = step === undefined ? bytes.length : Math.min(step, bytes.length);
    writes.push(bytes.subarray(0, n).toString());
    return n;
  };
  return { writes, writeSync, text: () => writes.join('') };
}

describe('log sink', () => {
  it('writes the lines of one turn with one write, at the end of the turn', async () => {
    const out = output();
    const sink = createLogSink(1, { writeSync: out.writeSync });
    for (let i = 0; i < 50; i++) sink.write(`{"n":${i}}\n`);
    expect(out.writes).toEqual([]);
    await turn();
    expect(out.writes).toHaveLength(1);
    expect(out.text().split('\n')).toHaveLength(51);
    sink.write('next\n');
    await turn();
    expect(out.writes).toEqual([out.writes[0], 'next\n']);
  });

  it('writes at once when flushBytes are queued, and flush() writes synchronously', () => {
    const out = output();
    const sink = createLogSink(1, { writeSync: out.writeSync, flushBytes: 10 });
    sink.write('12345\n');
    expect(out.writes).toEqual([]);
    sink.write('67890\n');
    expect(out.writes).toEqual(['12345\n67890\n']);
    sink.write('last\n');
    let done = false;
    sink.flush(() => {
      done = true;
    });
    expect(out.writes.at(-1)).toBe('last\n');
    expect(done).toBe(true);
  });

  it('a short write goes on from the first byte not written, multi-byte characters intact', async () => {
    const out = output([3, 4]);
    const sink = createLogSink(1, { writeSync: out.writeSync });
    sink.write('{"sub":"zoë"}\n');
    await turn();
    expect(out.text()).toBe('{"sub":"zoë"}\n');
    expect(out.writes.length).toBe(3);
  });

  it('keeps what a full pipe refused (EAGAIN) and writes it first when it drains', async () => {
    const out = output(['EAGAIN', 'EAGAIN']);
    const sink = createLogSink(1, { writeSync: out.writeSync, retryMs: 5 });
    sink.write('a\n');
    await turn();
    sink.write('b\n');
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(out.text()).toBe('a\nb\n');
    expect(sink.dropped()).toBe(0);
  });

  it('drops and counts lines past maxQueuedBytes while the output refuses them', async () => {
    const out = output(Array(100).fill('EAGAIN'));
    const sink = createLogSink(1, { writeSync: out.writeSync, retryMs: 1_000, maxQueuedBytes: 20 });
    sink.write('0123456789\n');
    await turn();
    sink.write('0123456789\n');
    expect(sink.dropped()).toBe(1);
    sink.write('x\n');
    expect(sink.dropped()).toBe(1);
  });

  it('an output that is gone (EPIPE) loses that text only: later lines are still tried', async () => {
    const out = output(['EPIPE']);
    const sink = createLogSink(1, { writeSync: out.writeSync });
    sink.write('lost\n');
    await turn();
    sink.write('kept\n');
    await turn();
    expect(out.text()).toBe('kept\n');
  });
});
