import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { Composer, MAX_MESSAGE_CHARS } from './composer.tsx';

function setup(props: Partial<Parameters<typeof Composer>[0]> = {}) {
  const onSend = vi.fn(async () => true);
  const onStop = vi.fn();
  render(<Composer onSend={onSend} onStop={onStop} streaming={false} busy={false} {...props} />);
  return { onSend: (props.onSend as typeof onSend | undefined) ?? onSend, onStop, box: screen.getByRole('textbox', { name: 'Message' }) };
}

describe('Composer', () => {
  it('sends with Enter and clears the draft', async () => {
    const { onSend, box } = setup();
    const user = userEvent.setup();
    await user.type(box, 'Hello there{Enter}');
    expect(onSend).toHaveBeenCalledExactlyOnceWith('Hello there');
    await waitFor(() => expect(box).toHaveValue(''));
  });

  it('starts a new line with Shift+Enter instead of sending', async () => {
    const { onSend, box } = setup();
    const user = userEvent.setup();
    await user.type(box, 'line 1{Shift>}{Enter}{/Shift}line 2');
    expect(box).toHaveValue('line 1\nline 2');
    expect(onSend).not.toHaveBeenCalled();
    await user.click(screen.getByRole('button', { name: 'Send' }));
    expect(onSend).toHaveBeenCalledExactlyOnceWith('line 1\nline 2');
  });

  it('sends nothing that is only blank', async () => {
    const { onSend, box } = setup();
    const user = userEvent.setup();
    await user.type(box, '   {Enter}');
    expect(onSend).not.toHaveBeenCalled();
    expect(screen.getByRole('button', { name: 'Send' })).toBeDisabled();
  });

  it('does not send while an input method is composing', () => {
    const { onSend, box } = setup();
    fireEvent.change(box, { target: { value: 'にほん' } });
    fireEvent.keyDown(box, { key: 'Enter', isComposing: true });
    expect(onSend).not.toHaveBeenCalled();
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onSend).toHaveBeenCalledExactlyOnceWith('にほん');
  });

  it('keeps the draft when sending was refused', async () => {
    const onSend = vi.fn(async () => false);
    const { box } = setup({ onSend });
    const user = userEvent.setup();
    await user.type(box, 'too fast{Enter}');
    expect(onSend).toHaveBeenCalledOnce();
    expect(box).toHaveValue('too fast');
  });

  it('offers Stop instead of Send while an answer is written, and Enter sends nothing then', async () => {
    const { onSend, onStop, box } = setup({ streaming: true });
    const user = userEvent.setup();
    expect(screen.queryByRole('button', { name: 'Send' })).not.toBeInTheDocument();
    await user.type(box, 'next question{Enter}');
    expect(onSend).not.toHaveBeenCalled();
    expect(box).toHaveValue('next question');
    await user.click(screen.getByRole('button', { name: 'Stop' }));
    expect(onStop).toHaveBeenCalledOnce();
  });

  it('says when a message is too long, and does not send it', () => {
    const { onSend, box } = setup();
    fireEvent.change(box, { target: { value: 'x'.repeat(MAX_MESSAGE_CHARS + 1) } });
    expect(screen.getByText(/the most is 32,000/)).toBeInTheDocument();
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onSend).not.toHaveBeenCalled();
  });
});
