import { act, renderHook } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { filterFromSearch, filterHref, useFilterParam } from './use-filter-param.ts';

describe('filter in the URL', () => {
  it('reads ?filter=, defaulting to all', () => {
    expect(filterFromSearch('')).toBe('ALL');
    expect(filterFromSearch('?filter=active')).toBe('ACTIVE');
    expect(filterFromSearch('?x=1&filter=Completed')).toBe('COMPLETED');
    expect(filterFromSearch('?filter=bogus')).toBe('ALL');
  });

  it('writes it keeping the path, other parameters and the hash; "all" leaves no parameter', () => {
    const at = { pathname: '/todos', search: '?x=1&filter=active', hash: '#top' };
    expect(filterHref('COMPLETED', at)).toBe('/todos?x=1&filter=completed#top');
    expect(filterHref('ALL', at)).toBe('/todos?x=1#top');
    expect(filterHref('ALL', { pathname: '/todos', search: '?filter=active', hash: '' })).toBe('/todos');
  });

  it('pushes a history entry that keeps the history state, and follows back/forward', () => {
    window.history.replaceState({ idx: 3, key: 'shell' }, '', '/todos');
    const { result } = renderHook(() => useFilterParam());
    expect(result.current[0]).toBe('ALL');
    const before = window.history.length;
    act(() => result.current[1]('ACTIVE'));
    expect(result.current[0]).toBe('ACTIVE');
    expect(window.location.pathname + window.location.search).toBe('/todos?filter=active');
    expect(window.history.state).toEqual({ idx: 3, key: 'shell' });
    expect(window.history.length).toBe(before + 1);

    act(() => {
      window.history.replaceState(null, '', '/todos');
      window.dispatchEvent(new PopStateEvent('popstate'));
    });
    expect(result.current[0]).toBe('ALL');
  });
});
