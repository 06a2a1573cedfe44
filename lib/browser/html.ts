/**
 * Escaping by construction: `html` templates escape every interpolated value unless it is itself
 * `Html` (built by `html` or, for trusted constant markup only, `trusted`). Archive metadata
 * (file names, addresses) comes from whoever sent the message, so nothing reaches a page raw.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c);

export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

const render = (value: HtmlValue): string => {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
};

export const html = (strings: TemplateStringsArray, ...values: HtmlValue[]): Html =>
  new Html(
    strings.reduce((out, part, n) => out + part + (n < values.length ? render(values[n]) : ''), ''),
  );

/** Markup the caller vouches for (constants of this module tree only). */
export const trusted = (markup: string): Html => new Html(markup);
