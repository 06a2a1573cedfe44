import type { MediaJob } from '../../domain/media-job.ts';
import type { MessageCatalog } from '../../ports/pipeline.ts';
import type { ArchivePresence } from './archive-presence.ts';
import { CHECKPOINT_VERSION, CheckpointError, type CheckpointStore } from './checkpoint.ts';
import type { BackfillCounts } from './counts.ts';
import { type FindOptions, findArchivableMedia } from './find-archivable-media.ts';
import type { JobSink } from './job-sinks.ts';

export const emptyCounts = (withSizes = false): BackfillCounts => ({
  pages: 0,
  messages: 0,
  mediaFound: 0,
  enqueued: 0,
  alreadyArchived: 0,
  skippedInFlight: 0,
  skippedRecent: 0,
  failed: 0,
  bytes: withSizes ? 0 : null,
  unknownSizes: 0,
});

export interface BackfillDeps {
  catalog: MessageCatalog;
  presence: ArchivePresence;
  sink: JobSink;
  /** Absent for dry runs and reconcile: nothing to resume. */
  checkpoints?: CheckpointStore;
  /** Size of one media in bytes (a request per media); `undefined` when Twilio does not say. */
  sizeOf?: (job: MediaJob) => Promise<number | undefined>;
}

export interface BackfillOptions extends Omit<FindOptions, 'resumeFrom' | 'signal'> {
  /** Continue from the checkpoint, if one exists for the same account, days and direction. */
  resume?: boolean;
  /** Checked between pages: the run stops cleanly after the page in hand, checkpoint written. */
  signal?: AbortSignal;
  onProgress?: (counts: Readonly<BackfillCounts>, day: string) => void;
}

export interface BackfillResult {
  counts: BackfillCounts;
  /** `false` when the signal stopped the walk early (a checkpoint holds where). */
  complete: boolean;
  resumedFrom?: { day: string; nextPageUri: string | null };
}

/**
 * Finds the media still at Twilio for a range of days, checks the archive for each message with
 * one cached day listing, and hands the missing media to the sink (the queue in batches of 10, the
 * archiver in-process, or a dry-run printer). After every page the sink is flushed and the
 * checkpoint written, so an interrupted run resumes at the next page without re-sending.
 */
export const backfill = async (
  deps: BackfillDeps,
  options: BackfillOptions,
): Promise<BackfillResult> => {
  const { catalog, presence, sink, checkpoints, sizeOf } = deps;
  let base = emptyCounts(sizeOf !== undefined);
  let resumeFrom: BackfillResult['resumedFrom'];
  if (options.resume && checkpoints) {
    const saved = await checkpoints.load();
    if (saved) {
      const same =
        saved.accountSid === options.accountSid &&
        saved.since === options.since &&
        saved.until === options.until &&
        saved.direction === options.direction;
      if (!same) throw new CheckpointError('the checkpoint belongs to another run');
      base = { ...saved.counts, bytes: sizeOf ? (saved.counts.bytes ?? 0) : null };
      resumeFrom = { day: saved.day, nextPageUri: saved.nextPageUri };
    }
  }
  const counts: BackfillCounts = { ...base };
  const settle = () => {
    counts.enqueued = base.enqueued + sink.stats.submitted;
    counts.failed = base.failed + sink.stats.failed;
  };

  const pages = findArchivableMedia(catalog, {
    ...options,
    ...(resumeFrom ? { resumeFrom } : {}),
  });
  for await (const page of pages) {
    counts.pages += 1;
    counts.messages += page.messages;
    counts.skippedInFlight += page.skippedInFlight;
    counts.skippedRecent += page.skippedRecent;
    for (const { message, jobs } of page.found) {
      counts.mediaFound += jobs.length;
      const archived = await presence.archivedMediaOf(message);
      // An archived media the Media list no longer names: the list is not the whole message,
      // whatever `num_media` says, so its jobs carry no message and write no partial record.
      const listed = new Set(jobs.map((job) => job.mediaSid));
      if ([...archived].some((mediaSid) => !listed.has(mediaSid))) {
        for (const job of jobs) delete job.message;
      }
      for (const job of jobs) {
        if (archived.has(job.mediaSid)) {
          counts.alreadyArchived += 1;
          continue;
        }
        if (sizeOf) {
          const size = await sizeOf(job);
          if (size === undefined) counts.unknownSizes += 1;
          else counts.bytes = (counts.bytes ?? 0) + size;
        }
        await sink.submit(job);
      }
    }
    await sink.flush();
    settle();
    await checkpoints?.save({
      version: CHECKPOINT_VERSION,
      accountSid: options.accountSid,
      since: options.since,
      until: options.until,
      direction: options.direction,
      day: page.day,
      nextPageUri: page.nextPageUri,
      counts,
      updatedAt: new Date().toISOString(),
    });
    options.onProgress?.(counts, page.day);
    if (options.signal?.aborted) {
      return { counts, complete: false, ...(resumeFrom ? { resumedFrom: resumeFrom } : {}) };
    }
  }
  await sink.flush();
  settle();
  await checkpoints?.clear();
  return { counts, complete: true, ...(resumeFrom ? { resumedFrom: resumeFrom } : {}) };
};
