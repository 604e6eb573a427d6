// The opaque paging cursor of GET /admin/revocations: which list (jti, then sub, then isub) and the offset into it.
import { AdminInputError } from './admin-input-error.js';
import type { EntryType } from './keys.js';

/** A position in the combined listing: which list, and how many of its entries come before. */
export interface ListPosition {
  readonly type: EntryType;
  readonly offset: number;
}

/** The lists in listing order: jtis, subjects of every issuer, subjects of one issuer. */
const ORDER: readonly EntryType[] = ['jti', 'sub', 'isub'];

/** Encode a position as an opaque base64url cursor. */
export function encodeCursor(position: ListPosition): string {
  return Buffer.from(`${position.type}:${position.offset}`).toString('base64url');
}

/** Decode a cursor (undefined → the first page); throws AdminInputError('invalid_cursor'). */
export function decodeCursor(cursor: string | undefined): ListPosition {
  if (cursor === undefined || cursor === '') return { type: 'jti', offset: 0 };
  const m = /^(jti|sub|isub):(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw new AdminInputError('invalid_cursor', 'expected a cursor returned by a previous page');
  return { type: m[1] as EntryType, offset: Number(m[2]) };
}

/** Page through the ordered lists as one: the jti list first, then the subject list, then the issuer-subject list. */
export async function pageAcross<T>(
  position: ListPosition,
  limit: number,
  read: (type: EntryType, offset: number, count: number) => Promise<T[]>,
): Promise<{ items: T[]; next: string | undefined }> {
  const items: T[] = [];
  let { type, offset } = position;
  for (;;) {
    const want = limit - items.length;
    const rows = await read(type, offset, want + 1);
    items.push(...rows.slice(0, want));
    if (rows.length > want) return { items, next: encodeCursor({ type, offset: offset + want }) };
    const following = ORDER[ORDER.indexOf(type) + 1];
    if (following === undefined) return { items, next: undefined };
    type = following;
    offset = 0;
  }
}
