package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Automatic persisted queries (Apollo's APQ protocol, as gqlgen's extension.AutomaticPersistedQuery
// implements it): a client sends extensions.persistedQuery {version: 1, sha256Hash} without the query; if
// this process has not seen it, the answer is PERSISTED_QUERY_NOT_FOUND and the client sends the query with
// its hash once, which is checked and kept. This wrapper gives every malformed persistedQuery its own code
// (gqlgen's have none, and would reach the client as INTERNAL) and keeps only queries up to maxCachedQuery
// bytes (1000 one-megabyte queries would hold a gigabyte); a larger one runs, but is sent in full each time.
type persistedQueries struct {
	apq extension.AutomaticPersistedQuery
}

// Codes of the APQ protocol (PERSISTED_QUERY_NOT_FOUND is the one clients act on).
const (
	CodePersistedQueryNotFound = "PERSISTED_QUERY_NOT_FOUND"
	CodePersistedQueryInvalid  = "PERSISTED_QUERY_INVALID"
	CodePersistedQueryMismatch = "PERSISTED_QUERY_HASH_MISMATCH"
)

func newPersistedQueries() *persistedQueries {
	return &persistedQueries{apq: extension.AutomaticPersistedQuery{Cache: smallTexts{lru.New[string](1000)}}}
}

// smallTexts keeps query texts (keyed by their hash) up to maxCachedQuery bytes.
type smallTexts struct{ graphql.Cache[string] }

func (c smallTexts) Add(ctx context.Context, hash, text string) {
	if len(text) <= maxCachedQuery {
		c.Cache.Add(ctx, hash, text)
	}
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = (*persistedQueries)(nil)

func (*persistedQueries) ExtensionName() string { return "TradeguardPersistedQueries" }

func (p *persistedQueries) Validate(es graphql.ExecutableSchema) error { return p.apq.Validate(es) }

func (p *persistedQueries) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	pq, has := raw.Extensions["persistedQuery"]
	if !has || pq == nil {
		return nil
	}
	m, ok := pq.(map[string]any)
	if !ok {
		return apqError(CodePersistedQueryInvalid, "extensions.persistedQuery must be an object {version: 1, sha256Hash}")
	}
	if v, ok := m["version"].(json.Number); !ok || v.String() != "1" {
		return apqError(CodePersistedQueryInvalid, "extensions.persistedQuery.version must be 1 (the only version of the protocol)")
	}
	hash, ok := m["sha256Hash"].(string)
	if b, err := hex.DecodeString(hash); !ok || err != nil || len(b) != sha256.Size || hash != hex.EncodeToString(b) {
		return apqError(CodePersistedQueryInvalid, "extensions.persistedQuery.sha256Hash must be the query's SHA-256 as 64 lowercase hexadecimal digits")
	}
	if raw.Query != "" {
		if sum := sha256.Sum256([]byte(raw.Query)); hex.EncodeToString(sum[:]) != hash {
			return apqError(CodePersistedQueryMismatch, "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query sent with it")
		}
	}
	if err := p.apq.MutateOperationParameters(ctx, raw); err != nil {
		if raw.Query == "" {
			return apqError(CodePersistedQueryNotFound, "PersistedQueryNotFound")
		}
		return apqError(CodePersistedQueryInvalid, err.Message)
	}
	return nil
}

func apqError(code, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": code}}
}
