package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// Endpoints: HTTPS only, to a public address. AllowLoopback (the server's -webhooks-allow-loopback, for
// development and tests) also takes http:// and loopback addresses; private, link-local and other
// special addresses are never taken. The address is checked when a subscription is saved and again on
// every connection, against the address actually dialled, so a name that later resolves elsewhere (DNS
// rebinding) is refused at delivery.
type Endpoints struct {
	AllowLoopback bool
}

// CheckURL is the save-time check of an endpoint URL; the message says what is wrong.
func (e Endpoints) CheckURL(raw string) error {
	if len(raw) > 2000 {
		return errors.New("is longer than 2000 characters")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return errors.New("is not an absolute URL")
	}
	switch {
	case u.User != nil:
		return errors.New("must not carry a user name or password")
	case u.Fragment != "":
		return errors.New("must not have a #fragment")
	case u.Scheme == "https":
	case u.Scheme == "http" && e.AllowLoopback:
	default:
		return errors.New("must be https://")
	}
	if ip, err := netip.ParseAddr(u.Hostname()); err == nil {
		if !e.allowed(ip) {
			return fmt.Errorf("points at %s, which is not a public address", ip)
		}
	} else if u.Hostname() == "localhost" && !e.AllowLoopback {
		return errors.New("points at localhost")
	}
	return nil
}

func (e Endpoints) allowed(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.IsLoopback() {
		return e.AllowLoopback
	}
	return ip.IsGlobalUnicast() && !ip.IsPrivate() && !isSpecial(ip)
}

// isSpecial: shared address space (100.64/10), benchmarking (198.18/15), documentation and the like, which
// IsGlobalUnicast lets through.
func isSpecial(ip netip.Addr) bool {
	for _, p := range special {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

var special = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("192.0.0.0/24"), netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"), netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"), netip.MustParsePrefix("2001:db8::/32"), netip.MustParsePrefix("64:ff9b::/96"),
}

// DialContext dials like net.Dialer but refuses, per connection, an address the rules above do not allow.
func (e Endpoints) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: 10 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return err
		}
		if !e.allowed(ap.Addr()) {
			return fmt.Errorf("webhook endpoint resolves to %s, which is not a public address", ap.Addr())
		}
		return nil
	}}
	return d.DialContext(ctx, network, addr)
}
