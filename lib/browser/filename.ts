/**
 * Sender-chosen file names are shown on pages, put in Content-Disposition and used as zip entry
 * names. Control characters can split lines or hide text, and bidi overrides make
 * `invoice\u202Efdp.exe` read as `invoiceexe.pdf`: each becomes a visible `_`, as do path
 * separators (a zip entry or a saved file must not climb out of its folder).
 */
// Cc: C0, DEL, C1. Cf: bidi marks, embeddings, overrides and isolates, zero-width characters, BOM.
// Zl/Zp: line and paragraph separators.
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}/\\]/gu;
const MAX_LENGTH = 200;

/** The name with every unsafe character replaced; `undefined` when nothing printable is left. */
export const neutraliseFilename = (name: string | undefined): string | undefined => {
  if (name === undefined) return undefined;
  const safe = Array.from(name.normalize('NFC').replace(UNSAFE, '_'))
    .slice(0, MAX_LENGTH)
    .join('')
    .trim();
  // Dots alone would name the folder or its parent.
  return safe === '' || /^\.+$/.test(safe) ? undefined : safe;
};
