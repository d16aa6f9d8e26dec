package authn

import "time"

// How an ended session reaches every router and subgraph before its access tokens expire:
// the auth subgraph sets RevokedSessionKeyPrefix+<session id> in Redis for
// RevokedSessionTTL, then publishes {"sessionId": …} on SessionTerminatedChannel.
const (
	SessionTerminatedChannel = "auth:session.terminated"
	RevokedSessionKeyPrefix  = "auth:session.revoked:"
	// RevokedSessionTTL outlives every access token of the session (15 minutes plus leeway).
	RevokedSessionTTL = 20 * time.Minute
)
