/*
 * onecard-login: log in to authd once with the card and its PIN, and get
 * an access token (docs/login.md). main() reads the options and picks the
 * action; the exit status of each failure class is in login.h and --help.
 */
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include <openssl/crypto.h>

#include "cli_line.h"
#include "prog.h"

/* Everything jansson frees (tokens, the cache's contents) is wiped
 * first. Its blocks stay plain malloc() blocks, so that strings it hands
 * out (json_dumps) may still be released with free(). */
static void wiping_free(void *ptr)
{
	if (ptr == NULL) {
		return;
	}
	OPENSSL_cleanse(ptr, malloc_usable_size(ptr));
	free(ptr);
}

void prog_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	oc_cli_verror(PROG, fmt, ap);
	va_end(ap);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG " --authd URL --audience AUD [--card URI] [--pin-file FILE]\n"
		"                     [--module PATH] [--cacert FILE] [--rsa-pss] [--no-cache]\n"
		"       " PROG " --show\n"
		"       " PROG " --logout\n"
		"\n"
		"Logs in to authd with the card: one PIN, a proof signed by every certificate\n"
		"on the card that has its private key; prints the access token for AUD on\n"
		"stdout (nothing else) and keeps it in the credential cache.\n"
		"\n"
		"  --authd URL      authd's base URL (default $" AUTHD_URL_ENV "); https, or\n"
		"                   http for a loopback host only. No user, query or fragment.\n"
		"  --audience AUD   the module the token is for ([a-z0-9-], 1..255)\n"
		"  --card URI       the card (RFC 7512 PKCS#11 URI); needed when several are\n"
		"                   present\n"
		"  --pin-file FILE  the PIN: first line of FILE (mode 0600 or stricter); else\n"
		"                   the card URI's pin-source, else $ONECARD_PIN, else a\n"
		"                   prompt on the terminal without echo. Never on the command "
		"line.\n"
		"  --module PATH    the PKCS#11 module (absolute); else $ONECARD_PKCS11_MODULE,\n"
		"                   else p11-kit's proxy " OC_CARD_P11KIT_PROXY "\n"
		"  --cacert FILE    trust the CA certificates of FILE (PEM) for authd's TLS\n"
		"                   instead of the system's\n"
		"  --rsa-pss        sign with RSA keys as PS256 (default RS256)\n"
		"  --no-cache       do not write the credential cache\n"
		"  --show           list the cached tokens like klist: audience, subject, card,\n"
		"                   agencies, expiry; never a token\n"
		"  --logout         overwrite and remove the credential cache\n"
		"  --help           this text\n"
		"\n"
		"Credential cache: $" OC_CCACHE_ENV ", else $XDG_RUNTIME_DIR/onecard/ccache.json,\n"
		"else ~/.cache/onecard/ccache.json; its folder must be yours and mode 0700, the\n"
		"file yours and mode 0600.\n"
		"\n"
		"Exit status:\n"
		"   0  ok\n"
		"   1  other error (I/O, memory, the card failed, no cache to show)\n"
		"   2  usage: options, URL, audience, card URI, PIN file, several cards\n"
		"   3  no card present, or none matches --card\n"
		"   4  PIN incorrect (nothing was sent to authd)\n"
		"   5  PIN locked\n"
		"   6  no certificate with its private key on the card\n"
		"   7  authd cannot be reached (connection, TLS, timeout)\n"
		"   8  authd's answer is not what docs/authd.md says\n"
		"   9  authd refused the request (invalid_request, invalid_target, ...)\n"
		"  10  authd refused the login (challenge_*, proof_invalid, cert_*, "
		"card_mismatch)\n"
		"  11  access denied (access_denied, card/person/enterprise_suspended)\n"
		"  12  authd unavailable (database_unavailable, directory_unavailable, internal)\n"
		"  13  the credential cache is refused or cannot be written\n");
}

enum action { ACTION_LOGIN, ACTION_SHOW, ACTION_LOGOUT, ACTION_HELP };

static const struct option longopts[] = {
	{"authd", required_argument, NULL, 'a'},  {"audience", required_argument, NULL, 'A'},
	{"card", required_argument, NULL, 'c'},	  {"pin-file", required_argument, NULL, 'p'},
	{"module", required_argument, NULL, 'm'}, {"cacert", required_argument, NULL, 'C'},
	{"rsa-pss", no_argument, NULL, 'P'},	  {"no-cache", no_argument, NULL, 'n'},
	{"show", no_argument, NULL, 's'},	  {"logout", no_argument, NULL, 'l'},
	{"help", no_argument, NULL, 'h'},	  {NULL, 0, NULL, 0},
};

static int option_error(void)
{
	/* Not echoed: a mistyped word may be a value someone would rather
	 * not see in a log. */
	prog_error("bad or missing option value; try '" PROG " --help'");
	return OC_LOGIN_EXIT_USAGE;
}

int main(int argc, char *argv[])
{
	struct login_opts o;
	enum action action = ACTION_LOGIN;
	int c, given = 0, r;

	memset(&o, 0, sizeof(o));
	/* A peer that closes early must give an error, not kill us. */
	(void)signal(SIGPIPE, SIG_IGN);
	json_set_alloc_funcs(malloc, wiping_free);
	opterr = 0;
	for (;;) {
		c = getopt_long(argc, argv, ":h", longopts, NULL);
		if (c == -1) {
			break;
		}
		given++;
		switch (c) {
		case 'a':
			o.authd = optarg;
			break;
		case 'A':
			o.audience = optarg;
			break;
		case 'c':
			o.card = optarg;
			break;
		case 'p':
			o.pin_file = optarg;
			break;
		case 'm':
			o.module = optarg;
			break;
		case 'C':
			o.cacert = optarg;
			break;
		case 'P':
			o.rsa_pss = true;
			break;
		case 'n':
			o.no_cache = true;
			break;
		case 's':
			action = ACTION_SHOW;
			break;
		case 'l':
			action = ACTION_LOGOUT;
			break;
		case 'h':
			action = ACTION_HELP;
			break;
		default:
			return option_error();
		}
	}
	if (optind != argc) {
		prog_error("unexpected argument; try '" PROG " --help'");
		return OC_LOGIN_EXIT_USAGE;
	}
	if (action == ACTION_HELP) {
		usage(stdout);
		return fflush(stdout) == 0 && !ferror(stdout) ? OC_LOGIN_EXIT_OK
							      : OC_LOGIN_EXIT_OTHER;
	}
	if (action != ACTION_LOGIN && given != 1) {
		prog_error("--show and --logout take no other option");
		return OC_LOGIN_EXIT_USAGE;
	}
	if (action == ACTION_SHOW) {
		return cmd_show();
	}
	if (action == ACTION_LOGOUT) {
		return cmd_logout();
	}
	if (o.authd == NULL) {
		o.authd = getenv(AUTHD_URL_ENV);
	}
	if (o.authd == NULL || o.audience == NULL) {
		prog_error("--authd URL and --audience AUD are needed; try '" PROG " --help'");
		return OC_LOGIN_EXIT_USAGE;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		prog_error("libcurl cannot be initialized");
		return OC_LOGIN_EXIT_OTHER;
	}
	r = cmd_login(&o);
	curl_global_cleanup();
	return r;
}
