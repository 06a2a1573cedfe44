import { createHash } from 'node:crypto';
import { isMediaSid, isMessageSid, mediaResourcePath } from '../../domain/sids.ts';
import { randomHex, randomSid } from './sids.ts';
import type { MessageOrder, SeedMessage } from './types.ts';

export interface MediaRecord {
  sid: string;
  messageSid: string;
  contentType: string;
  body: Buffer;
  filename: string | undefined;
  sha256: string;
  /** Opaque CDN key segment, like the object key behind a real signed CDN URL. */
  cdnKey: string;
  dateCreated: Date;
  /** Wall-clock seeding time: the transient-404 window counts from here, not from dateCreated. */
  seededAtMs: number;
  deleted: { at: number; seq: number } | undefined;
}

export interface MessageRecord {
  sid: string;
  /** The (sub)account the message belongs to. */
  accountSid: string;
  direction: string;
  status: string;
  dateCreated: Date;
  /** `null` for a message never sent. */
  dateSent: Date | null;
  dateUpdated: Date;
  from: string;
  to: string;
  body: string;
  /** All media ever attached, deleted ones included: page tokens keep pointing somewhere. */
  media: MediaRecord[];
}

const IN_FLIGHT = new Set(['accepted', 'queued', 'sending', 'scheduled']);

export const isInFlight = (message: MessageRecord): boolean =>
  message.direction.startsWith('outbound') && IN_FLIGHT.has(message.status);

export class SeedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SeedError';
  }
}

const newerFirst = (a: Date, b: Date) => b.getTime() - a.getTime();
const bySidDescending = (a: MessageRecord, b: MessageRecord) =>
  a.sid < b.sid ? 1 : a.sid > b.sid ? -1 : 0;

const ORDERS: Record<MessageOrder, (a: MessageRecord, b: MessageRecord) => number> = {
  'date-created': (a, b) => newerFirst(a.dateCreated, b.dateCreated) || bySidDescending(a, b),
  'date-sent': (a, b) => {
    if (a.dateSent === null || b.dateSent === null) {
      if (a.dateSent !== b.dateSent) return a.dateSent === null ? -1 : 1;
      return newerFirst(a.dateCreated, b.dateCreated) || bySidDescending(a, b);
    }
    return newerFirst(a.dateSent, b.dateSent) || bySidDescending(a, b);
  },
};

export const createStore = (accountSid: string, order: MessageOrder = 'date-sent') => {
  const messages = new Map<string, MessageRecord>();
  const media = new Map<string, MediaRecord>();
  let newestFirst: MessageRecord[] | undefined;

  const add = (seed: SeedMessage): MessageRecord => {
    const sid = seed.sid ?? randomSid('MM');
    if (!isMessageSid(sid)) throw new SeedError(`invalid message SID ${sid}`);
    if (messages.has(sid)) throw new SeedError(`message ${sid} already seeded`);
    const direction = seed.direction ?? 'inbound';
    const dateCreated = seed.dateCreated ?? new Date();
    const message: MessageRecord = {
      sid,
      accountSid: seed.accountSid ?? accountSid,
      direction,
      status: seed.status ?? (direction === 'inbound' ? 'received' : 'delivered'),
      dateCreated,
      dateSent: seed.dateSent === undefined ? dateCreated : seed.dateSent,
      dateUpdated: dateCreated,
      from: seed.from ?? '+15005550006',
      to: seed.to ?? '+15005550001',
      body: seed.body ?? '',
      media: [],
    };
    const seededAtMs = Date.now();
    for (const item of seed.media ?? []) {
      const mediaSid = item.sid ?? randomSid('ME');
      if (!isMediaSid(mediaSid)) throw new SeedError(`invalid media SID ${mediaSid}`);
      if (media.has(mediaSid)) throw new SeedError(`media ${mediaSid} already seeded`);
      const record: MediaRecord = {
        sid: mediaSid,
        messageSid: sid,
        contentType: item.contentType,
        body: item.body,
        filename: item.filename,
        sha256: createHash('sha256').update(item.body).digest('hex'),
        cdnKey: randomHex(16),
        dateCreated,
        seededAtMs,
        deleted: undefined,
      };
      message.media.push(record);
      media.set(mediaSid, record);
    }
    messages.set(sid, message);
    newestFirst = undefined;
    return message;
  };

  return {
    add,
    message: (sid: string) => messages.get(sid),
    media: (sid: string) => media.get(sid),
    mediaPath: (record: MediaRecord) =>
      mediaResourcePath(
        messages.get(record.messageSid)?.accountSid ?? accountSid,
        record.messageSid,
        record.sid,
      ),
    /** Newest first, like Twilio's Messages list; cached because the soak test pages a lot. */
    messagesNewestFirst(): MessageRecord[] {
      newestFirst ??= [...messages.values()].sort(ORDERS[order]);
      return newestFirst;
    },
  };
};

export type EmulatorStore = ReturnType<typeof createStore>;
