# crmkit: build, demo, test, bench. DuckDB is linked statically through cgo
# and its Arrow interface needs the duckdb_arrow build tag, set here for
# every go command.
GO      ?= go
export CGO_ENABLED := 1
export GOFLAGS := -tags=duckdb_arrow -buildvcs=false
BIN     := bin/crmkit
CONFIG  ?= config/example.yaml
CUSTOMERS ?= 5000

.PHONY: all build build-nobigquery demo test test-short fuzz bench vet clean bigquery-emulator

all: build

## build: the stripped binary (-s -w drops the symbol table and DWARF, about a quarter of its size)
build:
	$(GO) build -ldflags '-s -w' -o $(BIN) ./cmd/crmkit

## build-nobigquery: the binary without the BigQuery client (DuckDB only; 112.7 MB instead of 122.2 MB stripped)
build-nobigquery:
	$(GO) build -tags=duckdb_arrow,nobigquery -ldflags '-s -w' -o $(BIN) ./cmd/crmkit

## demo: generate sample exports, run the whole chain on embedded DuckDB, leave the scorecards in out/
demo: build
	./$(BIN) generate --out data/sample --customers $(CUSTOMERS) --seed 1
	CRMKIT_SEGMENT_SALT=$${CRMKIT_SEGMENT_SALT:-demo-only-salt} ./$(BIN) run --config $(CONFIG)
	@echo
	@echo "Outputs:"
	@ls -1 out/*.html out/*.xlsx 2>/dev/null | sed 's/^/  /'
	@echo "  warehouse: out/warehouse.duckdb   (crmkit status --config $(CONFIG) shows the run history)"

## test: vet and run every test (integration tests start what they need)
test:
	$(GO) vet ./...
	$(GO) vet -tags=duckdb_arrow,nobigquery ./jobs/ ./pipeline/warehouse/ ./cmd/crmkit/
	@if [ -x .cache/bigquery-emulator ]; then echo "BigQuery tests: using .cache/bigquery-emulator"; \
	else echo "BigQuery tests: emulator not built (scripts/build-bigquery-emulator.sh, ~20 min once): the BigQuery half of pipeline/warehouse tests is skipped, the DuckDB half runs"; fi
	CRMKIT_BIGQUERY_EMULATOR=$$( [ -x .cache/bigquery-emulator ] && echo $(CURDIR)/.cache/bigquery-emulator || echo off ) \
		$(GO) test -count=1 -timeout 20m ./...
	$(MAKE) --no-print-directory fuzz FUZZTIME=3s

## fuzz: run each fuzz target (package:Name, one a line) for FUZZTIME; a
## failing input is written under the package's testdata/fuzz/ and fails the run
## (plain go test replays every seed there)
FUZZTIME ?= 1m
FUZZ_TARGETS := \
	./config:FuzzParse \
	./models/segment:FuzzCompile \
	./pipeline/warehouse:FuzzTranslateToBigQuery \
	./pipeline/source:FuzzCSV \
	./pipeline/source:FuzzCSVGBK \
	./pipeline/source:FuzzNDJSON \
	./pipeline/source:FuzzGzipCSV \
	./pipeline/source:FuzzXLSX \
	./pipeline/source:FuzzParquet
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; echo "fuzz $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	done

## bigquery-emulator: build the BigQuery emulator once into .cache/ (needs clang; about 20 minutes)
bigquery-emulator:
	scripts/build-bigquery-emulator.sh

test-short:
	$(GO) test -short ./...

## bench: Go benchmarks plus the scripted end-to-end run on generated data.
## The salt lets publish write the segment files, as a production run does.
bench: build
	$(GO) test -run '^$$' -bench . -benchtime 1x -benchmem ./models/... ./pipeline/...
	CRMKIT_SEGMENT_SALT=$${CRMKIT_SEGMENT_SALT:-bench-only-salt} ./$(BIN) bench --customers $${BENCH_CUSTOMERS:-1000000} --parallelism 1 --memory-limit 1GB

clean:
	rm -rf bin out data
