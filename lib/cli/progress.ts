import type { Writable } from 'node:stream';

export interface Progress {
  update(text: string): void;
  /** Erases the progress line so that what follows starts on a clean line. */
  done(): void;
}

export type StatusStream = Writable & { isTTY?: boolean; columns?: number };

const NO_PROGRESS: Progress = { update: () => {}, done: () => {} };
const MIN_INTERVAL_MS = 100;

/** A single self-overwriting status line, only on a terminal: pipes and logs stay clean. */
export const createProgress = (stream: StatusStream): Progress => {
  if (!stream.isTTY) return NO_PROGRESS;
  let shown = false;
  let last = 0;
  return {
    update(text) {
      const now = Date.now();
      if (now - last < MIN_INTERVAL_MS) return;
      last = now;
      const width = Math.max((stream.columns ?? 80) - 1, 10);
      stream.write(`\r\x1b[K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
};
