# voicepay: `make run` builds, installs what is missing and starts the daemon;
# `make test` runs the whole test suite.

GO      ?= go
BIN     := bin/voicepay
PREFIX  ?= /usr/local
# Debian packages the daemon needs to build and run (DEBS), and those the
# tests need besides (TEST_DEBS). The speech fixtures are spoken by
# espeak-ng, FreeTTS (freetts, which brings a Java runtime), festival (with
# the voice festvox-kdlpc16k) and flite, and mixed by sox; chromium runs the
# web companion's browser tests (agent/ws/web).
DEBS      := ca-certificates git gcc libc6-dev pkg-config espeak-ng libasound2 \
             libpocketsphinx-dev libsphinxbase-dev pocketsphinx-en-us
TEST_DEBS := sox freetts festival festvox-kdlpc16k flite chromium
DEMO_BALANCE ?= 1000

export PATH := /usr/local/go/bin:$(PATH)

.PHONY: all build deps test-deps apt install run test vet bench fmt clean fixtures

all: build

build:
	$(GO) build -o $(BIN) ./cmd/voicepay

# deps installs the Debian packages that are missing (needs root, or sudo);
# test-deps those the tests need too. A package removed with its
# configuration files left ("rc") is missing.
deps:
	@$(MAKE) --no-print-directory apt PKGS="$(DEBS)"

test-deps:
	@$(MAKE) --no-print-directory apt PKGS="$(DEBS) $(TEST_DEBS)"

apt:
	@missing=""; for p in $(PKGS); do dpkg-query -W -f '$${db:Status-Abbrev}' $$p 2>/dev/null | grep -q '^ii' || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# install puts the binary on PATH when it can, so that `voicepay say ...` works anywhere.
install: build
	@if [ -w $(PREFIX)/bin ]; then install -m 0755 $(BIN) $(PREFIX)/bin/voicepay && echo "installed $(PREFIX)/bin/voicepay"; \
	else echo "$(PREFIX)/bin is not writable: use $(CURDIR)/$(BIN)"; fi

# run sets up the wallet on first use (asking for a PIN), tops up a demo
# balance once, and starts the daemon on its defaults.
run: deps install
	$(BIN) init --if-needed
	$(BIN) wallet topup $(DEMO_BALANCE) --key demo-opening-balance >/dev/null
	$(BIN) serve

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: the files above need formatting"; exit 1; }
	$(GO) vet ./...

# fixtures renders the speech test clips into testdata/audio (not
# committed): the espeak-ng set that TestAcceptance holds to its floors, and
# in testdata/audio/broad the set that BenchmarkAcceptance measures, in
# twelve voices of four engines, clean and with white, pink or brown noise
# or babble at 5 to 15 dB SNR (see testdata/fixtures.sh). It does nothing
# when they are up to date.
fixtures: test-deps
	bash testdata/fixtures.sh

test: test-deps vet fixtures
	$(GO) test -race -count=1 -timeout 25m ./...

# bench prints the performance report: intent parse latency, durable
# payments per second, and raw bbolt transactions per second in the same run,
# the bytes the ledger file grows by a payment and a usage charge,
# MCP record_usage calls per second and p99 latency, speech recognition, and
# speech streamed into the running daemon, and many glasses streaming at
# once. BENCH_SPEECH_SAMPLE=N streams
# every Nth clip of the broad set only (N=4: about 6 min instead of 22).
BENCH_SPEECH_SAMPLE ?= 1
# BENCH_GLASSES are the numbers of smart glasses BenchmarkGlasses streams
# into one daemon at once, a minute each (docs/benchmarks.md, "Many glasses").
BENCH_GLASSES ?= 1,25,50,100,150
bench: fixtures
	@mkdir -p bin
	@echo "benchmarking intent parsing..."
	@$(GO) test -run '^$$' -bench 'ParseLatency' -benchtime 20000x ./intent > bin/bench.txt
	@echo "benchmarking the ledger against raw bbolt (about 20 s)..."
	@$(GO) test -run '^$$' -bench 'Payment|Bolt' -benchtime 3s ./wallet >> bin/bench.txt
	@echo "measuring what the ledger file grows by a payment and a usage charge (about 2 min)..."
	@$(GO) test -run '^$$' -bench 'LedgerGrowth' -benchtime 6000x ./wallet >> bin/bench.txt
	@echo "benchmarking MCP record_usage on 1 and 16 connections (about 20 s)..."
	@$(GO) test -run '^$$' -bench 'RecordUsage' -benchtime 3000x ./agent/mcp >> bin/bench.txt
	@echo "benchmarking speech recognition on the fixtures (about 2 min)..."
	@$(GO) test -run '^$$' -bench 'Acceptance|SpeechToIntent' -benchtime 1x ./voice/sphinx >> bin/bench.txt
	@$(GO) test -run '^$$' -bench 'SpeechToIntent' -benchtime 200x ./voice/sphinx >> bin/bench.txt
	@echo "timing the daemon's path from the end of speech to the turn (about 40 s)..."
	@$(GO) test -run '^$$' -bench 'SpeechToTurn' -benchtime 52x ./agent/speech >> bin/bench.txt
	@echo "streaming the broad set into the daemon, in real time, in each clip's dialog state (about $$((22 / $(BENCH_SPEECH_SAMPLE) + 1)) min)..."
	@$(GO) test -c -o bin/voicepay.test ./cmd/voicepay
	@cd cmd/voicepay && VOICEPAY_BENCH_SAMPLE=$(BENCH_SPEECH_SAMPLE) ../../bin/voicepay.test -test.run '^$$' \
		-test.bench 'DialogSpeech' -test.benchtime 1x -test.timeout 90m -test.v >> ../../bin/bench.txt
	@echo "streaming $(BENCH_GLASSES) smart glasses at once into the daemon, in real time (about $$(( $$(echo $(BENCH_GLASSES) | tr ',' ' ' | wc -w) * 2 )) min)..."
	@cd cmd/voicepay && VOICEPAY_GLASSES=$(BENCH_GLASSES) ../../bin/voicepay.test -test.run '^$$' \
		-test.bench 'Glasses' -test.benchtime 1x -test.timeout 60m -test.v >> ../../bin/bench.txt
	@awk -f testdata/bench.awk bin/bench.txt

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
