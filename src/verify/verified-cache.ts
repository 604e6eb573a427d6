// createVerifiedCache: tokens whose signature already verified, so a repeat skips the crypto (as Envoy's jwt_cache).
import type { Issuer, SigningAlg } from '../config/types.js';
import type { VerificationKey } from '../keys/keys.js';

/** A token whose signature verified with `key`; claims are re-checked on every use (they depend on the time). */
export interface VerifiedEntry {
  readonly issuer: Issuer;
  readonly alg: SigningAlg;
  readonly kid: string | undefined;
  readonly claims: Readonly<Record<string, unknown>>;
  readonly key: VerificationKey;
  /** Drop the entry after this (seconds): the token's exp, so the cache never holds dead tokens. */
  readonly expiresAt: number;
  /** The pipeline's slot (VerifiedToken.memo): the entry is handed out as the verified token of every hit. */
  memo?: object | undefined;
}

export interface VerifiedCache {
  get(token: string, nowSec: number): VerifiedEntry | undefined;
  set(token: string, entry: VerifiedEntry): void;
  delete(token: string): void;
  /** Entries held and their estimated heap bytes. */
  size(): { entries: number; bytes: number };
}

/**
 * The heap an entry costs, estimated from the token's length: its parsed claims take up to ~2.8 bytes per token
 * character (measured on 7.6 KB tokens of 300 small claims: 21.4 KB an entry; one large array: 16.5 KB; a 530-byte
 * token of eight claims: 0.6 KB), plus the token itself as the key (one byte a character), the entry, the Map
 * slot and what the pipeline keeps in its memo slot (an allow's headers: ~0.6 KB). It errs high for ordinary tokens:
 * the byte bound is a ceiling, not an exact account.
 */
export const entryBytes = (token: string): number => Math.ceil(token.length * 3.8) + 900;

interface Held {
  /** Its slot in the Map (the stored token's tail). */
  readonly id: string;
  /** The token as stored (ownCopy), compared whole on every lookup. */
  readonly key: string;
  readonly entry: VerifiedEntry;
  readonly bytes: number;
  /** Used since it was (re)inserted: spared once by eviction (see createVerifiedCache). */
  used: boolean;
}

/**
 * The token as a string of its own. A token cut from a header is a slice that keeps the whole header alive (a token
 * from an 8 KB Cookie header would hold all 8 KB): the key must hold the token's characters only.
 */
const ownCopy = (token: string) => Buffer.from(token, 'latin1').toString('latin1');

/**
 * The Map key: the token's last characters, which are its signature's. Hashing a whole 800-character RS256 token
 * on every lookup cost more than the rest of a hit; a hit is then confirmed by comparing the whole token, so two
 * tokens that share a tail are never taken for each other (one replaces the other in the cache).
 */
const TAIL = 32;
const slot = (token: string) => (token.length <= TAIL ? token : token.slice(-TAIL));

/**
 * A bounded cache (CLOCK, an LRU approximation: a hit only marks its entry; eviction moves a marked oldest entry to
 * the back, unmarked, and drops the first unmarked one) of at most `maxEntries` entries and `maxBytes` estimated heap bytes (either 0 disables it: get always
 * misses). Keyed by the token itself, as Envoy's jwt_authn cache is: a lookup is one Map probe (hashing each token
 * with SHA-256 cost more than the rest of a cache hit). So the tokens of the cache are in keyway's heap until they
 * expire or are evicted, like the claims beside them (SECURITY.md). A token larger than the whole budget is not cached.
 */
export function createVerifiedCache(maxEntries: number, maxBytes: number): VerifiedCache {
  const entries = new Map<string, Held>();
  const off = maxEntries === 0 || maxBytes === 0;
  let bytes = 0;
  /** Remove the entry in `token`'s slot (whichever token holds it). */
  const drop = (token: string) => {
    const id = slot(token);
    const held = entries.get(id);
    if (held === undefined) return;
    entries.delete(id);
    bytes -= held.bytes;
  };
  return {
    get(token, nowSec) {
      if (off) return undefined;
      const held = entries.get(slot(token));
      if (held === undefined || held.key !== token) return undefined;
      if (held.entry.expiresAt <= nowSec) {
        drop(token);
        return undefined;
      }
      held.used = true;
      return held.entry;
    },
    set(token, entry) {
      if (off) return;
      const cost = entryBytes(token);
      if (cost > maxBytes) return;
      drop(token);
      const key = ownCopy(token);
      const id = slot(key);
      entries.set(id, { id, key, entry, bytes: cost, used: false });
      bytes += cost;
      // Each pass over a marked entry unmarks it, so this ends within two rounds of the entries; the entry just set
      // is never the one dropped (it fits the budget alone).
      while (entries.size > maxEntries || bytes > maxBytes) {
        const oldest = entries.values().next().value as Held;
        entries.delete(oldest.id);
        if (oldest.used || oldest.key === key) {
          oldest.used = false;
          entries.set(oldest.id, oldest);
        } else bytes -= oldest.bytes;
      }
    },
    delete(token) {
      if (!off && entries.get(slot(token))?.key === token) drop(token);
    },
    size: () => ({ entries: entries.size, bytes }),
  };
}
