/* Helpers shared by the subcommands (see bench.h). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"

double bench_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
		bench_die("clock_gettime(CLOCK_MONOTONIC) failed", NULL);
	}
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a;
	double y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *values, size_t n)
{
	qsort(values, n, sizeof(values[0]), cmp_double);
	if (n % 2u == 1u) {
		return values[n / 2u];
	}
	return (values[n / 2u - 1u] + values[n / 2u]) / 2.0;
}

int bench_parse_uint(const char *text, unsigned min, unsigned max, unsigned *out)
{
	unsigned long long v = 0;
	size_t i;

	*out = 0;
	if (text == NULL || text[0] == '\0') {
		return -1;
	}
	for (i = 0; text[i] != '\0'; i++) {
		if (text[i] < '0' || text[i] > '9' || i >= 9) {
			return -1; /* not a digit, or more digits than any limit needs */
		}
		v = v * 10u + (unsigned)(text[i] - '0');
	}
	if (v < min || v > max) {
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

void bench_die(const char *what, const char *detail)
{
	fprintf(stderr, "onecard-bench: %s%s%s\n", what, detail != NULL ? ": " : "",
		detail != NULL ? detail : "");
	abort();
}
