import { PassThrough } from 'node:stream';
import { vi } from 'vitest';

/**
 * Collects what the process writes to stdout/stderr (Powertools' Logger and Metrics write there
 * through their own Console), so tests can assert on log lines.
 */
export const captureOutput = () => {
  const chunks: string[] = [];
  const record = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(record);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(record);
  return {
    text: () => chunks.join(''),
    /** JSON log lines (EMF metric blobs included). */
    records: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    restore: () => {
      out.mockRestore();
      err.mockRestore();
    },
  };
};

/** A writable stream for a command's `io.stdout`/`io.stderr`, and what was written to it. */
export const captureStream = () => {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
};
