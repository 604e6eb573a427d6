// Divergence detection and the entries to write back when Redis lost data.
import { describe, expect, it } from 'vitest';
import { createMirror } from '../../../../src/revocation/mirror.js';
import type { Snapshot } from '../../../../src/revocation/redis/redis-store.js';
import { divergence, findLost } from '../../../../src/revocation/redis/reseed.js';

const retention = { leeway: 60, lifetime: 3600 };
const NOW = 1_700_000_000;
const snap = (over: Partial<Snapshot> = {}): Snapshot => ({
  gen: 'g1',
  created: false,
  seq: 10,
  jtis: new Map(),
  subjects: new Map(),
  issuerSubjects: new Map(),
  tombstones: new Set(),
  atSeq: 'fp10',
  atApplied: 'fp10',
  ...over,
});

describe('divergence', () => {
  it.each([
    {
      name: 'first load',
      followed: { gen: undefined, seq: 0, fingerprint: undefined },
      s: snap({ gen: 'x' }),
      diverged: false,
    },
    {
      name: 'same history, further on',
      followed: { gen: 'g1', seq: 8, fingerprint: 'fp8' },
      s: snap({ atApplied: 'fp8' }),
      diverged: false,
    },
    {
      name: 'generation changed (restarted empty)',
      followed: { gen: 'g1', seq: 8, fingerprint: 'fp8' },
      s: snap({ gen: 'g2' }),
      diverged: true,
    },
    {
      name: 'sequence went back',
      followed: { gen: 'g1', seq: 12, fingerprint: 'fp12' },
      s: snap(),
      diverged: true,
    },
    {
      name: 'history rewritten',
      followed: { gen: 'g1', seq: 8, fingerprint: 'fp8' },
      s: snap({ atApplied: 'other' }),
      diverged: true,
    },
    {
      name: 'applied entry trimmed',
      followed: { gen: 'g1', seq: 8, fingerprint: 'fp8' },
      s: snap({ atApplied: undefined }),
      diverged: false,
    },
  ])('$name → $diverged', ({ followed, s, diverged }) => {
    expect(divergence(followed, s) !== undefined).toBe(diverged);
  });
});

describe('findLost', () => {
  it('returns live entries Redis lacks or holds earlier, never tombstoned or expired ones', () => {
    const m = createMirror(retention);
    m.setJti('kept', NOW + 100);
    m.setJti('lost', NOW + 100);
    m.setJti('older-in-redis', NOW + 100);
    m.setJti('unrevoked', NOW + 100);
    m.setJti('expired', NOW - 61);
    m.setSubject('s-lost', NOW);
    m.setSubject('s-kept', NOW);
    m.setSubject('s-expired', NOW - 3661);
    m.setIssuerSubject('["idp","s-lost"]', NOW);
    m.setIssuerSubject('["idp","s-kept"]', NOW);
    const s = snap({
      issuerSubjects: new Map([['["idp","s-kept"]', NOW]]),
      jtis: new Map([
        ['kept', NOW + 100],
        ['older-in-redis', NOW + 50],
      ]),
      subjects: new Map([['s-kept', NOW]]),
      tombstones: new Set(['unrevoked']),
    });
    expect(findLost(m, s, NOW, retention)).toEqual({
      jtis: [
        ['lost', NOW + 100],
        ['older-in-redis', NOW + 100],
      ],
      subjects: [['s-lost', NOW]],
      issuerSubjects: [['["idp","s-lost"]', NOW]],
    });
  });
});
