import type { MessageRecord } from '../domain/message-record.ts';

/**
 * A message's media in the order the message had them (MediaUrl0..N, kept as each media's `index`
 * in the record), not the key order a listing gives (media SIDs sort by chance). Media the record
 * does not name, or all of them without a record, keep the listing's order, after the named ones.
 */
export const inMessageOrder = <T>(
  items: readonly T[],
  mediaSidOf: (item: T) => string,
  record: MessageRecord | undefined,
): T[] => {
  const indexBySid = new Map(record?.media.map((media) => [media.mediaSid, media.index]));
  const rank = (item: T) => indexBySid.get(mediaSidOf(item)) ?? Number.POSITIVE_INFINITY;
  // Array.prototype.sort is stable: equal ranks keep the listing's order.
  return [...items].sort((a, b) => {
    const [x, y] = [rank(a), rank(b)];
    return x === y ? 0 : x < y ? -1 : 1;
  });
};
