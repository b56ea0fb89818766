package graph

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Media types of GraphQL over HTTP (https://graphql.github.io/graphql-over-http/draft/).
const (
	MediaGraphQLResponse = "application/graphql-response+json"
	MediaJSON            = "application/json"
)

// HTTPTransport is GraphQL over HTTP as the GraphQL-over-HTTP draft has it, for GET (queries only) and POST
// with a JSON body; gqlgen's MultipartForm keeps file uploads. It replaces gqlgen's GET and POST, which
// answer 422 to a parse or validation error whatever the Accept, echo a body they cannot decode, and answer
// a mutation over GET with 406.
//
//   - The response is application/graphql-response+json when Accept prefers it, else application/json (also
//     with no Accept, or */*); when Accept allows neither: 406.
//   - A request that is not one well-formed GraphQL request (a POST body that is not a JSON object, a batch,
//     no query, a parameter of the wrong type) answers 400 BAD_REQUEST with a fixed message that quotes
//     nothing of the request. A POST that is neither JSON nor multipart answers 415.
//   - A GraphQL request error (parse, validation, unknown operation, variable coercion, our limits) answers
//     without a data entry: 200 as application/json (legacy clients read the errors), 400 as
//     application/graphql-response+json (403 when it is a permission refusal, such as introspection; 200 for
//     an automatic persisted query's PERSISTED_QUERY_NOT_FOUND).
//   - A mutation over GET answers 405 with Allow: POST, before anything runs.
//   - A request its caller's bucket does not hold (throttle.go) answers 429 THROTTLED with Retry-After.
//   - Anything that executed answers 200 with data, errors or not.
type HTTPTransport struct{}

var _ graphql.Transport = HTTPTransport{}

// Supports takes every GET and HEAD, and every POST that is not multipart (MultipartForm's): a POST with
// another content type is answered here with 415 rather than with gqlgen's "transport not supported".
func (HTTPTransport) Supports(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return true
	case http.MethodPost:
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		return mt != "multipart/form-data"
	}
	return false
}

func (HTTPTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Add("Vary", "Accept")
	media, ok := NegotiateMedia(r.Header.Get("Accept"))
	if !ok {
		writeRefusal(w, MediaJSON, http.StatusNotAcceptable, "NOT_ACCEPTABLE",
			"the Accept header allows neither "+MediaGraphQLResponse+" nor "+MediaJSON)
		return
	}
	start := graphql.Now()
	var params *graphql.RawParams
	var bad *refusal
	if r.Method == http.MethodPost {
		params, bad = readPOST(r)
	} else {
		params, bad = readGET(r)
	}
	if bad != nil {
		writeRefusal(w, media, bad.status, bad.code, bad.message)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	// As gqlgen's own transports do: parse, validate and run the limits, then execute.
	ctx := r.Context()
	opCtx, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs) // the error presenter's codes
		status := http.StatusOK
		if media == MediaGraphQLResponse {
			status = requestErrorStatus(resp.Errors)
		}
		writeJSON(w, media, status, requestErrors{Errors: resp.Errors, Extensions: resp.Extensions})
		return
	}
	if r.Method != http.MethodPost && opCtx.Operation.Operation != ast.Query {
		w.Header().Set("Allow", http.MethodPost)
		writeRefusal(w, media, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED",
			"a GET request runs queries only; send a "+string(opCtx.Operation.Operation)+" with POST")
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	resp := responses(ctx)
	if resp == nil {
		writeRefusal(w, media, http.StatusInternalServerError, CodeInternal, "internal error: no response")
		return
	}
	if wait, ok := throttledFor(resp); ok {
		if wait > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(wait))
		}
		writeJSON(w, media, http.StatusTooManyRequests, requestErrors{Errors: resp.Errors, Extensions: resp.Extensions})
		return
	}
	writeJSON(w, media, http.StatusOK, resp)
}

