// Package smtptest runs a real SMTP server on loopback for tests: EHLO,
// STARTTLS with a self-signed certificate, AUTH PLAIN, MAIL, RCPT and DATA.
// Tests read the messages it accepted and can make it refuse them.
package smtptest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// Mail is one message the test SMTP server accepted.
type Mail struct {
	From, To, Data string
	TLS, Authed    bool
}

// Server is a running test SMTP server.
type Server struct {
	ln   net.Listener
	cert tls.Certificate
	// Pool trusts the server's certificate; CertPEM is the same certificate in PEM.
	Pool    *x509.CertPool
	CertPEM []byte
	user    string
	pass    string
	mu      sync.Mutex
	mails   []Mail
	reject  bool
}

// New starts a server that accepts the given user and password.
func New(t testing.TB, user, pass string) *Server {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{ln: ln, cert: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, Pool: pool, user: user, pass: pass,
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
	go s.serve()
	t.Cleanup(func() { ln.Close() })
	return s
}

// Addr returns the server's host and port.
func (s *Server) Addr() (string, int) {
	a := s.ln.Addr().(*net.TCPAddr)
	return a.IP.String(), a.Port
}

// Received returns the messages accepted so far.
func (s *Server) Received() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail{}, s.mails...)
}

// Reject makes the server refuse (or accept again) every message with a temporary error.
func (s *Server) Reject(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reject = on
}

func (s *Server) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.session(c)
	}
}

func (s *Server) session(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(c)
	var m Mail
	tp.PrintfLine("220 127.0.0.1 test SMTP ready")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch verb {
		case "EHLO", "HELO":
			if m.TLS {
				tp.PrintfLine("250-127.0.0.1")
				tp.PrintfLine("250 AUTH PLAIN")
			} else {
				tp.PrintfLine("250-127.0.0.1")
				tp.PrintfLine("250 STARTTLS")
			}
		case "STARTTLS":
			tp.PrintfLine("220 go ahead")
			tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{s.cert}})
			if err := tc.Handshake(); err != nil {
				return
			}
			c = tc
			tp = textproto.NewConn(tc)
			m = Mail{TLS: true}
		case "AUTH":
			parts := strings.Fields(line)
			raw, _ := base64.StdEncoding.DecodeString(parts[len(parts)-1])
			f := strings.Split(string(raw), "\x00")
			if !m.TLS || len(f) != 3 || f[1] != s.user || f[2] != s.pass {
				tp.PrintfLine("535 authentication failed")
				continue
			}
			m.Authed = true
			tp.PrintfLine("235 ok")
		case "MAIL":
			if !m.Authed {
				tp.PrintfLine("530 authentication required")
				continue
			}
			m.From = line
			tp.PrintfLine("250 ok")
		case "RCPT":
			m.To = strings.Trim(line[strings.Index(line, ":")+1:], " <>")
			tp.PrintfLine("250 ok")
		case "DATA":
			s.mu.Lock()
			reject := s.reject
			s.mu.Unlock()
			if reject {
				tp.PrintfLine("451 try again later")
				continue
			}
			tp.PrintfLine("354 go on")
			r := bufio.NewReader(tp.DotReader())
			var b strings.Builder
			r.WriteTo(&b)
			m.Data = b.String()
			s.mu.Lock()
			s.mails = append(s.mails, m)
			s.mu.Unlock()
			tp.PrintfLine("250 queued")
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("250 ok")
		}
	}
}
