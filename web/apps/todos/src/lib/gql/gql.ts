/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "mutation AddTodo($input: AddTodoInput!) {\n  addTodo(input: $input) {\n    ...TodoFields\n  }\n}": typeof types.AddTodoDocument,
    "mutation ClearCompleted {\n  clearCompleted\n}": typeof types.ClearCompletedDocument,
    "mutation DeleteTodo($id: ID!, $version: Int) {\n  deleteTodo(id: $id, version: $version)\n}": typeof types.DeleteTodoDocument,
    "mutation MoveTodo($id: ID!, $afterId: ID, $beforeId: ID, $version: Int) {\n  moveTodo(id: $id, afterId: $afterId, beforeId: $beforeId, version: $version) {\n    ...TodoFields\n  }\n}": typeof types.MoveTodoDocument,
    "subscription TodoChanged($since: String) {\n  todoChanged(since: $since) {\n    cursor\n    kind\n    todoId\n    todo {\n      ...TodoFields\n    }\n    todos {\n      ...TodoFields\n    }\n    deletedIds\n    at\n  }\n}": typeof types.TodoChangedDocument,
    "query TodoCounts {\n  todoCounts {\n    all\n    active\n    completed\n  }\n}": typeof types.TodoCountsDocument,
    "fragment TodoFields on Todo {\n  id\n  title\n  notes\n  completed\n  completedAt\n  dueOn\n  priority\n  tags\n  position\n  version\n  createdAt\n  updatedAt\n  owner {\n    id\n    name\n  }\n}": typeof types.TodoFieldsFragmentDoc,
    "query Todo($id: ID!) {\n  todo(id: $id) {\n    ...TodoFields\n  }\n}": typeof types.TodoDocument,
    "query Todos($filter: TodoFilter!, $first: Int!, $after: String) {\n  todos(filter: $filter, first: $first, after: $after) {\n    nodes {\n      ...TodoFields\n    }\n    pageInfo {\n      endCursor\n      hasNextPage\n    }\n  }\n}": typeof types.TodosDocument,
    "mutation ToggleAll($completed: Boolean!) {\n  toggleAll(completed: $completed) {\n    ...TodoFields\n  }\n}": typeof types.ToggleAllDocument,
    "mutation ToggleTodo($id: ID!, $version: Int) {\n  toggleTodo(id: $id, version: $version) {\n    ...TodoFields\n  }\n}": typeof types.ToggleTodoDocument,
    "mutation UpdateTodo($input: UpdateTodoInput!) {\n  updateTodo(input: $input) {\n    ...TodoFields\n  }\n}": typeof types.UpdateTodoDocument,
};
const documents: Documents = {
    "mutation AddTodo($input: AddTodoInput!) {\n  addTodo(input: $input) {\n    ...TodoFields\n  }\n}": types.AddTodoDocument,
    "mutation ClearCompleted {\n  clearCompleted\n}": types.ClearCompletedDocument,
    "mutation DeleteTodo($id: ID!, $version: Int) {\n  deleteTodo(id: $id, version: $version)\n}": types.DeleteTodoDocument,
    "mutation MoveTodo($id: ID!, $afterId: ID, $beforeId: ID, $version: Int) {\n  moveTodo(id: $id, afterId: $afterId, beforeId: $beforeId, version: $version) {\n    ...TodoFields\n  }\n}": types.MoveTodoDocument,
    "subscription TodoChanged($since: String) {\n  todoChanged(since: $since) {\n    cursor\n    kind\n    todoId\n    todo {\n      ...TodoFields\n    }\n    todos {\n      ...TodoFields\n    }\n    deletedIds\n    at\n  }\n}": types.TodoChangedDocument,
    "query TodoCounts {\n  todoCounts {\n    all\n    active\n    completed\n  }\n}": types.TodoCountsDocument,
    "fragment TodoFields on Todo {\n  id\n  title\n  notes\n  completed\n  completedAt\n  dueOn\n  priority\n  tags\n  position\n  version\n  createdAt\n  updatedAt\n  owner {\n    id\n    name\n  }\n}": types.TodoFieldsFragmentDoc,
    "query Todo($id: ID!) {\n  todo(id: $id) {\n    ...TodoFields\n  }\n}": types.TodoDocument,
    "query Todos($filter: TodoFilter!, $first: Int!, $after: String) {\n  todos(filter: $filter, first: $first, after: $after) {\n    nodes {\n      ...TodoFields\n    }\n    pageInfo {\n      endCursor\n      hasNextPage\n    }\n  }\n}": types.TodosDocument,
    "mutation ToggleAll($completed: Boolean!) {\n  toggleAll(completed: $completed) {\n    ...TodoFields\n  }\n}": types.ToggleAllDocument,
    "mutation ToggleTodo($id: ID!, $version: Int) {\n  toggleTodo(id: $id, version: $version) {\n    ...TodoFields\n  }\n}": types.ToggleTodoDocument,
    "mutation UpdateTodo($input: UpdateTodoInput!) {\n  updateTodo(input: $input) {\n    ...TodoFields\n  }\n}": types.UpdateTodoDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation AddTodo($input: AddTodoInput!) {\n  addTodo(input: $input) {\n    ...TodoFields\n  }\n}"): (typeof documents)["mutation AddTodo($input: AddTodoInput!) {\n  addTodo(input: $input) {\n    ...TodoFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ClearCompleted {\n  clearCompleted\n}"): (typeof documents)["mutation ClearCompleted {\n  clearCompleted\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteTodo($id: ID!, $version: Int) {\n  deleteTodo(id: $id, version: $version)\n}"): (typeof documents)["mutation DeleteTodo($id: ID!, $version: Int) {\n  deleteTodo(id: $id, version: $version)\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation MoveTodo($id: ID!, $afterId: ID, $beforeId: ID, $version: Int) {\n  moveTodo(id: $id, afterId: $afterId, beforeId: $beforeId, version: $version) {\n    ...TodoFields\n  }\n}"): (typeof documents)["mutation MoveTodo($id: ID!, $afterId: ID, $beforeId: ID, $version: Int) {\n  moveTodo(id: $id, afterId: $afterId, beforeId: $beforeId, version: $version) {\n    ...TodoFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription TodoChanged($since: String) {\n  todoChanged(since: $since) {\n    cursor\n    kind\n    todoId\n    todo {\n      ...TodoFields\n    }\n    todos {\n      ...TodoFields\n    }\n    deletedIds\n    at\n  }\n}"): (typeof documents)["subscription TodoChanged($since: String) {\n  todoChanged(since: $since) {\n    cursor\n    kind\n    todoId\n    todo {\n      ...TodoFields\n    }\n    todos {\n      ...TodoFields\n    }\n    deletedIds\n    at\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query TodoCounts {\n  todoCounts {\n    all\n    active\n    completed\n  }\n}"): (typeof documents)["query TodoCounts {\n  todoCounts {\n    all\n    active\n    completed\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment TodoFields on Todo {\n  id\n  title\n  notes\n  completed\n  completedAt\n  dueOn\n  priority\n  tags\n  position\n  version\n  createdAt\n  updatedAt\n  owner {\n    id\n    name\n  }\n}"): (typeof documents)["fragment TodoFields on Todo {\n  id\n  title\n  notes\n  completed\n  completedAt\n  dueOn\n  priority\n  tags\n  position\n  version\n  createdAt\n  updatedAt\n  owner {\n    id\n    name\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Todo($id: ID!) {\n  todo(id: $id) {\n    ...TodoFields\n  }\n}"): (typeof documents)["query Todo($id: ID!) {\n  todo(id: $id) {\n    ...TodoFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Todos($filter: TodoFilter!, $first: Int!, $after: String) {\n  todos(filter: $filter, first: $first, after: $after) {\n    nodes {\n      ...TodoFields\n    }\n    pageInfo {\n      endCursor\n      hasNextPage\n    }\n  }\n}"): (typeof documents)["query Todos($filter: TodoFilter!, $first: Int!, $after: String) {\n  todos(filter: $filter, first: $first, after: $after) {\n    nodes {\n      ...TodoFields\n    }\n    pageInfo {\n      endCursor\n      hasNextPage\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ToggleAll($completed: Boolean!) {\n  toggleAll(completed: $completed) {\n    ...TodoFields\n  }\n}"): (typeof documents)["mutation ToggleAll($completed: Boolean!) {\n  toggleAll(completed: $completed) {\n    ...TodoFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ToggleTodo($id: ID!, $version: Int) {\n  toggleTodo(id: $id, version: $version) {\n    ...TodoFields\n  }\n}"): (typeof documents)["mutation ToggleTodo($id: ID!, $version: Int) {\n  toggleTodo(id: $id, version: $version) {\n    ...TodoFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateTodo($input: UpdateTodoInput!) {\n  updateTodo(input: $input) {\n    ...TodoFields\n  }\n}"): (typeof documents)["mutation UpdateTodo($input: UpdateTodoInput!) {\n  updateTodo(input: $input) {\n    ...TodoFields\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;