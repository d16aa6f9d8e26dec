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
    "query AiModels {\n  aiModels {\n    id\n    provider\n    displayName\n    enabled\n    offline\n    contextWindow\n    inputPrice\n    outputPrice\n  }\n  defaultAiModel\n}": typeof types.AiModelsDocument,
    "fragment ChatConversationFields on Conversation {\n  id\n  title\n  model\n  createdAt\n  updatedAt\n  messageCount\n  tokensIn\n  tokensOut\n  cost\n}": typeof types.ChatConversationFieldsFragmentDoc,
    "query ConversationDetails($id: ID!) {\n  conversation(id: $id) {\n    ...ChatConversationFields\n  }\n}": typeof types.ConversationDetailsDocument,
    "query Conversation($id: ID!, $last: Int, $before: Int) {\n  conversation(id: $id) {\n    ...ChatConversationFields\n    messages(last: $last, before: $before) {\n      ...MessageFields\n    }\n  }\n}": typeof types.ConversationDocument,
    "mutation EditLastMessage($conversationId: ID!, $content: String!, $model: String) {\n  editLastMessage(\n    conversationId: $conversationId\n    content: $content\n    model: $model\n  ) {\n    conversation {\n      ...ChatConversationFields\n    }\n    userMessage {\n      ...MessageFields\n    }\n    message {\n      ...MessageFields\n    }\n  }\n}": typeof types.EditLastMessageDocument,
    "fragment MessageFields on Message {\n  id\n  conversationId\n  seq\n  role\n  content\n  state\n  model\n  tokensIn\n  tokensOut\n  cost\n  error\n  cached\n  citations {\n    documentId\n    documentName\n    chunk\n  }\n  createdAt\n  completedAt\n}": typeof types.MessageFieldsFragmentDoc,
    "subscription MessageStream($messageId: ID!, $offset: Int) {\n  messageStream(messageId: $messageId, offset: $offset) {\n    messageId\n    offset\n    text\n    done\n    state\n    error\n    message {\n      ...MessageFields\n    }\n  }\n}": typeof types.MessageStreamDocument,
    "query Message($id: ID!) {\n  message(id: $id) {\n    ...MessageFields\n  }\n}": typeof types.MessageDocument,
    "mutation Regenerate($conversationId: ID!, $model: String) {\n  regenerate(conversationId: $conversationId, model: $model) {\n    conversation {\n      ...ChatConversationFields\n    }\n    userMessage {\n      ...MessageFields\n    }\n    message {\n      ...MessageFields\n    }\n  }\n}": typeof types.RegenerateDocument,
    "mutation SendMessage($input: SendMessageInput!) {\n  sendMessage(input: $input) {\n    conversation {\n      ...ChatConversationFields\n    }\n    userMessage {\n      ...MessageFields\n    }\n    message {\n      ...MessageFields\n    }\n  }\n}": typeof types.SendMessageDocument,
    "mutation StopGeneration($messageId: ID!) {\n  stopGeneration(messageId: $messageId) {\n    ...MessageFields\n  }\n}": typeof types.StopGenerationDocument,
    "fragment ConversationSummary on Conversation {\n  id\n  title\n  model\n  createdAt\n  updatedAt\n  messageCount\n  tokensIn\n  tokensOut\n  cost\n}": typeof types.ConversationSummaryFragmentDoc,
    "query Conversations($first: Int, $after: String) {\n  conversations(first: $first, after: $after) {\n    nodes {\n      ...ConversationSummary\n    }\n    pageInfo {\n      endCursor\n      hasNextPage\n    }\n  }\n}": typeof types.ConversationsDocument,
    "mutation DeleteConversation($id: ID!) {\n  deleteConversation(id: $id)\n}": typeof types.DeleteConversationDocument,
    "mutation RenameConversation($id: ID!, $title: String!) {\n  renameConversation(id: $id, title: $title) {\n    ...ConversationSummary\n  }\n}": typeof types.RenameConversationDocument,
    "query SearchConversations($query: String!, $first: Int) {\n  searchConversations(query: $query, first: $first) {\n    conversation {\n      ...ConversationSummary\n    }\n    messageId\n    snippet\n    rank\n  }\n}": typeof types.SearchConversationsDocument,
    "query AiDocuments {\n  aiDocuments {\n    ...DocumentFields\n  }\n}": typeof types.AiDocumentsDocument,
    "mutation DeleteAiDocument($id: ID!) {\n  deleteAiDocument(id: $id)\n}": typeof types.DeleteAiDocumentDocument,
    "fragment DocumentFields on AiDocument {\n  id\n  name\n  contentType\n  size\n  chunkCount\n  embeddingModel\n  createdAt\n}": typeof types.DocumentFieldsFragmentDoc,
    "mutation UploadDocument($name: String!, $content: String!, $contentType: String) {\n  uploadDocument(name: $name, content: $content, contentType: $contentType) {\n    ...DocumentFields\n  }\n}": typeof types.UploadDocumentDocument,
    "query AiLimits {\n  aiLimits {\n    role\n    messagesPerMinute\n    messagesLeft\n    tokensPerDay\n    tokensToday\n    tokensResetAt\n  }\n}": typeof types.AiLimitsDocument,
};
const documents: Documents = {
    "query AiModels {\n  aiModels {\n    id\n    provider\n    displayName\n    enabled\n    offline\n    contextWindow\n    inputPrice\n    outputPrice\n  }\n  defaultAiModel\n}": types.AiModelsDocument,
    "fragment ChatConversationFields on Conversation {\n  id\n  title\n  model\n  createdAt\n  updatedAt\n  messageCount\n  tokensIn\n  tokensOut\n  cost\n}": types.ChatConversationFieldsFragmentDoc,
    "query ConversationDetails($id: ID!) {\n  conversation(id: $id) {\n    ...ChatConversationFields\n  }\n}": types.ConversationDetailsDocument,
    "query Conversation($id: ID!, $last: Int, $before: Int) {\n  conversation(id: $id) {\n    ...ChatConversationFields\n    messages(last: $last, before: $before) {\n      ...MessageFields\n    }\n  }\n}": types.ConversationDocument,
    "mutation EditLastMessage($conversationId: ID!, $content: String!, $model: String) {\n  editLastMessage(\n    conversationId: $conversationId\n    content: $content\n    model: $model\n  ) {\n    conversation {\n      ...ChatConversationFields\n    }\n    userMessage {\n      ...MessageFields\n    }\n    message {\n      ...MessageFields\n    }\n  }\n}": types.EditLastMessageDocument,
    "fragment MessageFields on Message {\n  id\n  conversationId\n  seq\n  role\n  content\n  state\n  model\n  tokensIn\n  tokensOut\n  cost\n  error\n  cached\n  citations {\n    documentId\n    documentName\n    chunk\n  }\n  createdAt\n  completedAt\n}": types.MessageFieldsFragmentDoc,
    "subscription MessageStream($messageId: ID!, $offset: Int) {\n  messageStream(messageId: $messageId, offset: $offset) {\n    messageId\n    offset\n    text\n    done\n    state\n    error\n    message {\n      ...MessageFields\n    }\n  }\n}": types.MessageStreamDocument,
    "query Message($id: ID!) {\n  message(id: $id) {\n    ...MessageFields\n  }\n}": types.MessageDocument,
    "mutation Regenerate($conversationId: ID!, $model: String) {\n  regenerate(conversationId: $conversationId, model: $model) {\n    conversation {\n      ...ChatConversationFields\n    }\n    userMessage {\n      ...MessageFields\n    }\n    message {\n      ...MessageFields\n    }\n  }\n}": types.RegenerateDocument,
    "mutation SendMessage($input: SendMessageInput!) {\n  sendMessage(input: $input) {\n    conversation {\n      ...ChatConversationFields\n    }\n    userMessage {\n      ...MessageFields\n    }\n    message {\n      ...MessageFields\n    }\n  }\n}": types.SendMessageDocument,
    "mutation StopGeneration($messageId: ID!) {\n  stopGeneration(messageId: $messageId) {\n    ...MessageFields\n  }\n}": types.StopGenerationDocument,
    "fragment ConversationSummary on Conversation {\n  id\n  title\n  model\n  createdAt\n  updatedAt\n  messageCount\n  tokensIn\n  tokensOut\n  cost\n}": types.ConversationSummaryFragmentDoc,
    "query Conversations($first: Int, $after: String) {\n  conversations(first: $first, after: $after) {\n    nodes {\n      ...ConversationSummary\n    }\n    pageInfo {\n      endCursor\n      hasNextPage\n    }\n  }\n}": types.ConversationsDocument,
    "mutation DeleteConversation($id: ID!) {\n  deleteConversation(id: $id)\n}": types.DeleteConversationDocument,
    "mutation RenameConversation($id: ID!, $title: String!) {\n  renameConversation(id: $id, title: $title) {\n    ...ConversationSummary\n  }\n}": types.RenameConversationDocument,
    "query SearchConversations($query: String!, $first: Int) {\n  searchConversations(query: $query, first: $first) {\n    conversation {\n      ...ConversationSummary\n    }\n    messageId\n    snippet\n    rank\n  }\n}": types.SearchConversationsDocument,
    "query AiDocuments {\n  aiDocuments {\n    ...DocumentFields\n  }\n}": types.AiDocumentsDocument,
    "mutation DeleteAiDocument($id: ID!) {\n  deleteAiDocument(id: $id)\n}": types.DeleteAiDocumentDocument,
    "fragment DocumentFields on AiDocument {\n  id\n  name\n  contentType\n  size\n  chunkCount\n  embeddingModel\n  createdAt\n}": types.DocumentFieldsFragmentDoc,
    "mutation UploadDocument($name: String!, $content: String!, $contentType: String) {\n  uploadDocument(name: $name, content: $content, contentType: $contentType) {\n    ...DocumentFields\n  }\n}": types.UploadDocumentDocument,
    "query AiLimits {\n  aiLimits {\n    role\n    messagesPerMinute\n    messagesLeft\n    tokensPerDay\n    tokensToday\n    tokensResetAt\n  }\n}": types.AiLimitsDocument,
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
export function graphql(source: "query AiModels {\n  aiModels {\n    id\n    provider\n    displayName\n    enabled\n    offline\n    contextWindow\n    inputPrice\n    outputPrice\n  }\n  defaultAiModel\n}"): (typeof documents)["query AiModels {\n  aiModels {\n    id\n    provider\n    displayName\n    enabled\n    offline\n    contextWindow\n    inputPrice\n    outputPrice\n  }\n  defaultAiModel\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment ChatConversationFields on Conversation {\n  id\n  title\n  model\n  createdAt\n  updatedAt\n  messageCount\n  tokensIn\n  tokensOut\n  cost\n}"): (typeof documents)["fragment ChatConversationFields on Conversation {\n  id\n  title\n  model\n  createdAt\n  updatedAt\n  messageCount\n  tokensIn\n  tokensOut\n  cost\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ConversationDetails($id: ID!) {\n  conversation(id: $id) {\n    ...ChatConversationFields\n  }\n}"): (typeof documents)["query ConversationDetails($id: ID!) {\n  conversation(id: $id) {\n    ...ChatConversationFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Conversation($id: ID!, $last: Int, $before: Int) {\n  conversation(id: $id) {\n    ...ChatConversationFields\n    messages(last: $last, before: $before) {\n      ...MessageFields\n    }\n  }\n}"): (typeof documents)["query Conversation($id: ID!, $last: Int, $before: Int) {\n  conversation(id: $id) {\n    ...ChatConversationFields\n    messages(last: $last, before: $before) {\n      ...MessageFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation EditLastMessage($conversationId: ID!, $content: String!, $model: String) {\n  editLastMessage(\n    conversationId: $conversationId\n    content: $content\n    model: $model\n  ) {\n    conversation {\n      ...ChatConversationFields\n    }\n    userMessage {\n      ...MessageFields\n    }\n    message {\n      ...MessageFields\n    }\n  }\n}"): (typeof documents)["mutation EditLastMessage($conversationId: ID!, $content: String!, $model: String) {\n  editLastMessage(\n    conversationId: $conversationId\n    content: $content\n    model: $model\n  ) {\n    conversation {\n      ...ChatConversationFields\n    }\n    userMessage {\n      ...MessageFields\n    }\n    message {\n      ...MessageFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment MessageFields on Message {\n  id\n  conversationId\n  seq\n  role\n  content\n  state\n  model\n  tokensIn\n  tokensOut\n  cost\n  error\n  cached\n  citations {\n    documentId\n    documentName\n    chunk\n  }\n  createdAt\n  completedAt\n}"): (typeof documents)["fragment MessageFields on Message {\n  id\n  conversationId\n  seq\n  role\n  content\n  state\n  model\n  tokensIn\n  tokensOut\n  cost\n  error\n  cached\n  citations {\n    documentId\n    documentName\n    chunk\n  }\n  createdAt\n  completedAt\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription MessageStream($messageId: ID!, $offset: Int) {\n  messageStream(messageId: $messageId, offset: $offset) {\n    messageId\n    offset\n    text\n    done\n    state\n    error\n    message {\n      ...MessageFields\n    }\n  }\n}"): (typeof documents)["subscription MessageStream($messageId: ID!, $offset: Int) {\n  messageStream(messageId: $messageId, offset: $offset) {\n    messageId\n    offset\n    text\n    done\n    state\n    error\n    message {\n      ...MessageFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Message($id: ID!) {\n  message(id: $id) {\n    ...MessageFields\n  }\n}"): (typeof documents)["query Message($id: ID!) {\n  message(id: $id) {\n    ...MessageFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Regenerate($conversationId: ID!, $model: String) {\n  regenerate(conversationId: $conversationId, model: $model) {\n    conversation {\n      ...ChatConversationFields\n    }\n    userMessage {\n      ...MessageFields\n    }\n    message {\n      ...MessageFields\n    }\n  }\n}"): (typeof documents)["mutation Regenerate($conversationId: ID!, $model: String) {\n  regenerate(conversationId: $conversationId, model: $model) {\n    conversation {\n      ...ChatConversationFields\n    }\n    userMessage {\n      ...MessageFields\n    }\n    message {\n      ...MessageFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SendMessage($input: SendMessageInput!) {\n  sendMessage(input: $input) {\n    conversation {\n      ...ChatConversationFields\n    }\n    userMessage {\n      ...MessageFields\n    }\n    message {\n      ...MessageFields\n    }\n  }\n}"): (typeof documents)["mutation SendMessage($input: SendMessageInput!) {\n  sendMessage(input: $input) {\n    conversation {\n      ...ChatConversationFields\n    }\n    userMessage {\n      ...MessageFields\n    }\n    message {\n      ...MessageFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation StopGeneration($messageId: ID!) {\n  stopGeneration(messageId: $messageId) {\n    ...MessageFields\n  }\n}"): (typeof documents)["mutation StopGeneration($messageId: ID!) {\n  stopGeneration(messageId: $messageId) {\n    ...MessageFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment ConversationSummary on Conversation {\n  id\n  title\n  model\n  createdAt\n  updatedAt\n  messageCount\n  tokensIn\n  tokensOut\n  cost\n}"): (typeof documents)["fragment ConversationSummary on Conversation {\n  id\n  title\n  model\n  createdAt\n  updatedAt\n  messageCount\n  tokensIn\n  tokensOut\n  cost\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Conversations($first: Int, $after: String) {\n  conversations(first: $first, after: $after) {\n    nodes {\n      ...ConversationSummary\n    }\n    pageInfo {\n      endCursor\n      hasNextPage\n    }\n  }\n}"): (typeof documents)["query Conversations($first: Int, $after: String) {\n  conversations(first: $first, after: $after) {\n    nodes {\n      ...ConversationSummary\n    }\n    pageInfo {\n      endCursor\n      hasNextPage\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteConversation($id: ID!) {\n  deleteConversation(id: $id)\n}"): (typeof documents)["mutation DeleteConversation($id: ID!) {\n  deleteConversation(id: $id)\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RenameConversation($id: ID!, $title: String!) {\n  renameConversation(id: $id, title: $title) {\n    ...ConversationSummary\n  }\n}"): (typeof documents)["mutation RenameConversation($id: ID!, $title: String!) {\n  renameConversation(id: $id, title: $title) {\n    ...ConversationSummary\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query SearchConversations($query: String!, $first: Int) {\n  searchConversations(query: $query, first: $first) {\n    conversation {\n      ...ConversationSummary\n    }\n    messageId\n    snippet\n    rank\n  }\n}"): (typeof documents)["query SearchConversations($query: String!, $first: Int) {\n  searchConversations(query: $query, first: $first) {\n    conversation {\n      ...ConversationSummary\n    }\n    messageId\n    snippet\n    rank\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query AiDocuments {\n  aiDocuments {\n    ...DocumentFields\n  }\n}"): (typeof documents)["query AiDocuments {\n  aiDocuments {\n    ...DocumentFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteAiDocument($id: ID!) {\n  deleteAiDocument(id: $id)\n}"): (typeof documents)["mutation DeleteAiDocument($id: ID!) {\n  deleteAiDocument(id: $id)\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment DocumentFields on AiDocument {\n  id\n  name\n  contentType\n  size\n  chunkCount\n  embeddingModel\n  createdAt\n}"): (typeof documents)["fragment DocumentFields on AiDocument {\n  id\n  name\n  contentType\n  size\n  chunkCount\n  embeddingModel\n  createdAt\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UploadDocument($name: String!, $content: String!, $contentType: String) {\n  uploadDocument(name: $name, content: $content, contentType: $contentType) {\n    ...DocumentFields\n  }\n}"): (typeof documents)["mutation UploadDocument($name: String!, $content: String!, $contentType: String) {\n  uploadDocument(name: $name, content: $content, contentType: $contentType) {\n    ...DocumentFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query AiLimits {\n  aiLimits {\n    role\n    messagesPerMinute\n    messagesLeft\n    tokensPerDay\n    tokensToday\n    tokensResetAt\n  }\n}"): (typeof documents)["query AiLimits {\n  aiLimits {\n    role\n    messagesPerMinute\n    messagesLeft\n    tokensPerDay\n    tokensToday\n    tokensResetAt\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;