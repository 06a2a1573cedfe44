import type { ReadVerdict } from '../../domain/read-verification.ts';
import { type Html, html } from '../html.ts';

const AGAINST = {
  record: 'the message record',
  's3-checksum': "S3's own checksum (no message record names it)",
};

/** A visible mark for anything not verified; verified media carry none (they are the norm). */
export const verdictBadge = (verdict: ReadVerdict): Html => {
  if (verdict.status === 'damaged') {
    return html`<p class="badge damaged"><strong>Damaged:</strong> ${verdict.problems.join('; ')}</p>`;
  }
  if (verdict.status === 'unverified') {
    return html`<p class="badge unverified"><strong>Not verified:</strong> ${verdict.reason}</p>`;
  }
  return html``;
};

/** The message page's row: what the stored bytes were checked against. */
export const verdictText = (verdict: ReadVerdict): string =>
  verdict.status === 'verified'
    ? `verified against ${AGAINST[verdict.against]}`
    : `${verdict.status === 'damaged' ? 'damaged' : 'not verified'} (see above)`;

/** `damaged` / `unverified` / `verified`, for a class name. */
export const verdictClass = (verdict: ReadVerdict): string => verdict.status;

/** "2 damaged, 1 not verified": nothing when every media on the page was verified. */
const verdictSummary = (verdicts: Iterable<ReadVerdict>): string => {
  let damaged = 0;
  let unverified = 0;
  for (const verdict of verdicts) {
    if (verdict.status === 'damaged') damaged += 1;
    if (verdict.status === 'unverified') unverified += 1;
  }
  return [damaged ? `${damaged} damaged` : '', unverified ? `${unverified} not verified` : '']
    .filter(Boolean)
    .join(', ');
};

/** One line at the top of a page when any media on it is not verified. */
export const summaryNotice = (verdicts: Iterable<ReadVerdict>, where: string): Html => {
  const summary = verdictSummary(verdicts);
  return summary
    ? html`<p class="badge damaged" role="status"><strong>Check the marked media:</strong> ${summary} ${where}.</p>`
    : html``;
};
