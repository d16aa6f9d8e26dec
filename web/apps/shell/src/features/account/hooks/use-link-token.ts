import { useEffect } from 'react';
import { useLocation, useNavigate } from 'react-router';

/** Set on the history entry once its token has been moved from the address into memory. */
interface LinkTokenState {
  mailLinkToken?: boolean;
}

// The token read from the address, in memory only, so that the page still has it when it
// is mounted again on the same history entry (e.g. after the layout's loading state).
let carried: { pathname: string; token: string } | null = null;

/**
 * The `token` of a mailed link (`/verify-email?token=…`, `/reset-password?token=…`), or null
 * when the address has none. Once read, the token is taken out of the address bar
 * (history.replaceState, through the router), so it does not stay in the history, in
 * bookmarks or in what the user copies; the page keeps it in memory. After a reload the
 * token is gone: the user opens the link from the mail again.
 */
export function useLinkToken(): string | null {
  const location = useLocation();
  const navigate = useNavigate();
  const fromAddress = new URLSearchParams(location.search).get('token');
  const marked = (location.state as LinkTokenState | null)?.mailLinkToken === true;

  useEffect(() => {
    if (fromAddress === null) return;
    const token = fromAddress.trim();
    carried = token ? { pathname: location.pathname, token } : null;
    const rest = new URLSearchParams(location.search);
    rest.delete('token');
    const search = rest.toString();
    void navigate(
      { pathname: location.pathname, search: search ? `?${search}` : '', hash: location.hash },
      { replace: true, state: { mailLinkToken: true } satisfies LinkTokenState },
    );
  }, [fromAddress, location.pathname, location.search, location.hash, navigate]);

  if (fromAddress !== null) return fromAddress.trim() || null;
  if (marked && carried?.pathname === location.pathname) return carried.token;
  return null;
}
