// AdminInputError: a malformed admin or CLI request, with a stable reason code for the 400 body.

/** The 400 reason codes of the admin revocation API (stable, like the deny reasons). */
export type AdminInputReason =
  | 'invalid_json'
  | 'invalid_body'
  | 'ambiguous_target'
  | 'missing_target'
  | 'invalid_jti'
  | 'invalid_exp'
  | 'invalid_sub'
  | 'invalid_iss'
  | 'unknown_issuer'
  | 'invalid_before'
  | 'invalid_reason'
  | 'invalid_actor'
  | 'invalid_token'
  | 'token_not_verified'
  | 'token_without_jti'
  | 'invalid_cursor'
  | 'invalid_limit'
  | 'body_too_large';

/** Thrown for input the admin API answers with 400 (and the CLI with exit code 2). */
export class AdminInputError extends Error {
  constructor(
    readonly reason: AdminInputReason,
    detail: string,
  ) {
    super(detail);
    this.name = 'AdminInputError';
  }
}
