# The two commands: `make run` (the product, on an embedded database with demo data) and `make test`
# (every test). Both install what is missing first and build the portal when it is missing or stale
# (scripts/deps.sh), before the Go build embeds it.
.PHONY: run test e2e deps generate check-generate vet bench

ADDR ?= :8080
DATA ?= ./.tradeguard

run: deps
	go build -o bin/tradeguard ./server
	bin/tradeguard -dev -addr $(ADDR) -data $(DATA)

test: deps vet check-generate
	go test -race -count=1 ./...
	$(MAKE) e2e

# Browser and protocol tests (frontend/e2e, node --test): the portal and GraphiQL in Debian's chromium
# driven by playwright-core, and graphql-http's GraphQL-over-HTTP audits, against a fresh server in
# development mode with the demo data.
e2e:
	@scripts/deps.sh chromium
	scripts/e2e.sh

deps:
	@scripts/deps.sh

vet:
	go vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { gofmt -l .; echo "gofmt: files above need formatting"; exit 1; }

generate:
	go generate ./...

# Generated code is never edited by hand: regenerating must reproduce it exactly.
check-generate:
	go generate ./...
	@test -z "$$(git status --porcelain -- graph/)" || { git status --short -- graph/; echo "go generate changed the files above: commit its output"; exit 1; }

bench:
	@scripts/deps.sh wrk
	scripts/bench.sh
