/*
 * onecard-ca profiles: the profiles of the CA's policy, one line each,
 * "profile agency key_types" (key types comma-separated, as the policy
 * names them). Read-only; for scripts that check a request before they
 * change anything (scripts/enroll-card).
 */
#include <stdio.h>

#include <onecard/error.h>

#include "cli.h"
#include "policy.h"

/* Every key type bit, in the order the policy format lists them. */
static const unsigned key_type_bits[] = {OC_KEY_EC_P256, OC_KEY_RSA_2048, OC_KEY_RSA_3072,
					 OC_KEY_SM2};

static int print_profile(void *arg, const struct oc_profile *p)
{
	const char *sep = " ";
	size_t i;
	int n = 0;

	(void)arg;
	n |= printf("%s %s", p->id, p->agency->id) < 0;
	for (i = 0; i < sizeof(key_type_bits) / sizeof(key_type_bits[0]); i++) {
		if ((p->key_types & key_type_bits[i]) != 0) {
			n |= printf("%s%s", sep, oc_key_type_name(key_type_bits[i])) < 0;
			sep = ",";
		}
	}
	n |= printf("\n") < 0;
	return n ? ONECARD_ERR_IO : ONECARD_OK;
}

int cmd_profiles(struct cli_globals *g, int argc, char *argv[])
{
	static const struct option longopts[] = {
		CLI_GLOBAL_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	struct oc_ca_diag diag = {{0}};
	struct oc_ca_args args;
	oc_ca *ca = NULL;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (cli_global_option(c, optarg, g)) {
			continue;
		}
		if (c == OPT_HELP) {
			return cli_help();
		}
		return cli_option_error("profiles", c, longopts, argv);
	}
	r = cli_no_operands("profiles", argc, argv);
	if (r == CLI_EXIT_OK) {
		r = cli_ca_args("profiles", g, 1, &args);
	}
	if (r != CLI_EXIT_OK) {
		return r;
	}
	r = oc_ca_open(&args, "profiles", OC_CA_NEED_POLICY, &ca, &diag);
	if (r == ONECARD_OK) {
		r = oc_ca_profiles(ca, print_profile, NULL, &diag);
	}
	oc_ca_free(ca);
	if (r == ONECARD_OK && (fflush(stdout) != 0 || ferror(stdout))) {
		r = ONECARD_ERR_IO;
	}
	if (r != ONECARD_OK) {
		return cli_fail("profiles", r, &diag);
	}
	return CLI_EXIT_OK;
}
