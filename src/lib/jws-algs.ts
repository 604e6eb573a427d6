// The JWS algorithms keyway verifies ("none" is never one): the config schema's enum and the request path's check.
export const SIGNING_ALGS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'HS256',
  'HS384',
  'HS512',
] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];
