import { describe, expect, it } from 'vitest';
import { makeTodo } from '../../../testing/todo-fixtures.ts';
import { changedMeanwhile, diffPatch } from './todo-patch.ts';

const seen = makeTodo(1, { title: 'Buy milk', tags: ['home'], dueOn: '2026-12-01' });

describe('changedMeanwhile', () => {
  it('is true only when one of the given fields differs', () => {
    const notesChanged = { ...seen, notes: 'oat', version: 2 };
    expect(changedMeanwhile(seen, notesChanged, ['title'])).toBe(false);
    expect(changedMeanwhile(seen, notesChanged, ['title', 'notes'])).toBe(true);
    expect(changedMeanwhile(seen, { ...seen, tags: ['home'] }, ['tags'])).toBe(false);
    expect(changedMeanwhile(seen, { ...seen, tags: ['home', 'x'] }, ['tags'])).toBe(true);
    expect(changedMeanwhile(seen, { ...seen, position: 'zz' }, ['position'])).toBe(true);
  });
});

describe('diffPatch', () => {
  it('holds only what changed, with null clearing the due date', () => {
    const same = { title: 'Buy milk', notes: '', dueOn: '2026-12-01', priority: 'NONE' as const, tags: ['home'] };
    expect(diffPatch(seen, same)).toEqual({});
    expect(diffPatch(seen, { ...same, dueOn: null, priority: 'HIGH', notes: ' oat  ' })).toEqual({
      dueOn: null,
      priority: 'HIGH',
      notes: 'oat',
    });
    expect(diffPatch(seen, { ...same, tags: ['home', 'shop'] })).toEqual({ tags: ['home', 'shop'] });
  });
});
