# pdl — the public data ledger. `make` builds, `make test` tests, `make run`
# starts the demo, `make bench` measures (`make bench-scale`: a 10-million-entry
# ledger and PostgreSQL beside it). SAN=1 builds with ASan+UBSan into
# build-san/ (and `make test SAN=1` fails on any sanitizer report, leaks
# included). `make fuzz` runs the libFuzzer targets of tests/fuzz/ (clang,
# build-fuzz/) for FUZZ_SECONDS each; `make soak` runs the kill -9 crash loop
# for SOAK_CYCLES cycles. `make layers` checks that each folder sees only the
# layers below it (spec/architecture.md); `make test` runs it first.

# A job per core unless the command line says how many (-j): a fresh
# `make test` compiles the tree twice (gcc, then clang for the fuzz
# targets), which one job at a time makes a third of its time. The e2e
# harness runs its scripts two at a time on its own (E2E_JOBS).
# Only the top make decides: a sub-make shares its jobs (--jobserver-auth).
ifeq ($(MAKELEVEL)$(filter -j%,$(MAKEFLAGS)),0)
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2)
endif

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

# Hardening, as Debian's dpkg-buildflags (hardening=+all) gives packages:
# every build is the one the package ships (make deb uses these binaries).
# Not with the sanitizers, which do their own checking (and ASan and
# _FORTIFY_SOURCE get in each other's way).
cc_has = $(shell $(CC) $(1) -Werror -E -x c /dev/null >/dev/null 2>&1 && echo $(1))
ifeq ($(SAN),1)
HARDEN_CFLAGS :=
HARDEN_LDFLAGS :=
else
HARDEN_CFLAGS := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -Wformat -Werror=format-security \
                 $(call cc_has,-fstack-clash-protection) $(call cc_has,-fcf-protection)
HARDEN_LDFLAGS := -Wl,-z,relro -Wl,-z,now
endif
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g $(OPT) $(SANFLAGS) $(HARDEN_CFLAGS) -MMD -MP
CFLAGS := $(CFLAGS_BASE) $(EXTRA_CFLAGS)
LDLIBS := -llmdb -lsodium -lcrypto -lnng -lmsgpackc -ljansson -pthread
LDLIBS_TEST := $(LDLIBS) -lcmocka
LDFLAGS := $(SANFLAGS) $(HARDEN_LDFLAGS)

# npm packages (tests only, never committed) go here, whatever BUILD is
NPM_DIR := build/npm

# (gdb: the e2e harness prints the stacks of a script's pdl processes when it
# is about to time out)
DEB_PKGS := gcc make pkg-config liblmdb-dev lmdb-utils libsodium-dev libssl-dev libnng-dev \
            libmsgpack-dev libjansson-dev libcmocka-dev python3 python3-lmdb python3-cryptography procps \
            clang libclang-rt-14-dev openssl strace chromium chromium-driver fonts-wqy-microhei nginx \
            debhelper man-db groff-base systemd curl adduser wrk golang-go golang-golang-x-mod-dev gdb

