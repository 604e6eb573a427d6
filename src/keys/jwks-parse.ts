// Turn a JWKS document (RFC 7517 §5) into verification keys, skipping unusable ones one by one.
import type { SigningAlg } from '../config/types.js';
import { importVerificationKey, isKeyRejection, type KeyRejection } from './key-import.js';
import type { VerificationKey } from './keys.js';

/** The usable keys of one JWKS and the ones skipped, with why. */
export interface ParsedJwks {
  readonly keys: readonly VerificationKey[];
  readonly skipped: readonly KeyRejection[];
}

/** Parse `{keys: [...]}`; undefined when the document has another shape (one bad key never drops the rest). */
export function parseJwks(body: unknown, issuerAlgorithms: readonly SigningAlg[]): ParsedJwks | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const entries = (body as { keys?: unknown }).keys;
  if (!Array.isArray(entries)) return undefined;
  const keys: VerificationKey[] = [];
  const skipped: KeyRejection[] = [];
  for (const entry of entries) {
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
      skipped.push({ why: 'invalid_key', kid: undefined });
      continue;
    }
    const result = importVerificationKey({ jwk: entry as Record<string, unknown>, issuerAlgorithms }, 'jwks');
    if (isKeyRejection(result)) skipped.push(result);
    else keys.push(result);
  }
  return { keys, skipped };
}
