/**
 * Local stand-in for Twilio's Messaging media API: a REST origin (Basic auth, 307 to a signed CDN
 * URL, metadata, lists, DELETE) and a separate CDN origin that, like a presigned storage URL,
 * refuses credentials. Fault and latency knobs plus a global request log let tests prove ordering
 * (no DELETE before the archive existed) and that credentials never left the API origin.
 * Never bundled into a Lambda.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mediaResourcePath } from '../domain/sids.ts';
import { createApiHandler } from './twilio-emulator/api-handler.ts';
import { createCdnHandler } from './twilio-emulator/cdn-handler.ts';
import { createCdnSigner } from './twilio-emulator/cdn-signer.ts';
import type { EmulatorContext } from './twilio-emulator/context.ts';
import { createEventDelivery } from './twilio-emulator/event-delivery.ts';
import { eventForMessage } from './twilio-emulator/event-streams.ts';
import { createEventsHandler } from './twilio-emulator/events-handler.ts';
import { NO_FAULTS } from './twilio-emulator/faults.ts';
import { messagingServiceRecord, phoneNumberRecord } from './twilio-emulator/inbound-config.ts';
import { createMessagingHandler } from './twilio-emulator/messaging-handler.ts';
import { randomHex, randomSid } from './twilio-emulator/sids.ts';
import { createStore, SeedError } from './twilio-emulator/store.ts';
import type {
  RequestLogEntry,
  SeededMessage,
  SeedMessage,
  SeedSubaccount,
  SubaccountRecord,
  TwilioEmulator,
  TwilioEmulatorOptions,
} from './twilio-emulator/types.ts';

export { randomSid } from './twilio-emulator/sids.ts';
export { SeedError } from './twilio-emulator/store.ts';
export type {
  CloudEvent,
  EventDeliveryEntry,
  FaultKind,
  FaultProfile,
  KinesisPublisher,
  LatencyProfile,
  MessageOrder,
  RequestLogEntry,
  SeededMedia,
  SeededMessage,
  SeedMedia,
  SeedMessage,
  SeedMessagingService,
  SeedPhoneNumber,
  SeedSubaccount,
  SinkRecord,
  SubaccountRecord,
  SubscriptionRecord,
  TwilioEmulator,
  TwilioEmulatorOptions,
} from './twilio-emulator/types.ts';

const listen = (
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  port: number,
): Promise<{ server: Server; baseUrl: string }> =>
  new Promise((resolve, reject) => {
    const server = createServer((req, res) => {
      handler(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as AddressInfo;
      resolve({ server, baseUrl: `http://127.0.0.1:${bound}` });
    });
  });

const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

const subaccountRecord = (seed: SeedSubaccount, index: number): SubaccountRecord => {
  const sid = seed.sid ?? randomSid('AC');
  if (!/^AC[0-9a-fA-F]{32}$/.test(sid)) throw new SeedError(`invalid account SID ${sid}`);
  const dateCreated = seed.dateCreated ?? new Date();
  return {
    sid,
    authToken: seed.authToken ?? randomHex(16),
    status: seed.status ?? 'active',
    friendlyName: seed.friendlyName ?? `Subaccount ${index + 1}`,
    dateCreated,
    dateUpdated: seed.dateUpdated ?? dateCreated,
  };
};

export const startTwilioEmulator = async (
  options: TwilioEmulatorOptions = {},
): Promise<TwilioEmulator> => {
  const accountSid = options.accountSid ?? randomSid('AC');
  const authToken = options.authToken ?? randomHex(16);
  const apiKey = options.apiKey ?? { sid: randomSid('SK'), secret: randomHex(16) };
  const requests: RequestLogEntry[] = [];
  let seq = 0;
  const faults = { ...NO_FAULTS, ...options.faults };
  const random = options.random ?? Math.random;
  const sinks: EmulatorContext['sinks'] = [];
  const eventSubscriptions: EmulatorContext['eventSubscriptions'] = [];
  const delivery = createEventDelivery({
    sinks,
    subscriptions: eventSubscriptions,
    faults,
    random,
    authTokenOf: (sid) =>
      sid === accountSid ? authToken : ctx.subaccounts.find((a) => a.sid === sid)?.authToken,
    settings: { attempts: 5, retryDelayMs: 250, timeoutMs: 5_000, ...options.eventDelivery },
    ...(options.kinesisPublisher ? { kinesis: options.kinesisPublisher } : {}),
  });
  const ctx: EmulatorContext = {
    accountSid,
    authToken,
    apiKey,
    store: createStore(accountSid, options.messageOrder),
    subaccounts: (options.subaccounts ?? []).map(subaccountRecord),
    createdAt: new Date(),
    signer: createCdnSigner(randomHex(32), options.cdnUrlTtlSeconds ?? 14_400),
    faults,
    latency: { apiMs: 0, cdnFirstByteMs: 0, ...options.latency },
    random,
    inFlight: new Map(),
    cdnBaseUrl: '',
    messagingBaseUrl: '',
    eventsBaseUrl: '',
    sinks,
    eventSubscriptions,
    events: { delivery, canPublishToKinesis: options.kinesisPublisher !== undefined },
    phoneNumbers: (options.phoneNumbers ?? []).map(phoneNumberRecord),
    messagingServices: (options.messagingServices ?? []).map(messagingServiceRecord),
    log(entry) {
      seq += 1;
      const logged: RequestLogEntry = { seq, at: Date.now(), ...entry };
      requests.push(logged);
      return logged;
    },
  };

  const cdn = await listen(createCdnHandler(ctx), options.cdnPort ?? 0);
  ctx.cdnBaseUrl = cdn.baseUrl;
  let api: Awaited<ReturnType<typeof listen>>;
  let messaging: Awaited<ReturnType<typeof listen>>;
  try {
    api = await listen(createApiHandler(ctx), options.apiPort ?? 0);
  } catch (error) {
    await closeServer(cdn.server);
    throw error;
  }
  try {
    messaging = await listen(createMessagingHandler(ctx), options.messagingPort ?? 0);
  } catch (error) {
    await Promise.all([closeServer(cdn.server), closeServer(api.server)]);
    throw error;
  }
  ctx.messagingBaseUrl = messaging.baseUrl;
  let events: Awaited<ReturnType<typeof listen>>;
  try {
    events = await listen(createEventsHandler(ctx), options.eventsPort ?? 0);
  } catch (error) {
    await Promise.all([cdn, api, messaging].map((started) => closeServer(started.server)));
    throw error;
  }
  ctx.eventsBaseUrl = events.baseUrl;

  /** What Twilio would publish for the message's state now, to the sinks subscribed to it. */
  const publishState = (message: Parameters<typeof eventForMessage>[0]) => {
    const event = eventForMessage(message, new Date());
    if (event) delivery.publish(message.accountSid, [event]);
  };

  const subaccountOf = (sid: string) => {
    const account = ctx.subaccounts.find((candidate) => candidate.sid === sid);
    if (!account) throw new SeedError(`unknown subaccount ${sid}`);
    return account;
  };

  const messageOf = (messageSid: string) => {
    const message = ctx.store.message(messageSid);
    if (!message) throw new SeedError(`unknown message ${messageSid}`);
    return message;
  };

  const addMessage = (seed: SeedMessage): SeededMessage => {
    if (seed.accountSid !== undefined && seed.accountSid !== accountSid) {
      subaccountOf(seed.accountSid);
    }
    const message = ctx.store.add(seed);
    publishState(message);
    return {
      sid: message.sid,
      media: message.media.map((media) => {
        const path = mediaResourcePath(message.accountSid, message.sid, media.sid);
        return {
          sid: media.sid,
          messageSid: message.sid,
          contentType: media.contentType,
          size: media.body.length,
          sha256: media.sha256,
          path,
          url: `${api.baseUrl}${path}`,
        };
      }),
    };
  };
  ctx.seed = addMessage;

  return {
    apiBaseUrl: api.baseUrl,
    cdnBaseUrl: cdn.baseUrl,
    messagingBaseUrl: messaging.baseUrl,
    eventsBaseUrl: events.baseUrl,
    accountSid,
    authToken,
    apiKey,
    addMessage,
    addPhoneNumber(seed) {
      if (seed.accountSid !== undefined && seed.accountSid !== accountSid) {
        subaccountOf(seed.accountSid);
      }
      const record = phoneNumberRecord(seed);
      ctx.phoneNumbers.push(record);
      return record.sid;
    },
    addMessagingService(seed) {
      const record = messagingServiceRecord(seed);
      ctx.messagingServices.push(record);
      return record.sid;
    },
    get subaccounts() {
      return ctx.subaccounts;
    },
    addSubaccount(seed = {}) {
      const record = subaccountRecord(seed, ctx.subaccounts.length);
      if (record.sid === accountSid || ctx.subaccounts.some((a) => a.sid === record.sid)) {
        throw new SeedError(`account ${record.sid} already exists`);
      }
      ctx.subaccounts.push(record);
      return record;
    },
    rotateSubaccountToken(sid) {
      const account = subaccountOf(sid);
      account.authToken = randomHex(16);
      account.dateUpdated = new Date();
      return account.authToken;
    },
    setSubaccountStatus(sid, status) {
      const account = subaccountOf(sid);
      account.status = status;
      account.dateUpdated = new Date();
    },
    hasMedia: (mediaSid) => {
      const media = ctx.store.media(mediaSid);
      return media !== undefined && media.deleted === undefined;
    },
    setMessageStatus(messageSid, status) {
      const message = messageOf(messageSid);
      const changed = message.status !== status;
      message.status = status;
      message.dateUpdated = new Date();
      if (changed) publishState(message);
    },
    messageBody: (messageSid) => messageOf(messageSid).body,
    get sinks() {
      return sinks;
    },
    get eventSubscriptions() {
      return eventSubscriptions;
    },
    get eventDeliveries() {
      return delivery.log;
    },
    flushEvents: () => delivery.flush(),
    get requests() {
      return requests;
    },
    clearRequests: () => {
      requests.length = 0;
    },
    setFaults(faults) {
      Object.assign(ctx.faults, faults);
    },
    setLatency(latency) {
      Object.assign(ctx.latency, latency);
    },
    deletion: (mediaSid) => {
      const deleted = ctx.store.media(mediaSid)?.deleted;
      return deleted && { ...deleted };
    },
    close: async () => {
      await Promise.all([
        closeServer(api.server),
        closeServer(cdn.server),
        closeServer(messaging.server),
        closeServer(events.server),
      ]);
    },
  };
};
