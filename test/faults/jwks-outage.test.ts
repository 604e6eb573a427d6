// Fault suite: two keyway processes under a steady load while the IdP's JWKS answers 500, hangs, serves garbage or
// an empty set, and rotates keys. Valid tokens must keep passing on the cached keys; a key the IdP publishes must be
// accepted within ROTATION_BOUND_MS even while forged kids flood in, and within it after an outage ends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKey, type JwksServer, startJwksServer, type TestKey } from '../helpers/jwks-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { ISSUER, type Rig, startRig } from './harness.js';
import { forgedKidTokens, JWKS_FAULTS, type JwksFault } from './jwks-faults.js';
import { cycle, type Sample, startLoad, type TokenSource } from './load.js';
import { describe as summary, tally, type Window } from './tally.js';

const ROTATING_ISSUER = 'https://rotating.fault.test';
/** A newly published key is accepted within this, however many forged kids came before it (issue: "a few seconds"). */
const ROTATION_BOUND_MS = 10_000;
/** How long the IdP stays down waiting for keyway to try it. */
const OUTAGE_MAX_MS = 8_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let rig: Rig;
let rotating: JwksServer;
let rotKey: TestKey;
let validRotating: string[];
let forged: string[];
let base: TokenSource[];

beforeAll(async () => {
  // A second issuer with the default TTL (5 min): only an unknown kid makes keyway fetch its JWKS again.
  rotating = await startJwksServer();
  rotKey = createTestKey('rot-k1');
  rotating.setKeys([rotKey.jwk]);
  rig = await startRig({
    fail: 'closed',
    patch: (config) => {
      (config['issuers'] as unknown[]).push({
        name: 'rotating',
        issuer: ROTATING_ISSUER,
        jwks_uri: rotating.jwksUrl,
        jwks: { timeout: '1s', retries: 1, retry_backoff: '100ms' },
      });
    },
  });
  validRotating = await Promise.all(
    Array.from({ length: 20 }, () => rig.sign(rotKey, { iss: ROTATING_ISSUER })),
  );
  forged = await forgedKidTokens(rig.key, ISSUER, 200);
  base = [
    cycle('valid', rig.valid, 3),
    cycle('valid', validRotating, 1),
    cycle('revoked', rig.revoked, 1),
    cycle('forged', forged, 1),
  ];
}, 60_000);
afterAll(async () => {
  await rig?.close();
  await rotating?.close();
});

const KINDS = { allowed: ['valid'], refused: ['revoked', 'forged'] };
const targets = () => [rig.instances[0]!, rig.instances[1]!];

async function underFault(name: string, faults: readonly JwksFault[], perFaultMs: number): Promise<void> {
  const before = rig.idp.count();
  const load = startLoad({ targets: targets(), mix: base });
  await sleep(1_000);
  const from = Date.now();
  for (const fault of faults) {
    rig.idp.reply('/jwks', JWKS_FAULTS[fault]);
    await sleep(perFaultMs);
  }
  rig.idp.reply('/jwks', undefined);
  const to = Date.now();
  const fetches = rig.idp.count() - before;
  await sleep(2_000);
  const samples = await load.stop();
  const t = tally(samples, KINDS);
  const forgedInFault = samples.filter((s) => s.kind === 'forged' && s.at >= from && s.at <= to);
  console.log(
    summary(`jwks ${name}`, t, {
      fault_ms: to - from,
      jwks_fetches_during_fault: fetches,
      forged_kid_max_wait_ms: Math.max(0, ...forgedInFault.map((s) => s.ms)),
    }),
  );
  expect(t.wronglyAllowed.slice(0, 5)).toEqual([]);
  expect(t.wronglyDenied.slice(0, 5)).toEqual([]);
  expect(t.resets.slice(0, 5)).toEqual([]);
  expect(t.unanswered.filter((s) => s.kind !== 'forged').slice(0, 5)).toEqual([]);
  // Background refreshes (1 s TTL) and forged kids really met the fault, more than once per fault.
  expect(fetches).toBeGreaterThan(faults.length);
}

/** The first 200 of `kind` on `target` at or after `since`. */
function acceptedAt(
  samples: readonly Sample[],
  kind: string,
  target: string,
  since: number,
): number | undefined {
  return samples.find((s) => s.kind === kind && s.target === target && s.at >= since && s.status === 200)?.at;
}

async function waitAccepted(samples: readonly Sample[], kind: string, since: number): Promise<void> {
  await waitFor(
    `${kind} accepted by every instance`,
    () => targets().every((t) => acceptedAt(samples, kind, t.name, since) !== undefined),
    ROTATION_BOUND_MS + 1_000,
    50,
  ).catch(() => undefined);
}

