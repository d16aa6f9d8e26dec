import { useCallback } from 'react';
import { useNavigate, useParams } from 'react-router';
import { Button } from '@fedstack/ui/button';
import { AiStyles } from '../components/ai-styles.tsx';
import { ChatView } from '../features/chat/components/chat-view.tsx';
import { ConversationSidebar } from '../features/conversations/components/conversation-sidebar.tsx';
import { useConversations } from '../features/conversations/hooks/use-conversations.ts';
import { DocumentsPanel } from '../features/documents/components/documents-panel.tsx';
import { LimitsPanel } from '../features/limits/components/limits-panel.tsx';
import { useAiLimits } from '../features/limits/hooks/use-ai-limits.ts';

export interface AiLayoutProps {
  /** Where the app is mounted, e.g. "/ai"; a conversation is at `${basePath}/<id>`. */
  basePath: string;
  /** Re-read the limits this often (ms); 0 for never (tests). */
  limitsEveryMs?: number;
}

/**
 * The assistant's page: conversations, limits and documents on the side, the chat in the
 * middle. The pieces are wired here: a message sent in the chat shows in the list and
 * re-reads the limits; a conversation deleted from the list leaves the chat.
 */
export function AiLayout({ basePath, limitsEveryMs }: AiLayoutProps) {
  const { conversationId = null } = useParams();
  const navigate = useNavigate();
  const conversations = useConversations();
  const limits = useAiLimits(limitsEveryMs === undefined ? {} : { everyMs: limitsEveryMs });
  const hrefOf = useCallback((id: string) => `${basePath}/${encodeURIComponent(id)}`, [basePath]);
  const knownTitle = conversations.conversations?.find((c) => c.id === conversationId)?.title;

  return (
    <div className="fs-ai">
      <AiStyles />
      <aside className="fs-ai-side">
        <Button onClick={() => void navigate(basePath)} aria-current={conversationId === null ? 'page' : undefined}>
          New chat
        </Button>
        <ConversationSidebar
          list={conversations}
          selectedId={conversationId}
          hrefOf={hrefOf}
          onDeleted={(id) => {
            if (id === conversationId) void navigate(basePath, { replace: true });
          }}
        />
        <LimitsPanel limits={limits} />
        <DocumentsPanel />
      </aside>
      <ChatView
        conversationId={conversationId}
        knownTitle={knownTitle}
        onConversation={conversations.upsert}
        onOpened={(id) => void navigate(hrefOf(id), { replace: true })}
        onActivity={limits.refresh}
      />
    </div>
  );
}
