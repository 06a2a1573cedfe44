import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress, type StatusStream } from '../../../lib/cli/progress.ts';

const stream = (tty: boolean, columns?: number) => {
  const chunks: string[] = [];
  const target: StatusStream = Object.assign(
    new Writable({
      write(chunk, _encoding, callback) {
        chunks.push(String(chunk));
        callback();
      },
    }),
    { isTTY: tty, ...(columns ? { columns } : {}) },
  );
  return { target, chunks };
};

describe('createProgress', () => {
  it('writes nothing to a pipe or a log', () => {
    // Prepare
    const { target, chunks } = stream(false);
    const progress = createProgress(target);

    // Act
    progress.update('2026-01-07: 40 enqueued');
    progress.done();

    // Assess
    expect(chunks).toEqual([]);
  });

  it('overwrites one line on a terminal, cut to its width, and erases it when done', () => {
    // Prepare
    const { target, chunks } = stream(true, 12);
    const progress = createProgress(target);

    // Act
    progress.update('searching 2026-01-07 (3/31 days)');
    progress.done();
    progress.done();

    // Assess
    expect(chunks).toEqual(['\r\x1b[Ksearching …', '\r\x1b[K']);
  });

  it('redraws at most every 100 ms', () => {
    // Prepare
    const { target, chunks } = stream(true);
    const progress = createProgress(target);

    // Act
    progress.update('first');
    progress.update('second, too soon');

    // Assess
    expect(chunks).toEqual(['\r\x1b[Kfirst']);
  });
});
