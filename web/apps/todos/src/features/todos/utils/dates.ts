/** Today's calendar date in the user's time zone, as YYYY-MM-DD. */
export function localToday(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** A todo is overdue when it is not completed and its due day is before today. */
export function isOverdue(todo: { completed: boolean; dueOn: string | null }, today: string): boolean {
  return !todo.completed && todo.dueOn !== null && todo.dueOn < today;
}

/** A due day for people, e.g. "Dec 1, 2026" (the date itself, whatever the time zone). */
export function formatDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return day;
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
}
