package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestAcceptsGzip(t *testing.T) {
	for _, c := range []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"gzip, deflate, br", true},
		{"br;q=1.0, GZIP;q=0.5", true},
		{"gzip;q=0", false},
		{"gzip;q=0.000", false},
		{"gzip; q=0.001", true},
		{"identity", false},
		{"*", true},
		{"*;q=0", false},
		{"deflate, x-gzip", false},
		{"gzip;q=nonsense", false},
	} {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		if c.header != "" {
			r.Header.Set("Accept-Encoding", c.header)
		}
		if got := acceptsGzip(r); got != c.want {
			t.Errorf("Accept-Encoding %q: acceptsGzip = %v, want %v", c.header, got, c.want)
		}
	}
}

// The portal's scripts and styles go gzipped to a browser that accepts it, the same bytes once unzipped,
// with their own type; a client that does not accept it gets them as they are.
func TestPortalAssetsGzipped(t *testing.T) {
	srvRequireBuild(t)
	h := setup(t)
	index := srvGet(t, h.URL+"/")
	for _, a := range srvAssets(t, index.Body) {
		if strings.HasPrefix(a, "/favicon") {
			continue
		}
		plain := srvGet(t, h.URL+a, "Accept-Encoding", "identity")
		if plain.Status != 200 || plain.Header.Get("Content-Encoding") != "" || plain.Header.Get("Vary") != "Accept-Encoding" {
			t.Fatalf("GET %s (identity): HTTP %d, Content-Encoding %q, Vary %q", a, plain.Status, plain.Header.Get("Content-Encoding"), plain.Header.Get("Vary"))
		}
		for range 2 { // compressed once, then served from the cache: the same both times
			zipped := srvGet(t, h.URL+a, "Accept-Encoding", "gzip, deflate, br")
			if zipped.Status != 200 || zipped.Header.Get("Content-Encoding") != "gzip" || zipped.Header.Get("Content-Type") != plain.Header.Get("Content-Type") {
				t.Fatalf("GET %s (gzip): HTTP %d, Content-Encoding %q, type %q (plain: %q)", a, zipped.Status,
					zipped.Header.Get("Content-Encoding"), zipped.Header.Get("Content-Type"), plain.Header.Get("Content-Type"))
			}
			zr, err := gzip.NewReader(bytes.NewReader(zipped.Body))
			if err != nil {
				t.Fatalf("GET %s: not gzip: %v", a, err)
			}
			body, err := io.ReadAll(zr)
			if err != nil || !bytes.Equal(body, plain.Body) {
				t.Fatalf("GET %s: the unzipped body (%d bytes, %v) is not the file (%d bytes)", a, len(body), err, len(plain.Body))
			}
			if len(plain.Body) > 10_000 && len(zipped.Body)*2 > len(plain.Body) {
				t.Errorf("GET %s: %d bytes gzipped from %d", a, len(zipped.Body), len(plain.Body))
			}
		}
	}
	// The icon is an image: sent as it is, whatever the client accepts.
	ico := srvGet(t, h.URL+"/favicon.ico", "Accept-Encoding", "gzip")
	if ico.Header.Get("Content-Encoding") != "" || !bytes.HasPrefix(ico.Body, []byte{0, 0, 1, 0}) {
		t.Errorf("GET /favicon.ico: Content-Encoding %q", ico.Header.Get("Content-Encoding"))
	}
}
