import {
  Client,
  getOperationName,
  makeErrorResult,
  makeResult,
  subscriptionExchange,
  type Exchange,
  type Operation,
  type OperationResult,
} from '@urql/core';
import { filter, fromPromise, map, mergeMap, pipe } from 'wonka';

/** What a scripted server answers a query or mutation. */
export type Answer =
  | { data: unknown }
  | { errors: Array<{ message: string; extensions?: Record<string, unknown> }> }
  | { networkError: Error };

export type Handler = (variables: Record<string, unknown>) => Answer | Promise<Answer>;

export interface Call {
  kind: Operation['kind'];
  name: string;
  variables: Record<string, unknown>;
}

/** One subscription the app started, as the server sees it. */
export interface LiveStream {
  name: string;
  variables: Record<string, unknown>;
  /** Until the app unsubscribes or the stream ends. */
  active: boolean;
  /** Sends a payload ({ data } or { errors }). */
  push(payload: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }): void;
  /** Ends the subscription with GraphQL errors. */
  fail(errors: Array<{ message: string; extensions?: Record<string, unknown> }>): void;
  /** Completes the subscription (as the server does after the last chunk, or when it lost the stream). */
  complete(): void;
}

const toResult = (operation: Operation, answer: Answer): OperationResult => {
  if ('networkError' in answer) return makeErrorResult(operation, answer.networkError);
  const data = 'data' in answer ? (answer.data as Record<string, unknown>) : null;
  return makeResult(operation, 'errors' in answer ? { data, errors: answer.errors } : { data });
};

/**
 * A real urql Client whose exchanges play the server: queries and mutations are answered
 * (asynchronously) by `handlers`, keyed by operation name; subscriptions go through urql's
 * own subscriptionExchange to streams the test drives (`streams`, `lastStream`), the way
 * graphql-ws would deliver them. Every operation is recorded in `calls`.
 */
export function createTestServer(handlers: Record<string, Handler> = {}) {
  const calls: Call[] = [];
  const streams: LiveStream[] = [];

  const subscriptions = subscriptionExchange({
    forwardSubscription(_request, operation) {
      return {
        subscribe(sink) {
          const name = getOperationName(operation.query) ?? '';
          const variables = (operation.variables ?? {}) as Record<string, unknown>;
          calls.push({ kind: 'subscription', name, variables });
          const stream: LiveStream = {
            name,
            variables,
            active: true,
            push(payload) {
              if (stream.active) sink.next(payload as Parameters<typeof sink.next>[0]);
            },
            fail(errors) {
              if (!stream.active) return;
              stream.active = false;
              sink.error(errors as unknown as Parameters<typeof sink.error>[0]);
            },
            complete() {
              if (!stream.active) return;
              stream.active = false;
              sink.complete();
            },
          };
          streams.push(stream);
          return {
            unsubscribe() {
              stream.active = false;
            },
          };
        },
      };
    },
  });

  const answers: Exchange = () => (ops$) =>
    pipe(
      ops$,
      filter((op) => op.kind !== 'teardown'),
      mergeMap((op) => {
        const name = getOperationName(op.query) ?? '';
        const variables = (op.variables ?? {}) as Record<string, unknown>;
        calls.push({ kind: op.kind, name, variables });
        const handler = handlers[name];
        const answer = Promise.resolve().then(() =>
          handler ? handler(variables) : { errors: [{ message: `the test server has no handler for ${name}` }] },
        );
        return pipe(
          fromPromise(answer),
          map((a) => toResult(op, a)),
        );
      }),
    );

  const client = new Client({ url: 'http://test.invalid/graphql', exchanges: [subscriptions, answers] });
  return {
    client,
    calls,
    streams,
    /** Replaces (or adds) the handler of one operation. */
    handle(name: string, handler: Handler) {
      handlers[name] = handler;
    },
    callsOf(name: string) {
      return calls.filter((c) => c.name === name);
    },
    /** The subscriptions of one operation still open. */
    activeStreams(name = 'MessageStream') {
      return streams.filter((s) => s.name === name && s.active);
    },
    /** The newest subscription of one operation. */
    lastStream(name = 'MessageStream') {
      const found = streams.filter((s) => s.name === name).at(-1);
      if (!found) throw new Error(`no ${name} subscription was started`);
      return found;
    },
  };
}

export type TestServer = ReturnType<typeof createTestServer>;
