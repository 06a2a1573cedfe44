/** What one backfill or reconcile run found and did; a checkpoint carries them across runs. */
export interface BackfillCounts {
  /** Pages of the Messages list read. */
  pages: number;
  /** Messages of the requested direction seen. */
  messages: number;
  /** Media still at Twilio, on messages eligible for archiving. */
  mediaFound: number;
  /** Jobs enqueued (with --direct: archived; with --dry-run: that would be enqueued). */
  enqueued: number;
  alreadyArchived: number;
  /** Media of outbound messages not yet final (queued/sending/accepted/scheduled). */
  skippedInFlight: number;
  /** Media younger than the reconcile grace period: the webhook path still owns them. */
  skippedRecent: number;
  /** --direct only: jobs whose archiving failed. */
  failed: number;
  /** Sum of the missing media's sizes; `null` unless sizes were asked for. */
  bytes: number | null;
  /** Missing media whose size could not be learned (with sizes asked for). */
  unknownSizes: number;
}