describe('JWKS faults under load (two instances, cached keys)', () => {
  it('JWKS answering 500: no valid token denied', async () => {
    await underFault('500', ['500'], 4_000);
  }, 30_000);

  it('JWKS hanging (no response headers): no valid token denied', async () => {
    await underFault('hang', ['hang'], 4_000);
  }, 30_000);

  it('JWKS serving garbage (an HTML page, broken JSON, a set of unimportable keys): no valid token denied', async () => {
    await underFault('garbage', ['html', 'broken_json', 'unimportable'], 1_500);
  }, 30_000);

  it('JWKS serving an empty set {"keys":[]}: the last good keys are kept, no valid token denied', async () => {
    await underFault('empty set', ['empty'], 4_000);
  }, 30_000);

  it('a rotated key published while forged kids flood in is accepted by both instances within the bound', async () => {
    const next = createTestKey('rot-k2');
    const rotated = await Promise.all(
      Array.from({ length: 10 }, () => rig.sign(next, { iss: ROTATING_ISSUER })),
    );
    const flood = await forgedKidTokens(rotKey, ROTATING_ISSUER, 200);
    const mix = [...base, cycle('forged', flood, 2)];
    const load = startLoad({ targets: targets(), mix });
    await sleep(1_500); // the flood has spent the kid-driven refetch and started its cooldown
    rotating.setKeys([rotKey.jwk, next.jwk]);
    const publishedAt = Date.now();
    load.setMix([...mix, cycle('rotated', rotated, 1)]);
    await waitAccepted(load.samples, 'rotated', publishedAt);
    await sleep(1_500);
    const samples = await load.stop();

    const accepted = targets().map((t) => acceptedAt(samples, 'rotated', t.name, publishedAt));
    // Before a key is fetched it is unknown: denied unknown_key (or keys_unavailable), and only until accepted.
    const windows: Window[] = targets().flatMap((t, i) =>
      ['unknown_key', 'keys_unavailable'].map((reason) => ({
        from: publishedAt,
        to: accepted[i] ?? publishedAt + ROTATION_BOUND_MS,
        reason,
        target: t.name,
      })),
    );
    const t = tally(samples, { allowed: ['valid', 'rotated'], refused: ['revoked', 'forged'] }, windows);
    const ms = accepted.map((at) => (at === undefined ? null : at - publishedAt));
    console.log(summary('jwks rotation under a forged-kid flood', t, { rotated_key_accepted_after_ms: ms }));
    for (const m of ms) {
      expect(m).not.toBeNull();
      expect(m!).toBeLessThanOrEqual(ROTATION_BOUND_MS);
    }
    expect(t.wronglyAllowed.slice(0, 5)).toEqual([]);
    expect(t.wronglyDenied.slice(0, 5)).toEqual([]);
    expect(t.resets.slice(0, 5)).toEqual([]);
  }, 30_000);

  it('a kid first seen during a JWKS outage is 503 keys_unavailable then, and accepted soon after recovery', async () => {
    const next = createTestKey('rot-k3');
    const fresh = await Promise.all(
      Array.from({ length: 10 }, () => rig.sign(next, { iss: ROTATING_ISSUER })),
    );
    const mix = [...base, cycle('new-kid', fresh, 1)];
    const load = startLoad({ targets: targets(), mix });
    await sleep(500);
    rotating.reply('/jwks', JWKS_FAULTS['500']);
    const outageAt = Date.now();
    // The outage lasts until 2 s after keyway first met it (a kid-driven refetch), at most OUTAGE_MAX_MS.
    const fetchesBefore = rotating.count();
    let metAt: number | undefined;
    await waitFor(
      'a JWKS fetch during the outage',
      () => rotating.count() > fetchesBefore,
      OUTAGE_MAX_MS,
      50,
    ).catch(() => undefined);
    if (rotating.count() > fetchesBefore) metAt = Date.now();
    await sleep(metAt === undefined ? 0 : 2_000);
    rotating.setKeys([rotKey.jwk, next.jwk]);
    rotating.reply('/jwks', undefined);
    const recoveredAt = Date.now();
    await waitAccepted(load.samples, 'new-kid', recoveredAt);
    await sleep(1_000);
    const samples = await load.stop();

    const accepted = targets().map((t) => acceptedAt(samples, 'new-kid', t.name, recoveredAt));
    const windows: Window[] = targets().flatMap((t, i) => [
      {
        from: 0,
        to: accepted[i] ?? recoveredAt + ROTATION_BOUND_MS,
        reason: 'keys_unavailable',
        target: t.name,
      },
      // Until keyway has met the outage its set is current: the kid is really unknown then.
      { from: 0, to: (metAt ?? recoveredAt) + 500, reason: 'unknown_key', target: t.name },
    ]);
    const t = tally(samples, { allowed: ['valid', 'new-kid'], refused: ['revoked', 'forged'] }, windows);
    const ms = accepted.map((at) => (at === undefined ? null : at - recoveredAt));
    const inOutage = samples.filter(
      (s) => s.kind === 'new-kid' && s.at >= (metAt ?? recoveredAt) + 500 && s.at < recoveredAt,
    );
    console.log(
      summary('jwks new kid during an outage', t, {
        outage_met_after_ms: metAt === undefined ? null : metAt - outageAt,
        new_kid_accepted_after_recovery_ms: ms,
        new_kid_reasons_in_outage: [...new Set(inOutage.map((s) => `${s.status}:${s.reason}`))],
      }),
    );
    for (const m of ms) {
      expect(m).not.toBeNull();
      expect(m!).toBeLessThanOrEqual(ROTATION_BOUND_MS);
    }
    // keyway met the outage (a kid-driven refetch within OUTAGE_MAX_MS) and answered the new kid during it.
    expect(metAt).toBeDefined();
    expect(inOutage.length).toBeGreaterThan(0);
    expect(t.wronglyAllowed.slice(0, 5)).toEqual([]);
    expect(t.wronglyDenied.slice(0, 5)).toEqual([]);
    expect(t.resets.slice(0, 5)).toEqual([]);
  }, 30_000);
});
