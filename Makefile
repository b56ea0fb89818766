# The two commands: `make run` (the product, on an embedded database with demo data) and `make test`
# (every test). Both install what is missing first and build the portal when it is missing or stale
# (scripts/deps.sh), before the Go build embeds it.
.PHONY: run test e2e deps generate check-generate vet bench bench-metrics fuzz

ADDR ?= :8080
DATA ?= ./.tradeguard

run: deps
	go build -o bin/tradeguard ./server
	bin/tradeguard -dev -addr $(ADDR) -data $(DATA)

# Stages are announced as they start; gotestsum lists each package and ends with the count of tests run.
test: deps
	@scripts/deps.sh pgbouncer
	@echo "== test 1/5: go vet and gofmt"
	@$(MAKE) -s vet
	@echo "== test 2/5: go generate and npm run codegen reproduce the generated code (gqlgen, graphql-codegen)"
	@$(MAKE) -s check-generate
	@echo "== test 3/5: the portal's component and unit tests (vitest, jsdom)"
	cd frontend && npx vitest run
	@echo "== test 4/5: Go tests with the race detector: real PostgreSQL, real HTTP, FuzzGraphQL's seed corpus"
	go tool gotestsum --format pkgname-and-test-fails --format-hide-empty-pkg -- -race -count=1 ./...
	@echo "== test 5/5: browser tests of the portal (chromium)"
	@$(MAKE) -s e2e
	@echo "== test: all stages passed"

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
	cd frontend && npm run codegen

# Generated code is never edited by hand: regenerating must reproduce it exactly.
check-generate:
	@echo "go generate ./... (gqlgen writes graph/generated.go and graph/model/)"
	@go generate ./...
	@test -z "$$(git status --porcelain -- graph/)" || { git status --short -- graph/; echo "go generate changed the files above: commit its output"; exit 1; }
	@echo "npm run codegen (graphql-codegen writes frontend/src/gql/ from schema.graphql and the portal's .graphql files)"
	@cd frontend && npm run codegen --silent
	@test -z "$$(git status --porcelain -- frontend/src/gql/)" || { git status --short -- frontend/src/gql/; echo "npm run codegen changed the files above: commit its output"; exit 1; }

bench:
	@scripts/deps.sh wrk
	scripts/bench.sh

bench-metrics:
	@scripts/deps.sh wrk
	scripts/bench-metrics.sh

# Explore beyond the fuzz seeds (`make test` runs only the seeds): FUZZTIME=10m make fuzz.
FUZZTIME ?= 2m
fuzz: deps
	go test -run '^$$' -fuzz FuzzGraphQL -fuzztime $(FUZZTIME) -parallel 2 ./server/
