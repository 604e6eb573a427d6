// The fixed headers keyway can emit on a 2xx; respond/emitted-headers.ts adds each policy's own.
/** The fixed identity and routing headers, in the order they are documented. */
export const FIXED_HEADERS = [
  'X-Auth-Subject',
  'X-Auth-Issuer',
  'X-Auth-Token-Id',
  'X-Route-Instance-Key',
  'X-Route-Version-Key',
  'X-Route-Upstream',
  'X-Route-Match',
] as const;
