/* The command line (options.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "options.h"

#define PORT_MAX 65535u

static const char usage_text[] =
	"usage: city-module --authd URL --module ID [--issuer ISSUER]\n"
	"                   [--listen ADDR:PORT] [--ca-file FILE]\n"
	"\n"
	"  --authd URL        onecard-authd's URL (https, or http to loopback only);\n"
	"                     its JWKS is URL/.well-known/jwks.json and the module's\n"
	"                     demands are read once at start from URL/v1/modules\n"
	"  --module ID        this module's id: the audience its tokens must name\n"
	"  --issuer ISSUER    the tokens' iss (default: the --authd URL, which is\n"
	"                     authd's issuer unless configured otherwise)\n"
	"  --listen ADDR:PORT where to serve (default 127.0.0.1:0: a free port,\n"
	"                     printed at start); [::1]:PORT for IPv6\n"
	"  --ca-file FILE     CA certificates for an https authd (default: the\n"
	"                     system's)\n"
	"\n"
	"GET / with 'Authorization: Bearer TOKEN' serves the page when the token\n"
	"is valid for this module and meets its demands; GET /healthz answers ok.\n"
	"SIGTERM or SIGINT stops it.\n";

const char *city_options_usage(void)
{
	return usage_text;
}

/* A decimal port of 1..5 digits, 0..65535. */
static int parse_port(const char *s, unsigned *out)
{
	unsigned v = 0;
	size_t i, len = strlen(s);

	if (len == 0 || len > 5) {
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return -1;
		}
		v = v * 10u + (unsigned)(s[i] - '0');
	}
	if (v > PORT_MAX) {
		return -1;
	}
	*out = v;
	return 0;
}

/* ADDR:PORT, ADDR an IPv4 address or [IPv6]. */
static int parse_listen(const char *s, struct city_options *o)
{
	struct in6_addr v6;
	struct in_addr v4;
	const char *colon;
	size_t alen;

	if (s[0] == '[') {
		colon = strstr(s, "]:");
		if (colon == NULL) {
			return -1;
		}
		alen = (size_t)(colon - s) - 1u;
		if (alen == 0 || alen >= sizeof(o->listen_addr)) {
			return -1;
		}
		memcpy(o->listen_addr, s + 1, alen);
		o->listen_addr[alen] = '\0';
		if (inet_pton(AF_INET6, o->listen_addr, &v6) != 1) {
			return -1;
		}
		o->listen_v6 = true;
		return parse_port(colon + 2, &o->listen_port);
	}
	colon = strrchr(s, ':');
	if (colon == NULL) {
		return -1;
	}
	alen = (size_t)(colon - s);
	if (alen == 0 || alen >= sizeof(o->listen_addr)) {
		return -1;
	}
	memcpy(o->listen_addr, s, alen);
	o->listen_addr[alen] = '\0';
	if (inet_pton(AF_INET, o->listen_addr, &v4) != 1) {
		return -1;
	}
	o->listen_v6 = false;
	return parse_port(colon + 1, &o->listen_port);
}

/* dst = base + path, within ONECARD_MODULE_URL_MAX bytes. */
static int join(char *dst, const char *base, const char *path)
{
	int n = snprintf(dst, ONECARD_MODULE_URL_MAX + 1u, "%s%s", base, path);

	return n < 0 || (size_t)n > ONECARD_MODULE_URL_MAX ? -1 : 0;
}

/* The authd URL without trailing slashes, and the URLs derived from it.
 * Whether it is one the library fetches from (https, or http to a
 * loopback host) is the library's to say, at start. */
static int set_authd(const char *url, struct city_options *o)
{
	size_t len = strnlen(url, ONECARD_MODULE_URL_MAX + 1u);

	while (len > 0 && url[len - 1u] == '/') {
		len--;
	}
	if (len == 0 || len > ONECARD_MODULE_URL_MAX) {
		return -1;
	}
	memcpy(o->authd, url, len);
	o->authd[len] = '\0';
	if (join(o->jwks_url, o->authd, "/.well-known/jwks.json") != 0 ||
	    join(o->modules_url, o->authd, "/v1/modules") != 0) {
		return -1;
	}
	return 0;
}

int city_options_parse(int argc, char **argv, struct city_options *o, const char **why)
{
	const char *authd = NULL, *listen = "127.0.0.1:0", *name, *value;
	bool listen_given = false;
	int i;

	memset(o, 0, sizeof(*o));
	*why = "";
	for (i = 1; i < argc; i++) {
		name = argv[i];
		if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
			o->help = true;
			return 0;
		}
		if (i + 1 >= argc) {
			*why = "an option without its value, or an unknown argument";
			return -1;
		}
		value = argv[++i];
		if (strcmp(name, "--authd") == 0 && authd == NULL) {
			authd = value;
		} else if (strcmp(name, "--module") == 0 && o->module == NULL) {
			o->module = value;
		} else if (strcmp(name, "--issuer") == 0 && o->issuer == NULL) {
			o->issuer = value;
		} else if (strcmp(name, "--listen") == 0 && !listen_given) {
			listen = value;
			listen_given = true;
		} else if (strcmp(name, "--ca-file") == 0 && o->ca_file == NULL) {
			o->ca_file = value;
		} else {
			*why = "an unknown option, or one given twice";
			return -1;
		}
	}
	if (authd == NULL || o->module == NULL) {
		*why = "--authd and --module are required";
		return -1;
	}
	if (set_authd(authd, o) != 0) {
		*why = "--authd is empty or too long";
		return -1;
	}
	if (parse_listen(listen, o) != 0) {
		*why = "--listen must be IPV4:PORT or [IPV6]:PORT, PORT 0..65535";
		return -1;
	}
	if (o->issuer == NULL) {
		o->issuer = o->authd;
	}
	return 0;
}
