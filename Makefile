# mlxd: the two commands are `make run` and `make test`.
#   make deps    install missing system packages (apt-get or Homebrew)
#   make build   configure (once) and build with meson into build/
#   make run     build, then run mlxd in the foreground with default paths
#   make test    build twice (plain and ASan+UBSan) and run every test in both,
#                then the Swift package's tests when a Swift toolchain is found
#   make bench   build, then run the benchmarks in tests/bench/
#   make clean   remove build directories

BUILD      ?= build
ASAN_BUILD ?= build-asan
MESON      ?= meson
UNAME      := $(shell uname -s)
# The Swift toolchain, if any: on PATH, or where the Linux tarball goes.
SWIFT      ?= $(shell command -v swift 2>/dev/null || \
                { [ -x /opt/swift/usr/bin/swift ] && echo /opt/swift/usr/bin/swift; })
SWIFT_LOG   = $(BUILD)/swift-test.log

APT_PKGS  = gcc make pkg-config meson ninja-build python3 curl \
            libmicrohttpd-dev libcurl4-openssl-dev libsqlite3-dev \
            libjansson-dev libyaml-dev libuv1-dev libcmocka-dev libssl-dev \
            xfsprogs
# What `make bench` compares mlxd's duplicate search with (not needed to test).
BENCH_PKGS = rdfind jdupes
BREW_BENCH_PKGS = rdfind jdupes
BREW_PKGS = pkg-config meson ninja libmicrohttpd curl sqlite jansson libyaml \
            libuv cmocka openssl@3
PC_MODULES = libmicrohttpd libcurl sqlite3 jansson yaml-0.1 libuv cmocka libcrypto

ifeq ($(UNAME),Darwin)
BREW_PREFIX := $(shell brew --prefix 2>/dev/null)
export PKG_CONFIG_PATH := $(BREW_PREFIX)/opt/curl/lib/pkgconfig:$(BREW_PREFIX)/opt/sqlite/lib/pkgconfig:$(BREW_PREFIX)/opt/openssl@3/lib/pkgconfig:$(PKG_CONFIG_PATH)
endif

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps bench-deps build run test test-plain test-asan test-swift bench clean config-doc

all: build

deps:
	@missing=0; \
	for c in meson ninja pkg-config python3 cc; do \
	  command -v $$c >/dev/null 2>&1 || missing=1; done; \
	command -v pkg-config >/dev/null 2>&1 && \
	  for m in $(PC_MODULES); do pkg-config --exists $$m || missing=1; done; \
	if [ $$missing = 0 ]; then echo "deps: everything is installed"; exit 0; fi; \
	if [ "$(UNAME)" = Darwin ]; then \
	  command -v brew >/dev/null || { echo "deps: install Homebrew first (https://brew.sh)"; exit 1; }; \
	  brew install $(BREW_PKGS); \
	elif command -v apt-get >/dev/null 2>&1; then \
	  echo "deps: installing $(APT_PKGS)"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_PKGS); \
	else \
	  echo "deps: no apt-get or Homebrew; install: $(APT_PKGS)"; exit 1; \
	fi

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD)

$(ASAN_BUILD)/build.ninja:
	$(MESON) setup $(ASAN_BUILD) -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false

build: deps $(BUILD)/build.ninja
	$(MESON) compile -C $(BUILD)

run: build
	@echo "mlxd: starting in the foreground (Ctrl-C stops it); try: $(BUILD)/clients/mlxctl status"
	exec $(BUILD)/daemon/mlxd

test-plain: build
	-$(MESON) test -C $(BUILD) --print-errorlogs --num-processes 2

test-asan: deps $(ASAN_BUILD)/build.ninja
	$(MESON) compile -C $(ASAN_BUILD)
	-ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	MLXD_TEST_SLOW=3 \
	  $(MESON) test -C $(ASAN_BUILD) --print-errorlogs --num-processes 2 \
	  --timeout-multiplier 3

# swift build + swift test against the plain build's mlxd and simulator;
# tests/summary.py counts the results from $(SWIFT_LOG).
test-swift: build
	@rm -f $(SWIFT_LOG)
	@if [ -z "$(SWIFT)" ]; then echo "swift: no toolchain found, Swift tests not run"; exit 0; fi; \
	$(SWIFT) build --build-tests >$(SWIFT_LOG).build 2>&1 || \
	  { cat $(SWIFT_LOG).build; echo "SWIFT BUILD FAILED" >$(SWIFT_LOG); exit 0; }; \
	MLXD_BIN=$(CURDIR)/$(BUILD)/daemon/mlxd SIM_BIN=$(CURDIR)/$(BUILD)/tests/sim/ollama-sim \
	MLXD_SOURCE_ROOT=$(CURDIR) $(SWIFT) test --skip-build >$(SWIFT_LOG) 2>&1; \
	grep -E "error:|failed|Executed .* tests" $(SWIFT_LOG) | tail -20; true

test: test-plain test-asan test-swift
	@python3 tests/summary.py --swift $(SWIFT_LOG) $(BUILD) $(ASAN_BUILD)

bench-deps:
	@missing=0; for c in $(BENCH_PKGS); do \
	  command -v $$c >/dev/null 2>&1 || missing=1; done; \
	if [ $$missing = 0 ]; then exit 0; fi; \
	if [ "$(UNAME)" = Darwin ]; then brew install $(BREW_BENCH_PKGS); \
	elif command -v apt-get >/dev/null 2>&1; then \
	  echo "bench: installing $(BENCH_PKGS)"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(BENCH_PKGS) || \
	  { $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(BENCH_PKGS); }; \
	else echo "bench: install $(BENCH_PKGS) to compare with them"; fi

bench: build bench-deps
	@python3 tests/bench/run.py $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) .build

# Regenerate the option table in docs/configuration.md from daemon/config.c.
config-doc: build
	@python3 -c 'import sys,subprocess; d=open("docs/configuration.md").read(); b="<!-- BEGIN OPTIONS -->\n"; e="<!-- END OPTIONS -->"; t=subprocess.run(["$(BUILD)/daemon/mlxd","--config-doc"],capture_output=True,check=True,text=True).stdout; open("docs/configuration.md","w").write(d.split(b)[0]+b+t+e+d.split(e)[1])'
