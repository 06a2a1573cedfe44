import type { ReadVerdict } from '../../domain/read-verification.ts';
import { type Html, html } from '../html.ts';
import type { RecordState } from '../media-checks.ts';

/** A message record that could not be used is said so, never silently left out. */
export const recordNotice = (
  record: RecordState | undefined,
  verdict: ReadVerdict | undefined,
): Html => {
  if (record?.state === 'unreadable' || record?.state === 'failed') {
    return html`<p class="badge damaged record-state"><strong>Message record unreadable:</strong> ${record.reason}. Its media are checked against S3's checksum alone.</p>`;
  }
  if (record?.state === 'found' && verdict?.status === 'damaged') {
    return html`<p class="badge damaged record-state"><strong>Message record damaged:</strong> ${verdict.problems.join('; ')}.</p>`;
  }
  if (record?.state === 'found' && verdict?.status === 'unverified') {
    return html`<p class="badge unverified record-state"><strong>Message record not verified:</strong> ${verdict.reason}.</p>`;
  }
  return html``;
};
