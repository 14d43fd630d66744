# pdl — the public data ledger. `make` builds, `make test` tests, `make run`
# starts the demo, `make bench` measures. SAN=1 builds with ASan+UBSan into
# build-san/ (and `make test SAN=1` fails on any sanitizer report, leaks
# included). `make fuzz` runs the libFuzzer targets of tests/fuzz/ (clang,
# build-fuzz/) for FUZZ_SECONDS each; `make soak` runs the kill -9 crash loop
# for SOAK_CYCLES cycles.

CC ?= cc
SAN ?=
ifeq ($(SAN),1)
BUILD := build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
OPT := -O1
else
BUILD := build
SANFLAGS :=
OPT := -O2
endif

CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g $(OPT) $(SANFLAGS) -Iledger -Iprojections
CFLAGS := $(CFLAGS_BASE) $(EXTRA_CFLAGS)
LDLIBS := -llmdb -lsodium -lnng -lmsgpackc -ljansson -pthread
LDFLAGS := $(SANFLAGS)

DEB_PKGS := gcc make pkg-config liblmdb-dev lmdb-utils libsodium-dev libnng-dev \
            libmsgpack-dev libjansson-dev libcmocka-dev python3 python3-lmdb python3-cryptography procps \
            clang libclang-rt-14-dev openssl strace

