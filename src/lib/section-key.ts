// sectionKey: the identity of a resolved config section, for deciding whether a running part can be reused.
import { createHash } from 'node:crypto';

/**
 * A SHA-256 hex digest of `value`'s canonical form: object keys sorted, `undefined` members dropped (as if absent),
 * arrays in order, a Uint8Array as its bytes (tagged, so it never equals a string or array with the same content).
 * Two sections with the same key build the same part. The value may hold secrets (HS keys, passwords): the digest
 * is one-way, but it still identifies them — compare it, never log or expose it. Throws on a value that is not plain
 * data (a function, a symbol, a bigint, a cycle): a resolved config section holds none.
 */
export function sectionKey(value: unknown): string {
  const hash = createHash('sha256');
  write(hash, value, new Set());
  return hash.digest('hex');
}

type Hash = ReturnType<typeof createHash>;

function write(hash: Hash, value: unknown, path: Set<object>): void {
  if (value === null) return void hash.update('n;');
  switch (typeof value) {
    case 'undefined':
      return void hash.update('u;');
    case 'boolean':
      return void hash.update(value ? 't;' : 'f;');
    case 'number':
      return void hash.update(`d${Object.is(value, -0) ? '0' : String(value)};`);
    case 'string':
      return void hash.update(`s${Buffer.byteLength(value)}:`).update(value);
    case 'object':
      break;
    default:
      throw new TypeError(`sectionKey: cannot key a ${typeof value}`);
  }
  const object = value as object;
  if (path.has(object)) throw new TypeError('sectionKey: cyclic value');
  path.add(object);
  if (object instanceof Uint8Array) {
    hash.update(`b${object.byteLength}:`).update(object);
  } else if (Array.isArray(object)) {
    hash.update(`a${object.length}[`);
    for (const item of object) write(hash, item, path);
    hash.update(']');
  } else {
    const entries = Object.entries(object)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    hash.update(`o${entries.length}{`);
    for (const [k, v] of entries) {
      write(hash, k, path);
      write(hash, v, path);
    }
    hash.update('}');
  }
  path.delete(object);
}
