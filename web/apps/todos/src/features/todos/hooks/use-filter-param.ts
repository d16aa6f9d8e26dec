import { useCallback, useSyncExternalStore } from 'react';
import type { TodoFilter } from '../utils/todo-list-state.ts';

// The filter lives in the page's URL as ?filter=active|completed (none: all), so it can be
// bookmarked, shared and restored with back/forward. The remote does not depend on the
// shell's router: it reads location.search, and writes with history.pushState, keeping the
// current history state so the shell's router keeps its own bookkeeping.

const PARAM = 'filter';
const CHANGED = 'fedstack:todos-filter';

const NAMES: Record<TodoFilter, string | null> = { ALL: null, ACTIVE: 'active', COMPLETED: 'completed' };

/** The filter a query string asks for (unknown values read as "all"). */
export function filterFromSearch(search: string): TodoFilter {
  const value = new URLSearchParams(search).get(PARAM)?.toLowerCase();
  return value === 'active' ? 'ACTIVE' : value === 'completed' ? 'COMPLETED' : 'ALL';
}

/** The URL (path, query and hash) of the current page showing `filter`; other query parameters stay. */
export function filterHref(filter: TodoFilter, location: Pick<Location, 'pathname' | 'search' | 'hash'> = window.location): string {
  const params = new URLSearchParams(location.search);
  const name = NAMES[filter];
  if (name) params.set(PARAM, name);
  else params.delete(PARAM);
  const query = params.toString();
  return `${location.pathname}${query ? `?${query}` : ''}${location.hash}`;
}

interface NavigationLike {
  addEventListener(type: 'currententrychange', listener: () => void): void;
  removeEventListener(type: 'currententrychange', listener: () => void): void;
}

function subscribe(onChange: () => void) {
  window.addEventListener('popstate', onChange);
  window.addEventListener(CHANGED, onChange);
  // The Navigation API (Chromium) also reports the shell router's own pushState calls,
  // e.g. the header's link back to /todos.
  const navigation = (window as { navigation?: NavigationLike }).navigation;
  navigation?.addEventListener('currententrychange', onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(CHANGED, onChange);
    navigation?.removeEventListener('currententrychange', onChange);
  };
}

const snapshot = () => filterFromSearch(window.location.search);

/** The filter in the URL, and a function that shows another one (a new history entry). */
export function useFilterParam(): [TodoFilter, (filter: TodoFilter) => void] {
  const filter = useSyncExternalStore(subscribe, snapshot, () => 'ALL' as const);
  const setFilter = useCallback((next: TodoFilter) => {
    if (next === snapshot()) return;
    window.history.pushState(window.history.state, '', filterHref(next));
    window.dispatchEvent(new Event(CHANGED));
  }, []);
  return [filter, setFilter];
}
