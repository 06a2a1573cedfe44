import { formatBytes } from '../../domain/bytes.ts';
import { type Html, html } from '../html.ts';

export { formatBytes };

/** `2026-11-26 14:03:12 UTC` in a <time>; the raw value when it is not a date. */
export const timeOf = (iso: string | Date | undefined): Html | string => {
  if (iso === undefined) return '—';
  const date = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(date.getTime())) return String(iso);
  const text = `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  return html`<time datetime="${date.toISOString()}">${text}</time>`;
};

/** `ME…` shortened for captions; the full SID stays in a title and the copyable <code>. */
export const sidCode = (sid: string): Html => html`<code class="sid">${sid}</code>`;