// throttledFor reports whether resp is a throttle refusal (nothing ran), and its wait in seconds (0: never).
func throttledFor(resp *graphql.Response) (wait int, ok bool) {
	if resp.Data != nil || len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != CodeThrottled {
		return 0, false
	}
	wait, _ = resp.Errors[0].Extensions["retryAfterSeconds"].(int)
	return wait, true
}

// requestErrorStatus is the status of a request error answered as application/graphql-response+json: 403 when
// every error is a permission refusal, else 400. PERSISTED_QUERY_NOT_FOUND is 200: it is a step of the APQ
// protocol (the client sends the text next), not a failure, and browsers log every 4xx as one.
func requestErrorStatus(errs gqlerror.List) int {
	if len(errs) == 1 && errs[0].Extensions["code"] == CodePersistedQueryNotFound {
		return http.StatusOK
	}
	for _, e := range errs {
		if e.Extensions["code"] != CodeForbidden {
			return http.StatusBadRequest
		}
	}
	return http.StatusForbidden
}

// NegotiateMedia picks the response media type from an Accept header: the type with the higher q, where
// each type takes the q of the most specific range that matches it (exact, then application/*, then */*).
// On a tie application/graphql-response+json wins only when named exactly, so */* and no Accept at all mean
// application/json, as the spec asks until its watershed. Ranges with a charset other than utf-8 do not
// count. ok is false when neither type is acceptable.
func NegotiateMedia(accept string) (media string, ok bool) {
	if strings.TrimSpace(accept) == "" {
		return MediaJSON, true
	}
	type match struct {
		q           float64
		specificity int // 0: no range matched
	}
	var gr, js match
	for _, part := range strings.Split(accept, ",") {
		mt, p, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if cs, has := p["charset"]; has && !strings.EqualFold(cs, "utf-8") {
			continue
		}
		q := 1.0
		if s, has := p["q"]; has {
			if q, err = strconv.ParseFloat(s, 64); err != nil || q < 0 || q > 1 {
				continue
			}
		}
		for _, t := range []struct {
			m    *match
			name string
		}{{&gr, MediaGraphQLResponse}, {&js, MediaJSON}} {
			s := 0
			switch mt {
			case t.name:
				s = 3
			case "application/*":
				s = 2
			case "*/*":
				s = 1
			}
			if s > t.m.specificity {
				*t.m = match{q: q, specificity: s}
			}
		}
	}
	switch {
	case gr.q <= 0 && js.q <= 0:
		return "", false
	case gr.q > js.q || (gr.q == js.q && gr.specificity == 3):
		return MediaGraphQLResponse, true
	}
	return MediaJSON, true
}

// refusal is a request that is not a well-formed GraphQL-over-HTTP request. Its message is fixed text that
// never quotes the request.
type refusal struct {
	status  int
	code    string
	message string
}

func badRequest(msg string) *refusal {
	return &refusal{status: http.StatusBadRequest, code: "BAD_REQUEST", message: msg}
}

// readGET reads query, operationName, and variables and extensions (JSON objects) from the URL. A GET needs no
// Content-Type.
func readGET(r *http.Request) (*graphql.RawParams, *refusal) {
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, badRequest("the URL query string is malformed")
	}
	for _, name := range []string{"query", "operationName", "variables", "extensions"} {
		if len(values[name]) > 1 {
			return nil, badRequest("the parameter " + name + " is given more than once")
		}
	}
	p := &graphql.RawParams{Query: values.Get("query"), OperationName: values.Get("operationName")}
	var bad *refusal
	if p.Variables, bad = jsonObject([]byte(values.Get("variables")), "variables"); bad != nil {
		return nil, bad
	}
	if p.Extensions, bad = jsonObject([]byte(values.Get("extensions")), "extensions"); bad != nil {
		return nil, bad
	}
	if !values.Has("query") && !persisted(p) {
		return nil, badRequest("the request has no query parameter (nor an extensions.persistedQuery)")
	}
	return p, nil
}

