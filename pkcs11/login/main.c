/*
 * onecard-login: log in to authd once with the card and its PIN, or with
 * the directory password and a TOTP code (the lower level, acr pwd-otp),
 * and get an access token (docs/login.md); then tokens for other modules
 * from the SSO session that login opened, without the card (docs/sso.md).
 * main() reads the options and picks the action; the exit status of each
 * failure class is in login.h and --help.
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
		"       " PROG " --password --user ID --audience AUD [--authd URL]\n"
		"                     [--cacert FILE] [--no-cache]\n"
		"       " PROG " --token AUD [--authd URL] [--cacert FILE] [--no-cache]\n"
		"       " PROG " --show\n"
		"       " PROG " --logout [--cacert FILE]\n"
		"\n"
		"Logs in to authd with the card: one PIN, a proof signed by every certificate\n"
		"on the card that has its private key; or, with --password, with the\n"
		"directory password and a TOTP code (a lower level: modules that need a card\n"
		"refuse it). Prints the access token for AUD on stdout (nothing else) and\n"
		"keeps it in the credential cache, with the SSO session the login opened.\n"
		"--token then gets tokens for other modules from that session, without the\n"
		"card.\n"
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
		"  --no-cache       do not write the credential cache (with --token: always\n"
		"                   ask authd, and keep the new token nowhere)\n"
		"  --password       no card: log in as --user ID with the directory password\n"
		"                   and a TOTP code from the authenticator app, both asked on\n"
		"                   the terminal without echo; when stdin is not a terminal,\n"
		"                   its first line is the password and its second the code\n"
		"                   (exactly two lines). Never on the command line.\n"
		"  --user ID        whose password (the directory's person id)\n"
		"  --token AUD      no card, no PIN: print an access token for the module AUD\n"
		"                   from the cached SSO session (a cached one while it lives\n"
		"                   30 s more); --authd, when given, must be the session's\n"
		"  --show           list the session and the cached tokens like klist:\n"
		"                   audience, subject, card, agencies, expiry; never a token,\n"
		"                   never the session credential\n"
		"  --logout         end the SSO session at authd, then overwrite and remove\n"
		"                   the credential cache (removed even when authd cannot be\n"
		"                   reached; the exit status then says so)\n"
		"  --help           this text\n"
		"\n"
		"Credential cache: $" OC_CCACHE_ENV ", else $XDG_RUNTIME_DIR/onecard/ccache.json,\n"
		"else ~/.cache/onecard/ccache.json; its folder must be yours and mode 0700, the\n"
		"file yours and mode 0600.\n"
		"\n"
		"Exit status:\n"
		"   0  ok\n"
		"   1  other error (I/O, memory, the card failed, no cache to show)\n"
		"   2  usage: options, URL, audience, card URI, PIN file, several cards;\n"
		"      --password: --user, the code's form, stdin not exactly two lines\n"
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
		"  13  the credential cache is refused or cannot be written\n"
		"  14  --token: no SSO session in the credential cache (log in with the card)\n"
		"  15  --token: the SSO session has ended (invalid_grant: logged out, timed out,\n"
		"      a certificate revoked, the card suspended); log in with the card again\n"
		"  16  --password: wrong user name, password or code, or a code used before\n"
		"      (invalid_credentials); a code works only once: wait for the next one\n"
		"  17  --password: too many failed attempts (locked); try again after the time\n"
		"      the message gives\n");
}

enum action { ACTION_LOGIN, ACTION_TOKEN, ACTION_SHOW, ACTION_LOGOUT, ACTION_HELP };

/* Which options were given, to check each action takes only its own. */
enum opt_bit {
	OPT_AUTHD = 1u << 0,
	OPT_AUDIENCE = 1u << 1,
	OPT_CARD = 1u << 2,
	OPT_PIN_FILE = 1u << 3,
	OPT_MODULE = 1u << 4,
	OPT_CACERT = 1u << 5,
	OPT_RSA_PSS = 1u << 6,
	OPT_NO_CACHE = 1u << 7,
	OPT_ACTION = 1u << 8, /* --token, --show, --logout, --help */
	OPT_PASSWORD = 1u << 9,
	OPT_USER = 1u << 10,
};

/* The options each action other than the card login takes besides itself. */
#define TOKEN_OPTS  (OPT_AUTHD | OPT_CACERT | OPT_NO_CACHE)
#define LOGOUT_OPTS (OPT_CACERT)
#define PASSWORD_OPTS \
	(OPT_PASSWORD | OPT_USER | OPT_AUTHD | OPT_AUDIENCE | OPT_CACERT | OPT_NO_CACHE)

