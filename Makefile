# mlxd: the two commands are `make run` and `make test`.
#   make deps    install missing system packages (apt-get or Homebrew)
#   make build   configure (once) and build with meson into build/
#   make run     build, then run mlxd in the foreground with default paths
#   make test    build twice (plain and ASan+UBSan) and run every test in both
#   make bench   build, then run the benchmarks in tests/bench/
#   make clean   remove build directories

BUILD      ?= build
ASAN_BUILD ?= build-asan
MESON      ?= meson
UNAME      := $(shell uname -s)

APT_PKGS  = gcc make pkg-config meson ninja-build python3 curl \
            libmicrohttpd-dev libcurl4-openssl-dev libsqlite3-dev \
            libjansson-dev libyaml-dev libuv1-dev libcmocka-dev libssl-dev \
            xfsprogs mandoc
# What `make bench` compares mlxd's duplicate search with (not needed to test).
BENCH_PKGS = rdfind jdupes
BREW_BENCH_PKGS = rdfind jdupes
BREW_PKGS = pkg-config meson ninja libmicrohttpd curl sqlite jansson libyaml \
            libuv cmocka openssl@3 mandoc
PC_MODULES = libmicrohttpd libcurl sqlite3 jansson yaml-0.1 libuv cmocka libcrypto

ifeq ($(UNAME),Darwin)
BREW_PREFIX := $(shell brew --prefix 2>/dev/null)
export PKG_CONFIG_PATH := $(BREW_PREFIX)/opt/curl/lib/pkgconfig:$(BREW_PREFIX)/opt/sqlite/lib/pkgconfig:$(BREW_PREFIX)/opt/openssl@3/lib/pkgconfig:$(PKG_CONFIG_PATH)
endif

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps bench-deps build run test test-plain test-asan bench clean config-doc

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

test-plain: build
	-$(MESON) test -C $(BUILD) --print-errorlogs --num-processes 2

test-asan: deps $(ASAN_BUILD)/build.ninja
	$(MESON) compile -C $(ASAN_BUILD)
	-ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	MLXD_TEST_SLOW=3 \
	  $(MESON) test -C $(ASAN_BUILD) --print-errorlogs --num-processes 2 \
	  --timeout-multiplier 3

test: test-plain test-asan
	@python3 tests/summary.py $(BUILD) $(ASAN_BUILD)

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
	rm -rf $(BUILD) $(ASAN_BUILD)

# Regenerate the option table in docs/configuration.md from daemon/config.c.
config-doc: build
	@python3 -c 'import sys,subprocess; d=open("docs/configuration.md").read(); b="<!-- BEGIN OPTIONS -->\n"; e="<!-- END OPTIONS -->"; t=subprocess.run(["$(BUILD)/daemon/mlxd","--config-doc"],capture_output=True,check=True,text=True).stdout; open("docs/configuration.md","w").write(d.split(b)[0]+b+t+e+d.split(e)[1])'
