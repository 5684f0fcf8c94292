# fuzz/fuzz.mk: libFuzzer targets, included by the Makefile.
#
#   make fuzz                  build, then fuzz the spec front end for
#                              FUZZ_SECONDS (default 60) seconds
#   make fuzz FUZZ_SECONDS=600
#
# Built apart from the normal build (build/fuzz/) with clang (Debian's
# clang-14 + libclang-rt-14-dev: `scripts/deps fuzz`), instrumented with
# -fsanitize=fuzzer,address,undefined.  The seed corpus is every example and
# every bad spec; the dictionary comes from the field tables (gen-schema
# --dict).  What the fuzzer learns stays in build/fuzz/corpus/spec; a crash
# is written to ./crash-* (and fails the target).

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= 1
FUZZ_BUILD   := build/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=c11 -g -O1 $(WARN) $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(PKG_CFLAGS)
FUZZ_OBJS    := $(LIB_SRCS:%.c=$(FUZZ_BUILD)/%.o)

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/fuzz_spec: fuzz/fuzz_spec.c $(FUZZ_OBJS)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) $(PKG_LIBS)

# Seeds: the examples, the bad-spec corpus (files of directories too) and
# the real tools' tables when `make corpus-seeds` made them.
$(FUZZ_BUILD)/seeds/.stamp: $(wildcard examples/*.yaml) $(shell find test/bad-specs -name '*.yaml' 2>/dev/null) $(wildcard test/corpus/seeds/*.yaml)
	@rm -rf $(FUZZ_BUILD)/seeds && mkdir -p $(FUZZ_BUILD)/seeds
	@n=0; for f in $^; do n=$$((n + 1)); cp "$$f" "$(FUZZ_BUILD)/seeds/$$n-$${f##*/}"; done
	@touch $@

$(FUZZ_BUILD)/spec.dict: $(BUILD)/tools/gen-schema
	$(BUILD)/tools/gen-schema --dict >$@

fuzz-build: $(FUZZ_BUILD)/fuzz_spec $(FUZZ_BUILD)/seeds/.stamp $(FUZZ_BUILD)/spec.dict

fuzz:
	@scripts/deps build fuzz
	@$(MAKE) --no-print-directory fuzz-build
	@mkdir -p $(FUZZ_BUILD)/corpus/spec
	$(FUZZ_BUILD)/fuzz_spec -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
		-max_len=65536 $(if $(filter-out 1,$(FUZZ_JOBS)),-jobs=$(FUZZ_JOBS) -workers=$(FUZZ_JOBS)) -print_final_stats=1 \
		-dict=$(FUZZ_BUILD)/spec.dict $(FUZZ_BUILD)/corpus/spec $(FUZZ_BUILD)/seeds

.PHONY: fuzz-build
-include $(FUZZ_OBJS:.o=.d)

# Seeds from real tools' tables (test/corpus/make-tables), made in the VM
# at build time, never committed: `make corpus-seeds` writes them to
# test/corpus/seeds/, and the next seed stamp picks them up.
corpus-seeds: all
	@scripts/deps vm
	@rm -rf test/corpus/seeds && mkdir -p test/corpus/seeds
	@VMAPCTL_BIN=$(CURDIR)/$(BIN) test/vm/run -- bash -c 'test/corpus/make-tables --seeds /tmp/corpus /tmp/seeds >&2 && \
		tar -C /tmp/seeds -cf - . | base64 -w0 | sed "s/^/SEEDS:/"; echo' | \
		sed -n 's/^SEEDS://p' | base64 -d | tar -C test/corpus/seeds -xf -
	@ls test/corpus/seeds | wc -l | sed 's/$$/ seeds in test\/corpus\/seeds/'

.PHONY: corpus-seeds
