/** Returns the current access token, or null when signed out. Called for every request. */
export type TokenGetter = () => string | null | undefined;

/**
 * What the shell hands to every remote so it can build its own client for its slice:
 * the GraphQL endpoint (same origin as the page, e.g. "/graphql") and the token getter.
 */
export interface GraphqlClientConfig {
  /** HTTP endpoint, absolute or relative to the page. */
  url: string;
  /** WebSocket endpoint; derived from `url` and the page location when omitted. */
  wsUrl?: string;
  getToken: TokenGetter;
}

/** Props every remote's exposed root component accepts. */
export interface RemoteAppProps {
  client: GraphqlClientConfig;
}
