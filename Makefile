# The two commands: `make run` (the product, on an embedded database with demo data) and `make test`
# (every test). Both install what is missing first (scripts/deps.sh).
.PHONY: run test e2e deps generate check-generate vet bench fuzz

ADDR ?= :8080
DATA ?= ./.tradeguard

run: deps
	go build -o bin/tradeguard ./server
	bin/tradeguard -dev -addr $(ADDR) -data $(DATA)

test: deps vet check-generate
	go test -race -count=1 ./...
	$(MAKE) e2e

# Browser tests of the portal: Debian's chromium driven by playwright-core (frontend/e2e, node --test)
# against a fresh server with the demo data.
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

# Explore beyond the fuzz seeds (`make test` runs only the seeds): FUZZTIME=10m make fuzz.
FUZZTIME ?= 2m
fuzz: deps
	go test -run '^$$' -fuzz FuzzGraphQL -fuzztime $(FUZZTIME) -parallel 2 ./server/
