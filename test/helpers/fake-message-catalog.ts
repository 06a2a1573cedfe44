import { TwilioUnavailableError } from '../../lib/domain/errors.ts';
import type {
  CatalogMedia,
  CatalogMessage,
  MessageCatalog,
  MessageLookup,
  MessagePage,
} from '../../lib/ports/pipeline.ts';
import { TEST_MESSAGE_SID, testMediaSid } from './twilio-webhook.ts';

/** One message at a fake Twilio: the resource and its media. */
export interface FakeTwilioMessage {
  message: CatalogMessage;
  media: CatalogMedia[];
}

export const catalogMessage = (overrides: Partial<CatalogMessage> = {}): CatalogMessage => ({
  sid: TEST_MESSAGE_SID,
  direction: 'inbound',
  status: 'received',
  dateCreated: '2026-12-08T00:59:59.000Z',
  numMedia: 2,
  numSegments: 1,
  ...overrides,
});

export const fakeTwilioMessage = (
  overrides: Partial<CatalogMessage> = {},
  mediaCount = overrides.numMedia ?? 2,
): FakeTwilioMessage => ({
  message: catalogMessage({ numMedia: mediaCount, ...overrides }),
  media: Array.from({ length: mediaCount }, (_, i) => ({
    sid: testMediaSid(i + 1),
    contentType: 'image/jpeg',
  })),
});

/** Message and Media resources of one account, with a log of the calls made. */
export class FakeMessageCatalog implements MessageCatalog, MessageLookup {
  readonly calls: string[] = [];
  readonly messages = new Map<string, FakeTwilioMessage>();
  /** When set, every call throws it (Twilio down). */
  failWith: Error | undefined;

  constructor(
    readonly accountSid: string,
    messages: readonly FakeTwilioMessage[] = [],
  ) {
    for (const entry of messages) this.messages.set(entry.message.sid, entry);
  }

  async getMessage(messageSid: string): Promise<CatalogMessage | undefined> {
    this.calls.push(`getMessage ${this.accountSid} ${messageSid}`);
    if (this.failWith) throw this.failWith;
    return this.messages.get(messageSid)?.message;
  }

  async listMedia(messageSid: string): Promise<CatalogMedia[]> {
    this.calls.push(`listMedia ${this.accountSid} ${messageSid}`);
    if (this.failWith) throw this.failWith;
    return [...(this.messages.get(messageSid)?.media ?? [])];
  }

  async listMessages(): Promise<MessagePage> {
    throw new TwilioUnavailableError('not used by events');
  }
}
