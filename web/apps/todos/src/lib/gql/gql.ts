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
    "mutation AddTodo($input: AddTodoInput!) {\n  addTodo(input: $input) {\n    id\n    title\n    completed\n    createdAt\n    owner {\n      id\n      name\n    }\n  }\n}": typeof types.AddTodoDocument,
    "mutation DeleteTodo($id: ID!) {\n  deleteTodo(id: $id)\n}": typeof types.DeleteTodoDocument,
    "subscription TodoChanged {\n  todoChanged {\n    kind\n    todoId\n    todo {\n      id\n      title\n      completed\n      createdAt\n      owner {\n        id\n        name\n      }\n    }\n  }\n}": typeof types.TodoChangedDocument,
    "query Todos {\n  todos {\n    id\n    title\n    completed\n    createdAt\n    owner {\n      id\n      name\n    }\n  }\n}": typeof types.TodosDocument,
    "mutation ToggleTodo($id: ID!) {\n  toggleTodo(id: $id) {\n    id\n    title\n    completed\n    createdAt\n    owner {\n      id\n      name\n    }\n  }\n}": typeof types.ToggleTodoDocument,
};
const documents: Documents = {
    "mutation AddTodo($input: AddTodoInput!) {\n  addTodo(input: $input) {\n    id\n    title\n    completed\n    createdAt\n    owner {\n      id\n      name\n    }\n  }\n}": types.AddTodoDocument,
    "mutation DeleteTodo($id: ID!) {\n  deleteTodo(id: $id)\n}": types.DeleteTodoDocument,
    "subscription TodoChanged {\n  todoChanged {\n    kind\n    todoId\n    todo {\n      id\n      title\n      completed\n      createdAt\n      owner {\n        id\n        name\n      }\n    }\n  }\n}": types.TodoChangedDocument,
    "query Todos {\n  todos {\n    id\n    title\n    completed\n    createdAt\n    owner {\n      id\n      name\n    }\n  }\n}": types.TodosDocument,
    "mutation ToggleTodo($id: ID!) {\n  toggleTodo(id: $id) {\n    id\n    title\n    completed\n    createdAt\n    owner {\n      id\n      name\n    }\n  }\n}": types.ToggleTodoDocument,
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
export function graphql(source: "mutation AddTodo($input: AddTodoInput!) {\n  addTodo(input: $input) {\n    id\n    title\n    completed\n    createdAt\n    owner {\n      id\n      name\n    }\n  }\n}"): (typeof documents)["mutation AddTodo($input: AddTodoInput!) {\n  addTodo(input: $input) {\n    id\n    title\n    completed\n    createdAt\n    owner {\n      id\n      name\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteTodo($id: ID!) {\n  deleteTodo(id: $id)\n}"): (typeof documents)["mutation DeleteTodo($id: ID!) {\n  deleteTodo(id: $id)\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription TodoChanged {\n  todoChanged {\n    kind\n    todoId\n    todo {\n      id\n      title\n      completed\n      createdAt\n      owner {\n        id\n        name\n      }\n    }\n  }\n}"): (typeof documents)["subscription TodoChanged {\n  todoChanged {\n    kind\n    todoId\n    todo {\n      id\n      title\n      completed\n      createdAt\n      owner {\n        id\n        name\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Todos {\n  todos {\n    id\n    title\n    completed\n    createdAt\n    owner {\n      id\n      name\n    }\n  }\n}"): (typeof documents)["query Todos {\n  todos {\n    id\n    title\n    completed\n    createdAt\n    owner {\n      id\n      name\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ToggleTodo($id: ID!) {\n  toggleTodo(id: $id) {\n    id\n    title\n    completed\n    createdAt\n    owner {\n      id\n      name\n    }\n  }\n}"): (typeof documents)["mutation ToggleTodo($id: ID!) {\n  toggleTodo(id: $id) {\n    id\n    title\n    completed\n    createdAt\n    owner {\n      id\n      name\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;