// An immutable set of verification keys indexed by kid and alg, built once per load so lookups are a map read.
import type { SigningAlg } from '../config/types.js';
import type { VerificationKey } from './keys.js';

/** Keys in preference order with precomputed, frozen lookup lists. */
export interface KeySet {
  readonly all: readonly VerificationKey[];
  /** Keys with this kid, whatever their algs. */
  readonly byKid: ReadonlyMap<string, readonly VerificationKey[]>;
  /** Keys with this kid allowing this alg, keyed `${kid}\0${alg}`. */
  readonly byKidAlg: ReadonlyMap<string, readonly VerificationKey[]>;
  /** Keys (any kid) allowing this alg. */
  readonly byAlg: ReadonlyMap<SigningAlg, readonly VerificationKey[]>;
  /** Kid-less keys allowing this alg. */
  readonly kidlessByAlg: ReadonlyMap<SigningAlg, readonly VerificationKey[]>;
}

export const EMPTY_KEY_SET: KeySet = createKeySet([]);

/** The byKidAlg map key. */
export function kidAlgKey(kid: string, alg: SigningAlg): string {
  return `${kid}\u0000${alg}`;
}

/** Index `keys` (kept in their order); every list is frozen so callers can hand them out as-is. */
export function createKeySet(keys: readonly VerificationKey[]): KeySet {
  const byKid = new Map<string, VerificationKey[]>();
  const byKidAlg = new Map<string, VerificationKey[]>();
  const byAlg = new Map<SigningAlg, VerificationKey[]>();
  const kidlessByAlg = new Map<SigningAlg, VerificationKey[]>();
  for (const key of keys) {
    if (key.kid !== undefined) push(byKid, key.kid, key);
    for (const alg of key.algorithms) {
      push(byAlg, alg, key);
      if (key.kid === undefined) push(kidlessByAlg, alg, key);
      else push(byKidAlg, kidAlgKey(key.kid, alg), key);
    }
  }
  for (const map of [byKid, byKidAlg, byAlg, kidlessByAlg])
    for (const list of map.values()) Object.freeze(list);
  return Object.freeze({ all: Object.freeze([...keys]), byKid, byKidAlg, byAlg, kidlessByAlg });
}

/** Reuse the previous key object when the same key comes back (keeps jose's per-KeyObject import cache warm). */
export function reuseUnchanged(next: readonly VerificationKey[], previous: KeySet): VerificationKey[] {
  const before = new Map(previous.all.map((k) => [`${k.kid}\u0000${k.id}`, k]));
  return next.map((key) => {
    const old = before.get(`${key.kid}\u0000${key.id}`);
    const same =
      old !== undefined &&
      old.algorithms.size === key.algorithms.size &&
      [...key.algorithms].every((a) => old.algorithms.has(a));
    return same ? old : key;
  });
}

function push<K>(map: Map<K, VerificationKey[]>, key: K, value: VerificationKey): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
