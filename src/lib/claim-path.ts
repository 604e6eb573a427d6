// readClaim: a claim by name or by dotted path into nested objects (`realm_access.roles`).

/** The claim value, or undefined when absent or null. An exact top-level name wins over a dotted path. */
export function readClaim(claims: Readonly<Record<string, unknown>>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path] ?? undefined;
  return path.includes('.') ? readParts(claims, path.split('.')) : undefined;
}

/** readClaim for one path, compiled once (the path split ahead, not per call): same answers. */
export type ClaimReader = (claims: Readonly<Record<string, unknown>>) => unknown;

export function compileClaimPath(path: string): ClaimReader {
  const parts = path.split('.');
  return (claims) => {
    if (Object.hasOwn(claims, path)) return claims[path] ?? undefined;
    return parts.length > 1 ? readParts(claims, parts) : undefined;
  };
}

function readParts(claims: Readonly<Record<string, unknown>>, parts: readonly string[]): unknown {
  let current: unknown = claims;
  for (const part of parts) {
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
