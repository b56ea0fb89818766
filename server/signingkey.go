package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// signingKey is TRADEGUARD_JWT_KEY (hex or base64, at least 32 bytes), or in development a random key kept in
// the data directory so tokens survive a restart.
func signingKey(cfg config) ([]byte, error) {
	if cfg.JWTKey != "" {
		return decodeKey(cfg.JWTKey)
	}
	path := filepath.Join(cfg.DataDir, "jwt-signing.key")
	if b, err := os.ReadFile(path); err == nil {
		return decodeKey(strings.TrimSpace(string(b)))
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, err
	}
	return key, nil
}

func decodeKey(s string) ([]byte, error) {
	if b, err := hex.DecodeString(s); err == nil && len(b) >= 32 {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) >= 32 {
		return b, nil
	}
	return nil, fmt.Errorf("TRADEGUARD_JWT_KEY must be at least 32 bytes, hex or base64")
}
