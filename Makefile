# samizdat: the two commands are `make run` and `make test`.
GO ?= go
SHELL := /bin/bash

.PHONY: run test lint bench build fuzz

run:
	$(GO) run ./cmd/samizdat serve --demo

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o samizdat ./cmd/samizdat

lint:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# Every package's tests with the race detector; testsummary prints a line a
# package, the failures, then the counts and why each skipped test skipped.
test: lint
	@$(GO) build -o .testsummary ./scripts/testsummary
	@set -o pipefail; $(GO) test -race -count=1 -timeout 45m -json ./... | ./.testsummary

fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzRender -fuzztime=30s ./internal/content/
	$(GO) test -run='^$$' -fuzz=FuzzImport -fuzztime=30s ./internal/importer/

bench:
	bash scripts/bench.sh
