/*
 * onecard-otp enroll --person ID [--policy FILE | --algorithm sha1|sha256
 * --digits 6|8] [--no-qr] [--invert]: the policy's totp group (or the
 * flags; sha1 and 6 digits without either) says what to make. Checks that the person is active in
 * the directory, makes a new secret, stores it sealed (replacing an earlier one), and prints the
 * otpauth:// URI and its QR code for the person's authenticator app. Secrets reach standard output
 * through write(2) only, from buffers wiped afterwards.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include <onecard/error.h>

#include "cli.h"
#include "policy.h"

#define CMD "enroll"

int cmd_enroll(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{"person", required_argument, NULL, CLI_OPT_PERSON},
		{"algorithm", required_argument, NULL, CLI_OPT_ALGORITHM},
		{"digits", required_argument, NULL, CLI_OPT_DIGITS},
		{"key-file", required_argument, NULL, CLI_OPT_KEY_FILE},
		{"db", required_argument, NULL, CLI_OPT_DB},
		{"uri", required_argument, NULL, CLI_OPT_URI},
		{"base", required_argument, NULL, CLI_OPT_BASE},
		{"bind-dn", required_argument, NULL, CLI_OPT_BIND_DN},
		{"bind-pw-file", required_argument, NULL, CLI_OPT_BIND_PW_FILE},
		{"no-qr", no_argument, NULL, CLI_OPT_NO_QR},
		{"invert", no_argument, NULL, CLI_OPT_INVERT},
		{"policy", required_argument, NULL, CLI_OPT_POLICY},
		{NULL, 0, NULL, 0},
	};
	struct cli_opts o;
	struct oc_otp_secret secret;
	char uri[OC_OTP_URI_MAX];
	const char *alg_arg = "sha1";
	enum oc_otp_alg alg = OC_OTP_ALG_NONE;
	unsigned digits = CLI_DEFAULT_DIGITS;
	oc_otp_key *key = NULL;
	oc_otp_store *st = NULL;
	char *qr = NULL;
	size_t uri_len = 0, qr_len = 0;
	const char *policy_path = NULL;
	char perr[OC_POLICY_ERR_MAX];
	oc_policy *policy = NULL;
	int c, r, rc = CLI_EXIT_OTHER, no_qr = 0, invert = 0, replaced = 0, flags = 0;

	memset(&o, 0, sizeof(o));
	memset(&secret, 0, sizeof(secret));
	memset(uri, 0, sizeof(uri));
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case CLI_OPT_ALGORITHM:
			alg_arg = optarg;
			flags = 1;
			break;
		case CLI_OPT_POLICY:
			policy_path = optarg;
			break;
		case CLI_OPT_DIGITS:
			flags = 1;
			if (strcmp(optarg, "6") == 0) {
				digits = 6;
			} else if (strcmp(optarg, "8") == 0) {
				digits = 8;
			} else {
				cli_error("%s: --digits: 6 or 8", CMD);
				return CLI_EXIT_USAGE;
			}
			break;
		case CLI_OPT_NO_QR:
			no_qr = 1;
			break;
		case CLI_OPT_INVERT:
			invert = 1;
			break;
		default:
			if (!cli_common_option(&o, c, optarg)) {
				return cli_option_error(CMD);
			}
			break;
		}
	}
	if (optind != argc) {
		cli_error("%s: unexpected argument; try '" CLI_PROG " --help'", CMD);
		return CLI_EXIT_USAGE;
	}
	if (policy_path != NULL && flags) {
		cli_error("%s: --policy decides the algorithm and digits: give no --algorithm "
			  "or --digits with it",
			  CMD);
		return CLI_EXIT_USAGE;
	}
	if (policy_path != NULL) {
		if (oc_policy_load(policy_path, &policy, perr) != ONECARD_OK) {
			cli_error("%s: %s", CMD, perr);
			return CLI_EXIT_USAGE;
		}
		alg_arg = oc_policy_totp(policy)->algorithm == OC_TOTP_SHA256 ? "sha256" : "sha1";
		digits = (unsigned)oc_policy_totp(policy)->digits;
		oc_policy_free(policy);
	}
	if (oc_otp_alg_parse(alg_arg, &alg) != ONECARD_OK) {
		cli_error("%s: --algorithm: sha1 or sha256", CMD);
		return CLI_EXIT_USAGE;
	}
	rc = cli_check_person(CMD, &o);
	if (rc != CLI_EXIT_OK) {
		goto out;
	}
	/* Everything that can refuse is checked before anything changes:
	 * the key, the directory, the database. */
	rc = cli_load_key(CMD, &o, &key);
	if (rc != CLI_EXIT_OK) {
		goto out;
	}
	rc = cli_check_directory(CMD, &o);
	if (rc != CLI_EXIT_OK) {
		goto out;
	}
	rc = cli_open_store(CMD, &o, &st);
	if (rc != CLI_EXIT_OK) {
		goto out;
	}
	r = oc_otp_secret_generate(alg, digits, &secret);
	if (r == ONECARD_OK) {
		r = oc_otp_uri(&secret, o.person, uri, sizeof(uri), &uri_len);
	}
	if (r == ONECARD_OK && !no_qr && cli_qr_render(uri, invert, &qr, &qr_len) != 0) {
		r = ONECARD_ERR_INTERNAL;
	}
	if (r != ONECARD_OK) {
		cli_error("%s: the secret could not be made: %s", CMD, onecard_strerror(r));
		rc = CLI_EXIT_OTHER;
		goto out;
	}
	r = oc_otp_store_put(st, key, o.person, &secret, &replaced);
	if (r != ONECARD_OK) {
		cli_error("%s: the secret could not be stored: %s", CMD, oc_otp_store_diagnostic());
		rc = r == ONECARD_ERR_DATABASE ? CLI_EXIT_DATABASE : CLI_EXIT_OTHER;
		goto out;
	}
	fprintf(stderr,
		CLI_PROG ": " CMD ": %s enrolled (%s, %u digits, %u s)%s; scan the code "
			 "below with the authenticator app\n",
		o.person, oc_otp_alg_name(alg), digits, OC_OTP_PERIOD,
		replaced ? ", the earlier secret replaced" : "");
	uri[uri_len] = '\n';
	if (cli_write_out(uri, uri_len + 1) != 0 ||
	    (qr != NULL && cli_write_out(qr, qr_len) != 0)) {
		cli_error("%s: the secret is stored but could not be shown (output failed): "
			  "enrol again",
			  CMD);
		rc = CLI_EXIT_OTHER;
		goto out;
	}
	rc = CLI_EXIT_OK;
out:
	oc_otp_secret_clear(&secret);
	OPENSSL_cleanse(uri, sizeof(uri));
	cli_qr_free(qr, qr_len);
	oc_otp_store_free(st);
	oc_otp_key_free(key);
	return rc;
}
