package token

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// EncryptionKeySize is the size of JWT_KEY_ENCRYPTION_KEY once decoded (AES-256).
const EncryptionKeySize = 32

// ParseEncryptionKey decodes JWT_KEY_ENCRYPTION_KEY: base64 (standard or URL
// alphabet, padded or not) of 32 bytes, as printed by `openssl rand -base64 32`.
func ParseEncryptionKey(s string) ([]byte, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(s); err == nil {
			if len(key) != EncryptionKeySize {
				return nil, fmt.Errorf("token: JWT_KEY_ENCRYPTION_KEY holds %d bytes, want %d (make one with: openssl rand -base64 32)", len(key), EncryptionKeySize)
			}
			return key, nil
		}
	}
	return nil, errors.New("token: JWT_KEY_ENCRYPTION_KEY is not base64 (make one with: openssl rand -base64 32)")
}

// newAEAD returns AES-256-GCM keyed with key.
func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != EncryptionKeySize {
		return nil, fmt.Errorf("token: the encryption key has %d bytes, want %d", len(key), EncryptionKeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	return cipher.NewGCM(block)
}

// sealAAD binds a sealed private key to its kid, so sealed values cannot be
// swapped between rows.
func sealAAD(kid string) []byte { return []byte("fedstack signing key " + kid) }

// seal encrypts a PKCS#8 key: nonce || ciphertext.
func seal(aead cipher.AEAD, kid string, der []byte) ([]byte, error) {
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(der)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	return aead.Seal(nonce, nonce, der, sealAAD(kid)), nil
}

// unseal is the inverse of seal.
func unseal(aead cipher.AEAD, kid string, sealed []byte) ([]byte, error) {
	if aead == nil {
		return nil, fmt.Errorf("token: signing key %s is encrypted: set JWT_KEY_ENCRYPTION_KEY to the key it was encrypted with", kid)
	}
	if len(sealed) < aead.NonceSize()+aead.Overhead() {
		return nil, fmt.Errorf("token: signing key %s: the encrypted value is truncated", kid)
	}
	n := aead.NonceSize()
	der, err := aead.Open(nil, sealed[:n], sealed[n:], sealAAD(kid))
	if err != nil {
		return nil, fmt.Errorf("token: signing key %s cannot be decrypted: JWT_KEY_ENCRYPTION_KEY is not the key it was encrypted with", kid)
	}
	return der, nil
}
