import { Alert } from '@fedstack/ui/alert';
import { Button } from '@fedstack/ui/button';
import { Spinner } from '@fedstack/ui/spinner';
import type { UseConversations } from '../hooks/use-conversations.ts';
import { ConversationItem } from './conversation-item.tsx';

export interface ConversationSidebarProps {
  list: UseConversations;
  selectedId: string | null;
  hrefOf(id: string): string;
  /** A conversation was deleted (e.g. leave it when it is the one shown). */
  onDeleted(id: string): void;
}

/** The search box and the conversations, newest first, or the search's results. */
export function ConversationSidebar({ list, selectedId, hrefOf, onDeleted }: ConversationSidebarProps) {
  const { search } = list;
  const remove = (id: string) => {
    void list.remove(id).then((deleted) => deleted && onDeleted(id));
  };

  return (
    <nav aria-label="Conversations" className="fs-ai-conversations">
      <input
        type="search"
        className="fs-ai-search"
        aria-label="Search conversations"
        placeholder="Search conversations"
        onChange={(e) => list.setQuery(e.target.value)}
      />
      {list.notice ? (
        <Alert>
          {list.notice}{' '}
          <Button variant="secondary" onClick={list.dismissNotice} style={{ padding: '0 8px' }}>
            Dismiss
          </Button>
        </Alert>
      ) : null}
      {search.query ? (
        <>
          {search.loading && !search.hits ? <Spinner label="Searching…" /> : null}
          {search.error ? <Alert>Search failed: {search.error}</Alert> : null}
          {search.hits && search.hits.length === 0 ? <p className="fs-ai-hint">No conversation matches “{search.query}”.</p> : null}
          {search.hits && search.hits.length > 0 ? (
            <ul className="fs-ai-conversation-list" aria-label="Search results">
              {search.hits.map((hit) => (
                <ConversationItem
                  key={hit.conversation.id}
                  conversation={hit.conversation}
                  href={hrefOf(hit.conversation.id)}
                  selected={hit.conversation.id === selectedId}
                  snippet={hit.snippet}
                  onRename={(title) => list.rename(hit.conversation.id, title)}
                  onDelete={() => remove(hit.conversation.id)}
                />
              ))}
            </ul>
          ) : null}
        </>
      ) : (
        <>
          {list.error && !list.conversations ? (
            <Alert>
              Could not load your conversations: {list.error}{' '}
              <Button variant="secondary" onClick={list.reload}>
                Try again
              </Button>
            </Alert>
          ) : null}
          {!list.conversations && !list.error ? <Spinner label="Loading conversations…" /> : null}
          {list.conversations && list.conversations.length === 0 ? <p className="fs-ai-hint">No conversations yet.</p> : null}
          {list.conversations && list.conversations.length > 0 ? (
            <ul className="fs-ai-conversation-list" aria-label="Your conversations">
              {list.conversations.map((c) => (
                <ConversationItem
                  key={c.id}
                  conversation={c}
                  href={hrefOf(c.id)}
                  selected={c.id === selectedId}
                  onRename={(title) => list.rename(c.id, title)}
                  onDelete={() => remove(c.id)}
                />
              ))}
            </ul>
          ) : null}
          {list.hasNextPage ? (
            <Button variant="secondary" disabled={list.loadingMore} onClick={() => void list.loadMore()}>
              {list.loadingMore ? 'Loading…' : 'Load more'}
            </Button>
          ) : null}
        </>
      )}
    </nav>
  );
}
