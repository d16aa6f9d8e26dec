import { describe, expect, it } from 'vitest';
import { formatDay, isOverdue, localToday } from './dates.ts';

describe('dates', () => {
  it('reads today in local time and marks open todos due before it as overdue', () => {
    expect(localToday(new Date(2026, 0, 5, 23, 59))).toBe('2026-01-05');
    expect(isOverdue({ completed: false, dueOn: '2026-01-04' }, '2026-01-05')).toBe(true);
    expect(isOverdue({ completed: false, dueOn: '2026-01-05' }, '2026-01-05')).toBe(false);
    expect(isOverdue({ completed: true, dueOn: '2026-01-04' }, '2026-01-05')).toBe(false);
    expect(isOverdue({ completed: false, dueOn: null }, '2026-01-05')).toBe(false);
  });

  it('formats the day itself, whatever the time zone', () => {
    expect(formatDay('2026-12-01')).toMatch(/2026/);
    expect(formatDay('2026-12-01')).toMatch(/1/);
    expect(formatDay('nonsense')).toBe('nonsense');
  });
});
