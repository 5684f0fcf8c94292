# vmapctl: plain Makefile.  `make help` lists the targets.
#
#   make                 build ./vmapctl
#   make check           unit tests on the host, then the bats suite in a VM
#   make check SANITIZE=1  the same with AddressSanitizer + UBSan (CI does this)
#   make demo            show vmapctl doing its job against a real kernel (VM)
#   make fuzz            build and run the libFuzzer targets (clang)
#   make install         PREFIX=/usr/local DESTDIR=

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
PREFIX  ?= /usr/local
DESTDIR ?=

CC      ?= cc
# The core of the library (spec, model, targets, plan, export) needs only
# these; the system part adds libdevmapper and libudev.  The program loads
# libsystemd (sd-journal: the log of the changes a run makes) only when it
# logs one (cmd/eventlog.c), so a converged run never loads it.
PKGS_CORE := yaml-0.1 json-c nettle
PKGS    := $(PKGS_CORE) devmapper libudev
OPT     ?= -O2 -g
WARN    := -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings \
           -Wformat=2 -Wformat-security -Wvla -Wshadow -Wpointer-arith -Wundef \
           -Wnull-dereference -Wimplicit-fallthrough
ifneq ($(WERROR),)
WARN    += -Werror
endif

ifneq ($(SANITIZE),)
VARIANT := san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# the runtimes linked in, not loaded: a sanitizer build starts about 10%
# faster (no relocation of libasan.so and libubsan.so at every start),
# and the suite starts it thousands of times in the emulated VM
ifneq ($(shell $(CC) -v 2>&1 | grep "^gcc version"),)
SANLDFLAGS := -static-libasan -static-libubsan
endif
else
VARIANT := rel
SANFLAGS :=
endif
BUILD   := build/$(VARIANT)

# Short build lines ("CC reconcile/plan/decide.c"); V=1 prints the commands.
ifeq ($(V),1)
Q_CC :=
Q_AR :=
Q_LINK :=
else
Q_CC   = @printf '  CC      %s\n' $<;
Q_AR   = @printf '  AR      %s\n' $@;
Q_LINK = @printf '  LINK    %s\n' $@;
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
PKG_CORE_LIBS = $(shell pkg-config --libs $(PKGS_CORE) 2>/dev/null)

CPPFLAGS += -D_GNU_SOURCE -DVMAP_VERSION='"$(VERSION)"' -Ireconcile -Icmd
CFLAGS_ALL = -std=c11 $(OPT) $(WARN) $(SANFLAGS) $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(SANFLAGS) $(SANLDFLAGS) $(LDFLAGS)

