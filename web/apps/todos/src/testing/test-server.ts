import { Client, getOperationName, makeErrorResult, makeResult, type Exchange, type Operation, type OperationResult } from '@urql/core';
import { filter, fromPromise, makeSubject, map, mergeMap, pipe, share, takeUntil } from 'wonka';

/** What a scripted server answers an operation. */
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

const toResult = (operation: Operation, answer: Answer): OperationResult => {
  if ('networkError' in answer) return makeErrorResult(operation, answer.networkError);
  const data = 'data' in answer ? (answer.data as Record<string, unknown>) : null;
  return makeResult(operation, 'errors' in answer ? { data, errors: answer.errors } : { data });
};

/**
 * A real urql Client whose last exchange plays the server: queries and mutations are
 * answered (asynchronously) by `handlers`, keyed by operation name; subscriptions receive
 * what the test pushes with `push` while they are active. Every operation is recorded in
 * `calls`, so tests see exactly what the app sent.
 */
export function createTestServer(handlers: Record<string, Handler> = {}) {
  const live = makeSubject<Answer>();
  const calls: Call[] = [];
  let activeSubscriptions = 0;

  const exchange: Exchange = () => (ops$) => {
    const shared = pipe(ops$, share);
    const teardowns = pipe(
      shared,
      filter((op) => op.kind === 'teardown'),
    );
    return pipe(
      shared,
      filter((op) => op.kind !== 'teardown'),
      mergeMap((op) => {
        const name = getOperationName(op.query) ?? '';
        const variables = (op.variables ?? {}) as Record<string, unknown>;
        calls.push({ kind: op.kind, name, variables });
        if (op.kind === 'subscription') {
          activeSubscriptions++;
          let ended = false;
          const end = () => {
            if (!ended) activeSubscriptions--;
            ended = true;
          };
          return pipe(
            live.source,
            takeUntil(
              pipe(
                teardowns,
                filter((t) => t.key === op.key),
                map((t) => (end(), t)),
              ),
            ),
            map((answer) => toResult(op, answer)),
          );
        }
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
  };

  const client = new Client({ url: 'http://test.invalid/graphql', exchanges: [exchange] });
  return {
    client,
    calls,
    /** Replaces (or adds) the handler of one operation. */
    handle(name: string, handler: Handler) {
      handlers[name] = handler;
    },
    /** Delivers a subscription payload (or error) to the active subscriptions. */
    push(answer: Answer) {
      live.next(answer);
    },
    callsOf(name: string) {
      return calls.filter((c) => c.name === name);
    },
    activeSubscriptions: () => activeSubscriptions,
  };
}

export type TestServer = ReturnType<typeof createTestServer>;
