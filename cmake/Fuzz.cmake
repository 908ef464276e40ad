# libFuzzer targets (-DONECARD_FUZZ=ON, clang only); included once from the
# top-level CMakeLists.txt. Each part declares its fuzzers beside its code
# with onecard_add_fuzzer(); fuzz/run-fuzzers.sh runs them in CI.
if(ONECARD_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "ONECARD_FUZZ needs clang (libFuzzer): configure with CC=clang")
  endif()
  # Sanitizers for the fuzz binaries even when the rest of the build has
  # none; with ONECARD_SANITIZE they are already on everywhere.
  set(ONECARD_FUZZ_SANITIZERS -fsanitize=address,undefined -fno-sanitize-recover=all
      -fno-omit-frame-pointer)
  if(ONECARD_SANITIZE)
    set(ONECARD_FUZZ_SANITIZERS "")
  endif()
endif()

# onecard_add_fuzzer(NAME SOURCE... [LINK LIB...] [INCLUDE DIR...] [DEFINE DEF...])
# A libFuzzer binary NAME from SOURCE... (list the code under test there
# too, so that it gets coverage instrumentation). Does nothing unless
# ONECARD_FUZZ is on.
function(onecard_add_fuzzer name)
  if(NOT ONECARD_FUZZ)
    return()
  endif()
  cmake_parse_arguments(PARSE_ARGV 1 F "" "" "LINK;INCLUDE;DEFINE")
  add_executable(${name} ${F_UNPARSED_ARGUMENTS})
  if(F_INCLUDE)
    target_include_directories(${name} PRIVATE ${F_INCLUDE})
  endif()
  if(F_LINK)
    target_link_libraries(${name} PRIVATE ${F_LINK})
  endif()
  if(F_DEFINE)
    target_compile_definitions(${name} PRIVATE ${F_DEFINE})
  endif()
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer ${ONECARD_FUZZ_SANITIZERS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer ${ONECARD_FUZZ_SANITIZERS})
endfunction()
