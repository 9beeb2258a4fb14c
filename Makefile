# apigw: build the nginx module against Debian's nginx sources, run tests,
# start the demo.  See README.md.

SHELL := /bin/bash

NGX_SRC      ?= /usr/share/nginx/src
BUILD        := build
NGX_BUILD    := $(BUILD)/nginx
MODULE       := $(BUILD)/ngx_http_apigw_module.so

MODULE_SRCS  := $(wildcard ngx_apigw_module/*.c ngx_apigw_module/*.h)

# the nginx-free core, shared by the unit tests and the fuzzers
CORE_SRCS    := ngx_apigw_module/apigw_util.c \
                ngx_apigw_module/apigw_yaml.c \
                ngx_apigw_module/apigw_doc.c \
                ngx_apigw_module/apigw_spec.c \
                ngx_apigw_module/apigw_spec_validation.c \
                ngx_apigw_module/apigw_spec_mapping.c \
                ngx_apigw_module/apigw_params.c \
                ngx_apigw_module/apigw_json.c \
                ngx_apigw_module/apigw_json_dump.c \
                ngx_apigw_module/apigw_json_writer.c \
                ngx_apigw_module/apigw_route.c \
                ngx_apigw_module/apigw_template.c \
                ngx_apigw_module/apigw_schema.c \
                ngx_apigw_module/apigw_schema_keywords.c \
                ngx_apigw_module/apigw_schema_ref.c \
                ngx_apigw_module/apigw_schema_validate.c \
                ngx_apigw_module/apigw_schema_collections.c \
                ngx_apigw_module/apigw_schema_text.c \
                ngx_apigw_module/apigw_schema_regex.c \
                ngx_apigw_module/apigw_schema_ecma.c \
                ngx_apigw_module/apigw_schema_ecma_sets.c \
                ngx_apigw_module/apigw_schema_ecma_out.c \
                ngx_apigw_module/apigw_spec_security.c \
                ngx_apigw_module/apigw_spec_jwt.c \
                ngx_apigw_module/apigw_spec_cors.c \
                ngx_apigw_module/apigw_spec_function.c \
                ngx_apigw_module/apigw_spec_cache.c \
                ngx_apigw_module/apigw_cors.c \
                ngx_apigw_module/apigw_cache.c \
                ngx_apigw_module/apigw_keys.c \
                ngx_apigw_module/apigw_sigv4.c \
                ngx_apigw_module/apigw_jwt.c \
                ngx_apigw_module/apigw_jwk.c \
                ngx_apigw_module/apigw_throttle.c \
                ngx_apigw_module/apigw_method_settings.c \
                ngx_apigw_module/apigw_format.c \
                ngx_apigw_module/apigw_jsonpath.c \
                ngx_apigw_module/apigw_vtl.c \
                ngx_apigw_module/apigw_vtl_parse.c \
                ngx_apigw_module/apigw_vtl_expr.c \
                ngx_apigw_module/apigw_vtl_list.c \
                ngx_apigw_module/apigw_vtl_value.c \
                ngx_apigw_module/apigw_vtl_method.c \
                ngx_apigw_module/apigw_vtl_util.c \
                ngx_apigw_module/apigw_vtl_input.c \
                ngx_apigw_module/apigw_authorizer.c \
                ngx_apigw_module/apigw_trace.c \
                ngx_apigw_module/apigw_authorizer_identity.c \
                ngx_apigw_module/apigw_event.c \
                ngx_apigw_module/apigw_authorizer_event.c \
                ngx_apigw_module/apigw_proxy_event.c \
                ngx_apigw_module/apigw_function_response.c \
                ngx_apigw_module/apigw_policy.c \
                ngx_apigw_module/apigw_metrics.c \
                ngx_apigw_module/apigw_export.c \
                ngx_apigw_module/apigw_export_bundle.c
CORE_HDRS    := $(wildcard ngx_apigw_module/apigw_*.h)
CORE_LIBS    := -ljansson -lyaml -lpcre2-8 -lcrypto
UNIT_CFLAGS  := -std=gnu99 -g -O1 -Wall -Wextra -Werror \
                -fsanitize=address,undefined -fno-omit-frame-pointer \
                -Ingx_apigw_module
UNIT_TESTS   := $(patsubst t/unit/%.c,$(BUILD)/unit/%,$(wildcard t/unit/test_*.c))
# libraries of some unit tests only: libjwt is the JWT tests' oracle, never
# linked into the module
UNIT_LIBS    :=
$(BUILD)/unit/test_jwt_keys: UNIT_LIBS := -ljwt
# OpenSSL-only token minting for tools, tests, fuzzers and benchmarks
TOOLS_HDRS   := tools/apigw_jwt_sign.h
# the token tool of the examples and tests (docs/authorizers.md)
MINT         := $(BUILD)/apigw-jwt-mint
# what the SigV4 signer makes of a request, beside AWS's own signer and
# aws4 (t/99c-sigv4-signers.t): built as the unit tests are, on the core's
# objects, with ASan and UBSan
SIGV4_SIGN   := $(BUILD)/apigw-sigv4-sign
TOOLS_CFLAGS := -std=gnu99 -g -O2 -Wall -Wextra -Werror
# the core compiled once for all unit tests and the conformance runner
UNIT_OBJS    := $(patsubst ngx_apigw_module/%.c,$(BUILD)/unit/obj/%.o,$(CORE_SRCS))

PROVE_JOBS   ?= 2

# libFuzzer targets for the core (fuzz/README.md)
FUZZ_CC      ?= clang
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_TARGETS := doc spec route template schema ecma vtl json keys jws jwk \
                authorizer oidc trace export fnevent fnconf lambda cache
FUZZ_BINS    := $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZ_TARGETS))
FUZZ_OBJS    := $(patsubst ngx_apigw_module/%.c,$(FUZZ_DIR)/obj/%.o,$(CORE_SRCS))
# kept: make would remove them as intermediates after each link
.SECONDARY: $(UNIT_OBJS) $(FUZZ_OBJS)
FUZZ_DICTS   := $(patsubst %,$(FUZZ_DIR)/fuzz_%.dict,$(FUZZ_TARGETS))
FUZZ_CFLAGS  := -std=gnu99 -g -O1 -Wall -Wextra \
                -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
                -Ingx_apigw_module
FUZZ_OPTS    := -rss_limit_mb=2048 -timeout=10
FUZZ_SMOKE_TIME ?= 5
FUZZ_TIME    ?= 600
BENCH_JWT_SECONDS ?= 2

# the function host, the C runtime and SDK, the example functions
# (docs/functions.md): nginx-free programs with their own unit tests
FN_CFLAGS    := -std=gnu99 -g -O2 -Wall -Wextra -Werror -Wno-unused-parameter
FN_HOST      := $(BUILD)/apigw-fnhost
FN_RUNTIME   := $(BUILD)/apigw-fn-runtime
FN_LIB       := $(BUILD)/libapigw_function.a
FN_SHLIB     := $(BUILD)/libapigw_function.so
FN_HOST_SRCS := $(wildcard functions/host/fnhost_*.c) \
                ngx_apigw_module/apigw_util.c ngx_apigw_module/apigw_yaml.c \
                ngx_apigw_module/apigw_doc.c ngx_apigw_module/apigw_params.c
FN_HOST_HDRS := functions/host/fnhost.h ngx_apigw_module/apigw_core.h
FN_HOST_INC  := -Ingx_apigw_module -Ifunctions/host
FN_HOST_LIBS := -levent -lhttp_parser -ljansson -lyaml
# the event read and the answer written by the gateway's own JSON code:
# jansson's loader was nearly half of an invocation's instructions in the
# runtime
FN_SDK_CORE  := ngx_apigw_module/apigw_json.c ngx_apigw_module/apigw_json_dump.c \
                ngx_apigw_module/apigw_json_writer.c \
                ngx_apigw_module/apigw_util.c
FN_SDK_SRCS  := functions/sdk/apigw_fn_event.c \
                functions/sdk/apigw_fn_response.c \
                functions/sdk/apigw_fn_util.c \
                functions/runtime/apigw_fn_runtime.c $(FN_SDK_CORE)
FN_SDK_HDRS  := functions/sdk/apigw_function.h functions/sdk/apigw_fn_int.h \
                functions/runtime/apigw_fn_runtime.h \
                ngx_apigw_module/apigw_core.h ngx_apigw_module/apigw_json_int.h
FN_SDK_INC   := -Ifunctions/sdk -Ifunctions/runtime -Ingx_apigw_module
FN_SDK_LIBS  := -ljansson -lhttp_parser
FN_SDK_OBJS  := $(patsubst functions/%.c,$(BUILD)/fn/obj/%.o,\
                    $(filter functions/%,$(FN_SDK_SRCS))) \
                $(patsubst ngx_apigw_module/%.c,$(BUILD)/fn/obj/core/%.o,\
                    $(FN_SDK_CORE))
# the examples and the tests' functions: shared objects that take the SDK
# from the runtime that loads them
FN_SOS       := $(patsubst examples/functions/%.c,$(BUILD)/functions/%.so,\
                    $(wildcard examples/functions/*.c)) \
                $(BUILD)/functions/fixtures.so $(BUILD)/functions/gateway.so
# the host and the runtime under AddressSanitizer and UBSan (make test-asan)
FN_ASAN      := $(BUILD)/fn-asan
FN_ASAN_BINS := $(FN_ASAN)/apigw-fnhost $(FN_ASAN)/apigw-fn-runtime
FN_UNIT      := $(BUILD)/unit/test_fnhost_conf $(BUILD)/unit/test_fnhost_http \
                $(BUILD)/unit/test_fn_sdk

# the same module under AddressSanitizer and UBSan, preloaded into nginx
ASAN_BUILD   := $(BUILD)/asan
ASAN_MODULE  := $(ASAN_BUILD)/objs/ngx_http_apigw_module.so
ASAN_FLAGS   := -fsanitize=address,undefined -fno-omit-frame-pointer -g -O1
ASAN_PRELOAD  = $(shell $(CC) -print-file-name=libasan.so) \
                $(shell $(CC) -print-file-name=libubsan.so)

.PHONY: all deps npm-tools module unit test test-unit test-t test-asan demo \
        bench install tools bench-jwt bench-export bench-metrics \
        functions functions-asan npm-functions \
        bench-validation bench-throttle bench-auth bench-canary bench-corpus \
        bench-cache \
        bench-fnhost bench-functions \
        clean test-conformance
.PHONY: fuzz fuzz-smoke fuzz-run

all: module

deps:
	@./scripts/bootstrap-deps

# npm test peers in build/npm-tools: an OpenAPI validator, Swagger UI's
# files and two SigV4 signers, pinned by tools/npm/package-lock.json
# (docs/testing.md)
npm-tools:
	@./scripts/npm-tools

module: $(MODULE)

MODULE_OPT   ?= -O2

$(NGX_BUILD)/objs/Makefile: config Makefile
	@rm -rf $(NGX_BUILD)
	@mkdir -p $(BUILD)
	cp -r $(NGX_SRC) $(NGX_BUILD)
	@# conf_flags has no --with-cc-opt: nginx alone would use -O (-O1)
	cd $(NGX_BUILD) && . ./conf_flags && \
	    ./configure "$${NGX_CONF_FLAGS[@]}" --with-cc-opt="$(MODULE_OPT)" \
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

$(BUILD)/unit/obj/%.o: ngx_apigw_module/%.c $(CORE_HDRS)
	@mkdir -p $(BUILD)/unit/obj
	$(CC) $(UNIT_CFLAGS) -c $< -o $@

UNIT_HDRS    := t/unit/unit.h t/unit/spec_load.h t/unit/jwt_fixtures.h \
                t/unit/authorizer_fixtures.h

$(BUILD)/unit/%: t/unit/%.c $(UNIT_HDRS) $(TOOLS_HDRS) $(UNIT_OBJS)
	@mkdir -p $(BUILD)/unit
	$(CC) $(UNIT_CFLAGS) $< $(UNIT_OBJS) $(CORE_LIBS) $(UNIT_LIBS) -o $@

unit: $(UNIT_TESTS) $(FN_UNIT)

functions: $(FN_HOST) $(FN_RUNTIME) $(FN_LIB) $(FN_SHLIB) $(FN_SOS)

functions-asan: $(FN_ASAN_BINS)

$(FN_HOST): $(FN_HOST_SRCS) $(FN_HOST_HDRS)
	@mkdir -p $(BUILD)
	$(CC) $(FN_CFLAGS) $(FN_HOST_INC) $(FN_HOST_SRCS) $(FN_HOST_LIBS) -o $@

$(BUILD)/fn/obj/%.o: functions/%.c $(FN_SDK_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(FN_CFLAGS) -fPIC $(FN_SDK_INC) -c $< -o $@

$(BUILD)/fn/obj/core/%.o: ngx_apigw_module/%.c $(FN_SDK_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(FN_CFLAGS) -fPIC $(FN_SDK_INC) -c $< -o $@

$(FN_LIB): $(FN_SDK_OBJS)
	rm -f $@
	ar rcs $@ $^

$(FN_SHLIB): $(FN_SDK_OBJS)
	$(CC) -shared -Wl,-soname,libapigw_function.so $^ $(FN_SDK_LIBS) -o $@

# -rdynamic: the functions it loads find the SDK in it
$(FN_RUNTIME): functions/runtime/apigw_fn_main.c $(FN_SDK_OBJS)
	$(CC) $(FN_CFLAGS) -rdynamic $(FN_SDK_INC) $^ $(FN_SDK_LIBS) -ldl -o $@

$(BUILD)/functions/%.so: examples/functions/%.c functions/sdk/apigw_function.h
	@mkdir -p $(BUILD)/functions
	$(CC) $(FN_CFLAGS) -fPIC -shared -Ifunctions/sdk $< -o $@

$(BUILD)/functions/fixtures.so: t/functions/fixtures.c \
                                functions/sdk/apigw_function.h
	@mkdir -p $(BUILD)/functions
	$(CC) $(FN_CFLAGS) -fPIC -shared -Ifunctions/sdk $< -o $@

# the gateway's tests' functions (t/99)
$(BUILD)/functions/gateway.so: t/functions/gateway.c \
                               functions/sdk/apigw_function.h
	@mkdir -p $(BUILD)/functions
	$(CC) $(FN_CFLAGS) -fPIC -shared -Ifunctions/sdk $< -o $@

$(FN_ASAN)/apigw-fnhost: $(FN_HOST_SRCS) $(FN_HOST_HDRS)
	@mkdir -p $(FN_ASAN)
	$(CC) $(FN_CFLAGS) $(ASAN_FLAGS) $(FN_HOST_INC) $(FN_HOST_SRCS) \
	    $(FN_HOST_LIBS) -o $@

$(FN_ASAN)/apigw-fn-runtime: functions/runtime/apigw_fn_main.c \
                             $(FN_SDK_SRCS) $(FN_SDK_HDRS)
	@mkdir -p $(FN_ASAN)
	$(CC) $(FN_CFLAGS) $(ASAN_FLAGS) -rdynamic $(FN_SDK_INC) \
	    functions/runtime/apigw_fn_main.c $(FN_SDK_SRCS) $(FN_SDK_LIBS) \
	    -ldl -o $@

$(BUILD)/unit/test_fnhost_conf: functions/host/t/test_fnhost_conf.c \
                                $(FN_HOST_SRCS) $(FN_HOST_HDRS) t/unit/unit.h
	@mkdir -p $(BUILD)/unit
	$(CC) $(UNIT_CFLAGS) -Wno-unused-parameter -It/unit $(FN_HOST_INC) \
	    -DFNHOST_CONF_ONLY $< functions/host/fnhost_conf.c \
	    ngx_apigw_module/apigw_util.c ngx_apigw_module/apigw_yaml.c \
	    ngx_apigw_module/apigw_doc.c -ljansson -lyaml -o $@

# the HTTP layer on a loopback port, with the host's log
$(BUILD)/unit/test_fnhost_http: functions/host/t/test_fnhost_http.c \
                                functions/host/fnhost_http.c \
                                functions/host/fnhost_log.c $(FN_HOST_HDRS) \
                                t/unit/unit.h
	@mkdir -p $(BUILD)/unit
	$(CC) $(UNIT_CFLAGS) -Wno-unused-parameter -It/unit $(FN_HOST_INC) $< \
	    functions/host/fnhost_http.c functions/host/fnhost_log.c -levent \
	    -lhttp_parser -o $@

$(BUILD)/unit/test_fn_sdk: functions/sdk/t/test_fn_sdk.c $(FN_SDK_SRCS) \
                           $(FN_SDK_HDRS) t/unit/unit.h
	@mkdir -p $(BUILD)/unit
	$(CC) $(UNIT_CFLAGS) -It/unit $(FN_SDK_INC) $< \
	    functions/sdk/apigw_fn_event.c functions/sdk/apigw_fn_response.c \
	    functions/sdk/apigw_fn_util.c $(FN_SDK_CORE) -ljansson -o $@

tools: $(MINT) $(SIGV4_SIGN)

$(MINT): tools/apigw_jwt_mint.c $(TOOLS_HDRS)
	@mkdir -p $(BUILD)
	$(CC) $(TOOLS_CFLAGS) $< -ljansson -lcrypto -o $@

$(SIGV4_SIGN): tools/apigw_sigv4_sign.c $(UNIT_OBJS)
	$(CC) $(UNIT_CFLAGS) $< $(UNIT_OBJS) $(CORE_LIBS) -o $@

test-unit: unit
	@rc=0; for t in $(UNIT_TESTS) $(FN_UNIT); do echo "# $$t"; \
	    (cd t/unit && ../../$$t) || rc=1; done; exit $$rc

# the JSON Schema Test Suite against the validator (docs/json-schema.md)
SUITE_DIR    ?= t/conformance/json-schema-test-suite
SUITE_BIN    := $(BUILD)/conformance/schema_suite

$(SUITE_BIN): t/conformance/schema_suite.c $(UNIT_OBJS)
	@mkdir -p $(BUILD)/conformance
	$(CC) $(UNIT_CFLAGS) $< $(UNIT_OBJS) $(CORE_LIBS) -o $@

test-conformance: $(SUITE_BIN)
	$(SUITE_BIN) $(SUITE_DIR)

# AWS's Node.js runtime interface client for t/98 (scripts/npm-functions);
# without it, t/98 skips its Node.js cases
npm-functions:
	@./scripts/npm-functions || echo "apigw: aws-lambda-ric is not" \
	    "installed: t/98-function-runtimes.t skips its Node.js cases" >&2

test-t: module $(MINT) $(SIGV4_SIGN) npm-tools functions npm-functions
	prove -j$(PROVE_JOBS) -r t/

test-asan: $(ASAN_MODULE) $(MINT) $(SIGV4_SIGN) npm-tools functions \
           functions-asan
	APIGW_MODULE=$(CURDIR)/$(ASAN_MODULE) APIGW_PRELOAD="$(ASAN_PRELOAD)" \
	APIGW_FNHOST=$(CURDIR)/$(FN_ASAN)/apigw-fnhost \
	APIGW_FN_RUNTIME=$(CURDIR)/$(FN_ASAN)/apigw-fn-runtime \
	LSAN_OPTIONS=suppressions=$(CURDIR)/t/lsan.supp:print_suppressions=0 \
	    prove -j$(PROVE_JOBS) -r t/

test: deps
	@$(MAKE) --no-print-directory npm-tools
	@$(MAKE) --no-print-directory module unit functions
	@$(MAKE) --no-print-directory test-unit
	@$(MAKE) --no-print-directory test-conformance
	@$(MAKE) --no-print-directory test-t
	@$(MAKE) --no-print-directory test-asan
	@$(MAKE) --no-print-directory fuzz-smoke

# the fuzzers: build/fuzz/fuzz_<target>, each with its dictionary
fuzz: $(FUZZ_BINS) $(FUZZ_DICTS)

$(FUZZ_DIR)/obj/%.o: ngx_apigw_module/%.c $(CORE_HDRS)
	@mkdir -p $(FUZZ_DIR)/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_DIR)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_OBJS) $(TOOLS_HDRS) \
                   fuzz/fuzz_jwt_keys.h
	@mkdir -p $(FUZZ_DIR)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $< $(FUZZ_OBJS) $(CORE_LIBS) -o $@

# the function SDK and the function host's configuration: their own sources
$(FUZZ_DIR)/fuzz_fnevent: fuzz/fuzz_fnevent.c $(FN_SDK_HDRS) \
                          functions/sdk/apigw_fn_event.c \
                          functions/sdk/apigw_fn_response.c \
                          functions/sdk/apigw_fn_util.c $(FN_SDK_CORE)
	@mkdir -p $(FUZZ_DIR)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FN_SDK_INC) $< functions/sdk/apigw_fn_event.c \
	    functions/sdk/apigw_fn_response.c functions/sdk/apigw_fn_util.c \
	    $(FN_SDK_CORE) -ljansson -o $@

$(FUZZ_DIR)/fuzz_fnconf: fuzz/fuzz_fnconf.c functions/host/fnhost_conf.c \
                         $(FN_HOST_HDRS) $(FUZZ_OBJS)
	@mkdir -p $(FUZZ_DIR)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -DFNHOST_CONF_ONLY -Ifunctions/host $< \
	    functions/host/fnhost_conf.c $(FUZZ_OBJS) $(CORE_LIBS) -o $@

$(FUZZ_DIR)/fuzz_doc.dict: fuzz/yaml.dict
$(FUZZ_DIR)/fuzz_spec.dict: fuzz/yaml.dict fuzz/openapi.dict
$(FUZZ_DIR)/fuzz_route.dict: fuzz/route.dict
$(FUZZ_DIR)/fuzz_template.dict: fuzz/template.dict
$(FUZZ_DIR)/fuzz_schema.dict: fuzz/schema.dict
$(FUZZ_DIR)/fuzz_ecma.dict: fuzz/ecma.dict
$(FUZZ_DIR)/fuzz_vtl.dict: fuzz/vtl.dict
$(FUZZ_DIR)/fuzz_json.dict: fuzz/json.dict
$(FUZZ_DIR)/fuzz_keys.dict: fuzz/yaml.dict fuzz/keys.dict
$(FUZZ_DIR)/fuzz_jws.dict: fuzz/jws.dict fuzz/json.dict
$(FUZZ_DIR)/fuzz_jwk.dict: fuzz/jwk.dict fuzz/json.dict
$(FUZZ_DIR)/fuzz_authorizer.dict: fuzz/authorizer.dict
$(FUZZ_DIR)/fuzz_oidc.dict: fuzz/oidc.dict fuzz/json.dict
$(FUZZ_DIR)/fuzz_trace.dict: fuzz/trace.dict
$(FUZZ_DIR)/fuzz_export.dict: fuzz/yaml.dict fuzz/openapi.dict fuzz/export.dict
$(FUZZ_DIR)/fuzz_fnevent.dict: fuzz/fnevent.dict fuzz/json.dict
$(FUZZ_DIR)/fuzz_fnconf.dict: fuzz/yaml.dict fuzz/fnconf.dict
$(FUZZ_DIR)/fuzz_lambda.dict: fuzz/lambda.dict fuzz/json.dict
$(FUZZ_DIR)/fuzz_cache.dict: fuzz/cache.dict

$(FUZZ_DICTS):
	@mkdir -p $(FUZZ_DIR)
	cat $^ > $@

# a few seconds of each fuzzer on a copy of its seeds; any finding fails
fuzz-smoke: fuzz
	@rc=0; for t in $(FUZZ_TARGETS); do \
	    c=$(FUZZ_DIR)/smoke/$$t; log=$(FUZZ_DIR)/smoke-$$t.log; \
	    rm -rf $$c; mkdir -p $$c $(FUZZ_DIR)/artifacts; \
	    cp fuzz/corpus/$$t/* $$c/; \
	    if $(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_SMOKE_TIME) \
	           $(FUZZ_OPTS) -dict=$(FUZZ_DIR)/fuzz_$$t.dict \
	           -artifact_prefix=$(FUZZ_DIR)/artifacts/$$t- $$c \
	           > $$log 2>&1; \
	    then \
	        echo "ok - fuzz_$$t: $$(grep -E '^#[0-9]+' $$log | tail -1)"; \
	    else \
	        echo "not ok - fuzz_$$t (see $$log)"; tail -40 $$log; rc=1; \
	    fi; \
	done; exit $$rc

# a long run of one fuzzer, growing build/fuzz/corpus/<target>:
#     make fuzz-run T=doc FUZZ_TIME=600
fuzz-run: fuzz
	@test -n "$(T)" || { echo "usage: make fuzz-run T=doc|spec|route|template|schema|ecma|vtl|json|keys|jws|jwk|authorizer|oidc|trace|export|fnevent|fnconf|lambda|cache [FUZZ_TIME=600]" >&2; exit 2; }
	@mkdir -p $(FUZZ_DIR)/corpus/$(T) $(FUZZ_DIR)/artifacts
	$(FUZZ_DIR)/fuzz_$(T) -max_total_time=$(FUZZ_TIME) $(FUZZ_OPTS) \
	    -dict=$(FUZZ_DIR)/fuzz_$(T).dict -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_DIR)/artifacts/$(T)- \
	    $(FUZZ_DIR)/corpus/$(T) fuzz/corpus/$(T)

demo: deps
	@$(MAKE) --no-print-directory npm-tools module functions
	@./examples/petstore/demo.sh

bench: deps
	@$(MAKE) --no-print-directory module
	@./bench/run.sh

bench-validation: deps
	@$(MAKE) --no-print-directory module
	@./bench/validation.sh

# microseconds per JWT verification, against OpenSSL alone and libjwt
# (docs/authorizers.md#cost): the core built with -O2, no sanitizers
BENCH_JWT    := $(BUILD)/bench/jwt-verify

BENCH_JWT_SRCS := ngx_apigw_module/apigw_jwt.c ngx_apigw_module/apigw_jwk.c \
                  ngx_apigw_module/apigw_json.c ngx_apigw_module/apigw_util.c

$(BENCH_JWT): bench/jwt_verify.c $(BENCH_JWT_SRCS) $(CORE_HDRS) $(TOOLS_HDRS)
	@mkdir -p $(BUILD)/bench
	$(CC) $(TOOLS_CFLAGS) -Ingx_apigw_module -Itools bench/jwt_verify.c \
	    $(BENCH_JWT_SRCS) -ljansson -lcrypto -ljwt -lm -o $@

bench-jwt: $(BENCH_JWT)
	$(BENCH_JWT) $(BENCH_JWT_SECONDS)
	openssl speed -seconds 2 rsa2048 ecdsap256 ed25519 2>/dev/null \
	    | grep -E 'verify|bits'

# milliseconds for apigw_export of a spec of 5,000 operations
# (docs/export-and-docs-page.md#cost)
bench-export: deps
	@$(MAKE) --no-print-directory module
	@./bench/export.sh

bench-throttle: deps
	@$(MAKE) --no-print-directory module
	@./bench/throttle.sh

bench-auth: deps
	@$(MAKE) --no-print-directory module tools
	@./bench/auth.sh

# functions through the gateway beside a bare proxy_pass, an http
# integration and serverless-offline (scripts/npm-serverless-offline):
# bench/functions.sh, docs/benchmarks.md
bench-functions: deps
	@$(MAKE) --no-print-directory module functions
	@./bench/functions.sh

# the function host alone: cold start, warm invocations/s (unix socket, TCP)
bench-fnhost: deps
	@$(MAKE) --no-print-directory functions
	@./bench/fnhost.sh

bench-canary: deps
	@$(MAKE) --no-print-directory module
	@./bench/canary.sh

# counted (apigw_metrics on) against not (off): bench/README.md
bench-metrics: deps
	@$(MAKE) --no-print-directory module
	@./bench/metrics.sh

# the response cache: a hit against bare proxy_pass and proxy_cache, a
# miss against caching off, hits over 1 to 1,000,000 keys: bench/README.md
bench-cache: deps
	@$(MAKE) --no-print-directory module
	@./bench/cache.sh

# how many of APIs.guru's real-world specs load (npm install into build/npm;
# CORPUS_DIR=bench/corpus-fixtures runs offline): bench/README.md
bench-corpus: deps
	@$(MAKE) --no-print-directory module
	@./bench/corpus.sh

# where Debian's nginx looks for modules (its --modules-path), and the
# snippet that loads this one, as Debian's libnginx-mod-* packages have it
PREFIX       ?= /usr/local
MODULES_DIR  ?= /usr/lib/nginx/modules
MODULES_AVAILABLE ?= /usr/share/nginx/modules-available

install: module functions
	install -D -m 0644 $(MODULE) \
	    $(DESTDIR)$(MODULES_DIR)/ngx_http_apigw_module.so
	install -d $(DESTDIR)$(MODULES_AVAILABLE)
	echo "load_module modules/ngx_http_apigw_module.so;" \
	    > $(DESTDIR)$(MODULES_AVAILABLE)/mod-http-apigw.conf
	install -D -m 0755 scripts/apigw-keys $(DESTDIR)$(PREFIX)/bin/apigw-keys
	install -D -m 0755 $(FN_HOST) $(DESTDIR)$(PREFIX)/bin/apigw-fnhost
	install -D -m 0755 $(FN_RUNTIME) $(DESTDIR)$(PREFIX)/bin/apigw-fn-runtime
	install -D -m 0644 functions/sdk/apigw_function.h \
	    $(DESTDIR)$(PREFIX)/include/apigw_function.h
	install -D -m 0644 $(FN_LIB) $(DESTDIR)$(PREFIX)/lib/libapigw_function.a
	install -D -m 0755 $(FN_SHLIB) \
	    $(DESTDIR)$(PREFIX)/lib/libapigw_function.so

clean:
	rm -rf $(BUILD)
