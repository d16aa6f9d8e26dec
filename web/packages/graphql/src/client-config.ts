/** Returns the current access token, or null when signed out. Called for every request. */
export type TokenGetter = () => string | null | undefined;

/**
 * Gets a new access token after the server refused the current one (HTTP 401, or the
 * websocket closed with 4401/4403). Resolves the new token, or null when none can be had
 * (the session has ended and the user is signed out, or the auth service did not answer).
 * The shell shares one refresh among concurrent callers.
 */
export type TokenRefresher = () => Promise<string | null>;

/**
 * What the shell hands to every remote so it can build its own client for its slice:
 * the GraphQL endpoint (same origin as the page, e.g. "/graphql"), the token getter and
 * the refresher.
 */
export interface GraphqlClientConfig {
  /** HTTP endpoint, absolute or relative to the page. */
  url: string;
  /** WebSocket endpoint; derived from `url` and the page location when omitted. */
  wsUrl?: string;
  getToken: TokenGetter;
  /**
   * When given, a request refused with HTTP 401 is sent once more with a refreshed token,
   * and a websocket closed for its token (4401/4403) refreshes once before reconnecting.
   */
  refresh?: TokenRefresher;
}

/** Props every remote's exposed root component accepts. */
export interface RemoteAppProps {
  client: GraphqlClientConfig;
}
