/**
 * The date a zone's clock shows at an instant, as Intl (ICU's zone data) renders it: the yardstick
 * the tests hold ZonedCalendar's own date arithmetic against.
 */
export function intlDate(epochMs: number, timeZone: string): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(epochMs));
}
