/*
 * softcard: a card login with software keys against an authd, for shell
 * tests (softcard.h has the library). Prints the HTTP status on one line
 * and the answer body on the next (JSON re-serialised compact, so that
 * tests can match '"error":"challenge_replayed"'), or reports on stderr
 * why there is no answer.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include <onecard/error.h>

#include "softcard.h"
#include "tool_util.h"

#define PROG "softcard"

static const char usage_text[] =
	"usage: softcard COMMAND [OPTIONS]   (test-only: a card login with software keys)\n"
	"\n"
	"softcard login --authd URL --audience AUD --proof CERT.pem:KEY.pem [--proof ...]\n"
	"               [--chain CA.pem] [--cacert FILE] [faults]\n"
	"    Asks URL for a challenge, signs the proof message (docs/challenge.md) for\n"
	"    the origin of URL with each key, POSTs /v1/login. --chain adds its CA\n"
	"    certificates after each card certificate in x5c. Faults:\n"
	"      --save-challenge FILE  write the challenge used to FILE\n"
	"      --use-challenge FILE   use the challenge in FILE instead of asking\n"
	"      --tamper-challenge     flip a nonce bit (the MAC no longer fits), sign that\n"
	"      --origin O             sign origin O instead of the URL's (P4)\n"
	"      --target N             the proof (0-based, default 0) the next four change\n"
	"      --sign-with KEY.pem    sign the target proof with another key (P1)\n"
	"      --alg ALG              name ALG for the target proof (signed as ALG when the\n"
	"                             key can, else as the key's own algorithm)\n"
	"      --flip-sig             flip one bit of the target proof's signature\n"
	"      --drop-sig             leave the target proof's \"sig\" out\n"
	"      --raw-body FILE        send FILE as the body instead (no challenge asked)\n"
	"      --oversize N           pad the body with spaces to N bytes\n"
	"      --content-type CT      send Content-Type CT instead of application/json\n"
	"\n"
	"softcard challenge --authd URL --audience AUD [--save-challenge FILE]\n"
	"                   [--raw-body FILE] [--oversize N] [--content-type CT] [--cacert FILE]\n"
	"    POSTs /v1/challenge.\n"
	"\n"
	"Output: the HTTP status, then the answer body on one line. Exit status: 0 an\n"
	"answer came (whatever its status), 1 none did or the work failed, 2 usage.\n";

enum {
	OPT_AUTHD = 0x100,
	OPT_AUDIENCE,
	OPT_PROOF,
	OPT_CHAIN,
	OPT_CACERT,
	OPT_SAVE_CHALLENGE,
	OPT_USE_CHALLENGE,
	OPT_TAMPER,
	OPT_ORIGIN,
	OPT_TARGET,
	OPT_SIGN_WITH,
	OPT_ALG,
	OPT_FLIP_SIG,
	OPT_DROP_SIG,
	OPT_RAW_BODY,
	OPT_OVERSIZE,
	OPT_CONTENT_TYPE,
};

static const struct option longopts[] = {
	{"authd", required_argument, NULL, OPT_AUTHD},
	{"audience", required_argument, NULL, OPT_AUDIENCE},
	{"proof", required_argument, NULL, OPT_PROOF},
	{"chain", required_argument, NULL, OPT_CHAIN},
	{"cacert", required_argument, NULL, OPT_CACERT},
	{"save-challenge", required_argument, NULL, OPT_SAVE_CHALLENGE},
	{"use-challenge", required_argument, NULL, OPT_USE_CHALLENGE},
	{"tamper-challenge", no_argument, NULL, OPT_TAMPER},
	{"origin", required_argument, NULL, OPT_ORIGIN},
	{"target", required_argument, NULL, OPT_TARGET},
	{"sign-with", required_argument, NULL, OPT_SIGN_WITH},
	{"alg", required_argument, NULL, OPT_ALG},
	{"flip-sig", no_argument, NULL, OPT_FLIP_SIG},
	{"drop-sig", no_argument, NULL, OPT_DROP_SIG},
	{"raw-body", required_argument, NULL, OPT_RAW_BODY},
	{"oversize", required_argument, NULL, OPT_OVERSIZE},
	{"content-type", required_argument, NULL, OPT_CONTENT_TYPE},
	{NULL, 0, NULL, 0},
};

struct opts {
	const char *authd, *audience, *chain, *cacert;
	const char *proofs[SC_PROOFS_MAX]; /* "CERT:KEY" */
	size_t nproofs;
	const char *save_challenge, *use_challenge, *sign_with, *alg, *origin;
	const char *raw_body, *content_type;
	uint64_t target, oversize;
	int tamper, flip_sig, drop_sig;
};

