import type { MouseEvent } from 'react';
import { Button } from '@fedstack/ui/button';
import { filterHref } from '../hooks/use-filter-param.ts';
import type { TodoFilter } from '../utils/todo-list-state.ts';

export interface TodosFooterProps {
  active: number;
  completed: number;
  filter: TodoFilter;
  onFilter(filter: TodoFilter): void;
  onClearCompleted(): void;
}

const FILTERS: ReadonlyArray<{ filter: TodoFilter; label: string }> = [
  { filter: 'ALL', label: 'All' },
  { filter: 'ACTIVE', label: 'Active' },
  { filter: 'COMPLETED', label: 'Completed' },
];

/** "N items left", the filters (links: the filter is in the URL), and "Clear completed" when there is something to clear. */
export function TodosFooter({ active, completed, filter, onFilter, onClearCompleted }: TodosFooterProps) {
  const follow = (f: TodoFilter) => (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return; // new tab, etc.
    e.preventDefault();
    onFilter(f);
  };
  return (
    <footer className="fs-todos-footer">
      <span data-testid="todo-count">{`${active} ${active === 1 ? 'item' : 'items'} left`}</span>
      <nav aria-label="Filter todos">
        <ul className="fs-todos-filters">
          {FILTERS.map(({ filter: f, label }) => (
            <li key={f}>
              <a href={filterHref(f)} aria-current={f === filter ? 'page' : undefined} onClick={follow(f)}>
                {label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {completed > 0 ? (
        <Button variant="secondary" onClick={onClearCompleted}>
          Clear completed
        </Button>
      ) : (
        <span />
      )}
    </footer>
  );
}
