# mlxd: the two commands are `make run` and `make test`.
#   make deps    install missing system packages (apt-get or Homebrew)
#   make build   configure (once) and build with meson into build/
#   make run     build, then run mlxd in the foreground with default paths
#   make test    build twice (plain and ASan+UBSan) and run every test in both,
#                then the Swift package's tests when a Swift toolchain is found
#   make bench   build, then run the benchmarks in tests/bench/
#   make soak    mixed load on the ASan build for SOAK_MINUTES (default 10)
#   make fuzz    build the fuzz targets with clang + libFuzzer (build-fuzz/)
#                and run each for FUZZ_SECONDS (default 60)
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
            xfsprogs mandoc
# What `make bench` compares mlxd's duplicate search with (not needed to test).
BENCH_PKGS = rdfind jdupes prometheus-node-exporter
BREW_BENCH_PKGS = rdfind jdupes node_exporter
BREW_PKGS = pkg-config meson ninja libmicrohttpd curl sqlite jansson libyaml \
            libuv cmocka openssl@3 mandoc
PC_MODULES = libmicrohttpd libcurl sqlite3 jansson yaml-0.1 libuv cmocka libcrypto

ifeq ($(UNAME),Darwin)
BREW_PREFIX := $(shell brew --prefix 2>/dev/null)
export PKG_CONFIG_PATH := $(BREW_PREFIX)/opt/curl/lib/pkgconfig:$(BREW_PREFIX)/opt/sqlite/lib/pkgconfig:$(BREW_PREFIX)/opt/openssl@3/lib/pkgconfig:$(PKG_CONFIG_PATH)
endif

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Apple clang's AddressSanitizer has no LeakSanitizer: detect_leaks=1 would
# abort every sanitizer test there.
ifeq ($(UNAME),Darwin)
ASAN_LEAKS :=
else
ASAN_LEAKS := detect_leaks=1:
endif

.PHONY: all deps bench-deps test-deps build run test test-plain test-asan test-swift bench clean config-doc \
        fuzz fuzz-deps soak

all: build

deps:
	@missing=0; \
	for c in meson ninja pkg-config python3 cc mandoc; do \
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
	@# The OpenAPI tests validate with openapi-spec-validator (PyPI).
	@python3 -c 'import openapi_spec_validator' 2>/dev/null || \
	  python3 -m pip install --quiet openapi-spec-validator 2>/dev/null || \
	  python3 -m pip install --quiet --break-system-packages openapi-spec-validator || \
	  echo "deps: cannot install openapi-spec-validator; its tests will be skipped"

# -Dwerror=true: warnings fail development and CI builds (packagers keep
# the project default, off).
$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD) -Dwerror=true

$(ASAN_BUILD)/build.ninja:
	$(MESON) setup $(ASAN_BUILD) -Dwerror=true -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false

build: deps $(BUILD)/build.ninja
	$(MESON) compile -C $(BUILD)

run: build
	@echo "mlxd: starting in the foreground (Ctrl-C stops it); try: $(BUILD)/clients/mlxctl status"
	exec $(BUILD)/daemon/mlxd

# What some tests drive mlxd with: promtool (Prometheus text checks) and the
# official ollama Python client; a test skips (77) when its tool is missing.
test-deps:
	@command -v promtool >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1; then \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus || \
	    { $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	      $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus; }; \
	  elif command -v brew >/dev/null 2>&1; then brew install prometheus; fi; } || \
	  echo "test-deps: promtool unavailable; its checks will be skipped"
	@python3 -c 'import ollama' >/dev/null 2>&1 || \
	  python3 -m pip install -q ollama >/dev/null 2>&1 || \
	  python3 -m pip install -q --user --break-system-packages ollama >/dev/null 2>&1 || \
	  echo "test-deps: the ollama Python package is unavailable; its test will be skipped"

test-plain: build test-deps
	-$(MESON) test -C $(BUILD) --print-errorlogs --num-processes 2

test-asan: deps test-deps $(ASAN_BUILD)/build.ninja
	$(MESON) compile -C $(ASAN_BUILD)
	-ASAN_OPTIONS=$(ASAN_LEAKS)abort_on_error=0:exitcode=23 \
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

SOAK_MINUTES ?= 10
soak: deps $(ASAN_BUILD)/build.ninja
	$(MESON) compile -C $(ASAN_BUILD)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  python3 tests/bench/soak.py $(ASAN_BUILD) --minutes $(SOAK_MINUTES)

# Coverage-guided fuzzing (Linux: Debian's clang and libFuzzer runtime).
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS  = request body config ollama ndjson sse
FUZZ_PKGS     = clang-14 libclang-rt-14-dev
FUZZ_CC      ?= $(shell command -v clang-14 2>/dev/null || echo clang)

fuzz-deps:
	@if ! command -v clang-14 >/dev/null 2>&1 || \
	    ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1; then \
	    echo "fuzz: installing $(FUZZ_PKGS)"; \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(FUZZ_PKGS) || \
	    { $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	      $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(FUZZ_PKGS); }; \
	  else echo "fuzz: needs clang with libFuzzer"; fi; \
	fi

$(FUZZ_BUILD)/build.ninja:
	CC=$(FUZZ_CC) $(MESON) setup $(FUZZ_BUILD) -Dfuzz=true -Dbuildtype=debug \
	  -Db_sanitize=address,undefined -Db_lundef=false

fuzz: deps fuzz-deps $(FUZZ_BUILD)/build.ninja
	$(MESON) compile -C $(FUZZ_BUILD) $(addprefix tests/fuzz/fuzz_,$(FUZZ_TARGETS))
	@mkdir -p $(FUZZ_BUILD)/artifacts; status=0; \
	for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$t; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS)s"; \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  $(FUZZ_BUILD)/tests/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$t- \
	    $(FUZZ_BUILD)/corpus/$$t tests/fuzz/corpus/$$t \
	    > $(FUZZ_BUILD)/fuzz_$$t.log 2>&1 || { status=1; \
	    echo "fuzz: $$t FAILED, see $(FUZZ_BUILD)/fuzz_$$t.log"; }; \
	  grep -E '^Done [0-9]+ runs|^stat::number_of_executed_units' $(FUZZ_BUILD)/fuzz_$$t.log | tail -1; \
	  grep -E '^#[0-9]+.*DONE' $(FUZZ_BUILD)/fuzz_$$t.log | tail -1; \
	done; \
	echo "fuzz: new inputs in $(FUZZ_BUILD)/corpus/, crashes in $(FUZZ_BUILD)/artifacts/"; \
	exit $$status

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) .build

# Regenerate the option table in docs/configuration.md from daemon/config.c.
config-doc: build
	@python3 -c 'import sys,subprocess; d=open("docs/configuration.md").read(); b="<!-- BEGIN OPTIONS -->\n"; e="<!-- END OPTIONS -->"; t=subprocess.run(["$(BUILD)/daemon/mlxd","--config-doc"],capture_output=True,check=True,text=True).stdout; open("docs/configuration.md","w").write(d.split(b)[0]+b+t+e+d.split(e)[1])'
