// Package notify sends compliance reminders by e-mail (SMTP with STARTTLS and
// authentication) and webhooks (plain JSON, or Slack- and Teams-shaped
// bodies). A Dispatcher decides which duties need a reminder and records
// every message in the database before sending it, so each goes out once
// even when several app instances share one PostgreSQL database; failures
// are retried later with backoff and never block the caller for long.
package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/smtp"
	"strconv"
	"strings"
	"time"
)

// Mailer sends e-mail through an SMTP server.
type Mailer struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string
	// Insecure allows a server without STARTTLS; only for a relay on this machine.
	Insecure bool
	// TLS, if set, configures STARTTLS (tests use it to trust their own server).
	TLS     *tls.Config
	Timeout time.Duration
}

// Send sends one plain-text message.
func (m *Mailer) Send(ctx context.Context, to, subject, body string) error {
	if m == nil || m.Host == "" {
		return fmt.Errorf("no SMTP server configured")
	}
	timeout := m.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	port := m.Port
	if port == 0 {
		port = 587
	}
	addr := net.JoinHostPort(m.Host, strconv.Itoa(port))
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("SMTP server %s: %w", addr, err)
	}
	_ = conn.SetDeadline(time.Now().Add(timeout))
	c, err := smtp.NewClient(conn, m.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("SMTP server %s: %w", addr, err)
	}
	defer c.Close()
	if err := c.Hello("safeguard"); err != nil {
		return fmt.Errorf("SMTP HELO: %w", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := m.TLS
		if cfg == nil {
			cfg = &tls.Config{ServerName: m.Host, MinVersion: tls.VersionTLS12}
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("SMTP STARTTLS: %w", err)
		}
	} else if !m.Insecure {
		return fmt.Errorf("SMTP server %s does not offer STARTTLS; refusing to send in the clear", addr)
	}
	if m.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, m.Host)); err != nil {
			return fmt.Errorf("SMTP authentication: %w", err)
		}
	}
	if err := c.Mail(m.From); err != nil {
		return fmt.Errorf("SMTP MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("SMTP RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("SMTP DATA: %w", err)
	}
	msg := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
		m.From, to, headerSafe(subject), time.Now().Format(time.RFC1123Z), strings.ReplaceAll(body, "\n", "\r\n"))
	if _, err := io.WriteString(w, msg); err != nil {
		return fmt.Errorf("SMTP DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("SMTP DATA: %w", err)
	}
	return c.Quit()
}

// headerSafe keeps a header value on one line.
func headerSafe(s string) string { return strings.NewReplacer("\r", " ", "\n", " ").Replace(s) }

// Webhook posts reminders as JSON.
type Webhook struct {
	Client *http.Client
}

// Send posts one reminder to url, shaped for style: "slack" ({"text": …}),
// "teams" (a MessageCard) or plain ({"subject", "body", "duties"}).
func (w *Webhook) Send(ctx context.Context, url, style, subject, body string, duties any) error {
	var payload any
	switch style {
	case "slack":
		payload = map[string]any{"text": "*" + subject + "*\n" + body}
	case "teams":
		payload = map[string]any{"@type": "MessageCard", "@context": "https://schema.org/extensions", "summary": subject, "title": subject, "text": strings.ReplaceAll(body, "\n", "\n\n")}
	default:
		payload = map[string]any{"subject": subject, "body": body, "duties": duties}
	}
	data, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: 20 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("webhook %s: %w", redactURL(url), err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "safeguard")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", redactURL(url), err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook %s answered %s", redactURL(url), resp.Status)
	}
	return nil
}

// redactURL keeps a webhook URL's host and drops its path, which often holds a secret.
func redactURL(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		rest := u[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			return u[:i+3] + rest[:j] + "/…"
		}
	}
	return u
}
