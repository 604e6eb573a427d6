// The key store contract: verification keys bound to the algorithms their type allows.
import type { KeyObject } from 'node:crypto';
import type { SigningAlg } from '../config/types.js';
import type { SignatureCheck } from './signature-checks.js';

/** One key usable for verification. `algorithms` is already narrowed by key type, JWK alg/use/key_ops and config. */
export interface VerificationKey {
  readonly kid: string | undefined;
  readonly algorithms: ReadonlySet<SigningAlg>;
  /** A public KeyObject for asymmetric keys; the secret bytes for HS keys. */
  readonly key: KeyObject | Uint8Array;
  /** The node:crypto check of each alg in `algorithms`, compiled when the key was loaded (signature-checks.ts). */
  readonly checks: ReadonlyMap<SigningAlg, SignatureCheck>;
  readonly origin: 'jwks' | 'static' | 'hs';
  /** Thumbprint-ish id for /admin/keys and logs (never the secret). */
  readonly id: string;
}

/** Health of an issuer's keys, for /readyz, /admin/keys and metrics. */
export interface KeyStoreStatus {
  readonly issuer: string;
  /** True when the issuer can verify at least one token now (some key loaded and not stale past the bound). */
  readonly ready: boolean;
  readonly keys: number;
  /** Milliseconds since the JWKS was last fetched successfully (undefined without a JWKS or before the first success). */
  readonly ageMs: number | undefined;
  readonly lastError: string | undefined;
}

/** All keys of one issuer: HS secrets, static keys and the remote JWKS. */
export interface IssuerKeyStore {
  /**
   * Keys that may verify a token with this header, in preference order.
   * A kid unknown to a JWKS-backed store triggers at most one single-flight refetch (with cooldown), awaited at most
   * jwks.request_wait. Throws KeywayError: `alg_not_allowed` (kid found, alg not bound to it), `unknown_key`,
   * `keys_unavailable` (no usable key, or the JWKS cannot tell: down, past its TTL, or its fetch still running).
   */
  candidates(alg: SigningAlg, kid: string | undefined): Promise<readonly VerificationKey[]>;
  /**
   * What candidates() would resolve to at once, without waiting: the keys when the set served now holds them, else
   * undefined (then candidates() gives the keys or the error). Never throws, never fetches beyond a due refresh.
   */
  candidatesNow(alg: SigningAlg, kid: string | undefined): readonly VerificationKey[] | undefined;
  status(): KeyStoreStatus;
  /** Load keys (first fetch); never throws — failures show in status(). */
  start(): Promise<void>;
  /** Force a refetch now (admin). */
  refresh(): Promise<void>;
  /** Stop background refresh timers. */
  close(): void;
}
