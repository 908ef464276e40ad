/*
 * onecard-token verify --jwks FILE --iss ISS --aud AUD [--leeway S]
 *                      [--typ TYP] [--now UNIXTIME] [TOKEN | -]
 * Verifies a token and prints its claims as JSON. On refusal, one line
 * "onecard-token: token refused: <code> (<rule>)" and the exit status of
 * the failure's class (cli.h).
 */
#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <onecard/token.h>

#include "cli.h"

#define CMD "verify"

enum {
	OPT_JWKS = 256,
	OPT_ISS,
	OPT_AUD,
	OPT_LEEWAY,
	OPT_TYP,
	OPT_NOW,
};

static const struct option options[] = {
	{"jwks", required_argument, NULL, OPT_JWKS},
	{"iss", required_argument, NULL, OPT_ISS},
	{"aud", required_argument, NULL, OPT_AUD},
	{"leeway", required_argument, NULL, OPT_LEEWAY},
	{"typ", required_argument, NULL, OPT_TYP},
	{"now", required_argument, NULL, OPT_NOW},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

struct verify_opts {
	const char *jwks_path;
	const char *issuer;
	const char *audience;
	const char *typ;   /* NULL: the verifier's default */
	const char *token; /* NULL or "-": stdin */
	int64_t leeway;	   /* -1: the verifier's default */
	int64_t now;	   /* 0: the system clock */
	int help;	   /* --help: print the usage and stop */
};

/* Parses the command line into *o; checks required options unless
 * --help was given. Returns an exit status. */
static int parse_options(int argc, char *argv[], struct verify_opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->leeway = -1;
	opterr = 0;
	optind = 1;
	for (;;) {
		c = getopt_long(argc, argv, ":h", options, NULL);
		if (c == -1) {
			break;
		}
		switch (c) {
		case OPT_JWKS:
			o->jwks_path = optarg;
			break;
		case OPT_ISS:
			o->issuer = optarg;
			break;
		case OPT_AUD:
			o->audience = optarg;
			break;
		case OPT_TYP:
			o->typ = optarg;
			break;
		case OPT_LEEWAY:
			if (cli_parse_uint(optarg, 0, ONECARD_LEEWAY_MAX, &o->leeway) !=
			    ONECARD_OK) {
				cli_error(CMD ": --leeway must be 0..%u seconds",
					  ONECARD_LEEWAY_MAX);
				return CLI_EXIT_USAGE;
			}
			break;
		case OPT_NOW:
			if (cli_parse_uint(optarg, 1, CLI_NOW_MAX, &o->now) != ONECARD_OK) {
				cli_error(CMD ": --now must be Unix seconds, 1..%lld",
					  (long long)CLI_NOW_MAX);
				return CLI_EXIT_USAGE;
			}
			break;
		case 'h':
			o->help = 1;
			return CLI_EXIT_OK;
		default:
			return cli_option_error(CMD, c, options, argv);
		}
	}
	if (argc - optind > 1) {
		cli_error(CMD ": at most one TOKEN argument");
		return CLI_EXIT_USAGE;
	}
	if (optind < argc) {
		o->token = argv[optind];
	}
	if (o->jwks_path == NULL || o->issuer == NULL || o->audience == NULL) {
		cli_error(CMD ": --jwks, --iss and --aud are required");
		return CLI_EXIT_USAGE;
	}
	if (o->issuer[0] == '\0' || o->audience[0] == '\0') {
		cli_error(CMD ": --iss and --aud must not be empty");
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

/* Builds the verifier from the JWKS file and the options. Returns an exit status. */
static int load_verifier(const struct verify_opts *o, onecard_verifier **out)
{
	onecard_verifier *v = NULL;
	char *text = NULL;
	size_t len = 0;
	int r;
	int ex = CLI_EXIT_OTHER;

	*out = NULL;
	r = cli_read_all(o->jwks_path, CLI_READ_MAX, &text, &len);
	if (r != ONECARD_OK) {
		cli_read_error(CMD, o->jwks_path, r);
		ex = cli_exit_for_key(r);
		goto out;
	}
	r = onecard_verifier_new(text, len, &v);
	if (r != ONECARD_OK) {
		cli_error(CMD ": '%s' is not a usable JWKS: %s (%s)", o->jwks_path,
			  onecard_err_code(r), onecard_strerror(r));
		ex = cli_exit_for_key(r);
		goto out;
	}
	if (o->leeway >= 0 && onecard_verifier_set_leeway(v, (unsigned)o->leeway) != ONECARD_OK) {
		cli_error(CMD ": --leeway must be 0..%u seconds", ONECARD_LEEWAY_MAX);
		ex = CLI_EXIT_USAGE;
		goto out;
	}
	if (o->typ != NULL && onecard_verifier_set_typ(v, o->typ) != ONECARD_OK) {
		cli_error(CMD ": --typ is empty or too long");
		ex = CLI_EXIT_USAGE;
		goto out;
	}
	if (o->now != 0 && onecard_verifier_set_time(v, o->now) != ONECARD_OK) {
		cli_error(CMD ": --now is out of range");
		ex = CLI_EXIT_USAGE;
		goto out;
	}
	*out = v;
	v = NULL;
	ex = CLI_EXIT_OK;
out:
	onecard_verifier_free(v);
	cli_buffer_free(text, len);
	return ex;
}

int cmd_verify(int argc, char *argv[])
{
	struct verify_opts o;
	onecard_verifier *verifier = NULL;
	onecard_claims *claims = NULL;
	char *stdin_token = NULL, *json = NULL;
	size_t stdin_len = 0, token_len;
	const char *token, *reason = NULL;
	int r;
	int ex = CLI_EXIT_OTHER;

	ex = parse_options(argc, argv, &o);
	if (ex != CLI_EXIT_OK) {
		goto out;
	}
	if (o.help) {
		ex = cli_help();
		goto out;
	}
	ex = load_verifier(&o, &verifier);
	if (ex != CLI_EXIT_OK) {
		goto out;
	}
	if (o.token == NULL || strcmp(o.token, "-") == 0) {
		r = cli_read_all("-", CLI_READ_MAX, &stdin_token, &stdin_len);
		if (r != ONECARD_OK) {
			cli_read_error(CMD, "-", r);
			ex = cli_exit_for(r);
			goto out;
		}
		token = stdin_token;
		token_len = stdin_len;
		/* One trailing newline, as echo and a here-string add. */
		if (token_len > 0 && token[token_len - 1] == '\n') {
			token_len--;
		}
	} else {
		token = o.token;
		token_len = strlen(o.token);
	}
	r = onecard_verify(verifier, token, token_len, o.issuer, o.audience, &claims, &reason);
	if (r != ONECARD_OK) {
		/* reason is a fixed sentence naming the rule, never token bytes. */
		cli_error("token refused: %s (%s)", onecard_err_code(r),
			  reason != NULL ? reason : onecard_strerror(r));
		ex = cli_exit_for(r);
		goto out;
	}
	r = onecard_claims_to_json(claims, &json);
	if (r != ONECARD_OK) {
		cli_error(CMD ": cannot serialize the claims: %s (%s)", onecard_err_code(r),
			  onecard_strerror(r));
		ex = cli_exit_for(r);
		goto out;
	}
	if (cli_write_line(json) != ONECARD_OK) {
		cli_error(CMD ": cannot write the claims to stdout");
		ex = CLI_EXIT_OTHER;
		goto out;
	}
	ex = CLI_EXIT_OK;
out:
	onecard_string_free(json);
	onecard_claims_free(claims);
	cli_buffer_free(stdin_token, stdin_len);
	onecard_verifier_free(verifier);
	return ex;
}
