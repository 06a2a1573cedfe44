import type { MediaJob } from '../../lib/domain/media-job.ts';
import type { MediaDownload } from '../../lib/ports/pipeline.ts';
import { type Fetched, fetchOrNotFound } from '../../lib/use-cases/archive-media/fetch.ts';
import { type Invocation, invocationFor } from '../../lib/use-cases/archive-media/invocation.ts';
import type { ArchiveMediaConfig, ArchiveMediaDeps } from '../../lib/use-cases/archive-media.ts';
import {
  FakeArchiveStore,
  FakeMediaSource,
  recordingLogger,
  recordingMetrics,
} from './fake-ports.ts';
import { ACCOUNT_SID, mediaJobFactory } from './sqs-event.ts';

/**
 * What every archiveMedia test starts from: fake ports sharing one call log, a config, a logger
 * and metrics that remember. Fields may be replaced in a test (`fx.config = …`, `fx.store = …`);
 * `deps()`, `invocation()` and `download()` read them when called.
 */
export const archiveMediaFixture = (config: Partial<ArchiveMediaConfig> = {}) => {
  const calls: string[] = [];
  const fx = {
    calls,
    store: new FakeArchiveStore(calls),
    source: new FakeMediaSource(calls),
    config: {
      accountSid: ACCOUNT_SID,
      archivePrefix: 'media/',
      maxMediaBytes: 64 * 1024,
      deleteAfterArchive: true,
      notFoundAttempts: 3,
      spoolDir: '/nonexistent',
      ...config,
    } as ArchiveMediaConfig,
    logger: recordingLogger(),
    metrics: recordingMetrics(),
    /** Downloads after the first, through `download().fetchAgain`. */
    fetches: 0,
    deps: (): ArchiveMediaDeps => ({
      source: fx.source,
      store: fx.store,
      config: fx.config,
      logger: fx.logger,
      metrics: fx.metrics,
    }),
    invocation: (attempt = 1, job: MediaJob = mediaJobFactory()): Invocation =>
      invocationFor(fx.deps(), job, { attempt }),
    /** A download path's inputs: the invocation, its first download and a counted re-fetch. */
    download: (attempt = 1) => {
      const invocation = fx.invocation(attempt);
      const fetchAgain = (): Promise<Fetched> => {
        fx.fetches += 1;
        return fetchOrNotFound(invocation, undefined);
      };
      const first = async (): Promise<MediaDownload> => {
        const fetched = await fetchOrNotFound(invocation, undefined);
        if ('foundAfterNotFound' in fetched) throw new Error('expected a download');
        return fetched;
      };
      return { job: invocation.job, invocation, fetchAgain, first, key: invocation.key };
    },
  };
  return fx;
};

export type ArchiveMediaFixture = ReturnType<typeof archiveMediaFixture>;
