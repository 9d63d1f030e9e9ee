# conctop — build, test and run. Everything is built out of tree in build/
# (build/sanitize-*/ for SANITIZE builds). `make help` lists the targets.

comma := ,
SANITIZE ?=
ifeq ($(SANITIZE),)
BUILD ?= build
else
BUILD ?= build/sanitize-$(subst $(comma),-,$(SANITIZE))
endif

CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/' -e 's/riscv64/riscv/')
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
# the commit, when built from a git clone (conctop --version says it)
# (or GIT_COMMIT from the environment: the package build passes it on)
ifeq ($(origin GIT_COMMIT),undefined)
GIT_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null)
ifneq ($(GIT_COMMIT),)
GIT_COMMIT := $(GIT_COMMIT)$(shell git diff --quiet HEAD -- 2>/dev/null || echo -dirty)
endif
endif

# where `make install` puts things (DESTDIR is prepended). The binary finds
# its scenario programs in ../libexec/conctop/scenarios beside its bin/.
PREFIX ?= /usr/local
BINDIR := $(PREFIX)/bin
SCNDIR := $(PREFIX)/libexec/conctop/scenarios
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/conctop
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# DEPS_CHECK=0 skips scripts/deps.sh (package builds declare their own
# build dependencies)
DEPS_CHECK ?= 1

# (a sanitizer build keeps only line tables, -g1: its reports still name
# the file and line of each function's frame, not the calls gcc inlined
# into it, and it compiles in 42 s instead of 52 on two cores, of CI's 15
# minutes)
ifeq ($(SANITIZE),)
CFLAGS ?= -O2 -g
else
CFLAGS ?= -O2 -g1
endif
# -MMD -MP: the compiler writes, beside each object, the headers it read
# (the .d files included at the end), so a header change rebuilds exactly
# the objects that include it; a change of this file (its flags) rebuilds
# every object
override CFLAGS += -MMD -MP -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -pthread \
	-DCONCTOP_VERSION='"$(VERSION)"' -Icore -Itracer -Itui -Iscenarios -I$(BUILD)/tracer
override LDFLAGS += -pthread
ifneq ($(SANITIZE),)
override CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
override LDFLAGS += -fsanitize=$(SANITIZE)
endif
LIBS_BPF := -lbpf -lelf -ldeflate -lz -lm
LIBS_CORE := -ldeflate -lz -lm
LIBS_NCURSES := $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw -ltinfo)

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-7s %s\n' "$(1)" "$(2)";
endif

