import type { createCdnSigner } from './cdn-signer.ts';
import type { EmulatorStore } from './store.ts';
import type {
  FaultProfile,
  LatencyProfile,
  RequestLogEntry,
  SeededMessage,
  SeedMessage,
} from './types.ts';

/** What both origins share; the mutable profiles are read per request so knobs apply at once. */
export interface EmulatorContext {
  accountSid: string;
  authToken: string;
  apiKey: { sid: string; secret: string };
  store: EmulatorStore;
  signer: ReturnType<typeof createCdnSigner>;
  faults: FaultProfile;
  latency: LatencyProfile;
  random: () => number;
  cdnBaseUrl: string;
  /** Set once the API origin listens: what `POST /emulator/Messages` calls. */
  seed?: (seed: SeedMessage) => SeededMessage;
  /** Appends to the request log with the next global seq; call when the answer is decided. */
  log(entry: Omit<RequestLogEntry, 'seq' | 'at'>): RequestLogEntry;
}
