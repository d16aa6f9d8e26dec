/**
 * The graphql-ws endpoint for an HTTP GraphQL endpoint: same host and path, ws: or wss:
 * by the page's scheme. "/graphql" on https://example.com gives wss://example.com/graphql.
 */
export function toWebSocketUrl(httpUrl: string, base: string = globalThis.location?.href ?? 'http://localhost/'): string {
  const url = new URL(httpUrl, base);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.hash = '';
  return url.toString();
}