LIB_SRC := $(filter-out ledger/pdld.c,$(wildcard ledger/*.c))
LIB_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC))
LIB := $(BUILD)/libpdl.a
PROJ_SRC := $(filter-out projections/pdl-project.c,$(wildcard projections/*.c))
PROJ_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(PROJ_SRC))
PROJ_LIB := $(BUILD)/libpdlproj.a
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
BINS := $(BUILD)/pdld $(BUILD)/pdl $(BUILD)/pdl-project

.PHONY: all deps test unit e2e run bench clean fuzz fuzz-short fuzz-build fuzz-corpus soak san-prep san-check
all: deps $(BINS) $(UNIT_BIN)

# Installs the Debian packages the build and tests need, only when missing.
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "make deps: need root to install$$missing" >&2; exit 1; fi; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

$(BUILD)/%.o: %.c $(wildcard ledger/*.h projections/*.h tests/unit/*.h tools/*.h) | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(PROJ_LIB): $(PROJ_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/pdld: $(BUILD)/ledger/pdld.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/pdl-project: $(BUILD)/projections/pdl-project.o $(PROJ_LIB) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/pdl: $(patsubst %.c,$(BUILD)/%.o,$(wildcard tools/*.c)) $(PROJ_LIB) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Tests of the projections link their library too; ledger tests do not
# depend on it.
PROJ_TESTS := $(filter $(BUILD)/tests/test_metrics% $(BUILD)/tests/test_proj% $(BUILD)/tests/test_view%,$(UNIT_BIN))
LEDGER_TESTS := $(filter-out $(PROJ_TESTS),$(UNIT_BIN))

$(PROJ_TESTS): $(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(PROJ_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(LEDGER_TESTS): $(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# Under SAN=1 every process the tests start (pdld and pdl-project too, whose
# exit codes the scripts do not see) writes its sanitizer reports to
# $(SAN_LOGS); san-check fails the run if there is any.
ifeq ($(SAN),1)
SAN_LOGS := $(CURDIR)/$(BUILD)/san-logs
SAN_ENV := ASAN_OPTIONS=detect_leaks=1:log_path=$(SAN_LOGS)/asan \
           LSAN_OPTIONS=log_path=$(SAN_LOGS)/lsan:suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
           UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$(SAN_LOGS)/ubsan
else
SAN_ENV :=
endif

san-prep:
ifeq ($(SAN),1)
	@rm -rf $(SAN_LOGS) && mkdir -p $(SAN_LOGS)
else
	@:
endif

san-check:
ifeq ($(SAN),1)
	@if [ -n "$$(ls -A $(SAN_LOGS) 2>/dev/null)" ]; then \
	  echo "not ok - sanitizer reports in $(SAN_LOGS):"; \
	  for f in $(SAN_LOGS)/*; do echo "== $$f"; head -60 "$$f"; done; exit 1; \
	else echo "sanitizers: no report (ASan, UBSan, LeakSanitizer)"; fi
else
	@:
endif

unit: all
	@$(MAKE) --no-print-directory san-prep
	@fail=0; for t in $(UNIT_BIN); do echo "== $$t"; $(SAN_ENV) $$t || fail=1; done; exit $$fail
	@$(MAKE) --no-print-directory san-check

e2e: all
	@$(MAKE) --no-print-directory san-prep
	@$(SAN_ENV) PDL=$(CURDIR)/$(BUILD)/pdl PDLD=$(CURDIR)/$(BUILD)/pdld PDLPROJ=$(CURDIR)/$(BUILD)/pdl-project sh tests/e2e/run-all.sh
	@$(MAKE) --no-print-directory san-check

# The sanitizer build runs the unit and e2e tests; the plain one also gives
# each fuzz target a short run (the fuzz build has ASan+UBSan of its own).
test: all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory e2e
ifneq ($(SAN),1)
	@$(MAKE) --no-print-directory fuzz-short
endif

# ---- fuzzing: libFuzzer targets tests/fuzz/fuzz_<name>.c, clang, build-fuzz/ ----
# The library is rebuilt with coverage instrumentation and ASan+UBSan. No
# -Werror here: clang warns about things gcc does not, and the gcc builds
# already hold the code to -Werror.
FUZZ_CC ?= clang
FUZZ_BUILD := build-fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -g -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link -Iledger -Iprojections
FUZZ_TARGETS := act entry note proofdoc http store
FUZZ_BINS := $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_TARGETS))
FUZZ_SECONDS ?= 60
FUZZ_TEST_SECONDS ?= 5
FUZZ_HDRS := $(wildcard ledger/*.h projections/*.h tests/fuzz/*.h)

$(FUZZ_BUILD)/%.o: %.c $(FUZZ_HDRS) | deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/libpdl.a: $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(LIB_SRC))
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/libpdlproj.a: $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(PROJ_SRC))
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_BUILD)/libpdlproj.a $(FUZZ_BUILD)/libpdl.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

# keep the targets' objects (make would delete them as intermediates)
.SECONDARY: $(patsubst %,$(FUZZ_BUILD)/tests/fuzz/fuzz_%.o,$(FUZZ_TARGETS))

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

fuzz-short: $(FUZZ_BINS)
	@sh tests/fuzz/run.sh $(FUZZ_TEST_SECONDS) $(FUZZ_BINS)

# Regenerates the seed corpus (deterministic) in tests/fuzz/corpus/.
$(BUILD)/gen_corpus: $(BUILD)/tests/fuzz/gen_corpus.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

fuzz-corpus: $(BUILD)/gen_corpus
	@mkdir -p tests/fuzz/corpus
	$(BUILD)/gen_corpus tests/fuzz/corpus

# ---- soak: the kill -9 crash loop (tests/e2e/crashloop.sh) ----
SOAK_CYCLES ?= 50
SOAK_SEED ?= 4242
soak: all
	@$(MAKE) --no-print-directory san-prep
	@$(SAN_ENV) PDL=$(CURDIR)/$(BUILD)/pdl PDLD=$(CURDIR)/$(BUILD)/pdld CYCLES=$(SOAK_CYCLES) SEED=$(SOAK_SEED) \
	  bash tests/e2e/crashloop.sh
	@$(MAKE) --no-print-directory san-check

run: all
	@sh tools/demo.sh $(CURDIR)/$(BUILD)

bench: all
	@$(BUILD)/pdl bench $(BENCH_ARGS)
	@$(BUILD)/pdl bench --lag $(BENCH_LAG_ARGS)

clean:
	rm -rf build build-san build-fuzz
