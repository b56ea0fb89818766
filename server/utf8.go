package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Text that is not UTF-8 is refused at the edge, naming where it is: Go's JSON decoder (and so gqlgen) would
// otherwise replace each bad byte with U+FFFD and store a text the client never sent.

// invalidText names the first place in a GraphQL request (JSON body, GET parameters, or the operations of a
// multipart upload) holding text that is not UTF-8, as a path like variables.input.name ("" when none).
// Its cost is one pass over what was sent, and a second only when something is wrong.
func invalidText(r *http.Request, body []byte) string {
	switch {
	case r.Method == http.MethodGet:
		for name, values := range r.URL.Query() {
			for _, v := range values {
				if utf8.ValidString(v) {
					continue
				}
				if name == "variables" || name == "extensions" {
					return prefixed(name, badUTF8Path([]byte(v)))
				}
				return name
			}
		}
	case isMultipart(r):
		_, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			part, err := mr.NextPart()
			if err != nil {
				return "" // a malformed form is the transport's to refuse
			}
			if name := part.FormName(); name == "operations" || name == "map" {
				raw, _ := io.ReadAll(part)
				if !utf8.Valid(raw) {
					return prefixed(name, badUTF8Path(raw))
				}
			}
		}
	case !utf8.Valid(body):
		return badUTF8Path(body)
	}
	return ""
}

func prefixed(prefix, path string) string {
	if path == "" {
		return prefix
	}
	return prefix + "." + path
}

// badUTF8Path walks JSON token by token and names the key or value whose bytes are not UTF-8.
func badUTF8Path(doc []byte) string {
	type frame struct {
		object bool
		key    string // objects: the current member's name
		index  int    // arrays: the current element
		inKey  bool   // objects: the next string is a member name
	}
	var stack []frame
	path := func(extra string) string {
		var parts []string
		for _, f := range stack {
			if f.object {
				if f.key != "" {
					parts = append(parts, f.key)
				}
			} else {
				parts = append(parts, strconv.Itoa(f.index))
			}
		}
		if extra != "" {
			parts = append(parts, extra)
		}
		return strings.Join(parts, ".")
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	var prev int64
	for {
		tok, err := dec.Token()
		if err != nil {
			return path("")
		}
		raw := doc[prev:dec.InputOffset()]
		prev = dec.InputOffset()
		top := len(stack) - 1
		key, isKey := tok.(string)
		isKey = isKey && top >= 0 && stack[top].object && stack[top].inKey
		if !utf8.Valid(raw) {
			if isKey {
				return path(key) // the decoder has put U+FFFD for the bad bytes
			}
			return path("")
		}
		// Advance: a key names the member that follows; a value ends a member or an element.
		if isKey {
			stack[top].key, stack[top].inKey = key, false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{object: true, inKey: true})
			continue
		case json.Delim('['):
			stack = append(stack, frame{index: 0})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:top]
			top--
		}
		if top >= 0 {
			if stack[top].object {
				stack[top].key, stack[top].inKey = "", true
			} else {
				stack[top].index++
			}
		}
	}
}
