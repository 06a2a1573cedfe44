import { type Html, trusted } from '../html.ts';
import type { Preview } from '../media-policy.ts';

// Constant markup of this module: shapes only, no text a sender chose, nothing that runs.
const frame = (inner: string): Html =>
  trusted(
    `<svg class="icon" viewBox="0 0 48 48" width="48" height="48" aria-hidden="true" focusable="false"><path d="M10 4h20l10 10v30H10z" fill="none" stroke="currentColor" stroke-width="2.5" stroke-linejoin="round"/><path d="M30 4v10h10" fill="none" stroke="currentColor" stroke-width="2.5" stroke-linejoin="round"/>${inner}</svg>`,
  );

const ICONS: Readonly<Record<Exclude<Preview, 'image'>, Html>> = {
  audio: frame(
    '<path d="M21 36V22l10-3v14" fill="none" stroke="currentColor" stroke-width="2.5"/><circle cx="18.5" cy="36" r="3" fill="currentColor"/><circle cx="28.5" cy="33" r="3" fill="currentColor"/>',
  ),
  video: frame('<path d="M19 22v14l11-7z" fill="currentColor"/>'),
  pdf: frame(
    '<path d="M16 24h16M16 30h16M16 36h10" stroke="currentColor" stroke-width="2.5" stroke-linecap="round"/>',
  ),
  none: frame('<circle cx="25" cy="30" r="2.5" fill="currentColor"/>'),
};

/** The icon of a tile whose media is not shown as an image. */
export const iconFor = (preview: Exclude<Preview, 'image'>): Html => ICONS[preview];
