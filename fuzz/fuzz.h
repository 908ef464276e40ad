/*
 * The libFuzzer entry point every fuzz target defines. The same target
 * links either with libFuzzer (-fsanitize=fuzzer, the real fuzzer) or
 * with replay_main.c (a plain program that runs a corpus once, which is
 * how the corpora replay under ctest without clang).
 */
#ifndef ONECARD_FUZZ_H
#define ONECARD_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Runs one input. Returns 0; a bug aborts (or trips a sanitizer). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
