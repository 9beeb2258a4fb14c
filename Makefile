# apigw: build the nginx module against Debian's nginx sources, run tests,
# start the demo.  See README.md.

SHELL := /bin/bash

NGX_SRC      ?= /usr/share/nginx/src
BUILD        := build
NGX_BUILD    := $(BUILD)/nginx
MODULE       := $(BUILD)/ngx_http_apigw_module.so

MODULE_SRCS  := $(wildcard ngx_apigw_module/*.c ngx_apigw_module/*.h)

# the nginx-free core, shared by the unit tests and the fuzzers
CORE_SRCS    := ngx_apigw_module/apigw_util.c ngx_apigw_module/apigw_yaml.c \
                ngx_apigw_module/apigw_doc.c ngx_apigw_module/apigw_spec.c \
                ngx_apigw_module/apigw_route.c \
                ngx_apigw_module/apigw_template.c
CORE_LIBS    := -ljansson -lyaml
UNIT_CFLAGS  := -std=gnu99 -g -O1 -Wall -Wextra -Werror \
                -fsanitize=address,undefined -fno-omit-frame-pointer \
                -Ingx_apigw_module
UNIT_TESTS   := $(patsubst t/unit/%.c,$(BUILD)/unit/%,$(wildcard t/unit/test_*.c))

PROVE_JOBS   ?= 2

# the same module under AddressSanitizer and UBSan, preloaded into nginx
ASAN_BUILD   := $(BUILD)/asan
ASAN_MODULE  := $(ASAN_BUILD)/objs/ngx_http_apigw_module.so
ASAN_FLAGS   := -fsanitize=address,undefined -fno-omit-frame-pointer -g -O1
ASAN_PRELOAD  = $(shell $(CC) -print-file-name=libasan.so) \
                $(shell $(CC) -print-file-name=libubsan.so)

.PHONY: all deps module unit test test-unit test-t test-asan demo bench \
        clean

all: module

deps:
	@./scripts/bootstrap-deps

module: $(MODULE)

$(NGX_BUILD)/objs/Makefile: config
	@rm -rf $(NGX_BUILD)
	@mkdir -p $(BUILD)
	cp -r $(NGX_SRC) $(NGX_BUILD)
	cd $(NGX_BUILD) && . ./conf_flags && \
	    ./configure "$${NGX_CONF_FLAGS[@]}" \
	        --add-dynamic-module=$(CURDIR) > ../configure.log 2>&1 \
	    || { tail -20 ../configure.log; exit 1; }

$(MODULE): $(NGX_BUILD)/objs/Makefile $(MODULE_SRCS)
	$(MAKE) -s -C $(NGX_BUILD) -f objs/Makefile modules
	@# a new file, not a rewrite: running workers keep the old one mapped
	cp $(NGX_BUILD)/objs/ngx_http_apigw_module.so $@.tmp && mv -f $@.tmp $@

$(ASAN_BUILD)/objs/Makefile: config
	@rm -rf $(ASAN_BUILD)
	@mkdir -p $(BUILD)
	cp -r $(NGX_SRC) $(ASAN_BUILD)
	cd $(ASAN_BUILD) && . ./conf_flags && \
	    ./configure "$${NGX_CONF_FLAGS[@]}" --with-cc-opt="$(ASAN_FLAGS)" \
	        --with-ld-opt="-fsanitize=address,undefined" \
	        --add-dynamic-module=$(CURDIR) > ../configure-asan.log 2>&1 \
	    || { tail -20 ../configure-asan.log; exit 1; }

$(ASAN_MODULE): $(ASAN_BUILD)/objs/Makefile $(MODULE_SRCS)
	$(MAKE) -s -C $(ASAN_BUILD) -f objs/Makefile modules

$(BUILD)/unit/%: t/unit/%.c $(CORE_SRCS) ngx_apigw_module/apigw_core.h
	@mkdir -p $(BUILD)/unit
	$(CC) $(UNIT_CFLAGS) $< $(CORE_SRCS) $(CORE_LIBS) -o $@

unit: $(UNIT_TESTS)

test-unit: unit
	@rc=0; for t in $(UNIT_TESTS); do echo "# $$t"; \
	    (cd t/unit && ../../$$t) || rc=1; done; exit $$rc

test-t: module
	prove -j$(PROVE_JOBS) -r t/

test-asan: $(ASAN_MODULE)
	APIGW_MODULE=$(CURDIR)/$(ASAN_MODULE) APIGW_PRELOAD="$(ASAN_PRELOAD)" \
	LSAN_OPTIONS=suppressions=$(CURDIR)/t/lsan.supp:print_suppressions=0 \
	    prove -j$(PROVE_JOBS) -r t/

test: deps
	@$(MAKE) --no-print-directory module unit
	@$(MAKE) --no-print-directory test-unit
	@$(MAKE) --no-print-directory test-t
	@$(MAKE) --no-print-directory test-asan

demo: deps
	@$(MAKE) --no-print-directory module
	@./examples/petstore/demo.sh

bench: deps
	@$(MAKE) --no-print-directory module
	@./bench/run.sh

clean:
	rm -rf $(BUILD)
