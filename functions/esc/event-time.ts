// xs:dateTime as ESC sends it in eventTime: any number of fractional digits, and either
// `Z` or a `+hh:mm`/`-hh:mm` offset. A missing offset is rejected because the instant
// would be ambiguous.
const DATE_TIME = /^(-?\d{4,})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Parses an xs:dateTime to epoch milliseconds, truncating fractions beyond milliseconds.
 * Returns a string describing the problem when the text is not a valid date-time.
 */
export function parseEventTime(text: string): number | string {
  const match = DATE_TIME.exec(text);
  if (match === null) {
    return `"${text}" is not an xs:dateTime with a time zone (expected for example 2016-03-02T14:07:51.318+00:00)`;
  }
  const [, yearText, monthText, dayText, hourText, minuteText, secondText, fraction, zone] = match;
  const year = Number(yearText);
  const month = Number(monthText);
  const day = Number(dayText);
  const hour = Number(hourText);
  const minute = Number(minuteText);
  const second = Number(secondText);
  const millisecond = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));

  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millisecond);
  const outOfRange =
    month < 1 || month > 12 || day < 1 || date.getUTCDate() !== day || date.getUTCMonth() !== month - 1 ||
    hour > 23 || minute > 59 || second > 59;
  if (outOfRange) {
    return `"${text}" is not a valid date and time of day`;
  }

  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const offsetHours = Number(zone!.slice(1, 3));
    const offsetRest = Number(zone!.slice(4, 6));
    if (offsetHours > 14 || offsetRest > 59) {
      return `"${text}" has an invalid time zone offset ${zone}`;
    }
    offsetMinutes = (zone!.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetRest);
  }
  return date.getTime() - offsetMinutes * 60_000;
}