static const struct option longopts[] = {
	{"authd", required_argument, NULL, 'a'},
	{"audience", required_argument, NULL, 'A'},
	{"card", required_argument, NULL, 'c'},
	{"pin-file", required_argument, NULL, 'p'},
	{"module", required_argument, NULL, 'm'},
	{"cacert", required_argument, NULL, 'C'},
	{"rsa-pss", no_argument, NULL, 'P'},
	{"no-cache", no_argument, NULL, 'n'},
	{"show", no_argument, NULL, 's'},
	{"logout", no_argument, NULL, 'l'},
	{"token", required_argument, NULL, 't'},
	{"password", no_argument, NULL, 'w'},
	{"user", required_argument, NULL, 'u'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int option_error(void)
{
	/* Not echoed: a mistyped word may be a value someone would rather
	 * not see in a log. */
	prog_error("bad or missing option value; try '" PROG " --help'");
	return OC_LOGIN_EXIT_USAGE;
}

/* Sets the action; a second action is a usage error. */
static bool set_action(enum action *action, unsigned *given, enum action a)
{
	if ((*given & OPT_ACTION) != 0) {
		return false;
	}
	*given |= OPT_ACTION;
	*action = a;
	return true;
}

int main(int argc, char *argv[])
{
	struct login_opts o;
	enum action action = ACTION_LOGIN;
	unsigned given = 0;
	bool ok = true;
	int c, r;

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
		switch (c) {
		case 'a':
			o.authd = optarg;
			given |= OPT_AUTHD;
			break;
		case 'A':
			o.audience = optarg;
			given |= OPT_AUDIENCE;
			break;
		case 'c':
			o.card = optarg;
			given |= OPT_CARD;
			break;
		case 'p':
			o.pin_file = optarg;
			given |= OPT_PIN_FILE;
			break;
		case 'm':
			o.module = optarg;
			given |= OPT_MODULE;
			break;
		case 'C':
			o.cacert = optarg;
			given |= OPT_CACERT;
			break;
		case 'P':
			o.rsa_pss = true;
			given |= OPT_RSA_PSS;
			break;
		case 'n':
			o.no_cache = true;
			given |= OPT_NO_CACHE;
			break;
		case 'w':
			o.password = true;
			given |= OPT_PASSWORD;
			break;
		case 'u':
			o.user = optarg;
			given |= OPT_USER;
			break;
		case 't':
			o.token = optarg;
			ok = set_action(&action, &given, ACTION_TOKEN);
			break;
		case 's':
			ok = set_action(&action, &given, ACTION_SHOW);
			break;
		case 'l':
			ok = set_action(&action, &given, ACTION_LOGOUT);
			break;
		case 'h':
			ok = set_action(&action, &given, ACTION_HELP);
			break;
		default:
			return option_error();
		}
		if (!ok) {
			prog_error("--token, --show, --logout and --help go alone; try '" PROG
				   " --help'");
			return OC_LOGIN_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		prog_error("unexpected argument; try '" PROG " --help'");
		return OC_LOGIN_EXIT_USAGE;
	}
	given &= ~(unsigned)OPT_ACTION;
	switch (action) {
	case ACTION_HELP:
		usage(stdout);
		return fflush(stdout) == 0 && !ferror(stdout) ? OC_LOGIN_EXIT_OK
							      : OC_LOGIN_EXIT_OTHER;
	case ACTION_SHOW:
		if (given != 0) {
			prog_error("--show takes no other option");
			return OC_LOGIN_EXIT_USAGE;
		}
		return cmd_show();
	case ACTION_LOGOUT:
	case ACTION_TOKEN:
		if ((given & ~(unsigned)(action == ACTION_TOKEN ? TOKEN_OPTS : LOGOUT_OPTS)) != 0) {
			prog_error(
				action == ACTION_TOKEN
					? "--token takes only --authd, --cacert and --no-cache: no "
					  "card is used"
					: "--logout takes only --cacert");
			return OC_LOGIN_EXIT_USAGE;
		}
		break;
	case ACTION_LOGIN:
		if (o.password && (given & ~(unsigned)PASSWORD_OPTS) != 0) {
			prog_error(
				"--password takes only --user, --audience, --authd, --cacert and "
				"--no-cache: no card is used");
			return OC_LOGIN_EXIT_USAGE;
		}
		if (o.password && o.user == NULL) {
			prog_error("--password needs --user ID; try '" PROG " --help'");
			return OC_LOGIN_EXIT_USAGE;
		}
		if (!o.password && o.user != NULL) {
			prog_error("--user goes with --password; try '" PROG " --help'");
			return OC_LOGIN_EXIT_USAGE;
		}
		break;
	}
	if (action == ACTION_LOGIN) {
		if (o.authd == NULL) {
			o.authd = getenv(AUTHD_URL_ENV);
		}
		if (o.authd == NULL || o.audience == NULL) {
			prog_error("--authd URL and --audience AUD are needed; try '" PROG
				   " --help'");
			return OC_LOGIN_EXIT_USAGE;
		}
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		prog_error("libcurl cannot be initialized");
		return OC_LOGIN_EXIT_OTHER;
	}
	if (action == ACTION_TOKEN) {
		r = cmd_token(&o);
	} else if (action == ACTION_LOGOUT) {
		r = cmd_logout(&o);
	} else if (o.password) {
		r = cmd_password(&o);
	} else {
		r = cmd_login(&o);
	}
	curl_global_cleanup();
	return r;
}
