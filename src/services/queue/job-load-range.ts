import {
  compareInstants,
  type Instant,
  instantFromMillis,
  instantMillis,
  instantNow,
  parseInstant,
} from "../../dialect";
import { badInput } from "../../errors";

/**
 * The time window of a job-load read, as Scale's `GET /v6/load/` takes it (scale-queue.md §4.1): each bound an ISO
 * datetime or an ISO duration (`P…`, meaning now − duration); `started` defaults to UTC midnight of the day 7 days
 * ago, `ended` to no bound; the span may be at most 31 days. Messages are Scale's, word for word.
 */
export interface JobLoadRange {
  readonly started: Instant;
  readonly ended: Instant | null;
}

const MAX_SPAN_MS = 31 * 24 * 3600 * 1000;
const DEFAULT_DAYS_BACK = 7;

export function jobLoadRange(
  started: string | null | undefined,
  ended: string | null | undefined,
  now = instantNow(),
): JobLoadRange {
  const start = started ? parseBound(started, "started", now) : midnightDaysAgo(now, DEFAULT_DAYS_BACK);
  const end = ended ? parseBound(ended, "ended", now) : null;
  if (end) {
    if (start === end) throw badInput("Start and end values must be different", "started");
    if (compareInstants(start, end) > 0) throw badInput("Start time must come before end time", "started");
    if (instantMillis(end) - instantMillis(start) > MAX_SPAN_MS)
      throw badInput("Time range must be between 0 and 31 days, 0:00:00", "ended");
  }
  return { started: start, ended: end };
}

function midnightDaysAgo(now: Instant, days: number): Instant {
  const today = new Date(instantMillis(now));
  return instantFromMillis(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - days)) ?? now;
}

/**
 * An instant with an explicit offset (`Z` or `±hh:mm`), or a duration. Scale accepted only `Z`/`+` offsets and so
 * rejected `-05:00` (§4.1); hubql accepts any explicit offset and still rejects offset-less text, which is ambiguous.
 */
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|z|[+-]\d{2}:?\d{2})$/;
const ISO_DURATION =
  /^P(?!$)(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?=\d)(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

function parseBound(value: string, name: string, now: Instant): Instant {
  const invalid = () => badInput(`Invalid ISO timestamp format for parameter: ${name}`, name);
  const text = value.trim();
  if (text.startsWith("P")) {
    const match = ISO_DURATION.exec(text);
    if (!match) throw invalid();
    const [years, months, weeks, days, hours, minutes, seconds] = match
      .slice(1)
      .map((part) => Number(part ?? 0)) as number[];
    const date = new Date(instantMillis(now));
    // Years and months are calendar steps; the rest are exact lengths.
    date.setUTCFullYear(date.getUTCFullYear() - Math.trunc(years ?? 0), date.getUTCMonth() - Math.trunc(months ?? 0));
    const exact = (((weeks ?? 0) * 7 + (days ?? 0)) * 24 + (hours ?? 0)) * 3600 + (minutes ?? 0) * 60 + (seconds ?? 0);
    const instant = instantFromMillis(date.getTime() - exact * 1000);
    if (!instant) throw invalid();
    return instant;
  }
  if (!ISO_WITH_OFFSET.test(text)) throw invalid();
  const instant = parseInstant(text);
  if (!instant) throw invalid();
  return instant;
}
