import { describe, expect, it } from 'vitest';
import { selectUpstream } from '../../../src/route/select.js';

const ups = ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80'];
const all = () => true;
const subjects = Array.from({ length: 3000 }, (_, i) => `user-${i}`);

describe('selectUpstream', () => {
  it('gives a subject the same upstream every time, whatever the candidate order', () => {
    for (const s of subjects.slice(0, 50)) {
      const first = selectUpstream(ups, all, s, 0);
      expect(selectUpstream([...ups].reverse(), all, s, 7)).toBe(first);
    }
  });

  it('spreads subjects over the upstreams', () => {
    const counts = new Map<string, number>();
    for (const s of subjects) {
      const u = selectUpstream(ups, all, s, 0)!;
      counts.set(u, (counts.get(u) ?? 0) + 1);
    }
    for (const u of ups) expect(counts.get(u)).toBeGreaterThan(800);
  });

  it('moves only the subjects of an unhealthy upstream, and moves them back when it recovers', () => {
    const before = new Map(subjects.map((s) => [s, selectUpstream(ups, all, s, 0)]));
    const down = (u: string) => u !== '10.0.0.2:80';
    for (const s of subjects) {
      const now = selectUpstream(ups, down, s, 0);
      if (before.get(s) !== '10.0.0.2:80') expect(now).toBe(before.get(s));
      else expect(now).not.toBe('10.0.0.2:80');
    }
    for (const s of subjects) expect(selectUpstream(ups, all, s, 0)).toBe(before.get(s));
  });

  it('rotates among healthy upstreams without a sticky key and answers undefined when none is healthy', () => {
    expect([0, 1, 2, 3].map((r) => selectUpstream(ups, all, undefined, r))).toEqual([
      ups[0],
      ups[1],
      ups[2],
      ups[0],
    ]);
    expect(selectUpstream(ups, () => false, 'alice', 0)).toBeUndefined();
    expect(selectUpstream(ups, () => false, undefined, 0)).toBeUndefined();
  });
});
