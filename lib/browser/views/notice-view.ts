import { type Html, html } from '../html.ts';
import type { Paths } from '../paths.ts';
import { renderPage } from './layout.ts';

/** Not found, bad request, S3 unreachable: a heading and one sentence, nothing internal. */
export const renderNotice = (
  title: string,
  message: string,
  paths: Paths,
  query?: string,
  extra?: Html,
): string =>
  renderPage({
    title,
    paths,
    body: html`<h1>${title}</h1>
<p>${message}</p>
${extra}
<p><a href="${paths.home()}">Back to the calendar</a></p>`,
    ...(query !== undefined ? { query } : {}),
  });