# ---- layers (spec/architecture.md) ----
# A folder is a layer (or one part of one). It is compiled with -I for
# itself and the folders below it only (SEE_<folder>), and with mk/deny/<lib>
# for every external library it may not use (USES_<folder>): those
# directories hold headers named like the library's that are an #error. So
# a back-edge, a lib/ file including "store.h" or <lmdb.h>, does not
# compile. mk/layers.sh (part of `make test`) proves it for every pair.
# Every folder of projections/ but core/ is one view (projections/views.h).
VIEW_DIRS := $(filter-out projections/core,$(patsubst %/,%,$(wildcard projections/*/)))
FOLDERS := base crypto lib store rules rules/acts audit wire daemon projections/core $(VIEW_DIRS) projections \
           tools tests/unit tests/fuzz
EXT_LIBS := sodium openssl lmdb nng msgpack jansson
SEE_base := base
SEE_crypto := base crypto
SEE_lib := base crypto lib
SEE_store := base crypto lib store
SEE_rules := base crypto lib store rules
SEE_rules/acts := base crypto lib store rules rules/acts
SEE_audit := base crypto lib store rules audit
SEE_wire := base crypto lib wire
SEE_daemon := base crypto lib store rules wire daemon
SEE_projections/core := base crypto lib store rules wire projections/core
# a view sees the framework and views.h, not the other views
$(foreach v,$(VIEW_DIRS),$(eval SEE_$(v) := $$(SEE_projections/core) projections $(v)))
SEE_projections := $(SEE_projections/core) projections
SEE_tools := base crypto lib store rules rules/acts audit wire projections/core projections tools
# tests reach into every module they test
SEE_tests/unit := $(filter-out tests/fuzz,$(FOLDERS))
SEE_tests/fuzz := $(filter-out tests/unit,$(FOLDERS))
USES_base :=
USES_crypto := sodium openssl
USES_lib := msgpack jansson
USES_store := lmdb msgpack
USES_rules := lmdb msgpack
USES_rules/acts := lmdb msgpack
USES_audit := lmdb msgpack
USES_wire := nng msgpack
USES_daemon := nng lmdb msgpack jansson
USES_projections/core := nng lmdb msgpack jansson
$(foreach v,$(VIEW_DIRS),$(eval USES_$(v) := $$(USES_projections/core)))
USES_projections := $(USES_projections/core)
USES_tools := lmdb nng msgpack jansson
USES_tests/unit := $(EXT_LIBS)
USES_tests/fuzz := $(EXT_LIBS)
# The flags of folder $(1); an object's folder is its path under the build
# directory. A folder without SEE_ gets no -I at all, so a new folder must
# be declared here before anything in it compiles.
layer_inc = $(addprefix -I,$(SEE_$(1))) $(addprefix -Imk/deny/,$(filter-out $(USES_$(1)),$(EXT_LIBS)))
obj_folder = $(patsubst $(2)/%/,%,$(dir $(1)))

srcs = $(wildcard $(1)/*.c)
objs = $(patsubst %.c,$(BUILD)/%.o,$(1))
BASE_LIB := $(BUILD)/libpdl_base.a
CRYPTO_LIB := $(BUILD)/libpdl_crypto.a
LIB_LIB := $(BUILD)/libpdl_lib.a
STORE_LIB := $(BUILD)/libpdl_store.a
RULES_LIB := $(BUILD)/libpdl_rules.a
AUDIT_LIB := $(BUILD)/libpdl_audit.a
WIRE_LIB := $(BUILD)/libpdl_wire.a
PROJ_LIB := $(BUILD)/libpdl_proj.a
VIEWS_LIB := $(BUILD)/libpdl_views.a
LAYER_SRC_base := $(call srcs,base)
LAYER_SRC_crypto := $(call srcs,crypto)
LAYER_SRC_lib := $(call srcs,lib)
LAYER_SRC_store := $(call srcs,store)
LAYER_SRC_rules := $(call srcs,rules) $(call srcs,rules/acts)
LAYER_SRC_audit := $(call srcs,audit)
LAYER_SRC_wire := $(call srcs,wire)
LAYER_SRC_proj := $(call srcs,projections/core)
LAYER_SRC_views := $(foreach v,$(VIEW_DIRS),$(call srcs,$(v))) projections/views.c
DAEMON_SRC := $(call srcs,daemon)
TOOLS_SRC := $(call srcs,tools)
# Static libraries in link order: a layer before the layers below it.
CORE_LIBS := $(RULES_LIB) $(STORE_LIB) $(LIB_LIB) $(CRYPTO_LIB) $(BASE_LIB)
PURE_LIBS := $(LIB_LIB) $(CRYPTO_LIB) $(BASE_LIB)

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
BINS := $(BUILD)/pdld $(BUILD)/pdl $(BUILD)/pdl-project

.PHONY: all deps test unit e2e run bench clean fuzz fuzz-short fuzz-build fuzz-corpus soak san-prep san-check layers docs \
        vectors
all: deps $(BINS) $(UNIT_BIN) docs

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
	@# node and npm run the outside verifier's SM2/SM3 (tests/e2e/sm_crypto.js); Debian's
	@# nodejs and npm, unless a node with npm is there already
	@if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
	  echo "make deps: installing nodejs npm"; \
	  if [ "$$(id -u)" != 0 ]; then echo "make deps: need root to install nodejs npm" >&2; exit 1; fi; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm; \
	fi
	@# the npm packages of tests/e2e/npm (sm-crypto), pinned by its lock file, in $(NPM_DIR)
	@if ! cmp -s tests/e2e/npm/package-lock.json $(NPM_DIR)/package-lock.json || \
	   [ ! -f $(NPM_DIR)/node_modules/sm-crypto/package.json ]; then \
	  echo "make deps: npm ci in $(NPM_DIR)"; \
	  mkdir -p $(NPM_DIR) && cp tests/e2e/npm/package.json tests/e2e/npm/package-lock.json $(NPM_DIR)/ && \
	  (cd $(NPM_DIR) && npm ci --no-audit --no-fund --loglevel=error) || exit 1; \
	fi

# ---- the version: VERSION and the git commit (mk/version.sh), one place ----
PDL_VERSION := $(shell sh mk/version.sh)
ifeq ($(PDL_VERSION),)
$(error mk/version.sh gave no version: see its message above)
endif
PDL_VERSION_PLAIN := $(shell sh mk/version.sh --plain)
# rewritten only when the string changes: base/version.o is rebuilt then, and only then
$(BUILD)/version.stamp: FORCE
	@mkdir -p $(BUILD)
	@echo '$(PDL_VERSION)' | cmp -s - $@ || echo '$(PDL_VERSION)' > $@
$(BUILD)/base/version.o: $(BUILD)/version.stamp
$(BUILD)/base/version.o: CFLAGS += -DPDL_VERSION_STRING='"$(PDL_VERSION)"'
.PHONY: FORCE
FORCE:

# Header dependencies come from the compiler (-MMD): each object's .d file.
$(BUILD)/%.o: %.c Makefile | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(call layer_inc,$(call obj_folder,$@,$(BUILD))) -c -o $@ $<

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

define archive
$(1): $(call objs,$(2))
	@rm -f $$@
	ar rcs $$@ $$^
endef
$(eval $(call archive,$(BASE_LIB),$(LAYER_SRC_base)))
$(eval $(call archive,$(CRYPTO_LIB),$(LAYER_SRC_crypto)))
$(eval $(call archive,$(LIB_LIB),$(LAYER_SRC_lib)))
$(eval $(call archive,$(STORE_LIB),$(LAYER_SRC_store)))
$(eval $(call archive,$(RULES_LIB),$(LAYER_SRC_rules)))
$(eval $(call archive,$(AUDIT_LIB),$(LAYER_SRC_audit)))
$(eval $(call archive,$(WIRE_LIB),$(LAYER_SRC_wire)))
$(eval $(call archive,$(PROJ_LIB),$(LAYER_SRC_proj)))
$(eval $(call archive,$(VIEWS_LIB),$(LAYER_SRC_views)))

$(BUILD)/pdld: $(call objs,$(DAEMON_SRC)) $(WIRE_LIB) $(CORE_LIBS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/pdl-project: $(BUILD)/projections/pdl-project.o $(VIEWS_LIB) $(PROJ_LIB) $(WIRE_LIB) $(CORE_LIBS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/pdl: $(call objs,$(TOOLS_SRC)) $(VIEWS_LIB) $(PROJ_LIB) $(WIRE_LIB) $(AUDIT_LIB) $(CORE_LIBS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# ---- man pages and bash completion, made from the binaries' --help texts ----
# mk/helpdoc.py runs each freshly built binary (and each pdl command) with
# --help: the help text is the one source, so neither can drift from it.
HELPDOC := /usr/bin/python3 mk/helpdoc.py
MAN_PAGES := $(BUILD)/man/pdl.1 $(BUILD)/man/pdld.8 $(BUILD)/man/pdl-project.8
COMPLETIONS := $(BUILD)/completion/pdl $(BUILD)/completion/pdld $(BUILD)/completion/pdl-project
$(BUILD)/man/%.1: $(BUILD)/% mk/helpdoc.py
	@mkdir -p $(dir $@)
	$(HELPDOC) man $< 1 >$@.tmp && mv $@.tmp $@
$(BUILD)/man/%.8: $(BUILD)/% mk/helpdoc.py
	@mkdir -p $(dir $@)
	$(HELPDOC) man $< 8 >$@.tmp && mv $@.tmp $@
$(BUILD)/completion/%: $(BUILD)/% mk/helpdoc.py
	@mkdir -p $(dir $@)
	$(HELPDOC) completion $< >$@.tmp && mv $@.tmp $@
docs: $(MAN_PAGES) $(COMPLETIONS)

# Unit tests link the layers they test and those below, no more: the pure
# library's tests link lib/, crypto/ and base/ only (so the library is
# shown to stand without LMDB, NNG or the rules); the projections' tests
# the projection layers too; the rest the core and the audit.
LIB_TESTS := $(addprefix $(BUILD)/tests/,test_check test_crypto test_ed25519 test_envelope test_htab test_httpreq test_log test_merkle \
             test_note test_prom test_readable test_readtok test_sha256 test_split test_tlog)
PROJ_TESTS := $(filter $(BUILD)/tests/test_metrics% $(BUILD)/tests/test_proj% $(BUILD)/tests/test_wire,$(UNIT_BIN))
CORE_TESTS := $(filter-out $(LIB_TESTS) $(PROJ_TESTS),$(UNIT_BIN))

$(LIB_TESTS): $(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(PURE_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_TEST)

$(PROJ_TESTS): $(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(VIEWS_LIB) $(PROJ_LIB) $(WIRE_LIB) $(CORE_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_TEST)

$(CORE_TESTS): $(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(AUDIT_LIB) $(CORE_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_TEST)

# The layering check: mk/layers.sh reads each folder's flags from this file.
$(BUILD)/layers.txt: Makefile
	@mkdir -p $(BUILD)
	@: > $@.tmp
	@$(foreach f,$(FOLDERS),echo '$(f)|$(call layer_inc,$(f))|$(USES_$(f))' >> $@.tmp;)
	@mv $@.tmp $@

layers: $(BUILD)/layers.txt | deps
	@CC="$(CC)" CFLAGS="-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror" sh mk/layers.sh $(BUILD)/layers.txt

# Under SAN=1 every process the tests start (pdld and pdl-project too, whose
# exit codes the scripts do not see) writes its sanitizer reports to
# $(SAN_LOGS); san-check fails the run if there is any, and prints them
# after a failed run too (a test that failed because a process died shows
# the report that says why).
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
	@fail=0; for t in $(UNIT_BIN); do echo "== $$t"; $(SAN_ENV) $$t || fail=1; done; \
	  $(MAKE) --no-print-directory san-check || fail=1; exit $$fail

e2e: all
	@$(MAKE) --no-print-directory san-prep
	@fail=0; $(SAN_ENV) PDL=$(CURDIR)/$(BUILD)/pdl PDLD=$(CURDIR)/$(BUILD)/pdld PDLPROJ=$(CURDIR)/$(BUILD)/pdl-project \
	  PDL_BUILD=$(CURDIR)/$(BUILD) PDL_SAN=$(SAN) PDL_SHOTS=$(CURDIR)/$(BUILD)/screenshots sh tests/e2e/run-all.sh || fail=1; \
	  $(MAKE) --no-print-directory san-check || fail=1; exit $$fail

# The sanitizer build runs the unit and e2e tests; the plain one also gives
# each fuzz target a short run (the fuzz build has ASan+UBSan of its own).
test: all $(BUILD)/gen_corpus
	@$(MAKE) --no-print-directory layers
	@sh mk/fnsize.sh
	@sh tests/fuzz/check_corpus.sh $(BUILD)
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
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -g -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP
FUZZ_TARGETS := act entry note proofdoc http store httpbody tlog actjson ed25519
FUZZ_BINS := $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_TARGETS))
FUZZ_SECONDS ?= 60
FUZZ_TEST_SECONDS ?= 5
fobjs = $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(1))

$(FUZZ_BUILD)/base/version.o: FUZZ_CFLAGS += -DPDL_VERSION_STRING='"$(PDL_VERSION)"'
$(FUZZ_BUILD)/%.o: %.c Makefile | deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(call layer_inc,$(call obj_folder,$@,$(FUZZ_BUILD))) -c -o $@ $<

-include $(shell find $(FUZZ_BUILD) -name '*.d' 2>/dev/null)

# The page assets are embedded with .incbin (projections/core/assets.c),
# which the compiler's dependency files do not see.
PAGE_ASSETS := projections/core/assets/pdl.css projections/core/assets/pdl.js
$(BUILD)/projections/core/assets.o $(FUZZ_BUILD)/projections/core/assets.o: $(PAGE_ASSETS)

define farchive
$(FUZZ_BUILD)/$(1): $(call fobjs,$(2))
	@rm -f $$@
	ar rcs $$@ $$^
endef
$(eval $(call farchive,libpdl_base.a,$(LAYER_SRC_base)))
$(eval $(call farchive,libpdl_crypto.a,$(LAYER_SRC_crypto)))
$(eval $(call farchive,libpdl_lib.a,$(LAYER_SRC_lib)))
$(eval $(call farchive,libpdl_store.a,$(LAYER_SRC_store)))
$(eval $(call farchive,libpdl_rules.a,$(LAYER_SRC_rules)))
$(eval $(call farchive,libpdl_audit.a,$(LAYER_SRC_audit)))
$(eval $(call farchive,libpdl_wire.a,$(LAYER_SRC_wire)))
$(eval $(call farchive,libpdl_proj.a,$(LAYER_SRC_proj)))
FUZZ_PURE := $(addprefix $(FUZZ_BUILD)/,libpdl_lib.a libpdl_crypto.a libpdl_base.a)
FUZZ_CORE := $(addprefix $(FUZZ_BUILD)/,libpdl_rules.a libpdl_store.a) $(FUZZ_PURE)

# What each target links: the pure library where it can (entry, note,
# proofdoc, httpbody, tlog, actjson, ed25519); the act decoder needs the rules tables; the store reader the
# store, the rules and the audit; the HTTP parser the projection framework.
$(FUZZ_BUILD)/fuzz_entry $(FUZZ_BUILD)/fuzz_note $(FUZZ_BUILD)/fuzz_proofdoc $(FUZZ_BUILD)/fuzz_httpbody $(FUZZ_BUILD)/fuzz_tlog \
		$(FUZZ_BUILD)/fuzz_actjson $(FUZZ_BUILD)/fuzz_ed25519: $(FUZZ_BUILD)/fuzz_%: \
		$(FUZZ_BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_PURE)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)
$(FUZZ_BUILD)/fuzz_act: $(FUZZ_BUILD)/tests/fuzz/fuzz_act.o $(FUZZ_CORE)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)
$(FUZZ_BUILD)/fuzz_store: $(FUZZ_BUILD)/tests/fuzz/fuzz_store.o $(FUZZ_BUILD)/libpdl_audit.a $(FUZZ_CORE)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)
$(FUZZ_BUILD)/fuzz_http: $(FUZZ_BUILD)/tests/fuzz/fuzz_http.o $(FUZZ_BUILD)/libpdl_proj.a \
		$(FUZZ_BUILD)/libpdl_wire.a $(FUZZ_CORE)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

# keep the targets' objects (make would delete them as intermediates)
.SECONDARY: $(patsubst %,$(FUZZ_BUILD)/tests/fuzz/fuzz_%.o,$(FUZZ_TARGETS))

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

fuzz-short: $(FUZZ_BINS)
	@sh tests/fuzz/run.sh $(FUZZ_TEST_SECONDS) $(FUZZ_BINS)

# Regenerates the seed corpus (deterministic) in tests/fuzz/corpus/;
# `make test` checks that the generator runs and that the committed
# corpus has a seed for every act type (tests/fuzz/check_corpus.sh).
$(BUILD)/gen_corpus: $(BUILD)/tests/fuzz/gen_corpus.o $(CORE_LIBS)
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

# ---- install: PREFIX (/usr/local), DESTDIR (a staging root) ----
# pdl in bin/, the daemons (section 8) in sbin/, man pages, bash
# completion, the systemd units (with this PREFIX's paths) and their
# option files, the nginx site files of the tree, and the docs. An option
# file already there is kept (it is the operator's). Nothing is started.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/pdl
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
INSTALL ?= install
DIST_UNITS := pdld.service pdl-project.service
# every nginx site file in the tree, a .conf in a folder named nginx (contrib/nginx/):
# an example to adapt, never enabled by installing
NGINX_FILES := $(sort $(shell find . -path ./build -prune -o -path ./build-san -prune -o -path ./build-fuzz -prune \
                 -o -path ./.git -prune -o -path ./debian -prune -o -type f -path '*/nginx/*.conf' -print 2>/dev/null))
DOC_FILES := README.md $(wildcard spec/*.md)
INSTALLED = $(DESTDIR)$(BINDIR)/pdl $(DESTDIR)$(SBINDIR)/pdld $(DESTDIR)$(SBINDIR)/pdl-project \
            $(DESTDIR)$(MANDIR)/man1/pdl.1 $(DESTDIR)$(MANDIR)/man8/pdld.8 $(DESTDIR)$(MANDIR)/man8/pdl-project.8 \
            $(addprefix $(DESTDIR)$(BASHCOMPDIR)/,pdl pdld pdl-project) \
            $(addprefix $(DESTDIR)$(SYSTEMDUNITDIR)/,$(DIST_UNITS))

.PHONY: install uninstall bins
bins: deps $(BINS) docs

install: bins
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 \
	  $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSCONFDIR)/default $(DESTDIR)$(DOCDIR)/spec
	$(INSTALL) -m 0755 $(BUILD)/pdl $(DESTDIR)$(BINDIR)/pdl
	$(INSTALL) -m 0755 $(BUILD)/pdld $(BUILD)/pdl-project $(DESTDIR)$(SBINDIR)/
	$(INSTALL) -m 0644 $(BUILD)/man/pdl.1 $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL) -m 0644 $(BUILD)/man/pdld.8 $(BUILD)/man/pdl-project.8 $(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -m 0644 $(COMPLETIONS) $(DESTDIR)$(BASHCOMPDIR)/
	@for u in $(DIST_UNITS); do \
	  sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	      -e 's|@DOCDIR@|$(DOCDIR)|g' dist/systemd/$$u.in >$(BUILD)/$$u && \
	  echo "$(INSTALL) -m 0644 $(BUILD)/$$u $(DESTDIR)$(SYSTEMDUNITDIR)/$$u" && \
	  $(INSTALL) -m 0644 $(BUILD)/$$u $(DESTDIR)$(SYSTEMDUNITDIR)/$$u || exit 1; \
	done
	@for f in dist/default/*; do \
	  t=$(DESTDIR)$(SYSCONFDIR)/default/$$(basename $$f); \
	  if [ -e "$$t" ]; then echo "install: keeping $$t (yours; the shipped one is $$f)"; \
	  else echo "$(INSTALL) -m 0644 $$f $$t"; $(INSTALL) -m 0644 $$f "$$t" || exit 1; fi; \
	done
	$(INSTALL) -m 0644 README.md $(DESTDIR)$(DOCDIR)/
	$(INSTALL) -m 0644 $(wildcard spec/*.md) $(DESTDIR)$(DOCDIR)/spec/
ifneq ($(NGINX_FILES),)
	$(INSTALL) -d $(DESTDIR)$(DOCDIR)/examples/nginx
	$(INSTALL) -m 0644 $(NGINX_FILES) $(DESTDIR)$(DOCDIR)/examples/nginx/
endif

# ---- deb: the Debian package, with debhelper (debian/) ----
# From the binaries `make` built (their flags carry Debian's hardening):
# debian/rules runs from a copy of debian/ in $(BUILD)/deb/src, so dh's
# files and the .deb (and its -dbgsym) land in $(BUILD)/deb, never in the tree.
DEB_OUT := $(BUILD)/deb
.PHONY: deb
deb: bins
	@rm -rf $(DEB_OUT) && mkdir -p $(DEB_OUT)/src
	@cp -R debian $(DEB_OUT)/src/debian
	@v=$$(dpkg-parsechangelog -l debian/changelog -S Version); if [ "$$v" != "$(PDL_VERSION_PLAIN)" ]; then \
	  echo "make deb: debian/changelog is at $$v but VERSION says $(PDL_VERSION_PLAIN): add a changelog entry" >&2; exit 1; fi
	cd $(DEB_OUT)/src && TOP=$(CURDIR) SAN=$(SAN) $(if $(filter 0,$(shell id -u)),,fakeroot) debian/rules binary
	@ls -1 $(DEB_OUT)/*.deb

# Removes what install put there, but not the option files (the
# operator's) nor any data: the ledger is never touched.
uninstall:
	rm -f $(INSTALLED)
	rm -rf $(DESTDIR)$(DOCDIR)

run: all
	@sh tools/demo.sh $(CURDIR)/$(BUILD)

# Regenerates spec/vectors/ed25519-sha256.json from spec/vectors/inputs.json
# with pdl's own encoder and signer (tests/unit/test_vectors.c, which `make
# test` runs without PDL_VECTORS_WRITE to prove the file current).
vectors: $(BUILD)/tests/test_vectors
	@PDL_SRC=$(CURDIR) PDL_VECTORS_WRITE=1 $(BUILD)/tests/test_vectors

# Both crypto suites side by side, each against its own verify bound
# measured in the same run (pdl bench --suite), then the projection lag.
bench: all
	@$(BUILD)/pdl bench $(BENCH_ARGS) | tee $(BUILD)/bench-ed25519-sha256.json
	@$(BUILD)/pdl bench --suite sm2-sm3 $(BENCH_SM2_ARGS) | tee $(BUILD)/bench-sm2-sm3.json
	@/usr/bin/python3 tools/bench-table.py $(BUILD)/bench-ed25519-sha256.json $(BUILD)/bench-sm2-sm3.json
	@$(BUILD)/pdl bench --curve $(BENCH_CURVE_ARGS) | tee $(BUILD)/bench-curve.json
	@$(BUILD)/pdl bench --lag $(BENCH_LAG_ARGS)
	@# pdl submit itself (sign bound, one core) and 4 of them end to end (verify bound)
	@$(BUILD)/pdl bench-client $(BENCH_CLIENT_ARGS) | tee $(BUILD)/bench-client.json
	@bash tools/bench-reads.sh $(CURDIR)/$(BUILD)
	@# t_100_tiles at the tlog-tiles spec's own size (make test runs it at 3,000 entries)
	@TILES_ENTRIES=70000 PDL=$(CURDIR)/$(BUILD)/pdl PDLD=$(CURDIR)/$(BUILD)/pdld PDLPROJ=$(CURDIR)/$(BUILD)/pdl-project \
	  sh tests/e2e/run-all.sh 100_tiles

# A ledger of SCALE_N entries (10,000,000 by default: tens of minutes and
# some 40 GB of scratch space), built and measured by tools/bench-scale.sh
# (issue 17): proofs, pdl verify, view catch-up, tiles, export, pdld's
# memory, disk per entry and per table; and PostgreSQL with a hash-chain
# trigger beside it (tools/bench-pg.sh), whose server is installed here
# only, not by make deps. Not part of make test or make bench.
BENCH_SCALE_PKGS := postgresql postgresql-contrib time
.PHONY: bench-scale bench-scale-deps
bench-scale-deps: deps
	@missing=""; for p in $(BENCH_SCALE_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make bench-scale-deps: installing$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "make bench-scale-deps: need root to install$$missing" >&2; exit 1; fi; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

bench-scale: bins bench-scale-deps
	@bash tools/bench-scale.sh $(BUILD)

clean:
	rm -rf build build-san build-fuzz
