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

// previousKeys are TRADEGUARD_JWT_PREVIOUS_KEYS: the keys rotated out, comma-separated, each like
// TRADEGUARD_JWT_KEY.
func previousKeys(cfg config) ([][]byte, error) {
	var keys [][]byte
	for i, s := range strings.Split(cfg.JWTPreviousKeys, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		k, err := decodeKey(s)
		if err != nil {
			return nil, fmt.Errorf("TRADEGUARD_JWT_PREVIOUS_KEYS, key %d: %w", i+1, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
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
