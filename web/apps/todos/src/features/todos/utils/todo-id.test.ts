import { describe, expect, it } from 'vitest';
import { newTodoId } from './todo-id.ts';

describe('newTodoId', () => {
  it('is 24 lowercase hex digits, different every time', () => {
    const ids = new Set(Array.from({ length: 200 }, () => newTodoId()));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{24}$/);
  });
});