/* Reads a whole file of at most max bytes into a new NUL-terminated
 * buffer. */
static int read_all(const char *path, size_t max, char **out, size_t *len)
{
	char *buf = malloc(max + 1u);
	FILE *f = NULL;
	size_t n = 0;
	int r = ONECARD_ERR_IO;

	*out = NULL;
	*len = 0;
	if (buf == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	f = fopen(path, "rb");
	if (f == NULL) {
		goto out;
	}
	n = fread(buf, 1, max + 1u, f);
	if (ferror(f)) {
		goto out;
	}
	if (n > max) {
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
	r = ONECARD_OK;
out:
	if (f != NULL) {
		(void)fclose(f);
	}
	free(buf);
	if (r != ONECARD_OK) {
		tool_error(PROG, "%s: cannot read (%s)", path, onecard_strerror(r));
	}
	return r;
}

static int write_line(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int ok = f != NULL && fprintf(f, "%s\n", text) >= 0;

	if (f != NULL && fclose(f) != 0) {
		ok = 0;
	}
	if (!ok) {
		tool_error(PROG, "%s: cannot write the challenge", path);
		return ONECARD_ERR_IO;
	}
	return ONECARD_OK;
}

/* The challenge saved by --save-challenge: its first line. */
static int read_challenge(const char *path, char out[OC_CHALLENGE_TEXT_MAX + 1])
{
	char *text = NULL;
	size_t len = 0;
	int r = read_all(path, OC_CHALLENGE_TEXT_MAX + 2u, &text, &len);

	out[0] = '\0';
	if (r != ONECARD_OK) {
		return r;
	}
	len = strcspn(text, "\r\n");
	if (len == 0 || len > OC_CHALLENGE_TEXT_MAX) {
		tool_error(PROG, "%s: no challenge on its first line", path);
		r = ONECARD_ERR_BAD_FORMAT;
	} else {
		memcpy(out, text, len);
		out[len] = '\0';
	}
	free(text);
	return r;
}

/* Prints the status and the answer on one line each. */
static void print_answer(long status, const char *answer, size_t len)
{
	json_t *doc = json_loadb(answer, len, 0, NULL);
	char *compact = doc != NULL ? json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	size_t i;

	printf("%ld\n", status);
	if (compact != NULL) {
		printf("%s\n", compact);
	} else {
		for (i = 0; i < len; i++) {
			unsigned char ch = (unsigned char)answer[i];

			(void)putchar(ch < 0x20 || ch == 0x7f ? '?' : ch);
		}
		(void)putchar('\n');
	}
	free(compact);
	json_decref(doc);
}

/* Pads body with spaces (JSON white space) to o->oversize bytes. */
static int pad_body(const struct opts *o, char **body, size_t *len)
{
	char *grown;

	if (o->oversize == 0 || o->oversize <= *len) {
		return ONECARD_OK;
	}
	grown = realloc(*body, (size_t)o->oversize + 1u);
	if (grown == NULL) {
		tool_error(PROG, "out of memory");
		return ONECARD_ERR_NOMEM;
	}
	memset(grown + *len, ' ', (size_t)o->oversize - *len);
	grown[o->oversize] = '\0';
	*body = grown;
	*len = (size_t)o->oversize;
	return ONECARD_OK;
}

/* POSTs and prints the answer. */
static int post_and_print(struct sc_client *client, const char *path, const struct opts *o,
			  const char *body, size_t len, char **answer, size_t *answer_len,
			  long *status)
{
	int r = sc_client_post(client, path, o->content_type, body, len, status, answer,
			       answer_len);

	if (r != ONECARD_OK) {
		tool_error(PROG, "POST %s: no answer: %s (%s)", path, sc_client_error(client),
			   onecard_strerror(r));
		return r;
	}
	print_answer(*status, *answer, *answer_len);
	return ONECARD_OK;
}

/* Gets a challenge from authd (or --use-challenge) into out. */
static int obtain_challenge(struct sc_client *client, const struct opts *o,
			    char out[OC_CHALLENGE_TEXT_MAX + 1])
{
	char *body = NULL, *answer = NULL;
	size_t len = 0, answer_len = 0;
	long status = 0;
	int r;

	if (o->use_challenge != NULL) {
		return read_challenge(o->use_challenge, out);
	}
	r = sc_challenge_body(o->audience, &body, &len);
	if (r == ONECARD_OK) {
		r = sc_client_post(client, "/v1/challenge", NULL, body, len, &status, &answer,
				   &answer_len);
		if (r != ONECARD_OK) {
			tool_error(PROG, "POST /v1/challenge: no answer: %s (%s)",
				   sc_client_error(client), onecard_strerror(r));
			goto out;
		}
	}
	if (r == ONECARD_OK && status != 200) {
		tool_error(PROG, "POST /v1/challenge answered %ld: %.300s", status, answer);
		r = ONECARD_ERR_IO;
	}
	if (r == ONECARD_OK) {
		r = sc_answer_challenge(answer, answer_len, out);
		if (r != ONECARD_OK) {
			tool_error(PROG, "POST /v1/challenge: no challenge in the answer");
		}
	}
out:
	free(body);
	free(answer);
	return r;
}

/* Loads the card of the --proof options, --chain and --sign-with. */
static int load_card(const struct opts *o, struct sc_card *card, EVP_PKEY **sign_with)
{
	char pair[2 * SC_URL_MAX];
	char *colon;
	size_t i, n;
	int r = ONECARD_OK;

	for (i = 0; r == ONECARD_OK && i < o->nproofs; i++) {
		n = strlen(o->proofs[i]);
		colon = NULL;
		if (n < sizeof(pair)) {
			memcpy(pair, o->proofs[i], n + 1u);
			colon = strchr(pair, ':');
		}
		if (colon == NULL || colon == pair || colon[1] == '\0') {
			tool_error(PROG, "--proof is CERT.pem:KEY.pem");
			return ONECARD_ERR_INVALID_ARG;
		}
		*colon = '\0';
		r = sc_card_add_proof(card, pair, colon + 1);
		if (r != ONECARD_OK) {
			tool_error(PROG, "--proof %s: %s", o->proofs[i], onecard_strerror(r));
		}
	}
	if (r == ONECARD_OK && o->chain != NULL) {
		r = sc_card_add_chain(card, o->chain);
		if (r != ONECARD_OK) {
			tool_error(PROG, "--chain %s: %s", o->chain, onecard_strerror(r));
		}
	}
	if (r == ONECARD_OK && o->sign_with != NULL) {
		r = sc_key_read(o->sign_with, sign_with);
		if (r != ONECARD_OK) {
			tool_error(PROG, "--sign-with %s: %s", o->sign_with, onecard_strerror(r));
		}
	}
	return r;
}

/* The login body: --raw-body, or a challenge answered by the card. */
static int login_body(struct sc_client *client, const struct opts *o, char **body, size_t *len)
{
	struct sc_card card;
	struct sc_tweaks tw;
	char challenge[OC_CHALLENGE_TEXT_MAX + 1], origin[SC_ORIGIN_SIZE];
	EVP_PKEY *sign_with = NULL;
	int r;

	memset(&card, 0, sizeof(card));
	memset(&tw, 0, sizeof(tw));
	if (o->raw_body != NULL) {
		return read_all(o->raw_body, SC_BODY_MAX, body, len);
	}
	r = sc_origin_of(o->authd, origin);
	if (r != ONECARD_OK) {
		tool_error(PROG, "--authd: not a URL with scheme and host");
		goto out;
	}
	r = load_card(o, &card, &sign_with);
	if (r == ONECARD_OK) {
		r = obtain_challenge(client, o, challenge);
	}
	if (r == ONECARD_OK && o->save_challenge != NULL) {
		r = write_line(o->save_challenge, challenge);
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	tw.origin = o->origin;
	tw.target = (size_t)o->target;
	tw.sign_with = sign_with;
	tw.alg = o->alg;
	tw.flip_sig = o->flip_sig;
	tw.drop_sig = o->drop_sig;
	tw.tamper_challenge = o->tamper;
	r = sc_login_body(&card, challenge, origin, o->audience, &tw, body, len);
	if (r != ONECARD_OK) {
		tool_error(PROG, "cannot build the login body: %s", onecard_strerror(r));
	}
out:
	EVP_PKEY_free(sign_with);
	sc_card_clear(&card);
	return r;
}

static int take_option(int c, const char *arg, struct opts *o)
{
	switch (c) {
	case OPT_AUTHD:
		o->authd = arg;
		break;
	case OPT_AUDIENCE:
		o->audience = arg;
		break;
	case OPT_PROOF:
		if (o->nproofs >= SC_PROOFS_MAX) {
			tool_error(PROG, "at most %u --proof", SC_PROOFS_MAX);
			return TOOL_EXIT_USAGE;
		}
		o->proofs[o->nproofs++] = arg;
		break;
	case OPT_CHAIN:
		o->chain = arg;
		break;
	case OPT_CACERT:
		o->cacert = arg;
		break;
	case OPT_SAVE_CHALLENGE:
		o->save_challenge = arg;
		break;
	case OPT_USE_CHALLENGE:
		o->use_challenge = arg;
		break;
	case OPT_TAMPER:
		o->tamper = 1;
		break;
	case OPT_ORIGIN:
		o->origin = arg;
		break;
	case OPT_TARGET:
		if (tool_parse_u64(arg, 0, SC_PROOFS_MAX - 1u, &o->target) != ONECARD_OK) {
			tool_error(PROG, "--target is 0 to %u", SC_PROOFS_MAX - 1u);
			return TOOL_EXIT_USAGE;
		}
		break;
	case OPT_SIGN_WITH:
		o->sign_with = arg;
		break;
	case OPT_ALG:
		o->alg = arg;
		break;
	case OPT_FLIP_SIG:
		o->flip_sig = 1;
		break;
	case OPT_DROP_SIG:
		o->drop_sig = 1;
		break;
	case OPT_RAW_BODY:
		o->raw_body = arg;
		break;
	case OPT_OVERSIZE:
		if (tool_parse_u64(arg, 1, SC_BODY_MAX, &o->oversize) != ONECARD_OK) {
			tool_error(PROG, "--oversize is 1 to %u bytes", SC_BODY_MAX);
			return TOOL_EXIT_USAGE;
		}
		break;
	case OPT_CONTENT_TYPE:
		o->content_type = arg;
		break;
	default:
		tool_error(PROG, "unknown option or missing value; try 'softcard --help'");
		return TOOL_EXIT_USAGE;
	}
	return TOOL_EXIT_OK;
}

static int check_options(const char *cmd, const struct opts *o, int login)
{
	if (o->authd == NULL) {
		tool_error(PROG, "%s: --authd is required", cmd);
		return TOOL_EXIT_USAGE;
	}
	if (o->raw_body == NULL && o->audience == NULL) {
		tool_error(PROG, "%s: --audience is required (unless --raw-body)", cmd);
		return TOOL_EXIT_USAGE;
	}
	if (login && o->raw_body == NULL && o->nproofs == 0) {
		tool_error(PROG, "login: at least one --proof (unless --raw-body)");
		return TOOL_EXIT_USAGE;
	}
	if (login && o->save_challenge != NULL && o->use_challenge != NULL) {
		tool_error(PROG, "login: --save-challenge and --use-challenge exclude each other");
		return TOOL_EXIT_USAGE;
	}
	if (!login && (o->nproofs > 0 || o->chain != NULL || o->use_challenge != NULL ||
		       o->tamper || o->origin != NULL || o->sign_with != NULL || o->alg != NULL ||
		       o->flip_sig || o->drop_sig || o->target != 0)) {
		tool_error(PROG, "challenge: login options given; try 'softcard --help'");
		return TOOL_EXIT_USAGE;
	}
	return TOOL_EXIT_OK;
}

/* softcard login / softcard challenge. */
static int run(const char *cmd, int login, int argc, char **argv)
{
	struct sc_client *client = NULL;
	struct opts o;
	char challenge[OC_CHALLENGE_TEXT_MAX + 1];
	char *body = NULL, *answer = NULL;
	size_t len = 0, answer_len = 0;
	long status = 0;
	int c, r, exit_status = TOOL_EXIT_FAIL;

	memset(&o, 0, sizeof(o));
	opterr = 0;
	optind = 0;
	for (;;) {
		c = getopt_long(argc, argv, ":", longopts, NULL);
		if (c == -1) {
			break;
		}
		exit_status = take_option(c, optarg, &o);
		if (exit_status != TOOL_EXIT_OK) {
			goto out;
		}
	}
	exit_status = optind == argc ? check_options(cmd, &o, login) : TOOL_EXIT_USAGE;
	if (exit_status != TOOL_EXIT_OK) {
		if (optind != argc) {
			tool_error(PROG, "%s: nothing may follow the options", cmd);
		}
		goto out;
	}
	exit_status = TOOL_EXIT_FAIL;
	r = sc_client_new(o.authd, o.cacert, &client);
	if (r != ONECARD_OK) {
		tool_error(PROG, "--authd: %s", onecard_strerror(r));
		goto out;
	}
	if (login) {
		r = login_body(client, &o, &body, &len);
	} else if (o.raw_body != NULL) {
		r = read_all(o.raw_body, SC_BODY_MAX, &body, &len);
	} else {
		r = sc_challenge_body(o.audience, &body, &len);
	}
	if (r == ONECARD_OK) {
		r = pad_body(&o, &body, &len);
	}
	if (r == ONECARD_OK) {
		r = post_and_print(client, login ? "/v1/login" : "/v1/challenge", &o, body, len,
				   &answer, &answer_len, &status);
	}
	if (r == ONECARD_OK && !login && o.save_challenge != NULL && status == 200) {
		r = sc_answer_challenge(answer, answer_len, challenge);
		if (r == ONECARD_OK) {
			r = write_line(o.save_challenge, challenge);
		} else {
			tool_error(PROG, "challenge: no challenge in the answer to save");
		}
	}
	if (r == ONECARD_OK) {
		exit_status = TOOL_EXIT_OK;
	}
out:
	if (fflush(stdout) != 0) {
		exit_status = TOOL_EXIT_FAIL;
	}
	free(answer);
	free(body);
	sc_client_free(client);
	return exit_status;
}

int main(int argc, char **argv)
{
	int status;

	if (argc < 2) {
		fputs(usage_text, stderr);
		return TOOL_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage_text, stdout);
		return TOOL_EXIT_OK;
	}
	if (strcmp(argv[1], "login") != 0 && strcmp(argv[1], "challenge") != 0) {
		tool_error(PROG, "unknown command; try 'softcard --help'");
		return TOOL_EXIT_USAGE;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		tool_error(PROG, "libcurl cannot start");
		return TOOL_EXIT_FAIL;
	}
	status = run(argv[1], strcmp(argv[1], "login") == 0, argc - 1, argv + 1);
	curl_global_cleanup();
	return status;
}
