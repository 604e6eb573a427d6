// The one place jose errors become reason codes.
import { errors } from 'jose';
import { KeywayError } from '../errors.js';

/** Translate an error thrown by jose's compactVerify into a KeywayError (signature stage only). */
export function fromJoseError(err: unknown): KeywayError {
  if (err instanceof KeywayError) return err;
  if (err instanceof errors.JWSSignatureVerificationFailed) return new KeywayError('bad_signature');
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) {
    return new KeywayError('alg_not_allowed', err.code);
  }
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) {
    return new KeywayError('malformed_token', err.code);
  }
  // jose throws TypeError when a key does not fit the alg; key binding should prevent it, so treat it as a bad signature.
  if (err instanceof TypeError) return new KeywayError('bad_signature', 'key unusable for alg');
  return new KeywayError('internal_error', err instanceof Error ? err.name : 'verify failed', { cause: err });
}