LIB_SRCS  := $(sort $(wildcard reconcile/*.c reconcile/*/*.c))
# The system part: what talks to the kernel or udev (dm.c, libudev) or
# calls what does, and the front door.  The rest is the core: plain data
# in, plain data out, so the unit tests link it without libdevmapper.
LPAREN    := (
SYS_SRCS  := $(sort $(filter reconcile/run/%,$(LIB_SRCS)) \
	$(shell grep -l -E 'vmap_dm_[a-z_]+[$(LPAREN)]|<libudev[.]h>|<libdevmapper[.]h>' $(LIB_SRCS)))
CORE_SRCS := $(filter-out $(SYS_SRCS),$(LIB_SRCS))
CMD_SRCS  := $(sort $(wildcard cmd/*.c))
UNIT_SRCS := $(sort $(wildcard test/unit/test_*.c))
# Small programs built with the library: generators of shipped files
# (gen/: the JSON Schema, the man page's field tables), the benchmarks'
# drivers (bench/) and the tests' (test/tools/).  All land in $(BUILD)/tools.
TOOL_SRCS := $(sort $(wildcard gen/*.c bench/*.c test/tools/*.c))

LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/%.o)
SYS_OBJS  := $(SYS_SRCS:%.c=$(BUILD)/%.o)
CMD_OBJS  := $(CMD_SRCS:%.c=$(BUILD)/%.o)
UNIT_BINS := $(UNIT_SRCS:test/unit/%.c=$(BUILD)/unit/%)
TOOL_BINS := $(addprefix $(BUILD)/tools/,$(basename $(notdir $(TOOL_SRCS))))
CORE_LIB  := $(BUILD)/libvmap-core.a
SYS_LIB   := $(BUILD)/libvmap-sys.a
LIB       := $(SYS_LIB) $(CORE_LIB)
BIN       := $(BUILD)/vmapctl
# The udev rule's helper (cmd/udev): the hand-over of `activate --device`
# alone, for the hundreds of runs of a storm.
UDEV_HELPER := $(BUILD)/vmapctl-udev-activate

.PHONY: all deps check unit bats demo clean fuzz bench install uninstall help vm-shell
.DEFAULT_GOAL := all

all: $(BIN) $(UDEV_HELPER) $(TOOL_BINS)
ifeq ($(VARIANT),rel)
	@ln -sf $(BIN) vmapctl
endif

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q_CC)$(CC) $(CPPFLAGS) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(CORE_LIB): $(CORE_OBJS)
	@rm -f $@
	$(Q_AR)$(AR) rcs $@ $^

$(SYS_LIB): $(SYS_OBJS)
	@rm -f $@
	$(Q_AR)$(AR) rcs $@ $^

$(BIN): $(CMD_OBJS) $(LIB)
	$(Q_LINK)$(CC) $(LDFLAGS_ALL) -o $@ $(CMD_OBJS) $(LIB) $(PKG_LIBS)

# The core and libc only, no pkg-config libraries (the link fails if the
# hand-over ever needs more), and linked statically: udev runs it for every
# event of a storm.  In the one-CPU test VM it starts and hands over in
# 7.6 ms so, against 22.6 ms as a static PIE and 42 ms as a dynamic program
# of libc alone (the loader's and the self-relocation's page faults).  Not
# a PIE, then: no ASLR for a program that reads only what root wrote (its
# MAJ:MIN argument from udev, the run directory's files, 0700) and lives
# for milliseconds.  It uses nothing of glibc that needs shared objects at
# run time (no NSS, no dlopen, no iconv).  The sanitizer build cannot link
# ASan statically: dynamic there.
UDEV_HELPER_LDFLAGS := $(if $(SANITIZE),,-static)
$(UDEV_HELPER): cmd/udev/vmapctl-udev-activate.c $(CORE_LIB)
	$(Q_LINK)$(CC) $(CPPFLAGS) $(CFLAGS_ALL) $(LDFLAGS_ALL) $(UDEV_HELPER_LDFLAGS) -o $@ $< $(CORE_LIB)

# Unit tests link the core only, without libdevmapper and libudev: the
# link fails if the planner or the parser ever calls into the system part.
$(BUILD)/unit/%: test/unit/%.c $(CORE_LIB) test/unit/unit.h
	@mkdir -p $(dir $@)
	$(Q_LINK)$(CC) $(CPPFLAGS) -Itest/unit $(CFLAGS_ALL) $(SANLDFLAGS) -o $@ $< $(CORE_LIB) $(PKG_CORE_LIBS) -lcmocka

vpath %.c gen bench test/tools
$(BUILD)/tools/%: %.c $(LIB)
	@mkdir -p $(dir $@)
	$(Q_LINK)$(CC) $(CPPFLAGS) $(CFLAGS_ALL) $(SANLDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS)

deps:
	@scripts/deps build

# The whole suite: unit tests on the host, then bats in the VM.  The last
# line is the count ("N passed, M failed").
check: deps
	@scripts/deps test vm docs ansible boot
	@$(MAKE) --no-print-directory -j$$(nproc) all $(UNIT_BINS)
	@VMAPCTL_BIN=$(CURDIR)/$(BIN) VMAPCTL_TOOLS=$(CURDIR)/$(BUILD)/tools VMAPCTL_UNIT_DIR=$(CURDIR)/$(BUILD)/unit test/run-suite

unit: all $(UNIT_BINS)
	@VMAPCTL_BIN=$(CURDIR)/$(BIN) VMAPCTL_UNIT_DIR=$(CURDIR)/$(BUILD)/unit test/run-suite --unit-only

# bats only (in the VM); BATS_ARGS=test/bats/foo.bats to pick files
bats: all
	@scripts/deps test vm docs ansible boot
	@VMAPCTL_BIN=$(CURDIR)/$(BIN) VMAPCTL_TOOLS=$(CURDIR)/$(BUILD)/tools test/run-suite --bats-only $(BATS_ARGS)

demo: deps
	@scripts/deps vm
	@$(MAKE) --no-print-directory all
	@VMAPCTL_BIN=$(CURDIR)/$(BIN) test/vm/run -- examples/demo.sh

# benchmarks (not part of check): validate of 10 000 volumes on the host,
# then vmapctl vs dmsetup at scale in one VM run (bench/run; ~30-40 min,
# VMAPCTL_BENCH_N="100 300" for a quick one)
bench: all
	@scripts/deps test vm
	@VMAPCTL_BIN=$(CURDIR)/$(BIN) VMAPCTL_TOOLS=$(CURDIR)/$(BUILD)/tools bench/run

vm-shell: $(BIN)
	@test/vm/run -- bash -i

-include fuzz/fuzz.mk
include install.mk
-include $(LIB_OBJS:.o=.d) $(CMD_OBJS:.o=.d)

clean:
	rm -rf build vmapctl

help:
	@sed -n '2,10p' Makefile | sed 's/^# \{0,1\}//'
