// Freshness: confirmations from full loads, heartbeats and the feed; invalidation blocks them until the next load.
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../../src/lib/clock.js';
import { createFreshness } from '../../../src/revocation/freshness.js';

describe('createFreshness', () => {
  it('is not loaded and infinitely stale before the first full load', () => {
    const f = createFreshness(createManualClock(1_000));
    expect(f.isLoaded()).toBe(false);
    expect(f.stalenessMs()).toBe(Number.POSITIVE_INFINITY);
  });

  it('a heartbeat or a feed change before the first full load confirms nothing (never loaded is not merely stale)', () => {
    const clock = createManualClock(1_000);
    const f = createFreshness(clock);
    f.observed(900, 0); // an empty Redis answers seq 0: still nothing was loaded
    f.applied(3);
    f.observed(950, 3);
    expect(f.isLoaded()).toBe(false);
    expect(f.stalenessMs()).toBe(Number.POSITIVE_INFINITY);
    f.loaded(1_000, 3);
    expect(f.isLoaded()).toBe(true);
  });

  it('ages from the moment the confirming read was sent', () => {
    const clock = createManualClock(1_000);
    const f = createFreshness(clock);
    f.loaded(900, 5);
    expect(f.stalenessMs()).toBe(100);
    clock.advance(400);
    expect(f.stalenessMs()).toBe(500);
  });

  it('a heartbeat confirms only once the feed reached the sequence Redis had', () => {
    const clock = createManualClock(1_000);
    const f = createFreshness(clock);
    f.loaded(1_000, 5);
    clock.set(2_000);
    f.observed(1_900, 7); // Redis is ahead: changes 6 and 7 are in flight
    expect(f.stalenessMs()).toBe(1_000);
    f.applied(6);
    expect(f.stalenessMs()).toBe(1_000);
    f.applied(7);
    expect(f.stalenessMs()).toBe(100);
    f.observed(1_950, 7);
    expect(f.stalenessMs()).toBe(50);
  });

  it('after invalidate nothing confirms, not even reads sent before it, until the next full load', () => {
    const clock = createManualClock(1_000);
    const f = createFreshness(clock);
    f.loaded(1_000, 5);
    clock.set(1_500);
    f.invalidate();
    f.observed(1_400, 5);
    f.observed(1_600, 5);
    expect(f.stalenessMs()).toBe(500);
    clock.set(1_700);
    f.loaded(1_450, 3); // sent before the invalidation: does not count
    expect(f.stalenessMs()).toBe(700);
    f.loaded(1_650, 3);
    expect(f.stalenessMs()).toBe(50);
    expect(f.seq()).toBe(3);
  });
});
