package mail

import "crypto/x509"

// SetRootCAs makes s trust pool instead of the system's roots (for test servers with a
// self-signed certificate).
func SetRootCAs(s *SMTPSender, pool *x509.CertPool) { s.rootCAs = pool }
