import type { Client, CombinedError } from '@urql/core';
import { onEnd, pipe, subscribe } from 'wonka';
import { MessageStreamDocument, type MessageFieldsFragment, type MessageState } from '../../../lib/gql/graphql.ts';
import { describeError, errorCode } from '../../../lib/errors.ts';
import type { OnReconnected } from '../../../lib/live-connection.ts';
import { applyChunk, startAssembly, type StreamAssembly } from './stream-assembly.ts';

export interface AnswerEnd {
  /** COMPLETE, STOPPED or FAILED. */
  state: MessageState;
  error: string | null;
  /** The stored answer (tokens, cost, citations), when the last chunk carried it. */
  message: MessageFieldsFragment | null;
  /** The whole text of the answer. */
  text: string;
}

export interface FollowAnswerOptions {
  client: Client;
  messageId: string;
  /** The part of the answer already shown (stored so far): the stream resumes after it. */
  initialText?: string;
  /** Tells when the websocket came back after a drop. */
  onReconnected: OnReconnected;
  /** First wait before subscribing again after a failure (ms, default 1000; doubles up to 30 s). */
  retryDelayMs?: number;
}

export interface FollowAnswerCallbacks {
  /** The answer's text so far, each time it grew. */
  onText(text: string): void;
  /** The answer ended; called once, after which nothing else is called. */
  onEnd(end: AnswerEnd): void;
  /** The live stream failed and is being tried again (null once chunks flow again). */
  onTrouble(error: CombinedError | null): void;
  /** The answer cannot be followed (deleted, not the user's): nothing more will come. */
  onLost(message: string): void;
}

/** Codes after which subscribing again cannot help. */
const hopeless = new Set(['NOT_FOUND', 'FORBIDDEN', 'UNAUTHENTICATED']);

/**
 * Follows one answer being generated with the messageStream subscription, until its last
 * chunk. Returns a function that stops following (the answer goes on on the server).
 *
 * Nothing is lost or repeated: the text is assembled by byte offset (see stream-assembly),
 * and every new subscription asks for the offset reached so far. It subscribes again
 * - when the websocket comes back after a drop (the server forgot the old subscription),
 * - when the subscription completes without its last chunk (the server lost the stream),
 * - when a chunk starts past what was received (a gap), and
 * - after an error, with a growing delay.
 */
export function followAnswer(options: FollowAnswerOptions, callbacks: FollowAnswerCallbacks): () => void {
  const { client, messageId, onReconnected, retryDelayMs = 1000 } = options;
  let assembly: StreamAssembly = startAssembly(options.initialText ?? '');
  let current: { live: boolean; unsubscribe(): void } | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  let over = false; // stopped by the caller, or the answer ended
  let troubled = false;

  const close = (handle: { live: boolean; unsubscribe(): void } | null) => {
    if (!handle || !handle.live) return;
    handle.live = false;
    handle.unsubscribe();
  };

  const later = (immediately: boolean) => {
    clearTimeout(retryTimer);
    if (over) return;
    const delay = immediately ? 0 : Math.min(30_000, retryDelayMs * 2 ** failures);
    failures++;
    retryTimer = setTimeout(start, delay);
  };

  const finish = (end: AnswerEnd) => {
    over = true;
    clearTimeout(retryTimer);
    close(current);
    callbacks.onEnd(end);
  };

  function start() {
    clearTimeout(retryTimer);
    if (over) return;
    close(current);
    const handle = { live: true, unsubscribe: () => {} };
    current = handle;
    const offset = assembly.bytes;
    let progressed = false; // this subscription added text
    const { unsubscribe } = pipe(
      client.subscription(MessageStreamDocument, { messageId, offset }, { requestPolicy: 'network-only' }),
      onEnd(() => {
        // Completed by the server without the last chunk: resume from where it got to.
        if (!handle.live || over) return;
        handle.live = false;
        later(progressed);
      }),
      subscribe((result) => {
        if (!handle.live || over) return;
        // After an error, urql repeats the previous chunk beside it: taking it again is harmless.
        const chunk = result.data?.messageStream;
        if (chunk) {
          if (troubled && !result.error) {
            troubled = false;
            callbacks.onTrouble(null);
          }
          if (chunk.done && chunk.message) {
            finish({ state: chunk.state, error: chunk.error ?? null, message: chunk.message, text: chunk.message.content });
            return;
          }
          const applied = applyChunk(assembly, chunk);
          if (applied.kind === 'gap') {
            // Bytes before this chunk never arrived: ask again from what was received.
            close(handle);
            later(failures === 0);
            return;
          }
          if (applied.kind === 'appended') {
            assembly = applied.assembly;
            progressed = true;
            failures = 0;
            if (!chunk.done) callbacks.onText(assembly.text);
          }
          if (chunk.done) {
            finish({ state: chunk.state, error: chunk.error ?? null, message: null, text: assembly.text });
            return;
          }
        }
        if (!result.error) return;
        close(handle);
        const code = errorCode(result.error);
        if (code && hopeless.has(code)) {
          over = true;
          callbacks.onLost(describeError(result.error));
          return;
        }
        if (code === 'INVALID') {
          // An offset the server refuses (the answer was replaced meanwhile): start over.
          assembly = startAssembly('');
          callbacks.onText('');
        }
        troubled = true;
        callbacks.onTrouble(result.error);
        later(false);
      }),
    );
    handle.unsubscribe = unsubscribe;
    if (!handle.live) unsubscribe(); // ended while subscribing
  }

  start();
  const stopListening = onReconnected(() => {
    if (over) return;
    failures = 0;
    start();
  });
  return () => {
    over = true;
    clearTimeout(retryTimer);
    stopListening();
    close(current);
  };
}
