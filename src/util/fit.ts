// Fitting text to a schema's limits. The API server counts a string's length in Unicode code points
// (Go's utf8.RuneCount in kube-openapi's maxLength), not in UTF-16 units as JavaScript's `length`
// does: an emoji is one character to it and two to `length`. So texts are measured and cut by code
// point, and never between the two halves of a surrogate pair.

const ELLIPSIS = '…';

/** A limit: a number of characters, or a schema limit that carries one. */
export type MaxLength = number | { readonly max: number };
const maxOf = (limit: MaxLength): number => (typeof limit === 'number' ? limit : limit.max);

/** The number of characters the API server counts in `text` (code points). */
export function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** The first `n` code points of `text`. */
function head(text: string, n: number): string {
  let out = '';
  let taken = 0;
  for (const c of text) {
    if (taken++ >= n) break;
    out += c;
  }
  return out;
}

/**
 * `text` when it has at most `max` characters; else its beginning and an ellipsis, `max` characters
 * in all, so a reader sees that something was cut.
 */
export function fitText(text: string, limit: MaxLength): string {
  const max = maxOf(limit);
  if (text.length <= max || codePoints(text) <= max) return text;
  if (max < 1) return '';
  return head(text, max - 1) + ELLIPSIS;
}

/**
 * `names` joined by `separator`, fitted to `max` characters: as many whole names as fit, then
 * "(+N more)" for the rest, so the count stays right when the list is cut.
 */
export function joinFitted(names: readonly string[], limit: MaxLength, separator = ', '): string {
  const max = maxOf(limit);
  const all = names.join(separator);
  if (codePoints(all) <= max) return all;
  for (let shown = names.length - 1; shown >= 0; shown--) {
    const more = `(+${names.length - shown} more)`;
    const text = shown ? `${names.slice(0, shown).join(separator)}${separator}${more}` : more;
    if (codePoints(text) <= max) return text;
  }
  return fitText(all, max);
}
