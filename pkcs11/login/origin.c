/*
 * The authd URL and its origin (login.h, docs/login.md). The origin is
 * what the card signs (docs/challenge.md), so there must be exactly one
 * origin per URL: anything another parser could read differently (user
 * information, a numeric host that is not a dotted quad, a trailing dot,
 * a backslash, a zone id) is refused rather than guessed at. The client
 * then connects to the base URL built here, never to the text it was given,
 * so what it signs and where it connects come from the same parse.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <onecard/error.h>

#include "login.h"

#define IPV6_TEXT_MAX	 64u /* bytes of an IPv6 literal inside the brackets */
#define PORT_DIGITS	 5u
#define HTTP_PORT	 80u
#define HTTPS_PORT	 443u
#define IPV4_PARTS	 4u
#define IPV4_PART_MAX	 255u
#define IPV4_PART_DIGITS 3u /* decimal digits of one part */
#define LOOPBACK_OCTET	 127u
#define LOCALHOST	 "localhost"

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* RFC 3986 unreserved characters. */
static bool is_unreserved(char c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

bool oc_login_audience_ok(const char *text)
{
	size_t i, n;

	if (text == NULL) {
		return false;
	}
	n = strlen(text);
	if (n == 0 || n > OC_LOGIN_AUDIENCE_MAX) {
		return false;
	}
	for (i = 0; i < n; i++) {
		if (!((text[i] >= 'a' && text[i] <= 'z') || is_digit(text[i]) || text[i] == '-')) {
			return false;
		}
	}
	return true;
}

/* Parses a decimal number of 1..max_digits digits without a leading zero
 * (unless it is "0"). Returns 0 and *value, or -1. */
static int parse_decimal(const char *s, size_t n, size_t max_digits, unsigned *value)
{
	unsigned v = 0;
	size_t i;

	*value = 0;
	if (n == 0 || n > max_digits || (n > 1 && s[0] == '0')) {
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!is_digit(s[i])) {
			return -1;
		}
		v = v * 10u + (unsigned)(s[i] - '0');
	}
	*value = v;
	return 0;
}

/* A dotted-quad IPv4 address, each part 0..255 without leading zeros.
 * Returns 0 and the first octet, or -1. */
static int parse_ipv4(const char *s, size_t n, unsigned *first)
{
	size_t start = 0, i, parts = 0;
	unsigned v = 0;

	*first = 0;
	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			continue;
		}
		if (parts == IPV4_PARTS ||
		    parse_decimal(s + start, i - start, IPV4_PART_DIGITS, &v) != 0 ||
		    v > IPV4_PART_MAX) {
			return -1;
		}
		if (parts == 0) {
			*first = v;
		}
		parts++;
		start = i + 1;
	}
	return parts == IPV4_PARTS ? 0 : -1;
}

/* The host of the authority, s[0..n): writes it lower-cased (IPv6
 * canonical, in brackets) into out->host and sets out->loopback. */
