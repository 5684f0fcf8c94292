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
PKGS    := yaml-0.1 devmapper libudev json-c libcrypto
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
else
VARIANT := rel
SANFLAGS :=
endif
BUILD   := build/$(VARIANT)

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CPPFLAGS += -D_GNU_SOURCE -DVMAP_VERSION='"$(VERSION)"' -Ireconcile -Icmd
CFLAGS_ALL = -std=c11 $(OPT) $(WARN) $(SANFLAGS) $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(SANFLAGS) $(LDFLAGS)

LIB_SRCS  := $(sort $(wildcard reconcile/*.c reconcile/targets/*.c))
CMD_SRCS  := $(sort $(wildcard cmd/*.c))
UNIT_SRCS := $(sort $(wildcard test/unit/test_*.c))
# Small programs the tests and benchmarks drive the library with.
TOOL_SRCS := $(sort $(wildcard test/tools/*.c))

LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CMD_OBJS  := $(CMD_SRCS:%.c=$(BUILD)/%.o)
UNIT_BINS := $(UNIT_SRCS:test/unit/%.c=$(BUILD)/unit/%)
TOOL_BINS := $(TOOL_SRCS:test/tools/%.c=$(BUILD)/tools/%)
LIB       := $(BUILD)/libvmap.a
BIN       := $(BUILD)/vmapctl

.PHONY: all deps check unit bats demo clean fuzz bench install uninstall help vm-shell
.DEFAULT_GOAL := all

all: $(BIN) $(TOOL_BINS)
ifeq ($(VARIANT),rel)
	@ln -sf $(BIN) vmapctl
endif

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(CMD_OBJS) $(LIB)
	$(CC) $(LDFLAGS_ALL) -o $@ $(CMD_OBJS) $(LIB) $(PKG_LIBS)

$(BUILD)/unit/%: test/unit/%.c $(LIB) test/unit/unit.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itest/unit $(CFLAGS_ALL) -o $@ $< $(LIB) $(PKG_LIBS) -lcmocka

$(BUILD)/tools/%: test/tools/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS_ALL) -o $@ $< $(LIB) $(PKG_LIBS)

deps:
	@scripts/deps build

# The whole suite: unit tests on the host, then bats in the VM.  The last
# line is the count ("N passed, M failed").
check: deps
	@scripts/deps test vm docs ansible
	@$(MAKE) --no-print-directory all $(UNIT_BINS)
	@VMAPCTL_BIN=$(CURDIR)/$(BIN) VMAPCTL_TOOLS=$(CURDIR)/$(BUILD)/tools VMAPCTL_UNIT_DIR=$(CURDIR)/$(BUILD)/unit test/run-suite

unit: all $(UNIT_BINS)
	@VMAPCTL_BIN=$(CURDIR)/$(BIN) VMAPCTL_UNIT_DIR=$(CURDIR)/$(BUILD)/unit test/run-suite --unit-only

# bats only (in the VM); BATS_ARGS=test/bats/foo.bats to pick files
bats: all
	@scripts/deps test vm docs ansible
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
