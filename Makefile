# kmsdiag: one plain Makefile.  make, make check, make install PREFIX= DESTDIR=
VERSION		= 0.1.0
PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
MANDIR		?= $(PREFIX)/share/man
DATADIR		?= $(PREFIX)/share/kmsdiag
DESTDIR		?=
B		?= build
CC		?= cc
PKG_CONFIG	?= pkg-config
AWK		?= awk

# tools/packages: the one list of packages and libraries.
packages	= $(shell sed -n 's/^$(1)[[:space:]]*//p' tools/packages)
PKGS		= $(call packages,pkgconfig)
CFLAGS		?= -O2 -g
KD_CFLAGS	= -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
		  -DKD_VERSION='"$(VERSION)"' \
		  -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
		  -Wmissing-prototypes -Wvla -Ilib -I$(B)/gen -MMD -MP
PKG_CFLAGS	= $(shell $(PKG_CONFIG) --cflags $(PKGS))
# libcsv (Debian libcsv-dev) ships no pkg-config file: linked by name.
PKG_LIBS	= $(shell $(PKG_CONFIG) --libs $(PKGS)) $(call packages,nopc)
ALL_CFLAGS	= $(KD_CFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(SANFLAGS) -pthread
# --as-needed: each program depends only on the shared libraries it calls
# (the capture on libpcap, the evidence reader on expat and libcsv, ...).
ALL_LDFLAGS	= $(LDFLAGS) $(SANFLAGS) -pthread -Wl,--as-needed

TOOLS		= capture probe dnscheck tui evidence
LIB_SRCS	= $(wildcard lib/*.c)
LIB_OBJS	= $(LIB_SRCS:%.c=$(B)/%.o) $(B)/gen/tables_gen.o
LIBA		= $(B)/libkmsdiag.a

# Each tool = its library part (every .c but main.c) + a thin main.c.
tool_srcs	= $(filter-out $(1)/main.c,$(wildcard $(1)/*.c))
tool_objs	= $(patsubst %.c,$(B)/%.o,$(call tool_srcs,$(1)))
TOOL_OBJS	= $(foreach t,$(TOOLS),$(call tool_objs,$(t)))
BINS		= $(foreach t,$(TOOLS),$(if $(wildcard $(t)/main.c),$(B)/kmsdiag-$(t)))
FRONT		= $(if $(wildcard front/main.c),$(B)/kmsdiag)
# The exporter is the one program that serves HTTP: only it links
# libmicrohttpd, and without it the rest still builds (its tests say SKIP).
HAVE_MHD	= $(shell $(PKG_CONFIG) --exists libmicrohttpd && echo yes)
EXPORTER	= $(if $(and $(wildcard exporter/main.c),$(HAVE_MHD)),$(B)/kmsdiag-exporter)
EXPORTER_OBJS	= $(call tool_objs,exporter)
EXPORTER_LIBS	= $(shell $(PKG_CONFIG) --libs libmicrohttpd)

TEST_SRCS	= $(filter-out $(if $(EXPORTER),,tests/unit/test_exporter.c),$(wildcard tests/unit/test_*.c))
TEST_BINS	= $(TEST_SRCS:tests/unit/%.c=$(B)/tests/%)
HELPER_SRCS	= $(wildcard tests/tools/*.c)
HELPER_BINS	= $(HELPER_SRCS:tests/tools/%.c=$(B)/tests/%)
FUZZ_SRCS	= $(wildcard fuzz/fuzz_*.c)
FUZZ_REPLAY	= $(if $(wildcard fuzz/onefile.c),$(FUZZ_SRCS:fuzz/%.c=$(B)/fuzz/%))

.PHONY: all tests check check-run demo bench fuzz install uninstall clean deps asan dist

all: $(BINS) $(FRONT) $(EXPORTER)

$(B)/gen/tables_gen.c: tools/gentables.awk $(wildcard data/*.tsv)
	@mkdir -p $(@D)
	$(AWK) -f tools/gentables.awk data/kms-applications.tsv data/kms-counted-ids.tsv \
	    data/kms-skus.tsv data/kms-host-key-groups.tsv data/kms-os-builds.tsv \
	    data/activation-errors.tsv data/license-states.tsv > $@.tmp && mv $@.tmp $@

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/gen/tables_gen.o: $(B)/gen/tables_gen.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBA): $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

# Each tool's library part is an archive, and a program links the archives
# of the parts it uses: the linker takes only the objects it calls, so the
# front command holds doctor's probe and DNS engines but not the capture or
# the dashboard, which it only executes.  Archives are listed dependents
# first (the dashboard uses the capture, the DNS check and the probe).
tool_lib	= $(B)/libkd-$(1).a
define tool_lib_rule
$(call tool_lib,$(1)): $(call tool_objs,$(1))
	rm -f $$@
	$$(AR) rcs $$@ $$^
endef
$(foreach t,$(TOOLS) front exporter,$(if $(call tool_srcs,$(t)),$(eval $(call tool_lib_rule,$(t)))))
tool_libs	= $(foreach t,$(1),$(call tool_lib,$(t)))

define tool_rule
$(B)/kmsdiag-$(1): $(B)/$(1)/main.o $(call tool_libs,$(2)) $(LIBA)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$< $(call tool_libs,$(2)) $(LIBA) $$(PKG_LIBS) -lm
endef
$(eval $(call tool_rule,capture,capture))
$(eval $(call tool_rule,probe,probe))
$(eval $(call tool_rule,evidence,evidence dnscheck probe))
$(eval $(call tool_rule,dnscheck,dnscheck probe))
$(eval $(call tool_rule,tui,tui evidence capture dnscheck probe))

FRONT_LIBS	= $(call tool_libs,front tui evidence capture dnscheck probe)
$(B)/kmsdiag: $(B)/front/main.o $(FRONT_LIBS) $(LIBA)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(FRONT_LIBS) $(LIBA) $(PKG_LIBS) -lm

$(B)/exporter/%.o: ALL_CFLAGS += $(shell $(PKG_CONFIG) --cflags libmicrohttpd)
$(B)/kmsdiag-exporter: $(B)/exporter/main.o $(call tool_libs,exporter dnscheck probe) $(LIBA)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(call tool_libs,exporter dnscheck probe) $(LIBA) $(PKG_LIBS) \
	    $(EXPORTER_LIBS) -lm
$(B)/tests/test_exporter: $(B)/tests/unit/test_exporter.o $(EXPORTER_OBJS) $(TOOL_OBJS) $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(EXPORTER_OBJS) $(TOOL_OBJS) $(LIBA) $(PKG_LIBS) $(EXPORTER_LIBS) -lm

# The front command's parse functions live in its library part.
$(B)/tests/test_front_args: $(B)/tests/unit/test_front_args.o $(call tool_objs,front) $(TOOL_OBJS) $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(call tool_objs,front) $(TOOL_OBJS) $(LIBA) $(PKG_LIBS) -lm

$(B)/tests/%: $(B)/tests/unit/%.o $(TOOL_OBJS) $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(TOOL_OBJS) $(LIBA) $(PKG_LIBS) -lm

$(B)/tests/%: $(B)/tests/tools/%.o $(TOOL_OBJS) $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(TOOL_OBJS) $(LIBA) $(PKG_LIBS) -lm

# Fuzz targets get a plain main() from fuzz/onefile.c so gcc can replay the corpus.
$(B)/fuzz/%: $(B)/fuzz/%.o $(B)/fuzz/onefile.o $(TOOL_OBJS) $(LIBA)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(B)/fuzz/onefile.o $(TOOL_OBJS) $(LIBA) $(PKG_LIBS) -lm

tests: all $(TEST_BINS) $(HELPER_BINS) $(FUZZ_REPLAY)

deps:
	@sh tools/deps.sh

# The whole suite, once plainly and once under ASan+UBSan; ends with "N passed, N failed".
# Without apt-get or root, missing packages are listed and the suite runs
# what it can: a test whose tool or server is missing says SKIP.
check:
	@sh tools/deps.sh || echo "deps: continuing without them: their tests say SKIP"
	@$(MAKE) --no-print-directory check-run

check-run:
	@sh tests/check.sh

asan:
	$(MAKE) B=build/asan SANFLAGS='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' CFLAGS='-O1 -g' tests

demo: deps
	@$(MAKE) --no-print-directory all
	@sh tools/demo.sh $(B)

bench:
	@sh tools/deps.sh bench
	@$(MAKE) --no-print-directory all tests
	@sh bench/run.sh $(B)

fuzz:
	@sh fuzz/run.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(DATADIR)
	install -m 755 $(BINS) $(FRONT) $(EXPORTER) $(DESTDIR)$(BINDIR)
	for m in man/*.1; do [ -f "$$m" ] && install -m 644 "$$m" $(DESTDIR)$(MANDIR)/man1; done; true
	for m in man/*.7; do [ -f "$$m" ] && install -m 644 "$$m" $(DESTDIR)$(MANDIR)/man7; done; true
	install -m 644 data/*.tsv $(DESTDIR)$(DATADIR)
	install -d $(DESTDIR)$(DATADIR)/contrib/prometheus $(DESTDIR)$(DATADIR)/contrib/icinga2 \
	    $(DESTDIR)$(DATADIR)/contrib/systemd
	install -m 644 contrib/exporter.conf $(DESTDIR)$(DATADIR)/contrib
	install -m 644 contrib/prometheus/*.yml $(DESTDIR)$(DATADIR)/contrib/prometheus
	install -m 644 contrib/icinga2/*.conf $(DESTDIR)$(DATADIR)/contrib/icinga2
	install -m 644 contrib/systemd/*.service $(DESTDIR)$(DATADIR)/contrib/systemd

uninstall:
	rm -f $(foreach t,$(TOOLS) exporter,$(DESTDIR)$(BINDIR)/kmsdiag-$(t)) $(DESTDIR)$(BINDIR)/kmsdiag
	rm -f $(patsubst man/%,$(DESTDIR)$(MANDIR)/man1/%,$(wildcard man/*.1))
	rm -f $(patsubst man/%,$(DESTDIR)$(MANDIR)/man7/%,$(wildcard man/*.7))
	rm -rf $(DESTDIR)$(DATADIR)

# A source tarball of the tracked files as they are in the working tree.
DIST		= kmsdiag-$(VERSION)
dist:
	@command -v git >/dev/null && git rev-parse --git-dir >/dev/null 2>&1 || \
	    { echo "make dist needs a git checkout"; exit 1; }
	@mkdir -p $(B)
	git ls-files -z | tar --null -T - --transform 's,^,$(DIST)/,' \
	    --owner=0 --group=0 --numeric-owner -czf $(B)/$(DIST).tar.gz
	@echo "$(B)/$(DIST).tar.gz"

clean:
	rm -rf build

-include $(shell find $(B) -name '*.d' 2>/dev/null)
