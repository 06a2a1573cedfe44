import { recordKeyFor } from '../../domain/message-record.ts';
import type { ReadVerdict } from '../../domain/read-verification.ts';
import type { Day } from '../../domain/utc-day.ts';
import type { ArchiveEntry } from '../../ports/archive-reader.ts';
import { longDay, monthOf } from '../calendar.ts';
import { html } from '../html.ts';
import type { RecordState } from '../media-checks.ts';
import { inMessageOrder } from '../media-order.ts';
import type { Paths } from '../paths.ts';
import { formatBytes, sidCode, timeOf } from './format.ts';
import { renderPage } from './layout.ts';
import { renderTile } from './media-tile.ts';
import { recordNotice } from './record-notice.ts';
import { summaryNotice } from './verdict.ts';

export interface DayView {
  day: Day;
  accountSid: string;
  /** More than one account in the archive: name the account on the page. */
  showAccount: boolean;
  /** Every account of the archive (subaccounts): the switcher's choices. */
  accounts?: string[];
  entries: ArchiveEntry[];
  /** Continuation of this listing, when S3 has more. */
  nextToken: string | undefined;
  /** This is not the first page. */
  continued: boolean;
  /** What each media's HEAD proves, by key; a tile without one is shown unmarked. */
  verdicts?: Map<string, ReadVerdict>;
  /** Each message's record, by record key, with the verdict on its own bytes. */
  records?: Map<string, RecordState>;
  recordVerdicts?: Map<string, ReadVerdict>;
}

/** Listing order is key order, so a message's media are adjacent (a page may split one). */
const groupByMessage = (entries: ArchiveEntry[]): ArchiveEntry[][] => {
  const groups: ArchiveEntry[][] = [];
  for (const entry of entries) {
    const last = groups.at(-1);
    if (last && last[0]?.messageSid === entry.messageSid) last.push(entry);
    else groups.push([entry]);
  }
  return groups;
};

export const renderDay = (view: DayView, paths: Paths): string => {
  const groups = groupByMessage(view.entries);
  const account = view.showAccount ? view.accountSid : undefined;
  const body = html`<nav class="crumbs" aria-label="Breadcrumb"><a href="${paths.home(monthOf(view.day))}">← ${monthOf(view.day)}</a></nav>
<h1>${longDay(view.day)}</h1>
${view.showAccount ? html`<p>Account ${sidCode(view.accountSid)}</p>` : ''}
${view.showAccount && (view.accounts?.length ?? 0) > 1 ? html`<nav class="accounts" aria-label="Accounts">Switch account: ${(view.accounts ?? []).map((a) => (a === view.accountSid ? html`<span aria-current="page">${a}</span> ` : html`<a href="${paths.day(view.day, { account: a })}">${a}</a> `))}</nav>` : ''}
<p class="summary">${view.entries.length} media (${formatBytes(view.entries.reduce((sum, entry) => sum + entry.size, 0))}) in ${groups.length} ${groups.length === 1 ? 'message' : 'messages'} on this page${view.continued ? ' (continued)' : ''}.</p>
${summaryNotice(view.verdicts?.values() ?? [], 'on this page')}
${groups.length === 0 ? html`<p>No media archived on this day.</p>` : ''}
${groups.map((listed) => {
  const first = listed[0] as ArchiveEntry;
  const id = `m-${first.messageSid}`;
  const recordKey = recordKeyFor(first.key);
  const record = view.records?.get(recordKey);
  const group = inMessageOrder(
    listed,
    (entry) => entry.mediaSid,
    record?.state === 'found' ? record.record : undefined,
  );
  return html`<section class="message" aria-labelledby="${id}">
<h2 id="${id}"><a href="${paths.message(first.messageSid, view.day)}">${first.messageSid}</a></h2>
<p class="meta">${group.length} media · ${formatBytes(group.reduce((sum, entry) => sum + entry.size, 0))} · archived ${timeOf(first.archivedAt)}</p>
${recordNotice(record, view.recordVerdicts?.get(recordKey))}
<ul class="tiles">${group.map((entry, n) => renderTile(entry, `${n + 1} of ${group.length}`, paths, view.verdicts?.get(entry.key)))}</ul>
</section>`;
})}
<nav class="pager" aria-label="Pages">
${view.continued ? html`<a href="${paths.day(view.day, { account })}">⇤ First page</a>` : ''}
${view.nextToken ? html`<a rel="next" href="${paths.day(view.day, { account, page: view.nextToken })}">Next page →</a>` : ''}
</nav>`;
  return renderPage({ title: longDay(view.day), paths, body });
};

/** Several accounts archive into the bucket: a day is listed per account. */
export const renderAccountChoice = (day: Day, accounts: string[], paths: Paths): string =>
  renderPage({
    title: longDay(day),
    paths,
    body: html`<nav class="crumbs" aria-label="Breadcrumb"><a href="${paths.home(monthOf(day))}">← ${monthOf(day)}</a></nav>
<h1>${longDay(day)}</h1>
<p>This archive holds several Twilio accounts. Choose one:</p>
<ul>${accounts.map((account) => html`<li><a href="${paths.day(day, { account })}">${account}</a></li>`)}</ul>`,
  });
