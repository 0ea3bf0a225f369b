# samizdat: the two commands are `make run` and `make test`.
GO ?= go

.PHONY: run test lint bench build fuzz

run:
	$(GO) run ./cmd/samizdat serve --demo

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o samizdat ./cmd/samizdat

lint:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

test: lint
	$(GO) test -race -count=1 ./...

fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzRender -fuzztime=30s ./internal/content/
	$(GO) test -run='^$$' -fuzz=FuzzImport -fuzztime=30s ./internal/importer/

bench:
	bash scripts/bench.sh
