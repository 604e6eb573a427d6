// Check: one failed check of a deny as expected vs actual, and what the checks read (CheckContext).
import type { Config, Policy } from '../config/types.js';
import type { KeyInfo } from '../keys/issuer-key-store.js';
import type { TokenFacts } from './token-facts.js';

/** One failed check: what the token has, what the config accepts, and the clock when a time was compared. */
export interface Check {
  readonly check: string;
  readonly actual: unknown;
  readonly expected: unknown;
  readonly now?: string;
  readonly leeway?: string;
  readonly note?: string;
}

/** What a check reads: the config, the token's facts, the policy, the clock and the keys served now. */
export interface CheckContext {
  readonly config: Config;
  readonly facts: TokenFacts | undefined;
  readonly policy: Policy | undefined;
  readonly nowMs: number;
  /** The keys an issuer serves now (kids and algs, never key material). */
  readonly keys: (issuer: string) => readonly KeyInfo[];
  readonly tokenLength: number | undefined;
}
