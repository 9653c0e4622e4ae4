const formats = new Map<string, Intl.NumberFormat>();

/**
 * The locale's number format, built once per locale and options: building one costs about as much as
 * formatting forty numbers, and every reply that quotes points formats a few.
 */
export function numberFormat(locale: string, options: { signDisplay?: 'always' } = {}): Intl.NumberFormat {
  const key = `${locale}|${options.signDisplay ?? ''}`;
  let format = formats.get(key);
  if (format === undefined) {
    format = new Intl.NumberFormat(locale, options);
    formats.set(key, format);
  }
  return format;
}
