/*
 * onecard-bench: measurements that answer "is the library as fast as the
 * machine allows?" Each subcommand is one file (bench_<name>.c) with an
 * entry point listed in main.c's table. Output is one "name value" pair
 * per line so that scripts can read it; a subcommand ends with the lines
 * its issue names (e.g. verify.eddsa.ratio).
 *
 * A benchmark that measures failures is worthless: every operation timed
 * is checked, and a failure aborts the program.
 */
#ifndef ONECARD_BENCH_H
#define ONECARD_BENCH_H

#include <stddef.h>

/* Subcommands. argv[0] is the subcommand's name. Return the exit status. */
int bench_verify(int argc, char **argv);

/* Seconds on CLOCK_MONOTONIC. */
double bench_now(void);

/* The median of n values (n >= 1); sorts values in place. */
double bench_median(double *values, size_t n);

/* Parses a decimal integer in [min, max] with nothing around it.
 * Returns 0 and *out, or -1 (and *out 0). */
int bench_parse_uint(const char *text, unsigned min, unsigned max, unsigned *out);

/* Prints a message to stderr and aborts: for failures inside timed loops. */
void bench_die(const char *what, const char *detail);

#endif
