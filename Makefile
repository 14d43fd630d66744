# pdl — the public data ledger. `make` builds, `make test` tests, `make run`
# starts the demo, `make bench` measures. SAN=1 builds with ASan+UBSan into
# build-san/.

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
            libmsgpack-dev libjansson-dev libcmocka-dev python3 python3-lmdb procps

LIB_SRC := $(filter-out ledger/pdld.c,$(wildcard ledger/*.c))
LIB_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC))
LIB := $(BUILD)/libpdl.a
PROJ_SRC := $(filter-out projections/pdl-project.c,$(wildcard projections/*.c))
PROJ_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(PROJ_SRC))
PROJ_LIB := $(BUILD)/libpdlproj.a
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
BINS := $(BUILD)/pdld $(BUILD)/pdl $(BUILD)/pdl-project

.PHONY: all deps test unit e2e run bench clean
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

$(BUILD)/pdl: $(patsubst %.c,$(BUILD)/%.o,$(wildcard tools/*.c)) $(LIB)
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

unit: all
	@fail=0; for t in $(UNIT_BIN); do echo "== $$t"; $$t || fail=1; done; exit $$fail

e2e: all
	@PDL=$(CURDIR)/$(BUILD)/pdl PDLD=$(CURDIR)/$(BUILD)/pdld PDLPROJ=$(CURDIR)/$(BUILD)/pdl-project sh tests/e2e/run-all.sh

test: all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory e2e

run: all
	@sh tools/demo.sh $(CURDIR)/$(BUILD)

bench: all
	@$(BUILD)/pdl bench $(BENCH_ARGS)
	@$(BUILD)/pdl bench --lag $(BENCH_LAG_ARGS)

clean:
	rm -rf build build-san
