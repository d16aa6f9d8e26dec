import { useCallback, useEffect, useRef, useState } from 'react';
import { useClient } from 'urql';
import {
  ConversationsDocument,
  DeleteConversationDocument,
  RenameConversationDocument,
  SearchConversationsDocument,
  type SearchConversationsQuery,
} from '../../../lib/gql/graphql.ts';
import { describeError, errorCode } from '../../../lib/errors.ts';
import { mergeConversations, type ConversationSummary } from '../utils/conversation-list.ts';

export type SearchHit = SearchConversationsQuery['searchConversations'][number];

export interface UseConversations {
  /** Newest first; null until the first page arrives. */
  conversations: ConversationSummary[] | null;
  hasNextPage: boolean;
  loadingMore: boolean;
  /** Why the list could not be loaded. */
  error: string | null;
  /** Why the last rename or delete failed. */
  notice: string | null;
  dismissNotice(): void;
  loadMore(): Promise<void>;
  reload(): void;
  /** Adds or updates a conversation (one created or continued on this page). */
  upsert(conversation: ConversationSummary): void;
  /** Resolves an error message, or null when renamed. */
  rename(id: string, title: string): Promise<string | null>;
  /** Resolves whether it was deleted. */
  remove(id: string): Promise<boolean>;
  /** The search: results for `query` (null when the query is empty). */
  search: { query: string; hits: SearchHit[] | null; loading: boolean; error: string | null };
  setQuery(query: string): void;
}

export interface UseConversationsOptions {
  pageSize?: number;
  /** How long typing must pause before searching (ms, default 300). */
  searchDelayMs?: number;
}

/** The user's conversations, page by page, their search, rename and delete. */
export function useConversations({ pageSize = 20, searchDelayMs = 300 }: UseConversationsOptions = {}): UseConversations {
  const client = useClient();
  const [conversations, setConversations] = useState<ConversationSummary[] | null>(null);
  const [pageInfo, setPageInfo] = useState<{ endCursor: string | null; hasNextPage: boolean }>({ endCursor: null, hasNextPage: false });
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const removed = useRef(new Set<string>());
  const generation = useRef(0);

  useEffect(() => {
    const gen = ++generation.current;
    void client
      .query(ConversationsDocument, { first: pageSize, after: null }, { requestPolicy: 'network-only' })
      .toPromise()
      .then((result) => {
        if (gen !== generation.current) return;
        if (result.data) {
          const { nodes, pageInfo: info } = result.data.conversations;
          setError(null);
          setConversations((known) => mergeConversations(known ?? [], nodes.filter((c) => !removed.current.has(c.id))));
          setPageInfo(info);
        } else if (result.error) {
          setError(describeError(result.error));
        }
      });
  }, [client, pageSize, attempt]);

  const loadMore = useCallback(async () => {
    if (!pageInfo.hasNextPage || !pageInfo.endCursor) return;
    const gen = generation.current;
    setLoadingMore(true);
    const result = await client
      .query(ConversationsDocument, { first: pageSize, after: pageInfo.endCursor }, { requestPolicy: 'network-only' })
      .toPromise();
    setLoadingMore(false);
    if (gen !== generation.current) return;
    if (result.data) {
      const { nodes, pageInfo: info } = result.data.conversations;
      setConversations((known) => mergeConversations(known ?? [], nodes.filter((c) => !removed.current.has(c.id))));
      setPageInfo(info);
    } else if (result.error) {
      setNotice(`Could not load more conversations: ${describeError(result.error)}`);
    }
  }, [client, pageInfo, pageSize]);

  const upsert = useCallback((conversation: ConversationSummary) => {
    if (removed.current.has(conversation.id)) return;
    setConversations((known) => mergeConversations(known ?? [], [conversation]));
  }, []);

  const [query, setQueryState] = useState('');
  const [search, setSearch] = useState<UseConversations['search']>({ query: '', hits: null, loading: false, error: null });

  const dropLocally = useCallback((id: string) => {
    removed.current.add(id);
    setConversations((known) => known?.filter((c) => c.id !== id) ?? null);
    setSearch((s) => (s.hits ? { ...s, hits: s.hits.filter((h) => h.conversation.id !== id) } : s));
  }, []);

  const rename = useCallback(
    async (id: string, title: string) => {
      const result = await client.mutation(RenameConversationDocument, { id, title }).toPromise();
      if (result.data) {
        const renamed = result.data.renameConversation;
        setNotice(null);
        setConversations((known) => known?.map((c) => (c.id === id ? renamed : c)) ?? null);
        setSearch((s) =>
          s.hits ? { ...s, hits: s.hits.map((h) => (h.conversation.id === id ? { ...h, conversation: renamed } : h)) } : s,
        );
        return null;
      }
      if (errorCode(result.error) === 'NOT_FOUND') {
        dropLocally(id);
        return 'This conversation was deleted meanwhile.';
      }
      return result.error ? describeError(result.error) : 'The conversation was not renamed.';
    },
    [client, dropLocally],
  );

  const remove = useCallback(
    async (id: string) => {
      const result = await client.mutation(DeleteConversationDocument, { id }).toPromise();
      if (result.data || errorCode(result.error) === 'NOT_FOUND') {
        setNotice(null);
        dropLocally(id);
        return true;
      }
      setNotice(`Could not delete the conversation: ${result.error ? describeError(result.error) : 'no answer'}`);
      return false;
    },
    [client, dropLocally],
  );

  // The search runs once typing pauses; only the latest query's answer is shown.
  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setSearch({ query: '', hits: null, loading: false, error: null });
      return;
    }
    setSearch((s) => ({ ...s, query: q, loading: true }));
    let live = true;
    const timer = setTimeout(() => {
      void client
        .query(SearchConversationsDocument, { query: q, first: 20 }, { requestPolicy: 'network-only' })
        .toPromise()
        .then((result) => {
          if (!live) return;
          if (result.data) setSearch({ query: q, hits: result.data.searchConversations, loading: false, error: null });
          else setSearch({ query: q, hits: null, loading: false, error: result.error ? describeError(result.error) : null });
        });
    }, searchDelayMs);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [client, query, searchDelayMs]);

  return {
    conversations,
    hasNextPage: pageInfo.hasNextPage,
    loadingMore,
    error,
    notice,
    dismissNotice: useCallback(() => setNotice(null), []),
    loadMore,
    reload: useCallback(() => setAttempt((n) => n + 1), []),
    upsert,
    rename,
    remove,
    search,
    setQuery: setQueryState,
  };
}