// readPOST reads a JSON body {query, operationName, variables, extensions}; other members are ignored. The
// server's limitBody has already bounded it.
func readPOST(r *http.Request) (*graphql.RawParams, *refusal) {
	mt, mp, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != MediaJSON {
		// Also what keeps cross-site forms out: text/plain and form encodings need no CORS preflight.
		return nil, &refusal{status: http.StatusUnsupportedMediaType, code: "UNSUPPORTED_MEDIA_TYPE",
			message: "a POST needs Content-Type: " + MediaJSON + " (or multipart/form-data for a file upload)"}
	}
	if cs, has := mp["charset"]; has && !strings.EqualFold(cs, "utf-8") {
		return nil, &refusal{status: http.StatusUnsupportedMediaType, code: "UNSUPPORTED_MEDIA_TYPE",
			message: "the request body must be UTF-8"}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, badRequest("could not read the request body")
	}
	body = bytes.TrimSpace(body)
	var members map[string]json.RawMessage
	switch {
	case len(body) == 0:
		return nil, badRequest("the request body is empty: send a JSON object with a query")
	case body[0] != '{' || json.Unmarshal(body, &members) != nil:
		// Only a refused body is scanned again, to say why: a large good body is read once here.
		if !json.Valid(body) { // also what refuses JSON nested deeper than encoding/json's 10000 levels
			return nil, badRequest("the request body is not JSON, or nests deeper than 10000 levels")
		}
		return nil, badRequest(`the request body must be one JSON object {"query": …, "variables": …, "operationName": …}; batches are not accepted`)
	}
	p := &graphql.RawParams{}
	q, hasQuery := members["query"]
	if hasQuery && isNull(q) {
		hasQuery = false // as if left out: allowed with a persisted query only
	}
	if hasQuery && (json.Unmarshal(q, &p.Query) != nil || q[0] != '"') {
		return nil, badRequest(`"query" must be a string`)
	}
	if name, has := members["operationName"]; has && !isNull(name) {
		if name[0] != '"' || json.Unmarshal(name, &p.OperationName) != nil {
			return nil, badRequest(`"operationName" must be a string or null`)
		}
	}
	var bad *refusal
	if p.Variables, bad = jsonObject(members["variables"], "variables"); bad != nil {
		return nil, bad
	}
	if p.Extensions, bad = jsonObject(members["extensions"], "extensions"); bad != nil {
		return nil, bad
	}
	if !hasQuery && !persisted(p) {
		return nil, badRequest(`"query" must be a string (it may be left out only with extensions.persistedQuery)`)
	}
	return p, nil
}

// persisted: the request names a persisted query (apq.go), so it may come without its text.
func persisted(p *graphql.RawParams) bool {
	_, has := p.Extensions["persistedQuery"]
	return has
}

// jsonObject decodes a JSON object, numbers as json.Number as gqlgen expects; absent, empty or null is none.
func jsonObject(raw []byte, name string) (map[string]any, *refusal) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || isNull(raw) {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if raw[0] != '{' || dec.Decode(&m) != nil || dec.More() {
		return nil, badRequest(`"` + name + `" must be an object or null`)
	}
	return m, nil
}

func isNull(raw []byte) bool { return string(raw) == "null" }

// requestErrors is the answer to a request error: errors, and no data entry at all.
type requestErrors struct {
	Errors     gqlerror.List  `json:"errors"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

func writeRefusal(w http.ResponseWriter, media string, status int, code, msg string) {
	writeJSON(w, media, status, requestErrors{Errors: gqlerror.List{{Message: msg, Extensions: map[string]any{"code": code}}}})
}

func writeJSON(w http.ResponseWriter, media string, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"errors":[{"message":"internal error: the response could not be encoded","extensions":{"code":"INTERNAL"}}]}`)
	}
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
