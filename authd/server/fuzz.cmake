# The libFuzzer binaries of onecard-authd's server (-DONECARD_FUZZ=ON,
# clang), included from fuzz/CMakeLists.txt so that they are built with
# the tests off too (scripts/test's fuzz build); fuzz/run-fuzzers.sh runs
# them. The corpus replays under ctest are in tests/authd/fuzz/.
#   fuzz_login_request  fuzz_login_request.c: the body of POST /v1/login
#   fuzz_cert_ingest    fuzz_cert_ingest.c: authd_trust_check on DER (X13)
# The code under test is compiled into each binary, so that it gets
# coverage instrumentation; the rest comes from the static libraries.
set(authd_fuzz_src_login_request ${CMAKE_CURRENT_LIST_DIR}/login_request.c
  ${PROJECT_SOURCE_DIR}/lib/json_strict.c ${PROJECT_SOURCE_DIR}/lib/b64url.c)
set(authd_fuzz_src_cert_ingest ${CMAKE_CURRENT_LIST_DIR}/trust.c
  ${PROJECT_SOURCE_DIR}/authd/chain/chain.c ${PROJECT_SOURCE_DIR}/directory/cert.c)
foreach(name login_request cert_ingest)
  onecard_add_fuzzer(fuzz_${name} ${CMAKE_CURRENT_LIST_DIR}/fuzz_${name}.c
    ${authd_fuzz_src_${name}}
    LINK onecard_authd_server
    DEFINE FUZZ_TRUST_DIR="${CMAKE_CURRENT_LIST_DIR}/fuzz_trust"
           FUZZ_POLICY="${PROJECT_SOURCE_DIR}/policies/onecard.conf")
endforeach()

# The form bodies of the OAuth endpoints (authd/http/form.c): replayed by
# tests/http (fuzz_form_replay).
onecard_add_fuzzer(fuzz_form ${PROJECT_SOURCE_DIR}/authd/http/fuzz_form.c
  ${PROJECT_SOURCE_DIR}/authd/http/form.c
  LINK onecard_http)
