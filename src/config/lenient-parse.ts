// lenientParse: the readable part of a value that fails its schema — the offending keys and values removed, then
// parsed again — so the cross-field and file checks still run on the rest of a section or item in the same pass.
import type { z } from 'zod';

type Path = readonly PropertyKey[];

const isContainer = (v: unknown): v is Record<PropertyKey, unknown> => !!v && typeof v === 'object';

/** Remove what `path` names inside `root` (a clone); false when there is nothing to remove. */
function remove(root: unknown, path: Path, keys: readonly string[] | undefined): boolean {
  let at: unknown = root;
  const names = keys === undefined ? path.slice(0, -1) : path;
  for (const part of names) {
    if (!isContainer(at)) return false;
    at = (at as Record<PropertyKey, unknown>)[part];
  }
  if (!isContainer(at)) return false;
  const targets = keys ?? [path[path.length - 1]!];
  let removed = false;
  for (const key of targets) {
    if (Array.isArray(at) && typeof key === 'number' && key < at.length) {
      at.splice(key, 1);
      removed = true;
    } else if (Object.hasOwn(at, key)) {
      delete (at as Record<PropertyKey, unknown>)[key];
      removed = true;
    }
  }
  return removed;
}

/**
 * `value` parsed by `schema` once every key or value its issues point at is removed (a few rounds: a removal can
 * reveal a default's own checks); undefined when an issue sits at the root or a required value cannot be removed.
 * The result only feeds checks of the readable fields: the removed ones are already reported.
 */
export function lenientParse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> | undefined {
  const current: unknown = structuredClone(value);
  for (let round = 0; round < 8; round++) {
    const parsed = schema.safeParse(current);
    if (parsed.success) return parsed.data;
    let changed = false;
    // Last first: removing an array element must not shift the index of another issue of the same round.
    for (const issue of [...parsed.error.issues].reverse()) {
      const keys = issue.code === 'unrecognized_keys' ? (issue.keys as string[]) : undefined;
      if (keys === undefined && issue.path.length === 0) return undefined;
      if (remove(current, issue.path, keys)) changed = true;
    }
    if (!changed) return undefined;
  }
  return undefined;
}
