import { Badge } from '../../../components/badge.tsx';
import { formatCost, formatInteger } from '../../../lib/format.ts';
import { sentence } from '../../../lib/errors.ts';
import type { ChatMessage } from '../utils/chat-state.ts';

/** How an answer ended and what it took: state, tokens, cost, cache, and the documents it cites. */
export function AnswerMeta({ message }: { message: ChatMessage }) {
  if (message.state === 'STREAMING') {
    return (
      <p className="fs-ai-meta" role="status">
        Writing…
      </p>
    );
  }
  const tokens = message.tokensIn + message.tokensOut;
  return (
    <>
      {message.state === 'FAILED' ? (
        <p className="fs-ai-failed" role="alert">
          The answer failed: {sentence(message.error ?? 'no reason was given')}
        </p>
      ) : null}
      <p className="fs-ai-meta" data-testid="answer-meta">
        {message.state === 'STOPPED' ? <Badge tone="warning">Stopped</Badge> : null}
        {message.state === 'FAILED' ? <Badge tone="error">Failed</Badge> : null}
        {message.cached ? (
          <Badge tone="cached" title="Answered from the cache: the same question was asked before, so no tokens were spent.">
            cached
          </Badge>
        ) : null}
        {tokens > 0 || (message.state === 'COMPLETE' && !message.cached) ? (
          <>
            <span>
              {formatInteger(message.tokensIn)} tokens in · {formatInteger(message.tokensOut)} tokens out
            </span>
            <span>Cost {formatCost(message.cost)}</span>
          </>
        ) : message.cached ? (
          <span>No tokens spent</span>
        ) : null}
      </p>
      {message.citations.length > 0 ? (
        <div className="fs-ai-citations">
          <span>Sources</span>
          <ol aria-label="Sources">
            {message.citations.map((c, i) => (
              <li key={`${c.documentId}:${c.chunk}:${i}`}>
                [{i + 1}] {c.documentName}, part {c.chunk + 1}
              </li>
            ))}
          </ol>
        </div>
      ) : null}
    </>
  );
}