CORE_SRC := $(wildcard core/*.c)
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
TRACER_SRC := $(filter-out %.bpf.c,$(wildcard tracer/*.c))
TRACER_OBJ := $(TRACER_SRC:%.c=$(BUILD)/%.o)
CLI_SRC := $(wildcard cli/*.c)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
# tui/: pure rendering (grid, themes, render) in libtui.a; screen.c is the
# only file that talks to ncurses
TUI_SRC := $(filter-out tui/screen.c,$(wildcard tui/*.c))
TUI_OBJ := $(TUI_SRC:%.c=$(BUILD)/%.o)
SCREEN_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tui/screen.c))
SCN_NAMES := $(filter-out common catalogue lessons,$(basename $(notdir $(wildcard scenarios/*.c))))
SCN_BIN := $(SCN_NAMES:%=$(BUILD)/scenarios/%)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
PROG_BIN := $(patsubst tests/progs/%.c,$(BUILD)/tests/progs/%,$(filter-out tests/progs/%.so.c,$(wildcard tests/progs/*.c)))
PRELOAD_LIB := $(patsubst tests/progs/%.so.c,$(BUILD)/tests/progs/%.so,$(wildcard tests/progs/*.so.c))
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_STANDALONE := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/%-standalone)
# (bench/*.so.c are libraries a benchmark builds and preloads itself)
BENCH_BIN := $(patsubst bench/%.c,$(BUILD)/bench/%,$(filter-out bench/%.so.c,$(wildcard bench/*.c)))

DEPS_OK := $(BUILD)/.deps-ok

.PHONY: all deps test test-bins run clean bench fuzz fuzz-run help install uninstall deb
all: $(BUILD)/conctop $(SCN_BIN)

help:
	@echo "make            build build/conctop and the scenarios"
	@echo "make deps       install the Debian packages the build and tests need"
	@echo "make test       build everything and run every test (BPF tests need root)"
	@echo "make test-bins  build what make test runs, without running it"
	@echo "make run        build, then show the default scenario (prodcons) live (without a terminal: record it, print its report)"
	@echo "make bench      build and run the benchmarks (prints figures)"
	@echo "make fuzz       build the libFuzzer targets (clang) into $(BUILD)/fuzz/"
	@echo "make install    install conctop, its scenarios, man page, docs and bash completion"
	@echo "                under PREFIX (default /usr/local), into DESTDIR if set"
	@echo "make uninstall  remove what make install put there (same PREFIX and DESTDIR)"
	@echo "make deb        build the Debian package (dpkg-buildpackage -us -uc -b) into build/deb/"
	@echo "make fuzz-run SECONDS=N  run each fuzz target N s on its corpus, and grow the corpus"
	@echo "make clean      remove build/"
	@echo "options: V=1 (show commands), SANITIZE=address,undefined (sanitizer build in build/sanitize-*)"

deps:
	@scripts/deps.sh install

# Checked once per build tree: installs what is missing when root, else
# fails with the apt-get line to run.
$(DEPS_OK): scripts/deps.sh
	@if [ "$(DEPS_CHECK)" != 0 ]; then scripts/deps.sh; fi
	@mkdir -p $(@D) && touch $@

# the commit goes into main.o only, rebuilt when it changes
COMMIT_STAMP := $(BUILD)/.commit
$(shell mkdir -p $(BUILD) && (echo '$(GIT_COMMIT)' | cmp -s - $(COMMIT_STAMP) || echo '$(GIT_COMMIT)' > $(COMMIT_STAMP)))
$(BUILD)/cli/main.o: $(COMMIT_STAMP)
$(BUILD)/cli/main.o: override CFLAGS += -DCONCTOP_COMMIT='"$(GIT_COMMIT)"'

$(BUILD)/%.o: %.c Makefile $(DEPS_OK)
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# ---- BPF: vmlinux.h from the running kernel's BTF, object, skeleton ----
$(BUILD)/tracer/vmlinux.h: $(DEPS_OK)
	$(call msg,BTF,$@)
	@mkdir -p $(@D)
	@test -r /sys/kernel/btf/vmlinux || { echo "error: /sys/kernel/btf/vmlinux is missing: this kernel has no BTF (CONFIG_DEBUG_INFO_BTF), which conctop's BPF programs need" >&2; exit 1; }
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/tracer/sched.bpf.o: tracer/sched.bpf.c $(wildcard tracer/*.bpf.h) tracer/conctop.h core/event_types.h $(BUILD)/tracer/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
		-I$(BUILD)/tracer -Itracer -Icore -c $< -o $@

$(BUILD)/tracer/sched.skel.h: $(BUILD)/tracer/sched.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name sched_bpf > $@.tmp && mv $@.tmp $@

$(TRACER_OBJ): $(BUILD)/tracer/sched.skel.h
$(CLI_OBJ): $(BUILD)/tracer/sched.skel.h

$(BUILD)/libcore.a: $(CORE_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/libtui.a: $(TUI_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/conctop: $(CLI_OBJ) $(TRACER_OBJ) $(SCREEN_OBJ) $(BUILD)/scenarios/catalogue.o $(BUILD)/scenarios/lessons.o $(BUILD)/libtui.a $(BUILD)/libcore.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_BPF) $(LIBS_NCURSES)

# ---- scenarios: one program each, with the shared helper; standalone C
# that defines its own feature macros ----
$(BUILD)/scenarios/%.o: scenarios/%.c Makefile $(DEPS_OK)
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(filter-out -D_GNU_SOURCE,$(CFLAGS)) -c $< -o $@

$(BUILD)/scenarios/%: $(BUILD)/scenarios/%.o $(BUILD)/scenarios/common.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

# ---- tests ----
$(BUILD)/tests/test_%: $(BUILD)/tests/unit/test_%.o $(BUILD)/libtui.a $(BUILD)/libcore.a $(BUILD)/tracer/decode.o $(BUILD)/tracer/pending.o
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter-out %.a,$^) $(filter %.a,$^) $(LIBS_CORE)

# test_view_history drives the view's read backs of the past
# (cli/view_history.c) with the cli objects they call
$(BUILD)/tests/test_view_history: $(addprefix $(BUILD)/cli/,view_history.o readtrace.o evloop.o view_why.o util.o contention.o report.o undone_out.o)
$(BUILD)/tests/unit/test_view_history.o: override CFLAGS += -Icli

# test_logstream prints logs through conctop log's own printing (cli/log.c)
$(BUILD)/tests/test_logstream: $(addprefix $(BUILD)/cli/,log.o readtrace.o evloop.o util.o undone_out.o report.o contention.o)
$(BUILD)/tests/unit/test_logstream.o: override CFLAGS += -Icli

$(BUILD)/tests/progs/%: tests/progs/%.c $(BUILD)/libcore.a $(DEPS_OK)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(filter-out -D_GNU_SOURCE,$(CFLAGS)) $(LDFLAGS) -o $@ $< $(BUILD)/libcore.a $(LIBS_CORE)

# Programs whose waits the tests name (the glibc objects they block on):
# never built with sanitizers, whose runtimes add waits of their own.
PLAIN_PROGS := syncwaits pingpong handoff critchain undone timerwake hang
$(PLAIN_PROGS:%=$(BUILD)/tests/progs/%): $(BUILD)/tests/progs/%: tests/progs/%.c $(DEPS_OK)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -pthread -o $@ $<

$(BUILD)/tests/progs/%.so: tests/progs/%.so.c $(DEPS_OK)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -fPIC -shared -pthread -o $@ $< -ldl

# The plain build of a fuzz target, for the corpus replay in make test. The
# extra sources a target needs are prerequisites of its own (below); the
# libraries go last, tui before core.
$(BUILD)/tests/fuzz_%-standalone: tests/fuzz/fuzz_%.c $(BUILD)/libcore.a
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Icli -DFUZZ_STANDALONE -o $@ $(filter-out %.a,$^) $(filter %libtui.a,$^) $(BUILD)/libcore.a $(LIBS_CORE)

# (bench_trace --write makes the long recordings of test_bigfile)
TEST_BINS := $(BUILD)/conctop $(SCN_BIN) $(UNIT_BIN) $(PROG_BIN) $(PRELOAD_LIB) $(FUZZ_STANDALONE) $(BUILD)/bench/bench_trace

# make test builds with a job per CPU, whatever make was given: a serial
# build of the sanitizer tree took 69 s of CI's 15 minutes, 36 s with two
# jobs on its two cores
NPROC := $(shell nproc 2>/dev/null || echo 1)
test:
	@$(MAKE) --no-print-directory -j$(NPROC) test-bins
	@BUILD=$(BUILD) tests/run

test-bins: $(TEST_BINS)

# The main job: the default scenario (prodcons) in the classroom view, at
# its classroom pace, replayed round after it ends until q (q or Ctrl-C while
# it runs stops prodcons: 143 or 130, not an error here); without a
# terminal, a recording of it and its report.
run: $(BUILD)/conctop $(SCN_BIN)
	@if [ "$$(id -u)" != 0 ]; then echo "make run: tracing needs root: run 'sudo make run'" >&2; exit 1; fi
	@if [ -t 0 ] && [ -t 1 ]; then \
		rc=0; $(BUILD)/conctop run --classroom prodcons || rc=$$?; \
		case $$rc in 0|130|143) ;; *) exit $$rc ;; esac; \
	else \
		echo "make run: no terminal: recording prodcons instead of the live view"; \
		$(BUILD)/conctop record -o $(BUILD)/prodcons.ctrace prodcons && \
		$(BUILD)/conctop report $(BUILD)/prodcons.ctrace; \
	fi

# ---- fuzzing (clang + libFuzzer) ----
# fuzz_trace: the trace reader (core/). fuzz_timeline: trace -> timeline ->
# lanes, log, export (SVG, Perfetto), report, dump, through the commands
# (core/, tui/ but screen.c, and the cli/ files below). fuzz_import: the
# import parsers (core/).
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_CLI_SRC := cli/lanes.c cli/log.c cli/export.c cli/export_perfetto.c cli/report.c cli/dump.c cli/readtrace.c \
	cli/util.c cli/outfile.c cli/contention.c cli/path.c cli/undone_out.c cli/evloop.c
$(BUILD)/fuzz/fuzz_timeline: $(TUI_SRC) $(FUZZ_CLI_SRC)
$(BUILD)/tests/fuzz_timeline-standalone: $(FUZZ_CLI_SRC:%.c=$(BUILD)/%.o) $(BUILD)/libtui.a

fuzz: $(FUZZ_BIN)
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(CORE_SRC) $(DEPS_OK) $(wildcard tests/fuzz/*.h core/*.h tui/*.h cli/*.h)
	$(call msg,FUZZ,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) -std=gnu11 -O1 -g -D_GNU_SOURCE -DCONCTOP_VERSION='"$(VERSION)"' -Icore -Itui -Icli \
		-fsanitize=fuzzer,address,undefined -pthread -o $@ $(filter %.c,$^) -ldeflate -lz -lm

# Runs every fuzz target for SECONDS seconds, one after the other, on a work
# copy of its checked-in corpus (tests/fuzz/corpus_NAME/); then merges into
# the checked-in corpus the inputs that reach code (edges, so that it stays
# small: -use_counters=0) it did not reach (review and commit them; a new
# input the plain build cannot replay within 5 s is kept out). A crash stops
# with the input in
# $(BUILD)/fuzz/artifacts_NAME/ and exit status 1; the executions run are
# printed per target.
SECONDS ?= 60
FUZZ_FLAGS ?= -timeout=10 -rss_limit_mb=1024 -max_len=4096 -print_final_stats=1
fuzz-run: $(FUZZ_BIN) $(FUZZ_STANDALONE)
	@for t in $(FUZZ_BIN); do \
		name=$$(basename $$t | sed 's/^fuzz_//'); \
		seeds=tests/fuzz/corpus_$$name; work=$(BUILD)/fuzz/corpus_$$name; arts=$(BUILD)/fuzz/artifacts_$$name; \
		mkdir -p $$seeds $$work $$arts; \
		echo "== fuzz $$name: $(SECONDS) s on $$seeds (work copy $$work)"; \
		$$t $$work $$seeds -max_total_time=$(SECONDS) -artifact_prefix=$$arts/ $(FUZZ_FLAGS) \
			> $(BUILD)/fuzz/$$name.log 2>&1; rc=$$?; \
		grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+ *DONE' $(BUILD)/fuzz/$$name.log; \
		if [ $$rc != 0 ]; then \
			echo "FAIL fuzz $$name: exit $$rc; the input is in $$arts/ (log: $(BUILD)/fuzz/$$name.log):"; \
			grep -E '^==[0-9]+==ERROR|^SUMMARY|fuzz_[a-z]+: |Test unit written' $(BUILD)/fuzz/$$name.log | head -5; \
			exit 1; \
		fi; \
		before=$$(ls $$seeds | wc -l); touch $(BUILD)/fuzz/$$name.stamp; \
		$$t -merge=1 -use_counters=0 $$seeds $$work > $(BUILD)/fuzz/$$name.merge.log 2>&1 || { echo "merge failed: $(BUILD)/fuzz/$$name.merge.log"; exit 1; }; \
		for f in $$(find $$seeds -type f -newer $(BUILD)/fuzz/$$name.stamp); do \
			timeout 5 $(BUILD)/tests/fuzz_$$name-standalone $$f > /dev/null 2>&1 && continue; \
			mv $$f $$arts/; echo "kept out of the corpus (fails, or over 5 s, as make test replays it): $$arts/$$(basename $$f)"; \
		done; \
		echo "fuzz $$name: corpus $$before -> $$(ls $$seeds | wc -l) files"; \
	done

# ---- benchmarks ----
$(BUILD)/bench/%: $(BUILD)/bench/%.o $(BUILD)/libtui.a $(BUILD)/libcore.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_CORE)

bench: $(BENCH_BIN) $(BUILD)/conctop $(SCN_BIN) $(PROG_BIN)
	@for b in $(BENCH_BIN); do echo "== $$b"; BUILD=$(BUILD) $$b || exit 1; done
	@BUILD=$(BUILD) python3 bench/tracer.py
	@BUILD=$(BUILD) python3 bench/attribution.py
	@BUILD=$(BUILD) python3 bench/longrun.py

# ---- install, uninstall, Debian package ----
# the documents keep the tree's layout (README.md, docs/...), so that the
# README's links to docs/ and the pages' links to each other resolve
DOC_FILES := $(filter-out docs/conctop.1,$(wildcard docs/*.md))
install: $(BUILD)/conctop $(SCN_BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SCNDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(DOCDIR)/docs/scenarios $(DESTDIR)$(DOCDIR)/docs/examples $(DESTDIR)$(BASHCOMPDIR)
	install -m 0755 $(BUILD)/conctop $(DESTDIR)$(BINDIR)/conctop
	install -m 0755 $(SCN_BIN) $(DESTDIR)$(SCNDIR)/
	install -m 0644 docs/conctop.1 $(DESTDIR)$(MANDIR)/man1/conctop.1
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 $(DOC_FILES) $(DESTDIR)$(DOCDIR)/docs/
	install -m 0644 docs/scenarios/*.md $(DESTDIR)$(DOCDIR)/docs/scenarios/
	install -m 0644 docs/examples/*.py $(DESTDIR)$(DOCDIR)/docs/examples/
	install -m 0644 scripts/conctop.bash-completion $(DESTDIR)$(BASHCOMPDIR)/conctop

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/conctop $(DESTDIR)$(MANDIR)/man1/conctop.1 $(DESTDIR)$(BASHCOMPDIR)/conctop
	rm -f $(addprefix $(DESTDIR)$(SCNDIR)/,$(SCN_NAMES))
	rm -f $(DESTDIR)$(DOCDIR)/README.md $(addprefix $(DESTDIR)$(DOCDIR)/docs/,$(notdir $(DOC_FILES)))
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/docs/scenarios/,$(notdir $(wildcard docs/scenarios/*.md)))
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/docs/examples/,$(notdir $(wildcard docs/examples/*.py)))
	-rmdir $(DESTDIR)$(SCNDIR) $(DESTDIR)$(PREFIX)/libexec/conctop $(DESTDIR)$(DOCDIR)/docs/scenarios \
		$(DESTDIR)$(DOCDIR)/docs/examples $(DESTDIR)$(DOCDIR)/docs $(DESTDIR)$(DOCDIR) 2>/dev/null

# The .deb from a copy of the tree (dpkg-buildpackage writes beside the
# source directory): build/deb/conctop_VERSION_ARCH.deb
deb:
	@command -v dpkg-buildpackage >/dev/null || { echo "make deb: dpkg-buildpackage is missing: apt-get install dpkg-dev debhelper" >&2; exit 1; }
	rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/src
	@# the project's own files: in a git checkout the tracked ones (as they are in the tree), not
	@# whatever else lies around (traces, SVGs); from a source tarball, all but the build
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z | tar --null --ignore-failed-read -T - -cf - | tar -xf - -C $(BUILD)/deb/src; \
	else \
		tar --exclude=./build --exclude=./.git --exclude=./debian/build -cf - . | tar -xf - -C $(BUILD)/deb/src; \
	fi
	cd $(BUILD)/deb/src && GIT_COMMIT='$(GIT_COMMIT)' dpkg-buildpackage -us -uc -b
	@ls $(BUILD)/deb/*.deb

clean:
	rm -rf build

.SECONDARY:

# the header dependencies the compiler wrote (none before the first build)
-include $(shell find $(BUILD) -path '$(BUILD)/sanitize-*' -prune -o -name '*.d' -print 2>/dev/null)
