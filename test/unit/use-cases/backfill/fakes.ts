import type {
  CatalogMedia,
  CatalogMessage,
  MessageCatalog,
  MessagePage,
} from '../../../../lib/ports/pipeline.ts';
import { UNSENT_SCAN } from '../../../../lib/use-cases/backfill/find-archivable-media.ts';

export const ACCOUNT = `AC${'a'.repeat(32)}`;
export const sid = (kind: string, n: number) => `${kind}${String(n).padStart(32, '0')}`;

export const message = (n: number, overrides: Partial<CatalogMessage> = {}): CatalogMessage => ({
  sid: sid('MM', n),
  direction: 'inbound',
  status: 'received',
  dateCreated: '2025-01-10T12:00:00.000Z',
  numMedia: 1,
  ...overrides,
});

/**
 * Messages per day, served `pageSize` at a time with `next:<day>:<offset>` page URIs; the
 * unfiltered newest-first list is the one under `UNSENT_SCAN` (empty unless given).
 */
export class FakeCatalog implements MessageCatalog {
  readonly messageCalls: string[] = [];
  readonly mediaCalls: string[] = [];
  constructor(
    readonly days: Record<string, CatalogMessage[]>,
    readonly media: Record<string, CatalogMedia[]> = {},
  ) {}

  async listMessages(
    query: { day?: string; pageSize: number } | { pageUri: string },
  ): Promise<MessagePage> {
    let day: string;
    let offset: number;
    let pageSize: number;
    if ('pageUri' in query) {
      const [, d, o, s] = query.pageUri.split(':');
      day = d as string;
      offset = Number(o);
      pageSize = Number(s);
      this.messageCalls.push(query.pageUri);
    } else {
      day = query.day ?? UNSENT_SCAN;
      ({ pageSize } = query);
      offset = 0;
      this.messageCalls.push(day);
    }
    const all = this.days[day] ?? [];
    const next = offset + pageSize;
    return {
      messages: all.slice(offset, next),
      nextPageUri: next < all.length ? `next:${day}:${next}:${pageSize}` : null,
    };
  }

  async listMedia(messageSid: string): Promise<CatalogMedia[]> {
    this.mediaCalls.push(messageSid);
    return this.media[messageSid] ?? [];
  }
}

/** One media per message by default: ME sid numbered like the message. */
export const mediaFor = (messages: CatalogMessage[], perMessage = 1) =>
  Object.fromEntries(
    messages.map((m) => [
      m.sid,
      Array.from({ length: perMessage }, (_, i) => ({
        sid: sid('ME', Number(m.sid.slice(2)) * 100 + i),
        contentType: 'image/jpeg',
      })),
    ]),
  );
