// The snapshot file format: a round trip keeps every live entry and its history; expired entries are dropped; a corrupt,
// foreign or other-version file is refused with a reason, never half-read.
import { describe, expect, it } from 'vitest';
import { issuerSubjectKey } from '../../../src/revocation/keys.js';
import { createMirror } from '../../../src/revocation/mirror.js';
import { encodeSnapshot, parseSnapshot, SnapshotRefused } from '../../../src/revocation/snapshot-format.js';

const retention = { leeway: 60, lifetime: 3600 };
const NOW = 1_700_000_000;
const owner = { keyPrefix: 'keyway', store: 'redis' as const };
const meta = {
  writtenAt: NOW * 1000,
  confirmedAt: NOW * 1000 - 500,
  history: { gen: 'g', seq: 42, fingerprint: 'fp' },
};

function sample() {
  const m = createMirror(retention);
  m.setJti('live', NOW + 10);
  m.setJti('expired', NOW - 61);
  m.setSubject('s', NOW - 5);
  m.setSubject('s-expired', NOW - 3661);
  m.setIssuerSubject(issuerSubjectKey('https://a', 'x:"y'), NOW);
  return m;
}

const refusal = (text: string, who = owner) => {
  try {
    parseSnapshot(text, who, retention, NOW);
    return 'accepted';
  } catch (err) {
    expect(err).toBeInstanceOf(SnapshotRefused);
    return (err as Error).message;
  }
};

describe('snapshot format', () => {
  it('round-trips live entries, the history and the confirmation time; expired entries are left out', () => {
    const text = encodeSnapshot(owner, meta, sample().entries(), retention, NOW);
    const parsed = parseSnapshot(text, owner, retention, NOW);
    expect(parsed).toMatchObject(meta);
    expect([...parsed.entries.jtis]).toEqual([['live', NOW + 10]]);
    expect([...parsed.entries.subjects]).toEqual([['s', NOW - 5]]);
    expect([...parsed.entries.issuerSubjects]).toEqual([[issuerSubjectKey('https://a', 'x:"y'), NOW]]);
  });

  it('drops entries that expired while the file sat on disk', () => {
    const text = encodeSnapshot(owner, meta, sample().entries(), retention, NOW);
    const later = parseSnapshot(text, owner, retention, NOW + 71);
    expect(later.entries.jtis.size).toBe(0);
    expect(later.entries.subjects.size).toBe(1);
  });

  it('a memory-mode snapshot has no history and may have no confirmation', () => {
    const mem = { keyPrefix: 'keyway', store: 'memory' as const };
    const text = encodeSnapshot(
      mem,
      { writtenAt: 1, confirmedAt: undefined, history: undefined },
      sample().entries(),
      retention,
      NOW,
    );
    expect(parseSnapshot(text, mem, retention, NOW)).toMatchObject({
      history: undefined,
      confirmedAt: undefined,
    });
  });

  const good = JSON.parse(encodeSnapshot(owner, meta, sample().entries(), retention, NOW)) as Record<
    string,
    unknown
  >;
  const variant = (over: Record<string, unknown>) => JSON.stringify({ ...good, ...over });
  it.each([
    { name: 'empty file', text: '', why: /not JSON/ },
    { name: 'truncated', text: JSON.stringify(good).slice(0, 40), why: /not JSON/ },
    { name: 'JSON null', text: 'null', why: /not a keyway revocation snapshot/ },
    { name: 'another JSON file', text: '{"keys":[]}', why: /not a keyway revocation snapshot/ },
    { name: 'a newer version', text: variant({ version: 2 }), why: /version 2/ },
    { name: 'another key_prefix', text: variant({ key_prefix: 'other' }), why: /key_prefix "other"/ },
    { name: 'another store', text: variant({ store: 'memory' }), why: /memory store/ },
    { name: 'jtis not an array', text: variant({ jtis: {} }), why: /jtis: expected an array/ },
    { name: 'a jti without exp', text: variant({ jtis: [['a']] }), why: /jtis\[0\]/ },
    { name: 'an exp as a string', text: variant({ jtis: [['a', '1']] }), why: /jtis\[0\]/ },
    { name: 'a fractional before', text: variant({ subjects: [['a', 1.5]] }), why: /subjects\[0\]/ },
    {
      name: 'an issuer subject of two parts',
      text: variant({ issuer_subjects: [['a', 1]] }),
      why: /issuer_subjects\[0\]/,
    },
    { name: 'no written_at', text: variant({ written_at: 'yesterday' }), why: /written_at/ },
    { name: 'a bad history', text: variant({ history: { gen: 1 } }), why: /history/ },
  ])('refuses $name', ({ text, why }) => {
    expect(refusal(text)).toMatch(why);
  });
});
