import type { MediaJob } from '../../lib/domain/media-job.ts';
import type { JobQueue } from '../../lib/ports/pipeline.ts';

/** In-memory JobQueue: records each enqueue call; `failWith` makes the next calls throw it. */
export class FakeJobQueue implements JobQueue {
  readonly calls: MediaJob[][] = [];
  failWith: Error | undefined;

  async enqueue(jobs: readonly MediaJob[]): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.calls.push([...jobs]);
  }

  get jobs(): MediaJob[] {
    return this.calls.flat();
  }
}
