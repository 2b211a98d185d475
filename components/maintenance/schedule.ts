// When a maintenance window may run: AWS's cron syntax for Systems Manager maintenance windows,
// checked before AWS sees it. Pure (no Pulumi), so the config schema and the tests use it directly.
//
// "Reference: Cron and rate expressions for Systems Manager"
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/reference-cron-and-rate-expressions.html):
// a maintenance window's cron expression has six required fields, `cron(minutes hours
// day-of-month month day-of-week year)`, with the values and wildcards of EventBridge's cron
// expressions (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html):
//   minutes 0-59 (, - * /), hours 0-23 (, - * /), day-of-month 1-31 (, - * ? / L W),
//   month 1-12 or JAN-DEC (, - * /), day-of-week 1-7 or SUN-SAT (, - * ? L #),
//   year 1970-2199 (, - * /);
// one of day-of-month and day-of-week must be `?` ("You can't specify the Day-of-month and
// Day-of-week fields in the same cron expression"), and `#` stands alone in day-of-week.
// AWS also takes `rate(...)` and one-time `at(...)` schedules; they are refused here: a rate
// counts from the window's creation time, not from the clinic's quiet hours, and a one-time
// window would patch once.

/**
 * Hours a maintenance window stays open, and the last hours in which no new task starts
 * (CreateMaintenanceWindow Duration 1-24, Cutoff 0-23): one patch run and its reboot fit.
 */
export const MAINTENANCE_WINDOW_HOURS = { duration: 2, cutoff: 1 } as const;

/** An example in the error messages and the docs. */
export const CRON_EXAMPLE = "cron(0 8 ? * SUN *)";

interface Field {
  name: string;
  min: number;
  max: number;
  /** Three-letter names for the values, from `min` (JAN = 1, SUN = 1). */
  names?: readonly string[];
  /** `?` allowed (day-of-month, day-of-week). */
  any?: boolean;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const FIELDS: readonly Field[] = [
  { name: "minutes", min: 0, max: 59 },
  { name: "hours", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31, any: true },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day-of-week", min: 1, max: 7, names: DAYS, any: true },
  { name: "year", min: 1970, max: 2199 },
];

/** A value of the field (a number or its name), or undefined. */
function valueOf(field: Field, text: string): number | undefined {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return field.min + named;
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= field.min && n <= field.max ? n : undefined;
}

/** `value`, `value-value`, `*`, each optionally `/step`: what every field takes in a list. */
function rangeProblem(field: Field, item: string): string | undefined {
  const [range, step, extra] = item.split("/");
  if (extra !== undefined) return `"${item}" has more than one /`;
  if (step !== undefined && !/^[1-9]\d*$/.test(step)) {
    return `"${item}": the increment after / must be a positive whole number`;
  }
  if (range === "*") return undefined;
  const [from, to, more] = range.split("-");
  if (more !== undefined) return `"${item}" is not a range`;
  const low = valueOf(field, from);
  const high = to === undefined ? low : valueOf(field, to);
  if (low === undefined || high === undefined) {
    const allowed = field.names
      ? `${field.min}-${field.max} or ${field.names[0]}-${field.names[field.names.length - 1]}`
      : `${field.min}-${field.max}`;
    return `"${item}" is not in ${allowed}`;
  }
  return undefined;
}

function fieldProblem(field: Field, text: string): string | undefined {
  if (text === "?") return field.any ? undefined : `? is only for day-of-month or day-of-week`;
  if (field.name === "day-of-month" && /^(L|LW|([1-9]|[12]\d|3[01])W)$/.test(text))
    return undefined;
  if (field.name === "day-of-week") {
    if (text === "L" || /^[1-7]L$/.test(text)) return undefined;
    // `#` (the Nth weekday of the month) only as the field's whole expression
    const nth = /^(\w+)#(\d+)$/.exec(text);
    if (nth) {
      return valueOf(field, nth[1]) !== undefined && /^[1-5]$/.test(nth[2])
        ? undefined
        : `"${text}" must be <day>#<1-5>, such as SUN#1`;
    }
  }
  for (const item of text.split(",")) {
    if (item === "") return `"${text}" has an empty list item`;
    const problem = rangeProblem(field, item);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * What is wrong with `expression` as the schedule of a maintenance window, or undefined when AWS's
 * cron syntax for maintenance windows accepts it.
 */
export function maintenanceWindowProblem(expression: string): string | undefined {
  const usage = `a maintenance-window cron expression in UTC with six fields, cron(minutes hours day-of-month month day-of-week year), one of day-of-month and day-of-week "?", such as ${CRON_EXAMPLE} (every Sunday 08:00 UTC)`;
  if (/^(rate|at)\(/.test(expression)) {
    return `rate() and at() schedules are refused: a rate counts from the window's creation, not the clinic's quiet hours, and at() runs once. Use ${usage}`;
  }
  const m = /^cron\((.*)\)$/.exec(expression);
  if (!m) return `must be ${usage}`;
  const fields = m[1].split(" ");
  if (fields.length !== FIELDS.length || fields.some((f) => f === "")) {
    return `has ${fields.filter(Boolean).length} fields separated by single spaces; must be ${usage}`;
  }
  for (const [i, field] of FIELDS.entries()) {
    const problem = fieldProblem(field, fields[i]);
    if (problem) return `${field.name}: ${problem}; must be ${usage}`;
  }
  const [dayOfMonth, dayOfWeek] = [fields[2], fields[4]];
  if ((dayOfMonth === "?") === (dayOfWeek === "?")) {
    return `exactly one of day-of-month ("${dayOfMonth}") and day-of-week ("${dayOfWeek}") must be "?"; must be ${usage}`;
  }
  return undefined;
}
