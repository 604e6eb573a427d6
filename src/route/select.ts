// selectUpstream: a stable choice among healthy upstreams (rendezvous hashing on the sticky key).

/** 32-bit FNV-1a followed by murmur3's fmix32, so near-identical inputs still spread evenly. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Pick one healthy upstream: the highest rendezvous score for `stickyKey` (so a subject keeps its backend while it
 * stays healthy, and only the subjects of a failed backend move), or by `rotation` when there is no sticky key;
 * undefined when none is healthy.
 */
export function selectUpstream(
  candidates: readonly string[],
  isHealthy: (upstream: string) => boolean,
  stickyKey: string | undefined,
  rotation: number,
): string | undefined {
  if (stickyKey === undefined) {
    const healthy = candidates.filter(isHealthy);
    return healthy.length === 0 ? undefined : healthy[rotation % healthy.length];
  }
  let best: string | undefined;
  let bestScore = -1;
  for (const upstream of candidates) {
    if (!isHealthy(upstream)) continue;
    const score = hash32(`${stickyKey}\n${upstream}`);
    if (score > bestScore || (score === bestScore && best !== undefined && upstream < best)) {
      best = upstream;
      bestScore = score;
    }
  }
  return best;
}
