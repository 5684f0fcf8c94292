# fuzz/fuzz.mk: libFuzzer targets, included by the Makefile.
#
#   make fuzz                  build, then run each target for FUZZ_SECONDS
#                              (default 60) seconds, one after the other
#   make fuzz FUZZ_SECONDS=600 FUZZ_TARGETS=plan
#
# Targets: fuzz_spec (the spec front end: YAML, validation, references,
# normalising), fuzz_plan (a spec and a live-state snapshot through
# resolve and plan, as `plan --live-state` runs them), fuzz_cache (the
# parsed-spec cache: YAML stored and read back the same, and damaged
# entries read safely; seeds: every spec seed behind a 0 byte) and
# fuzz_journal (the journals recover reads: a run's and a migration's,
# read, written back and read the same; seeds: fuzz/journal/, behind a 0
# byte for the run's, a 1 byte for a migration's).  Built apart from
# the normal build (build/fuzz/) with clang (Debian's clang-14 +
# libclang-rt-14-dev: `scripts/deps fuzz`), instrumented with
# -fsanitize=fuzzer,address,undefined.  Seeds: for fuzz_spec every example
# and every bad spec; for fuzz_plan every example and fuzz/live/*.yaml,
# each alone and paired with every snapshot in fuzz/live/.  The dictionary
# comes from the field tables (gen-schema --dict).  What the fuzzers learn
# stays in build/fuzz/corpus/TARGET; a crash is written to ./crash-* (and
# fails the target).

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= 1
FUZZ_TARGETS ?= spec plan cache journal
FUZZ_BUILD   := build/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=c11 -g -O1 $(WARN) $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(PKG_CFLAGS)
FUZZ_OBJS    := $(LIB_SRCS:%.c=$(FUZZ_BUILD)/%.o)

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_OBJS)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) $(PKG_LIBS)

# Seeds: the examples, the bad-spec corpus (files of directories too) and
# the real tools' tables when `make corpus-seeds` made them.
SPEC_SEEDS := $(wildcard examples/*.yaml) $(shell find test/bad-specs -name '*.yaml' 2>/dev/null) \
	$(wildcard test/corpus/seeds/*.yaml)
$(FUZZ_BUILD)/seeds/spec/.stamp: $(SPEC_SEEDS)
	@rm -rf $(dir $@) && mkdir -p $(dir $@)
	@n=0; for f in $^; do n=$$((n + 1)); cp "$$f" "$(dir $@)$$n-$${f##*/}"; done
	@touch $@

# The cache's: a 0 byte (YAML mode, fuzz_cache.c) and every spec seed.
$(FUZZ_BUILD)/seeds/cache/.stamp: $(SPEC_SEEDS)
	@rm -rf $(dir $@) && mkdir -p $(dir $@)
	@n=0; for f in $^; do n=$$((n + 1)); { printf '\0'; cat "$$f"; } >"$(dir $@)$$n-$${f##*/}"; done
	@touch $@

# The journals': each sample as the run's journal and as a migration's.
JOURNAL_SEEDS := $(wildcard fuzz/journal/*.json)
$(FUZZ_BUILD)/seeds/journal/.stamp: $(JOURNAL_SEEDS)
	@rm -rf $(dir $@) && mkdir -p $(dir $@)
	@for f in $^; do b=$${f##*/}; { printf '\0'; cat "$$f"; } >"$(dir $@)run-$$b"; \
		{ printf '\1'; cat "$$f"; } >"$(dir $@)mig-$$b"; done
	@touch $@

# Spec + "%%" + snapshot: every example, fuzz/live/*.yaml and the real
# tools' tables, with every snapshot of fuzz/live/ and alone.
PLAN_SPECS := $(wildcard examples/*.yaml fuzz/live/*.yaml test/corpus/seeds/*.yaml)
PLAN_LIVES := $(wildcard fuzz/live/*.json)
$(FUZZ_BUILD)/seeds/plan/.stamp: $(PLAN_SPECS) $(PLAN_LIVES)
	@rm -rf $(dir $@) && mkdir -p $(dir $@)
	@for s in $(PLAN_SPECS); do b=$${s##*/}; cp "$$s" "$(dir $@)$$b"; \
		for l in $(PLAN_LIVES); do \
			{ cat "$$s"; printf '%%%%\n'; cat "$$l"; } >"$(dir $@)$${b%.yaml}+$${l##*/}"; \
		done; done
	@touch $@

$(FUZZ_BUILD)/spec.dict: $(BUILD)/tools/gen-schema
	$(BUILD)/tools/gen-schema --dict >$@

fuzz-build: $(foreach t,$(FUZZ_TARGETS),$(FUZZ_BUILD)/fuzz_$(t) $(FUZZ_BUILD)/seeds/$(t)/.stamp) \
	$(FUZZ_BUILD)/spec.dict

fuzz:
	@scripts/deps build fuzz
	@$(MAKE) --no-print-directory fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$t; \
		echo "fuzz_$$t: $(FUZZ_SECONDS) s"; \
		$(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
			-max_len=65536 $(if $(filter-out 1,$(FUZZ_JOBS)),-jobs=$(FUZZ_JOBS) -workers=$(FUZZ_JOBS)) \
			-print_final_stats=1 -dict=$(FUZZ_BUILD)/spec.dict \
			$(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/seeds/$$t; \
	done

.PHONY: fuzz-build
-include $(FUZZ_OBJS:.o=.d)

# Seeds from real tools' tables (test/corpus/make-tables), made in the VM
# at build time, never committed: `make corpus-seeds` writes them to
# test/corpus/seeds/, and the next seed stamp picks them up.
corpus-seeds: all
	@scripts/deps vm
	@rm -rf test/corpus/seeds && mkdir -p test/corpus/seeds
	@VMAPCTL_BIN=$(CURDIR)/$(BIN) test/vm/run -- bash -c 'test/corpus/make-tables --seeds /tmp/seeds /tmp/corpus >&2 && \
		tar -C /tmp/seeds -cf - . | base64 -w0 | sed "s/^/SEEDS:/"; echo' | \
		sed -n 's/^SEEDS://p' | base64 -d | tar -C test/corpus/seeds -xf -
	@ls test/corpus/seeds | wc -l | sed 's/$$/ seeds in test\/corpus\/seeds/'

.PHONY: corpus-seeds
