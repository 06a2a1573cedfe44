import type { createCdnSigner } from './cdn-signer.ts';
import type { EventDelivery } from './event-delivery.ts';
import type { MessagingServiceRecord, PhoneNumberRecord } from './inbound-config.ts';
import type { EmulatorStore } from './store.ts';
import type {
  FaultProfile,
  LatencyProfile,
  RequestLogEntry,
  SeededMessage,
  SeedMessage,
  SinkRecord,
  SubaccountRecord,
  SubscriptionRecord,
} from './types.ts';

/** What both origins share; the mutable profiles are read per request so knobs apply at once. */
export interface EmulatorContext {
  accountSid: string;
  authToken: string;
  apiKey: { sid: string; secret: string };
  store: EmulatorStore;
  /** The main account's subaccounts, in creation order (the Accounts list's order). */
  subaccounts: SubaccountRecord[];
  /** When the main account was created (its Accounts entry). */
  createdAt: Date;
  signer: ReturnType<typeof createCdnSigner>;
  faults: FaultProfile;
  latency: LatencyProfile;
  random: () => number;
  /** API requests in flight, by the account of their path (`faults.concurrencyLimit`). */
  inFlight: Map<string, number>;
  cdnBaseUrl: string;
  messagingBaseUrl: string;
  eventsBaseUrl: string;
  sinks: SinkRecord[];
  eventSubscriptions: SubscriptionRecord[];
  events: { delivery: EventDelivery; canPublishToKinesis: boolean };
  phoneNumbers: PhoneNumberRecord[];
  messagingServices: MessagingServiceRecord[];
  /** Set once the API origin listens: what `POST /emulator/Messages` calls. */
  seed?: (seed: SeedMessage) => SeededMessage;
  /** Appends to the request log with the next global seq; call when the answer is decided. */
  log(entry: Omit<RequestLogEntry, 'seq' | 'at'>): RequestLogEntry;
}
