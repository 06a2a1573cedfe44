import type { Day } from '../../cli/days.ts';
import { daysOfMonth, longDay, type Month, monthName, weekdayOf } from '../calendar.ts';
import { type Html, html } from '../html.ts';
import type { Paths } from '../paths.ts';
import { formatBytes } from './format.ts';
import { renderPage } from './layout.ts';

export interface DayCount {
  day: Day;
  count: number;
  /** Bytes of the media counted. */
  bytes: number;
  /** The first listing page was full: there are more than `count`. */
  more: boolean;
}

export interface CalendarView {
  month: Month;
  today: Day;
  /** Days of the month that were listed (up to today); missing days were not listed. */
  counts: DayCount[];
  /** Undefined when the month is the current one (nothing newer to list). */
  newer: Month | undefined;
  older: Month;
}

const WEEKDAYS = [
  ['Mon', 'Monday'],
  ['Tue', 'Tuesday'],
  ['Wed', 'Wednesday'],
  ['Thu', 'Thursday'],
  ['Fri', 'Friday'],
  ['Sat', 'Saturday'],
  ['Sun', 'Sunday'],
] as const;

const countText = (count: DayCount): string => `${count.count}${count.more ? '+' : ''}`;
const bytesText = (count: DayCount): string =>
  `${formatBytes(count.bytes)}${count.more ? '+' : ''}`;

const cell = (day: Day, count: DayCount | undefined, view: CalendarView, paths: Paths): Html => {
  const number = Number(day.slice(8));
  if (day > view.today) return html`<td class="future">${number}</td>`;
  if (!count || count.count === 0) return html`<td class="empty">${number}</td>`;
  const label = `${longDay(day)}: ${countText(count)} media`;
  return html`<td class="has"><a href="${paths.day(day)}" aria-label="${label}, ${bytesText(count)}"><span class="n">${number}</span> <span class="count">${countText(count)}</span> <span class="bytes">${bytesText(count)}</span></a></td>`;
};

export const renderCalendar = (view: CalendarView, paths: Paths): string => {
  const byDay = new Map(view.counts.map((count) => [count.day, count]));
  const days = daysOfMonth(view.month);
  const cells: Html[] = [];
  for (let n = 0; n < weekdayOf(days[0] as Day); n++) cells.push(html`<td></td>`);
  for (const day of days) cells.push(cell(day, byDay.get(day), view, paths));
  const rows: Html[] = [];
  for (let n = 0; n < cells.length; n += 7) rows.push(html`<tr>${cells.slice(n, n + 7)}</tr>`);
  const withMedia = view.counts.filter((count) => count.count > 0).reverse();
  const total = withMedia.reduce((sum, count) => sum + count.count, 0);
  const bytes = withMedia.reduce((sum, count) => sum + count.bytes, 0);
  const more = withMedia.some((count) => count.more);

  const body = html`<h1>${monthName(view.month)}</h1>
<nav class="pager" aria-label="Months">
<a rel="prev" href="${paths.home(view.older)}">← Older: ${monthName(view.older)}</a>
${view.newer ? html`<a rel="next" href="${paths.home(view.newer)}">Newer: ${monthName(view.newer)} →</a>` : ''}
<form class="jump" method="get" action="${paths.home()}">
<label for="month">Month</label>
<input id="month" name="month" type="month" value="${view.month}" required>
<button type="submit">Show</button>
</form>
</nav>
<p class="summary">${
    withMedia.length === 0
      ? 'No media archived in this month.'
      : `${total}${more ? '+' : ''} media (${formatBytes(bytes)}${more ? '+' : ''}) on ${withMedia.length} ${withMedia.length === 1 ? 'day' : 'days'} (UTC days of receipt).`
  }</p>
<table class="calendar">
<caption>${monthName(view.month)}, media per UTC day</caption>
<thead><tr>${WEEKDAYS.map(([short, long]) => html`<th scope="col"><abbr title="${long}">${short}</abbr></th>`)}</tr></thead>
<tbody>
${rows}
</tbody>
</table>
${
  withMedia.length > 0
    ? html`<h2>Days with media</h2>
<ul class="days">${withMedia.map((count) => html`<li><a href="${paths.day(count.day)}">${longDay(count.day)}</a> — ${countText(count)} media, ${bytesText(count)}</li>`)}</ul>`
    : ''
}`;
  return renderPage({ title: monthName(view.month), paths, body });
};
