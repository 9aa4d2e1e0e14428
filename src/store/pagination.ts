import { DomainError } from '../core/errors.js';
import type { Page, PageQuery } from '../core/ports.js';

/** Cursors are opaque to clients: the last _id of the page, base64url encoded. */
export const encodeCursor = (id: string): string => Buffer.from(id, 'utf8').toString('base64url');

export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[a-f0-9]{24}$/.test(id)) throw new DomainError('validation', 'The cursor is not valid', { cursor });
  return id;
}

/** Applies `_id > cursor`, fetches one more than the limit to know if a next page exists. */
export async function paginate<D extends { _id: { toString(): string } }, T>(
  query: PageQuery,
  fetch: (after: string | undefined, limit: number) => Promise<D[]>,
  map: (doc: D) => T,
): Promise<Page<T>> {
  const after = query.cursor ? decodeCursor(query.cursor) : undefined;
  const docs = await fetch(after, query.limit + 1);
  const more = docs.length > query.limit;
  const page = more ? docs.slice(0, query.limit) : docs;
  const last = page.at(-1);
  return { items: page.map(map), nextCursor: more && last ? encodeCursor(last._id.toString()) : null };
}
