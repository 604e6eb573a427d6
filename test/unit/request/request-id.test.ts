// createRequestIds: UUID-shaped, never repeated within a generator, a different random prefix per generator.
import { describe, expect, it } from 'vitest';
import { createRequestIds } from '../../../src/request/request-id.js';

describe('createRequestIds', () => {
  it('gives UUID-shaped ids that never repeat', () => {
    const next = createRequestIds();
    const ids = Array.from({ length: 10_000 }, next);
    for (const id of ids.slice(0, 3))
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('two generators (two processes) share no prefix', () => {
    const prefixes = new Set(Array.from({ length: 50 }, () => createRequestIds()().slice(0, 24)));
    expect(prefixes.size).toBe(50);
  });
});
