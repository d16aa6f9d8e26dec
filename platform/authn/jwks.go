package authn

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// JWK is one public key of a JSON Web Key Set (RFC 7517), limited to the key types used here:
// OKP/Ed25519 (alg EdDSA) and EC/P-256 (alg ES256).
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y,omitempty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// JWKS is a JSON Web Key Set document: {"keys":[...]}.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

var b64 = base64.RawURLEncoding

// PublicJWK describes pub as a JWK with use "sig": an ed25519.PublicKey becomes OKP/Ed25519
// with alg EdDSA, an *ecdsa.PublicKey on P-256 becomes EC/P-256 with alg ES256.
func PublicJWK(kid string, pub crypto.PublicKey) (JWK, error) {
	if kid == "" {
		return JWK{}, errors.New("authn: a JWK needs a kid")
	}
	switch k := pub.(type) {
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return JWK{}, fmt.Errorf("authn: Ed25519 public key has %d bytes, want %d", len(k), ed25519.PublicKeySize)
		}
		return JWK{Kty: "OKP", Crv: "Ed25519", X: b64.EncodeToString(k), Kid: kid, Alg: "EdDSA", Use: "sig"}, nil
	case *ecdsa.PublicKey:
		if k == nil || k.Curve != elliptic.P256() {
			return JWK{}, errors.New("authn: only P-256 ECDSA keys are supported (ES256)")
		}
		point, err := k.Bytes() // 0x04 || X(32) || Y(32)
		if err != nil {
			return JWK{}, fmt.Errorf("authn: encoding P-256 key: %w", err)
		}
		return JWK{Kty: "EC", Crv: "P-256", X: b64.EncodeToString(point[1:33]), Y: b64.EncodeToString(point[33:65]), Kid: kid, Alg: "ES256", Use: "sig"}, nil
	default:
		return JWK{}, fmt.Errorf("authn: unsupported public key type %T (use ed25519.PublicKey or a P-256 *ecdsa.PublicKey)", pub)
	}
}

// PublicKey returns the key a JWK describes (ed25519.PublicKey or *ecdsa.PublicKey).
func (j JWK) PublicKey() (crypto.PublicKey, error) {
	switch {
	case j.Kty == "OKP" && j.Crv == "Ed25519":
		x, err := b64.DecodeString(j.X)
		if err != nil || len(x) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("authn: JWK %q: x is not a base64url Ed25519 public key", j.Kid)
		}
		return ed25519.PublicKey(x), nil
	case j.Kty == "EC" && j.Crv == "P-256":
		x, errX := b64.DecodeString(j.X)
		y, errY := b64.DecodeString(j.Y)
		if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
			return nil, fmt.Errorf("authn: JWK %q: x and y must be 32-byte base64url coordinates", j.Kid)
		}
		point := append(append([]byte{4}, x...), y...)
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
		if err != nil {
			return nil, fmt.Errorf("authn: JWK %q: %w", j.Kid, err)
		}
		return pub, nil
	default:
		return nil, fmt.Errorf("authn: JWK %q: unsupported key type kty=%q crv=%q", j.Kid, j.Kty, j.Crv)
	}
}

// ParseJWKS parses a JWKS document into public keys by kid. Keys of other types (RSA, ...) and
// keys whose use is not "sig" are skipped; a malformed key of a supported type, or a key
// without kid, is an error.
func ParseJWKS(data []byte) (map[string]crypto.PublicKey, error) {
	var set JWKS
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("authn: JWKS is not valid JSON: %w", err)
	}
	keys := make(map[string]crypto.PublicKey, len(set.Keys))
	for _, j := range set.Keys {
		if j.Use != "" && j.Use != "sig" {
			continue
		}
		if (j.Kty != "OKP" || j.Crv != "Ed25519") && (j.Kty != "EC" || j.Crv != "P-256") {
			continue
		}
		if j.Kid == "" {
			return nil, errors.New("authn: JWKS has a key without kid")
		}
		pub, err := j.PublicKey()
		if err != nil {
			return nil, err
		}
		keys[j.Kid] = pub
	}
	return keys, nil
}
