# Two commands matter: `make up` runs the whole stack, `make test` runs every test.
# Both install what they need on their first run.
SHELL := /bin/bash
GO_PACKAGES := ./platform/... ./dataloaders/... ./router/... ./subgraphs/auth/... ./subgraphs/todos/... ./subgraphs/ai/... ./bench/...
SERVICES := ./router/cmd/router ./subgraphs/auth/cmd/auth ./subgraphs/todos/cmd/todos

.PHONY: up test deps build web-build go-test web-test e2e test-up generate check-generated ci bench lint

## up: build and run auth, todos, router and the web app; prints where to open it
up: deps web-build
	@scripts/stack.sh

## test: every Go test against the real databases, the web unit tests and the browser tests
test: deps go-test web-test e2e test-up

deps:
	@scripts/install-deps.sh $(if $(filter test e2e ci,$(MAKECMDGOALS)),--browser,)

build:
	go build -o bin/ $(SERVICES)

web-build: deps
	cd web && pnpm build

go-test:
	go vet $(GO_PACKAGES)
	go test -count=1 -race -timeout 20m $(GO_PACKAGES)

web-test: deps
	cd web && pnpm lint && pnpm test

e2e: deps web-build
	cd web && pnpm e2e

## test-up: a fresh clone of this commit reaches ready with `make up`, and Ctrl-C stops it
test-up:
	@scripts/test-make-up.sh

## generate: gqlgen code, the benchmark fixtures, the composed schema, the web's typed operations and persisted-operation manifests
generate:
	cd subgraphs/auth && go generate ./...
	cd subgraphs/ai && go generate ./...
	cd subgraphs/todos && go generate ./...
	cd bench && go generate ./...
	go run ./router/cmd/router compose
	cd web && pnpm generate

## check-generated: generated files are reproducible from their sources
check-generated: deps generate
	@if [ -n "$$(git status --porcelain)" ]; then \
		echo "generated files differ from what is committed (run make generate and commit):"; \
		git status --porcelain; git --no-pager diff --stat; exit 1; fi
	@echo "generated files are up to date"

## ci: what .ci/run runs on a clean clone
ci: check-generated test

## bench-router: our router against Hive Gateway and Apollo Gateway on the benchmark subgraphs
## (installs its npm peers; BENCH_DURATION=10s for a shorter run; see docs/benchmarks.md)
.PHONY: bench-router
bench-router:
	@bench/run-router-bench.sh

## bench-auth: login, refresh and me through the router at steady rates, and memory in a login burst
## (issue 4; a fresh PostgreSQL database, dropped at the end; see docs/benchmarks.md)
.PHONY: bench-auth
bench-auth:
	@bench/run-auth-bench.sh

## bench-subs: idle subscriptions one router holds (1,000 to 40,000) with its memory, and the time
## from a write to its delivery to 1,000 subscribers (issue 5; about 2 minutes; see docs/benchmarks.md)
.PHONY: bench-subs
bench-subs:
	@bench/run-subs-bench.sh

## bench-ai: the time the router, the ai subgraph and Redis add to a streamed chat answer, with
## 1 and with 50 chats at once, against a local model with a fixed pace (issue 6; about a
## minute; fresh PostgreSQL databases, dropped at the end; see docs/benchmarks.md)
.PHONY: bench-ai
bench-ai:
	@bench/run-ai-bench.sh

## bench: every benchmark (the router's, identity, subscriptions and AI streaming; see docs/benchmarks.md)
bench: bench-router bench-auth bench-subs bench-ai
