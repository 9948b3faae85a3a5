/**
 * HTML built from template literals that escape every interpolation, unless it is an `HtmlFragment`
 * made by this same tag (or `trustedHtml` for markup we wrote ourselves). Attacker text can only ever
 * reach a page as text.
 */
export class HtmlFragment {
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup;
  }
}

type Interpolation = HtmlFragment | string | number | boolean | null | undefined | readonly Interpolation[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof HtmlFragment) return value.markup;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): HtmlFragment {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new HtmlFragment(out);
}

/** Markup from our own code (a bundled stylesheet, a script), never from a request. */
export const trustedHtml = (markup: string): HtmlFragment => new HtmlFragment(markup);
