# The libFuzzer binaries of onecard-authd's server (-DONECARD_FUZZ=ON,
# clang), included from fuzz/CMakeLists.txt so that they are built with
# the tests off too (scripts/test's fuzz build); fuzz/run-fuzzers.sh runs
# them. The corpus replays under ctest are in tests/authd/fuzz/.
#   fuzz_login_request  fuzz_login_request.c: the body of POST /v1/login
#   fuzz_cert_ingest    fuzz_cert_ingest.c: authd_trust_check on DER (X13)
# The code under test is compiled into each binary, so that it gets
# coverage instrumentation; the rest comes from the static libraries.
if(ONECARD_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "ONECARD_FUZZ needs clang (libFuzzer): configure with CC=clang")
  endif()
  # Sanitizers for the fuzz binaries even when the rest of the build has
  # none; with ONECARD_SANITIZE they are already on everywhere.
  set(authd_fuzz_san -fsanitize=address,undefined -fno-sanitize-recover=all
      -fno-omit-frame-pointer)
  if(ONECARD_SANITIZE)
    set(authd_fuzz_san "")
  endif()
  set(authd_fuzz_src_login_request ${CMAKE_CURRENT_LIST_DIR}/login_request.c
    ${PROJECT_SOURCE_DIR}/lib/json_strict.c ${PROJECT_SOURCE_DIR}/lib/b64url.c)
  set(authd_fuzz_src_cert_ingest ${CMAKE_CURRENT_LIST_DIR}/trust.c
    ${PROJECT_SOURCE_DIR}/authd/chain/chain.c ${PROJECT_SOURCE_DIR}/directory/cert.c)
  foreach(name login_request cert_ingest)
    add_executable(fuzz_${name} ${CMAKE_CURRENT_LIST_DIR}/fuzz_${name}.c
                   ${authd_fuzz_src_${name}})
    target_compile_definitions(fuzz_${name} PRIVATE
      FUZZ_TRUST_DIR="${CMAKE_CURRENT_LIST_DIR}/fuzz_trust"
      FUZZ_POLICY="${PROJECT_SOURCE_DIR}/policies/onecard.conf")
    target_link_libraries(fuzz_${name} PRIVATE onecard_authd_server)
    target_compile_options(fuzz_${name} PRIVATE -fsanitize=fuzzer ${authd_fuzz_san})
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer ${authd_fuzz_san})
  endforeach()
endif()
