import { CombinedError } from 'urql';
import { describe, expect, it } from 'vitest';
import { makeTodo } from '../../../testing/todo-fixtures.ts';
import { conflictCurrent, errorCode, errorMessage, isNetworkError } from './todo-errors.ts';

const shown = makeTodo(1, { title: 'Buy milk', dueOn: '2026-12-01', tags: ['home'] });

const conflict = (current: unknown) =>
  new CombinedError({
    graphQLErrors: [{ message: 'todo changed meanwhile', extensions: { code: 'CONFLICT', current } }],
  });

describe('conflictCurrent', () => {
  it("reads the server's stored record: empty dueOn and null tags mean none, the owner stays", () => {
    const current = conflictCurrent(
      conflict({
        id: shown.id,
        ownerId: 'u1',
        title: 'Buy oat milk',
        notes: '',
        completed: true,
        completedAt: '2026-11-29T07:00:00.123Z',
        dueOn: '',
        priority: 'HIGH',
        tags: null,
        position: '0zi',
        version: 4,
        createdAt: '2026-11-29T06:00:00Z',
        updatedAt: '2026-11-29T07:00:00Z',
      }),
      shown,
    );
    expect(current).toEqual({
      ...shown,
      title: 'Buy oat milk',
      completed: true,
      completedAt: '2026-11-29T07:00:00.123Z',
      dueOn: null,
      priority: 'HIGH',
      tags: [],
      position: '0zi',
      version: 4,
      updatedAt: '2026-11-29T07:00:00Z',
    });
  });

  it('is null when the error carries no usable current todo', () => {
    expect(conflictCurrent(conflict(undefined), shown)).toBeNull();
    expect(conflictCurrent(conflict({ id: 'other', version: 2 }), shown)).toBeNull();
    expect(conflictCurrent(undefined, shown)).toBeNull();
  });
});

describe('errors', () => {
  it('tells network failures from GraphQL errors', () => {
    const network = new CombinedError({ networkError: new TypeError('Failed to fetch') });
    expect(isNetworkError(network)).toBe(true);
    expect(errorMessage(network)).toMatch(/Could not reach the server/);
    const invalid = new CombinedError({ graphQLErrors: [{ message: 'title is empty', extensions: { code: 'INVALID' } }] });
    expect(isNetworkError(invalid)).toBe(false);
    expect(errorCode(invalid)).toBe('INVALID');
    expect(errorMessage(invalid)).toBe('title is empty');
  });
});
