import { type Html, html } from '../html.ts';
import type { Paths } from '../paths.ts';

export interface PageOptions {
  title: string;
  paths: Paths;
  body: Html;
  /** Prefills the search box. */
  query?: string;
}

/** The frame of every page: one <h1> per page comes from `body`; no script anywhere. */
export const renderPage = ({ title, paths, body, query }: PageOptions): string =>
  html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · Media archive</title>
<link rel="stylesheet" href="${paths.stylesheet()}">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
<p class="brand"><a href="${paths.home()}">Media archive</a> <span class="ro">read-only</span></p>
<form class="search" role="search" method="get" action="${paths.search()}">
<label for="q">Message or Media SID</label>
<input id="q" name="q" type="search" value="${query ?? ''}" placeholder="MM… or ME…" required
 pattern="\\s*(MM|SM|ME)[0-9a-fA-F]{32}\\s*" autocomplete="off" spellcheck="false" size="36">
<button type="submit">Find</button>
</form>
</header>
<main id="main">
${body}
</main>
</body>
</html>
`.value;
