import { html } from '../html.ts';
import type { Paths } from '../paths.ts';
import { renderNotice } from './notice-view.ts';

/** A media SID that the recent days did not hold: offer a day to list instead. */
export const renderMediaNotFound = (
  mediaSid: string,
  searched: { first: string; last: string } | { day: string },
  paths: Paths,
): string =>
  renderNotice(
    'Media not found',
    'day' in searched
      ? `No media ${mediaSid} was archived on ${searched.day}.`
      : `No media ${mediaSid} was archived between ${searched.first} and ${searched.last}. Media SIDs are found by listing days; a message SID is found in two listings.`,
    paths,
    mediaSid,
    html`<form method="get" action="${paths.search()}">
<input type="hidden" name="q" value="${mediaSid}">
<label for="date">Day received (UTC)</label>
<input id="date" name="date" type="date" required>
<button type="submit">Search that day</button>
</form>`,
  );
