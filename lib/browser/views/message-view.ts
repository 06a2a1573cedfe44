import { previewFor } from '../../domain/media-policy.ts';
import type { MessageRecord } from '../../domain/message-record.ts';
import type { ReadVerdict } from '../../domain/read-verification.ts';
import { neutraliseFilename } from '../../domain/sender-filename.ts';
import type { ArchiveEntry, ArchiveEntryDetails } from '../../ports/archive-reader.ts';
import { longDay } from '../calendar.ts';
import { type Html, html } from '../html.ts';
import type { RecordState } from '../media-checks.ts';
import type { Paths } from '../paths.ts';
import { formatBytes, sidCode, timeOf } from './format.ts';
import { renderPage } from './layout.ts';
import { recordNotice } from './record-notice.ts';
import { summaryNotice, verdictBadge, verdictClass, verdictText } from './verdict.ts';

export interface MessageMedia {
  entry: ArchiveEntry;
  /** From a HEAD; undefined when it failed (the listing still shows the media). */
  details: ArchiveEntryDetails | undefined;
  /** What the HEAD proves about the stored bytes; absent: not checked. */
  verdict?: ReadVerdict;
}

export interface MessageView {
  messageSid: string;
  media: MessageMedia[];
  /** The message record (`_records/…/{MessageSid}.json`, or a legacy `message.json`), when one was written. */
  record?: MessageRecord;
  /** How reading the record went; unreadable records are shown as such, not dropped. */
  recordState?: RecordState;
  recordVerdict?: ReadVerdict;
  /** The message's text from another source; default: the record's body, if it holds one. */
  text?: string | undefined;
}

const preview = (item: MessageMedia, alt: string, url: string, paths: Paths): Html => {
  const type = item.details?.contentType ?? item.entry.contentType;
  switch (previewFor(type)) {
    case 'image':
      return html`<a href="${url}"><img src="${paths.thumbnail(item.entry.key)}" alt="${alt}"></a>`;
    case 'audio':
      return html`<audio controls preload="metadata" src="${url}" aria-label="${alt}"><a href="${url}">Download ${alt}</a></audio>`;
    case 'video':
      return html`<video controls preload="metadata" src="${url}" aria-label="${alt}"><a href="${url}">Download ${alt}</a></video>`;
    case 'pdf':
      return html`<a class="doc" href="${url}" download>Download PDF<span class="visually-hidden">: ${alt}</span></a>`;
    default:
      return html`<a class="doc" href="${url}">Download ${item.entry.extension.slice(1).toUpperCase() || 'file'}<span class="visually-hidden">: ${alt}</span></a>`;
  }
};

const row = (label: string, value: Html | string | undefined): Html =>
  value === undefined || value === '' ? html`` : html`<dt>${label}</dt><dd>${value}</dd>`;

const figure = (item: MessageMedia, n: number, count: number, paths: Paths): Html => {
  const { entry, details } = item;
  const url = paths.media(entry.key);
  const name = neutraliseFilename(details?.originalFilename);
  const alt = `Media ${n} of ${count}${name ? `, ${name}` : ''} (${entry.mediaSid})`;
  return html`<figure class="media${item.verdict ? ` ${verdictClass(item.verdict)}` : ''}" id="${entry.mediaSid}">
${item.verdict ? verdictBadge(item.verdict) : ''}
${preview(item, alt, url, paths)}
<figcaption>
<dl>
${row('Media SID', sidCode(entry.mediaSid))}
${row('Type', details?.contentType ?? entry.contentType ?? 'unknown')}
${row('Size', `${formatBytes(entry.size)} (${entry.size} bytes)`)}
${row('Received', details?.receivedAt ? timeOf(details.receivedAt) : undefined)}
${row('Archived', timeOf(entry.archivedAt))}
${row('File name', name)}
${row('SHA-256', details?.sha256 ? html`<code class="hash">${details.sha256}</code>` : undefined)}
${row('Integrity', item.verdict ? verdictText(item.verdict) : undefined)}
</dl>
<p><a href="${url}">Open</a> · <a href="${url}" download>Download</a></p>
</figcaption>
</figure>`;
};

/** What the webhook said about the message, as its record keeps it. */
const recordSection = (record: MessageRecord): Html => html`<h2>Message record</h2>
<dl class="facts record">
${row('Direction', record.direction)}
${row('Received', timeOf(record.receivedAt))}
${row('Messaging service', record.messagingServiceSid ? sidCode(record.messagingServiceSid) : undefined)}
${row('Media announced', String(record.numMedia))}
${row('Segments', record.numSegments === undefined ? undefined : String(record.numSegments))}
</dl>`;

export const renderMessage = (view: MessageView, paths: Paths): string => {
  const first = view.media[0];
  const details = view.media.find((item) => item.details)?.details;
  const day = first?.entry.day;
  const text = view.text ?? view.record?.body;
  const body = html`${day ? html`<nav class="crumbs" aria-label="Breadcrumb"><a href="${paths.home(day.slice(0, 7))}">${day.slice(0, 7)}</a> › <a href="${paths.day(day)}">${longDay(day)}</a></nav>` : ''}
<h1>Message <code class="sid">${view.messageSid}</code></h1>
${summaryNotice(
  view.media.flatMap((item) => (item.verdict ? [item.verdict] : [])),
  'in this message',
)}
<dl class="facts">
${row('Account', first ? sidCode(first.entry.accountSid) : undefined)}
${row('Day received (UTC)', day)}
${row('Received', details?.receivedAt ? timeOf(details.receivedAt) : undefined)}
${row('From', details?.from ?? view.record?.from)}
${row('To', details?.to ?? view.record?.to)}
${row('Media', `${view.media.length} (${formatBytes(view.media.reduce((sum, item) => sum + item.entry.size, 0))})`)}
</dl>
<h2>Text</h2>
${
  text === undefined
    ? html`<p class="not-archived">Not archived: message text is kept only when the deployment archives it (archiveMessageBody), in the message's record.</p>`
    : html`<p class="text">${text}</p>`
}
${view.record ? recordSection(view.record) : ''}
${view.recordState?.state === 'absent' ? html`<p class="not-archived">No message record was written for this message: its media are checked against S3's own checksum alone.</p>` : ''}
${view.recordState && view.recordState.state !== 'absent' ? html`${view.record ? '' : html`<h2>Message record</h2>`}${recordNotice(view.recordState, view.recordVerdict)}` : ''}
<h2>Media</h2>
<p><a href="${paths.zip(view.messageSid, day)}" download>Download all ${view.media.length} media as a zip</a></p>
<div class="figures">
${view.media.map((item, n) => figure(item, n + 1, view.media.length, paths))}
</div>`;
  return renderPage({ title: `Message ${view.messageSid}`, paths, body });
};
