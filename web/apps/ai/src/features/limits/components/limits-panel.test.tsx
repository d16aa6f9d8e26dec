import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { limits } from '../../../testing/ai-fixtures.ts';
import { renderAi } from '../../../testing/render-ai.tsx';

describe('the limits panel', () => {
  it('shows messages left this minute and tokens used today', async () => {
    renderAi('/ai', undefined, { AiLimits: () => limits({ messagesLeft: 7, messagesPerMinute: 10, tokensToday: 12345, tokensPerDay: 100000 }) });
    await waitFor(() => expect(screen.getByTestId('messages-left')).toHaveTextContent('7 of 10'));
    expect(screen.getByTestId('tokens-today')).toHaveTextContent('12,345 of 100,000');
  });

  it('says when a limit does not apply', async () => {
    renderAi('/ai', undefined, { AiLimits: () => limits({ role: 'ADMIN', messagesPerMinute: 0, messagesLeft: 0, tokensPerDay: 0, tokensToday: 42 }) });
    await waitFor(() => expect(screen.getByTestId('messages-left')).toHaveTextContent('No limit'));
    expect(screen.getByTestId('tokens-today')).toHaveTextContent('42 (no daily limit)');
  });
});
