import { previewFor } from '../../domain/media-policy.ts';
import type { ReadVerdict } from '../../domain/read-verification.ts';
import type { ArchiveEntry } from '../../ports/archive-reader.ts';
import { type Html, html } from '../html.ts';
import type { Paths } from '../paths.ts';
import { formatBytes } from './format.ts';
import { iconFor } from './icons.ts';
import { verdictBadge, verdictClass } from './verdict.ts';

const KIND_LABEL = { image: 'Image', audio: 'Audio', video: 'Video', pdf: 'PDF', none: 'File' };

/** One media in a day listing: images as their thumbnail, other types as an icon; a click opens it. */
export const renderTile = (
  entry: ArchiveEntry,
  position: string,
  paths: Paths,
  verdict?: ReadVerdict,
): Html => {
  const url = paths.media(entry.key);
  const preview = previewFor(entry.contentType);
  const type = entry.contentType ?? 'unknown type';
  const label = `${KIND_LABEL[preview]} ${position}, ${entry.mediaSid}`;
  const visual =
    preview === 'image'
      ? html`<img src="${paths.thumbnail(entry.key)}" alt="${label}" loading="lazy" decoding="async">`
      : html`${iconFor(preview)}<span class="kind" aria-hidden="true">${preview === 'none' ? entry.extension.slice(1).toUpperCase() || 'FILE' : KIND_LABEL[preview]}</span><span class="visually-hidden">${label}</span>`;
  return html`<li class="tile${verdict ? ` ${verdictClass(verdict)}` : ''}"><a href="${url}" class="thumb">${visual}</a>
<span class="meta">${type} · ${formatBytes(entry.size)}</span>${verdict ? verdictBadge(verdict) : ''}</li>`;
};