static int parse_host(const char *s, size_t n, struct oc_login_url *out, const char **why)
{
	char v6[IPV6_TEXT_MAX], canon[INET6_ADDRSTRLEN];
	struct in6_addr a6;
	size_t i, label_start = 0, last_label;
	unsigned first = 0;
	bool numeric_tail = true;
	int w;

	if (n == 0) {
		*why = "the URL has no host";
		return ONECARD_ERR_BAD_FORMAT;
	}
	if (s[0] == '[') {
		if (n < 3 || s[n - 1] != ']' || n - 2 >= sizeof(v6)) {
			*why = "an IPv6 address must be written in brackets, such as [::1]";
			return ONECARD_ERR_BAD_FORMAT;
		}
		memcpy(v6, s + 1, n - 2);
		v6[n - 2] = '\0';
		if (strchr(v6, '%') != NULL) {
			*why = "an IPv6 zone id (%) is not accepted";
			return ONECARD_ERR_BAD_FORMAT;
		}
		if (inet_pton(AF_INET6, v6, &a6) != 1 ||
		    inet_ntop(AF_INET6, &a6, canon, sizeof(canon)) == NULL) {
			*why = "the IPv6 address is not valid";
			return ONECARD_ERR_BAD_FORMAT;
		}
		w = snprintf(out->host, sizeof(out->host), "[%s]", canon);
		if (w < 0 || (size_t)w >= sizeof(out->host)) {
			*why = "the IPv6 address is not valid";
			return ONECARD_ERR_BAD_FORMAT;
		}
		out->loopback = IN6_IS_ADDR_LOOPBACK(&a6);
		return ONECARD_OK;
	}
	if (n > OC_LOGIN_HOST_MAX) {
		*why = "the host name is longer than 253 bytes";
		return ONECARD_ERR_BAD_FORMAT;
	}
	/* Labels of letters, digits and '-', not starting or ending with
	 * '-', 1..63 bytes, separated by single dots (no trailing dot). */
	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '-') {
				*why = "the host name may hold only letters, digits, '-' and '.' "
				       "(write an international name in its xn-- form)";
				return ONECARD_ERR_BAD_FORMAT;
			}
			out->host[i] = lower(s[i]);
			continue;
		}
		if (i == label_start || i - label_start > OC_LOGIN_LABEL_MAX ||
		    s[label_start] == '-' || s[i - 1] == '-') {
			*why = "the host name has an empty, too long or badly formed label";
			return ONECARD_ERR_BAD_FORMAT;
		}
		if (i < n) {
			out->host[i] = '.';
			label_start = i + 1;
		}
	}
	out->host[n] = '\0';
	/* A host whose last label is numeric is an IPv4 address to every
	 * resolver, in forms such as 127.1 or 0x7f.1: only the dotted quad
	 * is accepted, so that the origin is the address connected to. */
	last_label = label_start;
	for (i = last_label; i < n; i++) {
		if (!is_digit(s[i])) {
			numeric_tail = false;
		}
	}
	if (n - last_label > 1 && (s[last_label] == '0') &&
	    (s[last_label + 1] == 'x' || s[last_label + 1] == 'X')) {
		numeric_tail = true;
	}
	if (numeric_tail) {
		if (parse_ipv4(s, n, &first) != 0) {
			*why = "a numeric host must be an IPv4 address in dotted-quad form";
			return ONECARD_ERR_BAD_FORMAT;
		}
		out->loopback = first == LOOPBACK_OCTET;
		return ONECARD_OK;
	}
	out->loopback = strcmp(out->host, LOCALHOST) == 0;
	return ONECARD_OK;
}

/* The path prefix s[0..n) (starting with '/', or empty): unreserved
 * characters and percent escapes in non-empty segments, none "." or "..";
 * one trailing '/' is dropped. Sets *keep to the bytes kept. */
static int check_path(const char *s, size_t n, size_t *keep, const char **why)
{
	size_t i, seg_start = 1, seg_len;

	*keep = 0;
	if (n == 0 || (n == 1 && s[0] == '/')) {
		return ONECARD_OK;
	}
	if (s[n - 1] == '/') {
		n--;
	}
	for (i = 1; i <= n; i++) {
		if (i < n && s[i] != '/') {
			if (s[i] == '%') {
				if (i + 2 >= n || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) {
					*why = "the URL path has a bad percent escape";
					return ONECARD_ERR_BAD_FORMAT;
				}
				i += 2;
				continue;
			}
			if (!is_unreserved(s[i])) {
				*why = "the URL path may hold only letters, digits, '-', '.', '_', "
				       "'~', '/' and percent escapes";
				return ONECARD_ERR_BAD_FORMAT;
			}
			continue;
		}
		seg_len = i - seg_start;
		if (seg_len == 0 || (seg_len == 1 && s[seg_start] == '.') ||
		    (seg_len == 2 && s[seg_start] == '.' && s[seg_start + 1] == '.')) {
			*why = "the URL path has an empty, '.' or '..' segment";
			return ONECARD_ERR_BAD_FORMAT;
		}
		seg_start = i + 1;
	}
	*keep = n;
	return ONECARD_OK;
}

