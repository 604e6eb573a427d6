// readClaim: a claim by name or by dotted path into nested objects (`realm_access.roles`).

/** The claim value, or undefined when absent or null. An exact top-level name wins over a dotted path. */
export function readClaim(claims: Readonly<Record<string, unknown>>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path] ?? undefined;
  let current: unknown = claims;
  for (const part of path.split('.')) {
    if (
      current === null ||
      typeof current !== 'object' ||
      Array.isArray(current) ||
      !Object.hasOwn(current, part)
    ) {
      return undefined;
    }
    current = (current as Record<string, unknown>)[part];
  }
  return current ?? undefined;
}
