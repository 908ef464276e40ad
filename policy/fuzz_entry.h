/*
 * The libFuzzer entry point of fuzz_policy.c, linked either with
 * libFuzzer (-fsanitize=fuzzer) or with fuzz_replay.c, a plain main()
 * that runs the seed corpus once under ctest with any compiler.
 */
#ifndef ONECARD_POLICY_FUZZ_ENTRY_H
#define ONECARD_POLICY_FUZZ_ENTRY_H

#include <stddef.h>
#include <stdint.h>

/* Runs one input. Returns 0; a bug aborts (or trips a sanitizer). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
