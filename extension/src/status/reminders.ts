// When to remind the user that a node's secrets are stale. Pure: the clock is passed in.

const dayMs = 24 * 60 * 60 * 1000;

/**
 * True when a node has not been pushed to for at least `days` days (or never, or the
 * stored time is unreadable). `days <= 0` turns reminders off.
 */
export function isPushDue(lastPushAt: string | undefined, now: Date, days: number): boolean {
  if (!Number.isFinite(days) || days <= 0) return false;
  if (lastPushAt === undefined) return true;
  const last = Date.parse(lastPushAt);
  // A corrupt or future timestamp must not silence the reminder forever.
  if (Number.isNaN(last) || last > now.getTime() + dayMs) return true;
  return now.getTime() - last >= days * dayMs;
}

/** A short human age such as "3 days ago", "5 hours ago" or "just now", for the status bar. */
export function describeAge(since: string | undefined, now: Date): string {
  if (since === undefined) return "never";
  const t = Date.parse(since);
  if (Number.isNaN(t)) return "unknown";
  const s = Math.max(0, Math.round((now.getTime() - t) / 1000));
  if (s < 60) return "just now";
  const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? "" : "s"} ago`;
  if (s < 3600) return plural(Math.floor(s / 60), "minute");
  if (s < 86_400) return plural(Math.floor(s / 3600), "hour");
  return plural(Math.floor(s / 86_400), "day");
}
