// Package clientip finds the address of the client behind the proxies a request
// passed (the edge, the router), trusting X-Forwarded-For only as far as the hops
// that wrote it are trusted.
package clientip

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// DefaultTrusted is the development default of TRUSTED_PROXIES: loopback only.
const DefaultTrusted = "127.0.0.0/8,::1/128"

// Resolver resolves client addresses. The zero value trusts no proxy.
type Resolver struct {
	trusted []netip.Prefix
}

// Parse reads a comma-separated list of addresses and CIDR prefixes
// ("127.0.0.0/8, 10.0.0.0/8, ::1"). An empty list trusts no proxy.
func Parse(list string) (*Resolver, error) {
	r := &Resolver{}
	for item := range strings.SplitSeq(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if !strings.Contains(item, "/") {
			a, err := netip.ParseAddr(item)
			if err != nil {
				return nil, fmt.Errorf("TRUSTED_PROXIES: %q is neither an address nor a CIDR prefix", item)
			}
			r.trusted = append(r.trusted, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(item)
		if err != nil {
			return nil, fmt.Errorf("TRUSTED_PROXIES: %q is neither an address nor a CIDR prefix", item)
		}
		r.trusted = append(r.trusted, p.Masked())
	}
	return r, nil
}

// MustParse is Parse for constant lists; it panics on an error.
func MustParse(list string) *Resolver {
	r, err := Parse(list)
	if err != nil {
		panic(err)
	}
	return r
}

// Trusts reports whether addr is a trusted proxy.
func (r *Resolver) Trusts(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range r.trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// IP returns the client's address: the peer of the connection, or, while that peer
// is a trusted proxy, the hop before it in X-Forwarded-For (read right to left).
// It returns "" only when RemoteAddr is not an address (in-memory tests).
func (r *Resolver) IP(req *http.Request) string {
	peer, ok := remoteAddr(req.RemoteAddr)
	if !ok {
		return ""
	}
	if !r.Trusts(peer) {
		return peer.String()
	}
	hops := req.Header.Values("X-Forwarded-For")
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(parts[j]))
			if err != nil {
				return client.String() // a garbled hop: stop at the last good one
			}
			client = a.Unmap()
			if !r.Trusts(client) {
				return client.String()
			}
		}
	}
	return client.String()
}

func remoteAddr(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	return netip.Addr{}, false
}

// PeerTrusted reports whether the request's direct peer is a trusted proxy, so
// that its X-Forwarded-Host and X-Forwarded-Proto may be believed.
func (r *Resolver) PeerTrusted(req *http.Request) bool {
	peer, ok := remoteAddr(req.RemoteAddr)
	return ok && r.Trusts(peer)
}
