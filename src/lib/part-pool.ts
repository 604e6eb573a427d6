// createPartPool: running parts held by key across config generations; a sweep releases those no generation uses.

/** Parts (key stores, routers) a generation takes by key instead of building, so a reload keeps what did not change. */
export interface PartPool<V> {
  /** The part held under `key`, else `create()`'s (held from now on); `fresh` is true when it was created by this call. */
  take(key: string, create: () => V): { readonly part: V; readonly fresh: boolean };
  /**
   * Stop holding every part whose key is not in `keep` (the keys of the generation that serves) and release each;
   * resolves with the released parts once their releases settled (a release that fails is ignored here: `release`
   * logs its own failures).
   */
  sweep(keep: ReadonlySet<string>): Promise<V[]>;
  /** The parts held now, in the order they were created. */
  parts(): V[];
}

/** Build an empty pool; `release` stops one part (closes its timers and connections). */
export function createPartPool<V>(release: (part: V) => Promise<void> | void): PartPool<V> {
  const held = new Map<string, V>();
  return {
    take(key, create) {
      const running = held.get(key);
      if (running !== undefined) return { part: running, fresh: false };
      const part = create();
      held.set(key, part);
      return { part, fresh: true };
    },
    async sweep(keep) {
      const gone: V[] = [];
      for (const [key, part] of held) {
        if (keep.has(key)) continue;
        held.delete(key);
        gone.push(part);
      }
      await Promise.allSettled(gone.map(async (part) => release(part)));
      return gone;
    },
    parts: () => [...held.values()],
  };
}