int oc_login_url_parse(const char *text, struct oc_login_url *out, const char **why)
{
	const char *dummy = NULL, *auth, *auth_end, *host_end, *colon, *p;
	struct oc_login_url u;
	size_t n, i, scheme_len, path_keep = 0;
	unsigned port = 0, default_port;
	int r, w;

	if (why == NULL) {
		why = &dummy;
	}
	*why = "";
	if (out == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	memset(out, 0, sizeof(*out));
	memset(&u, 0, sizeof(u));
	if (text == NULL || text[0] == '\0') {
		*why = "the authd URL is empty";
		return ONECARD_ERR_BAD_FORMAT;
	}
	n = strnlen(text, OC_LOGIN_URL_MAX + 1);
	if (n > OC_LOGIN_URL_MAX) {
		*why = "the authd URL is longer than 2048 bytes";
		return ONECARD_ERR_TOO_LARGE;
	}
	for (i = 0; i < n; i++) {
		if ((unsigned char)text[i] <= 0x20 || (unsigned char)text[i] >= 0x7f) {
			*why = "the authd URL may hold only printable ASCII, without spaces";
			return ONECARD_ERR_BAD_FORMAT;
		}
		if (text[i] == '\\') {
			*why = "the authd URL may not hold a backslash";
			return ONECARD_ERR_BAD_FORMAT;
		}
		if (text[i] == '?' || text[i] == '#') {
			*why = "the authd URL may not have a query or fragment";
			return ONECARD_ERR_BAD_FORMAT;
		}
	}

	/* scheme "://" */
	p = strstr(text, "://");
	scheme_len = p != NULL ? (size_t)(p - text) : 0;
	if (scheme_len == 4 && strncasecmp(text, "http", 4) == 0) {
		memcpy(u.scheme, "http", 5);
		default_port = HTTP_PORT;
	} else if (scheme_len == 5 && strncasecmp(text, "https", 5) == 0) {
		memcpy(u.scheme, "https", 6);
		default_port = HTTPS_PORT;
	} else {
		*why = "the authd URL must start with https:// (or http:// for a loopback host)";
		return ONECARD_ERR_BAD_FORMAT;
	}

	/* authority: up to the path */
	auth = p + 3;
	auth_end = strchr(auth, '/');
	if (auth_end == NULL) {
		auth_end = text + n;
	}
	if (memchr(auth, '@', (size_t)(auth_end - auth)) != NULL) {
		*why = "the authd URL may not hold a user name or password (@)";
		return ONECARD_ERR_BAD_FORMAT;
	}
	host_end = auth_end;
	if (auth < auth_end && auth[0] == '[') {
		p = memchr(auth, ']', (size_t)(auth_end - auth));
		if (p == NULL) {
			*why = "an IPv6 address must be written in brackets, such as [::1]";
			return ONECARD_ERR_BAD_FORMAT;
		}
		host_end = p + 1;
		if (host_end != auth_end && host_end[0] != ':') {
			*why = "unexpected characters after the IPv6 address";
			return ONECARD_ERR_BAD_FORMAT;
		}
	} else {
		colon = memchr(auth, ':', (size_t)(auth_end - auth));
		if (colon != NULL) {
			host_end = colon;
		}
	}
	r = parse_host(auth, (size_t)(host_end - auth), &u, why);
	if (r != ONECARD_OK) {
		return r;
	}
	if (host_end == auth_end) {
		port = default_port;
	} else if (parse_decimal(host_end + 1, (size_t)(auth_end - host_end - 1), PORT_DIGITS,
				 &port) != 0 ||
		   port == 0 || port > 65535u) {
		*why = "the port must be a number from 1 to 65535 without leading zeros";
		return ONECARD_ERR_BAD_FORMAT;
	}
	u.port = port;

	r = check_path(auth_end, (size_t)(text + n - auth_end), &path_keep, why);
	if (r != ONECARD_OK) {
		return r;
	}
	if (strcmp(u.scheme, "http") == 0 && !u.loopback) {
		*why = "plain http is allowed only for a loopback authd (localhost, 127.0.0.0/8, "
		       "[::1]); use https";
		return ONECARD_ERR_BAD_FORMAT;
	}

	if (port == default_port) {
		w = snprintf(u.origin, sizeof(u.origin), "%s://%s", u.scheme, u.host);
	} else {
		w = snprintf(u.origin, sizeof(u.origin), "%s://%s:%u", u.scheme, u.host, port);
	}
	if (w < 0 || (size_t)w >= sizeof(u.origin)) {
		*why = "the origin would be longer than 255 bytes";
		return ONECARD_ERR_TOO_LARGE;
	}
	w = snprintf(u.base, sizeof(u.base), "%s%.*s", u.origin, (int)path_keep, auth_end);
	if (w < 0 || (size_t)w >= sizeof(u.base) ||
	    (size_t)w + OC_LOGIN_ROUTE_MAX >= sizeof(u.base)) {
		*why = "the authd URL is too long";
		return ONECARD_ERR_TOO_LARGE;
	}
	*out = u;
	return ONECARD_OK;
}
