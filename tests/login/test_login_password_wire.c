/*
 * The password login's pieces in onecard_login_core (docs/login.md
 * "Password and code"): the user's and the code's forms; the two lines a
 * script hands in (secrets.c), split strictly, from a buffer and from a
 * pipe, every edge refused with a reason that never quotes the input; the
 * request body of POST /v1/login/password (wire.c), exact to the byte,
 * every JSON escape, decoded again by jansson to the same password, and
 * every refusal; the answer (wire.c), where "card" and "agencies" are
 * optional while a card login's answer keeps requiring them, and every
 * rule with a negative case.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <onecard/error.h>

#include "json_strict.h"
#include "login.h"

#define AUDIENCE "city-a-info"
#define TOKEN	 "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJwLTAwMDEifQ.c2ln"
#define SESSION	 "ocs1_m-3bWS37Mqu1HV6RvEexXJYWTvI6j7OHrIprZX4AFQg"
/* What a test password holds, to see that no message ever quotes it. */
#define MARKER	"Tr0ub4dor-marker"
#define BUF_MAX 4096u

/* Whether every byte of the n at p is zero. */
static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		if (b[i] != 0) {
			return false;
		}
	}
	return true;
}

/* ---- the forms ------------------------------------------------------------ */

static void user_and_code_forms(void **state)
{
	static const char *const users_ok[] = {"p-0001", "Zhang.San_2", "a", "A-Z.a_z-0.9"};
	static const char *const users_bad[] = {"",  "p 0001", "p/0001",	  "p@x", "p:1",
						"π", "p\n",    "uid=p,ou=people", "*"};
	static const char *const codes_ok[] = {"000000", "123456", "12345678", "99999999"};
	static const char *const codes_bad[] = {"",	  "12345",   "1234567",	    "123456789",
						"12345a", " 123456", "123456 ",	    "12345\n",
						"+12345", "-12345",  "１２３４５６"};
	char user[OC_LOGIN_USER_MAX + 2];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(users_ok) / sizeof(users_ok[0]); i++) {
		assert_true(oc_login_user_ok(users_ok[i]));
	}
	for (i = 0; i < sizeof(users_bad) / sizeof(users_bad[0]); i++) {
		print_message("user %s\n", users_bad[i]);
		assert_false(oc_login_user_ok(users_bad[i]));
	}
	assert_false(oc_login_user_ok(NULL));
	/* 64 characters, then 65. */
	memset(user, 'u', OC_LOGIN_USER_MAX);
	user[OC_LOGIN_USER_MAX] = '\0';
	assert_true(oc_login_user_ok(user));
	user[OC_LOGIN_USER_MAX] = 'u';
	user[OC_LOGIN_USER_MAX + 1] = '\0';
	assert_false(oc_login_user_ok(user));
	for (i = 0; i < sizeof(codes_ok) / sizeof(codes_ok[0]); i++) {
		assert_true(oc_login_otp_ok(codes_ok[i], strlen(codes_ok[i])));
	}
	for (i = 0; i < sizeof(codes_bad) / sizeof(codes_bad[0]); i++) {
		print_message("code '%s'\n", codes_bad[i]);
		assert_false(oc_login_otp_ok(codes_bad[i], strlen(codes_bad[i])));
	}
	/* The length given is the code's: a NUL inside is not a digit. */
	assert_false(oc_login_otp_ok("123\0"
				     "56",
				     6));
	assert_false(oc_login_otp_ok(NULL, 6));
}

/* ---- the two lines ---------------------------------------------------------- */

static void secrets_split(void **state)
{
	static const struct {
		const char *in;
		size_t len; /* 0: strlen */
		const char *password, *otp;
	} good[] = {
		{"pw\n123456\n", 0, "pw", "123456"},
		{"pw\r\n123456\r\n", 0, "pw", "123456"},
		{"pw\n12345678\n", 0, "pw", "12345678"},
		/* the second line may end with the input */
		{"pw\n123456", 0, "pw", "123456"},
		{"pw\n123456\r", 0, "pw", "123456"},
		/* a password is every byte of its line but the line end */
		{" correct horse \"battery\" \\staple \n123456\n", 0,
		 " correct horse \"battery\" \\staple ", "123456"},
		{"p\rw\n123456\n", 0, "p\rw", "123456"},
		{"p\tw\x01\n123456\n", 0, "p\tw\x01", "123456"},
		{"密码-" MARKER "\n654321\n", 0, "密码-" MARKER, "654321"},
	};
	static const struct {
		const char *in;
		size_t len; /* 0: strlen */
		int want;
		const char *why;
	} bad[] = {
		{"", 0, ONECARD_ERR_BAD_FORMAT,
		 "no password and code: give the password, then the TOTP code, each on a line of "
		 "its own"},
		{MARKER, 0, ONECARD_ERR_BAD_FORMAT,
		 "no TOTP code: the input holds one line; give the password, then the code, each "
		 "on a line of its own"},
		{MARKER "\n", 0, ONECARD_ERR_BAD_FORMAT,
		 "no TOTP code: the second line is missing"},
		{MARKER "\r\n", 0, ONECARD_ERR_BAD_FORMAT,
		 "no TOTP code: the second line is missing"},
		{MARKER "\n123456\nextra\n", 0, ONECARD_ERR_BAD_FORMAT,
		 "more than two lines: give the password, then the TOTP code, and nothing else"},
		{MARKER "\n123456\n\n", 0, ONECARD_ERR_BAD_FORMAT,
		 "more than two lines: give the password, then the TOTP code, and nothing else"},
		{MARKER "\n123456\nx", 0, ONECARD_ERR_BAD_FORMAT,
		 "more than two lines: give the password, then the TOTP code, and nothing else"},
		{MARKER "\n\n123456\n", 0, ONECARD_ERR_BAD_FORMAT,
		 "more than two lines: give the password, then the TOTP code, and nothing else"},
		{"\n123456\n", 0, ONECARD_ERR_BAD_FORMAT, "the password is empty"},
		{"\r\n123456\n", 0, ONECARD_ERR_BAD_FORMAT, "the password is empty"},
		{"p\0w\n123456\n", 11, ONECARD_ERR_BAD_FORMAT, "the password holds a NUL byte"},
		{MARKER "\n\n", 0, ONECARD_ERR_BAD_FORMAT, "the TOTP code is not 6 or 8 digits"},
		{MARKER "\n12345\n", 0, ONECARD_ERR_BAD_FORMAT,
		 "the TOTP code is not 6 or 8 digits"},
		{MARKER "\n1234567\n", 0, ONECARD_ERR_BAD_FORMAT,
		 "the TOTP code is not 6 or 8 digits"},
		{MARKER "\n123456789\n", 0, ONECARD_ERR_BAD_FORMAT,
		 "the TOTP code is not 6 or 8 digits"},
		{MARKER "\n12345a\n", 0, ONECARD_ERR_BAD_FORMAT,
		 "the TOTP code is not 6 or 8 digits"},
		{MARKER "\n 123456\n", 0, ONECARD_ERR_BAD_FORMAT,
		 "the TOTP code is not 6 or 8 digits"},
		{MARKER "\n123\0"
			"56\n",
		 sizeof(MARKER "\n123\0"
			       "56\n") -
			 1u,
		 ONECARD_ERR_BAD_FORMAT, "the TOTP code is not 6 or 8 digits"},
		/* the password's and the code's places swapped */
		{"123456\n" MARKER "\n", 0, ONECARD_ERR_BAD_FORMAT,
		 "the TOTP code is not 6 or 8 digits"},
	};
	struct oc_login_secrets s;
	char buf[BUF_MAX];
	const char *why = NULL;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		len = good[i].len != 0 ? good[i].len : strlen(good[i].in);
		assert_int_equal(oc_login_secrets_parse(good[i].in, len, &s, &why), ONECARD_OK);
		assert_string_equal(why, "");
		assert_string_equal(s.password, good[i].password);
		assert_int_equal(s.password_len, strlen(good[i].password));
		assert_string_equal(s.otp, good[i].otp);
		assert_int_equal(s.otp_len, strlen(good[i].otp));
		oc_login_secrets_clear(&s);
		assert_true(all_zero(&s, sizeof(s)));
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = bad[i].len != 0 ? bad[i].len : strlen(bad[i].in);
		print_message("case %zu\n", i);
		memset(&s, 0x55, sizeof(s));
		why = NULL;
		assert_int_equal(oc_login_secrets_parse(bad[i].in, len, &s, &why), bad[i].want);
		assert_string_equal(why, bad[i].why);
		assert_null(strstr(why, MARKER));
		assert_true(all_zero(&s, sizeof(s)));
	}
	assert_int_equal(oc_login_secrets_parse(NULL, 3, &s, &why), ONECARD_ERR_BAD_FORMAT);
	/* A password of 256 bytes, then 257. */
	memset(buf, 'p', OC_LOGIN_PASSWORD_MAX);
	memcpy(buf + OC_LOGIN_PASSWORD_MAX, "\n123456\n", 9);
	assert_int_equal(oc_login_secrets_parse(buf, strlen(buf), &s, &why), ONECARD_OK);
	assert_int_equal(s.password_len, OC_LOGIN_PASSWORD_MAX);
	assert_int_equal(strlen(s.password), OC_LOGIN_PASSWORD_MAX);
	oc_login_secrets_clear(&s);
	memset(buf, 'p', OC_LOGIN_PASSWORD_MAX + 1u);
	memcpy(buf + OC_LOGIN_PASSWORD_MAX + 1u, "\n123456\n", 9);
	assert_int_equal(oc_login_secrets_parse(buf, strlen(buf), &s, &why), ONECARD_ERR_TOO_LARGE);
	assert_string_equal(why, "the password is longer than 256 bytes");
	assert_true(all_zero(&s, sizeof(s)));
}

/* Writes text (len bytes) into a new pipe and closes its writing end;
 * returns the reading end. */
static int pipe_of(const char *text, size_t len)
{
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	assert_true(len < 65536u); /* the pipe holds it all */
	if (len > 0) {
		assert_int_equal(write(fds[1], text, len), (ssize_t)len);
	}
	assert_int_equal(close(fds[1]), 0);
	return fds[0];
}

static void secrets_from_a_descriptor(void **state)
{
	struct oc_login_secrets s;
	char buf[BUF_MAX];
	const char *why = NULL;
	size_t n;
	int fd;

	(void)state;
	fd = pipe_of(MARKER "\n123456\n", strlen(MARKER "\n123456\n"));
	assert_int_equal(oc_login_secrets_read(fd, &s, &why), ONECARD_OK);
	assert_string_equal(s.password, MARKER);
	assert_string_equal(s.otp, "123456");
	oc_login_secrets_clear(&s);
	(void)close(fd);
	/* The longest input: a password of 256 bytes and 8 digits, CR LF
	 * after each. */
	memset(buf, 'p', OC_LOGIN_PASSWORD_MAX);
	memcpy(buf + OC_LOGIN_PASSWORD_MAX, "\r\n12345678\r\n", 13);
	n = strlen(buf);
	assert_int_equal(n, OC_LOGIN_SECRETS_INPUT_MAX);
	fd = pipe_of(buf, n);
	assert_int_equal(oc_login_secrets_read(fd, &s, &why), ONECARD_OK);
	assert_int_equal(s.password_len, OC_LOGIN_PASSWORD_MAX);
	assert_string_equal(s.otp, "12345678");
	oc_login_secrets_clear(&s);
	(void)close(fd);
	/* One byte more is refused, whatever it holds. */
	memcpy(buf + OC_LOGIN_PASSWORD_MAX, "\r\n12345678\r\n\n", 14);
	fd = pipe_of(buf, n + 1u);
	assert_int_equal(oc_login_secrets_read(fd, &s, &why), ONECARD_ERR_TOO_LARGE);
	assert_string_equal(why, "the input is longer than a password and a code can be");
	assert_true(all_zero(&s, sizeof(s)));
	(void)close(fd);
	/* Much more: refused without reading it all. */
	memset(buf, 'x', sizeof(buf));
	fd = pipe_of(buf, sizeof(buf));
	assert_int_equal(oc_login_secrets_read(fd, &s, &why), ONECARD_ERR_TOO_LARGE);
	(void)close(fd);
	/* Nothing at all, one line, three lines. */
	fd = pipe_of("", 0);
	assert_int_equal(oc_login_secrets_read(fd, &s, &why), ONECARD_ERR_BAD_FORMAT);
	(void)close(fd);
	fd = pipe_of(MARKER "\n", strlen(MARKER "\n"));
	assert_int_equal(oc_login_secrets_read(fd, &s, &why), ONECARD_ERR_BAD_FORMAT);
	assert_string_equal(why, "no TOTP code: the second line is missing");
	(void)close(fd);
	fd = pipe_of(MARKER "\n123456\n123456\n", strlen(MARKER "\n123456\n123456\n"));
	assert_int_equal(oc_login_secrets_read(fd, &s, &why), ONECARD_ERR_BAD_FORMAT);
	(void)close(fd);
	/* A descriptor that cannot be read. */
	errno = 0;
	assert_int_equal(oc_login_secrets_read(-1, &s, &why), ONECARD_ERR_IO);
	assert_int_equal(errno, EBADF);
	assert_string_equal(why, "cannot read the password and code");
	fd = open("/", O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_equal(oc_login_secrets_read(fd, &s, &why), ONECARD_ERR_IO);
	assert_int_equal(errno, EISDIR);
	(void)close(fd);
}

/* ---- the request ---------------------------------------------------------------- */

static struct oc_login_secrets secrets_of(const char *password, size_t len, const char *otp)
{
	struct oc_login_secrets s;

	memset(&s, 0, sizeof(s));
	assert_true(len <= OC_LOGIN_PASSWORD_MAX && strlen(otp) <= OC_LOGIN_OTP_MAX);
	memcpy(s.password, password, len);
	s.password_len = len;
	memcpy(s.otp, otp, strlen(otp));
	s.otp_len = strlen(otp);
	return s;
}

/* Builds the body and checks that jansson reads it back to the same four
 * members, the password byte for byte. */
static char *request_of(const char *user, const struct oc_login_secrets *s, const char *audience)
{
	json_t *o = NULL;
	const char *why = NULL, *pw;
	char *body = NULL;
	size_t len = 0, pw_len = 0;

	assert_int_equal(oc_login_password_request(user, s, audience, &body, &len, &why),
			 ONECARD_OK);
	assert_non_null(body);
	assert_string_equal(why, "");
	assert_int_equal(strlen(body), len);
	assert_int_equal(oc_json_parse_object(body, len, &o), ONECARD_OK);
	assert_int_equal(json_object_size(o), 4);
	assert_string_equal(json_string_value(json_object_get(o, "username")), user);
	pw = oc_json_get_string(o, "password", &pw_len);
	assert_non_null(pw);
	assert_int_equal(pw_len, s->password_len);
	assert_memory_equal(pw, s->password, pw_len);
	assert_string_equal(json_string_value(json_object_get(o, "otp")), s->otp);
	assert_string_equal(json_string_value(json_object_get(o, "audience")), audience);
	json_decref(o);
	return body;
}

static void request_exact(void **state)
{
	static const char escapes[] = "q\"b\\s/\n\r\t\x01\x1f\x7f密码";
	struct oc_login_secrets s = secrets_of(MARKER, strlen(MARKER), "123456");
	char worst[OC_LOGIN_PASSWORD_MAX];
	char *body;
	size_t i;

	(void)state;
	/* Compact, in the order of docs/login.md. */
	body = request_of("p-0001", &s, AUDIENCE);
	assert_string_equal(body, "{\"username\":\"p-0001\",\"password\":\"" MARKER
				  "\",\"otp\":\"123456\",\"audience\":\"city-a-info\"}");
	oc_login_password_request_free(body);
	s = secrets_of(MARKER, strlen(MARKER), "12345678");
	body = request_of("Zhang.San_2", &s, "city-b-info");
	assert_string_equal(body, "{\"username\":\"Zhang.San_2\",\"password\":\"" MARKER
				  "\",\"otp\":\"12345678\",\"audience\":\"city-b-info\"}");
	oc_login_password_request_free(body);
	/* Every escape JSON needs, and UTF-8 as it is. */
	s = secrets_of(escapes, strlen(escapes), "000000");
	body = request_of("p-0001", &s, AUDIENCE);
	assert_string_equal(body, "{\"username\":\"p-0001\",\"password\":\"q\\\"b\\\\s/\\u000a"
				  "\\u000d\\u0009\\u0001\\u001f\x7f密码\",\"otp\":\"000000\","
				  "\"audience\":\"city-a-info\"}");
	oc_login_password_request_free(body);
	/* The longest password, every byte escaped at its longest. */
	for (i = 0; i < sizeof(worst); i++) {
		worst[i] = (char)(1u + i % 31u);
	}
	s = secrets_of(worst, sizeof(worst), "99999999");
	body = request_of("u", &s, AUDIENCE);
	/* 52 bytes of names and quotes, the user, the password, the code,
	 * the audience. */
	assert_int_equal(strlen(body), 52u + 1u + 6u * OC_LOGIN_PASSWORD_MAX + 8u + 11u);
	oc_login_password_request_free(body);
	oc_login_secrets_clear(&s);
}

static void request_refused(void **state)
{
	static const struct {
		const char *user;
		const char *password;
		size_t len; /* 0: strlen */
		const char *otp;
		const char *audience;
		const char *why;
	} cases[] = {
		{"", MARKER, 0, "123456", AUDIENCE,
		 "the user must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'"},
		{"p 1", MARKER, 0, "123456", AUDIENCE,
		 "the user must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'"},
		{"p\"1", MARKER, 0, "123456", AUDIENCE,
		 "the user must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'"},
		{"p-1", "", 0, "123456", AUDIENCE,
		 "the password must be 1 to 256 bytes without a NUL byte"},
		{"p-1", MARKER "\0x", sizeof(MARKER) + 1u, "123456", AUDIENCE,
		 "the password must be 1 to 256 bytes without a NUL byte"},
		/* not UTF-8: a stray byte, an overlong '/', a surrogate, cut short */
		{"p-1", MARKER "\xff", 0, "123456", AUDIENCE, "the password is not UTF-8 text"},
		{"p-1", MARKER "\xc0\xaf", 0, "123456", AUDIENCE, "the password is not UTF-8 text"},
		{"p-1", MARKER "\xed\xa0\x80", 0, "123456", AUDIENCE,
		 "the password is not UTF-8 text"},
		{"p-1", MARKER "\xe5\xaf", 0, "123456", AUDIENCE, "the password is not UTF-8 text"},
		{"p-1", MARKER, 0, "12345", AUDIENCE, "the TOTP code is not 6 or 8 digits"},
		{"p-1", MARKER, 0, "1234567", AUDIENCE, "the TOTP code is not 6 or 8 digits"},
		{"p-1", MARKER, 0, "12345a", AUDIENCE, "the TOTP code is not 6 or 8 digits"},
		{"p-1", MARKER, 0, "123456", "City-A-Info",
		 "the audience must be 1 to 255 characters of a-z, 0-9 and '-'"},
		{"p-1", MARKER, 0, "123456", "",
		 "the audience must be 1 to 255 characters of a-z, 0-9 and '-'"},
		{"p-1", MARKER, 0, "123456", "city-a-info\"",
		 "the audience must be 1 to 255 characters of a-z, 0-9 and '-'"},
	};
	struct oc_login_secrets s;
	const char *why = NULL;
	char *body = (char *)&body;
	size_t i, len = 7;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("case %zu\n", i);
		s = secrets_of(cases[i].password,
			       cases[i].len != 0 ? cases[i].len : strlen(cases[i].password),
			       cases[i].otp);
		why = NULL;
		body = (char *)&body;
		assert_int_equal(oc_login_password_request(cases[i].user, &s, cases[i].audience,
							   &body, &len, &why),
				 ONECARD_ERR_INVALID_ARG);
		assert_null(body);
		assert_int_equal(len, 0);
		assert_string_equal(why, cases[i].why);
		assert_null(strstr(why, MARKER));
	}
	/* A length over the buffer's is refused, not read. */
	s = secrets_of(MARKER, strlen(MARKER), "123456");
	s.password_len = OC_LOGIN_PASSWORD_MAX + 1u;
	assert_int_equal(oc_login_password_request("p-1", &s, AUDIENCE, &body, &len, &why),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_login_password_request("p-1", NULL, AUDIENCE, &body, &len, &why),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_login_password_request(NULL, &s, AUDIENCE, &body, &len, &why),
			 ONECARD_ERR_INVALID_ARG);
	oc_login_password_request_free(NULL);
}

/* ---- the answer ------------------------------------------------------------------- */

#define GOOD_ANSWER                                                                        \
	"{\"access_token\":\"" TOKEN "\",\"token_type\":\"Bearer\",\"expires_in\":300,"    \
	"\"refresh_token\":\"" SESSION "\",\"refresh_expires_in\":28800,"                  \
	"\"session_idle_timeout\":1800,\"sub\":\"p-0001\",\"ent\":\"91350100M000100Y43\"," \
	"\"audience\":\"" AUDIENCE "\",\"acr\":\"pwd-otp\"}"

static int parse(const char *body, struct oc_login_token *t, const char **why)
{
	return oc_login_password_parse(body, strlen(body), AUDIENCE, t, why);
}

/* GOOD_ANSWER with member name's value replaced by value (raw JSON), or
 * removed when value is NULL. */
static char *answer_with(const char *name, const char *value)
{
	json_t *o = NULL, *v;
	char *text = NULL;

	assert_int_equal(oc_json_parse_object(GOOD_ANSWER, strlen(GOOD_ANSWER), &o), ONECARD_OK);
	if (value == NULL) {
		assert_int_equal(json_object_del(o, name), 0);
	} else {
		v = json_loads(value, JSON_DECODE_ANY, NULL);
		assert_non_null(v);
		assert_int_equal(json_object_set_new(o, name, v), 0);
	}
	assert_int_equal(oc_json_dump(o, 0, &text), ONECARD_OK);
	json_decref(o);
	return text;
}

static void answer_accepted(void **state)
{
	struct oc_login_token t;
	const char *why = NULL;
	char *body;

	(void)state;
	/* What authd answers: no card, no agencies. */
	assert_int_equal(parse(GOOD_ANSWER, &t, &why), ONECARD_OK);
	assert_string_equal(why, "");
	assert_string_equal(t.access_token, TOKEN);
	assert_int_equal(t.expires_in, 300);
	assert_string_equal(t.sub, "p-0001");
	assert_string_equal(t.ent, "91350100M000100Y43");
	assert_string_equal(t.card, "");
	assert_string_equal(t.acr, OC_LOGIN_ACR_PWD_OTP);
	assert_string_equal(t.audience, AUDIENCE);
	assert_true(json_is_array(t.agencies));
	assert_int_equal(json_array_size(t.agencies), 0);
	assert_string_equal(t.session.credential, SESSION);
	assert_int_equal(t.session.expires_in, 28800);
	assert_int_equal(t.session.idle_timeout, 1800);
	oc_login_token_clear(&t);
	/* The same answer is no card login's: that one requires both. */
	assert_int_equal(oc_login_token_parse(GOOD_ANSWER, strlen(GOOD_ANSWER), AUDIENCE, &t, &why),
			 ONECARD_ERR_BAD_FORMAT);
	assert_string_equal(why, "the login answer lacks sub, ent or card");
	/* acr absent: the level asked for is recorded. */
	body = answer_with("acr", NULL);
	assert_int_equal(parse(body, &t, &why), ONECARD_OK);
	assert_string_equal(t.acr, OC_LOGIN_ACR_PWD_OTP);
	oc_login_token_clear(&t);
	free(body);
	/* Agencies named: an empty list, or ids, kept. */
	body = answer_with("agencies", "[]");
	assert_int_equal(parse(body, &t, &why), ONECARD_OK);
	assert_int_equal(json_array_size(t.agencies), 0);
	oc_login_token_clear(&t);
	free(body);
	body = answer_with("agencies", "[\"info\"]");
	assert_int_equal(parse(body, &t, &why), ONECARD_OK);
	assert_string_equal(json_string_value(json_array_get(t.agencies, 0)), "info");
	oc_login_token_clear(&t);
	free(body);
	/* A card named is checked, not kept: no card took part. */
	body = answer_with("card", "\"card-1\"");
	assert_int_equal(parse(body, &t, &why), ONECARD_OK);
	assert_string_equal(t.card, "");
	oc_login_token_clear(&t);
	free(body);
	/* No session opened: none kept. */
	body = answer_with("refresh_token", NULL);
	assert_int_equal(parse(body, &t, &why), ONECARD_OK);
	assert_string_equal(t.session.credential, "");
	oc_login_token_clear(&t);
	free(body);
	assert_int_equal(parse("{\"access_token\":\"a.b.c\",\"token_type\":\"bearer\","
			       "\"expires_in\":1,\"sub\":\"s\",\"ent\":\"e\","
			       "\"audience\":\"city-a-info\"}",
			       &t, &why),
			 ONECARD_OK);
	assert_string_equal(t.session.credential, "");
	oc_login_token_clear(&t);
}

static void answer_refused(void **state)
{
	static const struct {
		const char *name;
		const char *value; /* NULL: removed */
		const char *why;
	} cases[] = {
		{"access_token", NULL, "the login answer has no access token of JWS compact form"},
		{"access_token", "\"a.b\"",
		 "the login answer has no access token of JWS compact form"},
		/* J9: the session credential handed out as the token */
		{"access_token", "\"" SESSION "\"",
		 "the login answer has no access token of JWS compact form"},
		{"token_type", "\"MAC\"", "the login answer's token_type is not Bearer"},
		{"expires_in", "0", "the login answer's expires_in is not 1 to 86400 seconds"},
		{"expires_in", "86401", "the login answer's expires_in is not 1 to 86400 seconds"},
		{"expires_in", "\"300\"",
		 "the login answer's expires_in is not 1 to 86400 seconds"},
		{"audience", NULL, "the login answer names another audience"},
		{"audience", "\"city-a-customs-declaration\"",
		 "the login answer names another audience"},
		{"sub", NULL, "the login answer lacks sub or ent"},
		{"sub", "\"\"", "the login answer lacks sub or ent"},
		{"ent", NULL, "the login answer lacks sub or ent"},
		{"ent", "7", "the login answer lacks sub or ent"},
		{"card", "\"\"",
		 "the password login answer's card is not a string of 1 to 255 bytes"},
		{"card", "7", "the password login answer's card is not a string of 1 to 255 bytes"},
		{"card", "null",
		 "the password login answer's card is not a string of 1 to 255 bytes"},
		{"acr", "\"card\"", "the password login answer's acr is not pwd-otp"},
		{"acr", "\"pwd-otp \"", "the password login answer's acr is not pwd-otp"},
		{"acr", "\"\"", "the password login answer's acr is not pwd-otp"},
		{"acr", "[\"pwd-otp\"]", "the password login answer's acr is not pwd-otp"},
		{"agencies", "\"info\"",
		 "the password login answer's agencies are not a list of agency ids"},
		{"agencies", "[1]",
		 "the password login answer's agencies are not a list of agency ids"},
		{"agencies", "[\"\"]",
		 "the password login answer's agencies are not a list of agency ids"},
		{"agencies", "null",
		 "the password login answer's agencies are not a list of agency ids"},
		{"refresh_token", "\"" TOKEN "\"",
		 "the login answer's refresh_token is not a session credential (ocs1_...)"},
		{"refresh_expires_in", NULL,
		 "the login answer's refresh_expires_in or session_idle_timeout is not 1 to "
		 "2592000 "
		 "seconds"},
		{"session_idle_timeout", "0",
		 "the login answer's refresh_expires_in or session_idle_timeout is not 1 to "
		 "2592000 "
		 "seconds"},
	};
	struct oc_login_token t;
	const char *why = NULL;
	json_t *many;
	char *body, *value;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		body = answer_with(cases[i].name, cases[i].value);
		print_message("%s\n", body);
		memset(&t, 0x55, sizeof(t));
		why = NULL;
		assert_int_equal(parse(body, &t, &why), ONECARD_ERR_BAD_FORMAT);
		assert_string_equal(why, cases[i].why);
		assert_null(t.access_token);
		assert_null(t.agencies);
		assert_true(all_zero(&t, sizeof(t)));
		free(body);
	}
	/* 65 agencies. */
	many = json_array();
	assert_non_null(many);
	for (i = 0; i <= OC_LOGIN_AGENCIES_MAX; i++) {
		assert_int_equal(json_array_append_new(many, json_string("info")), 0);
	}
	value = json_dumps(many, JSON_COMPACT);
	body = answer_with("agencies", value);
	assert_int_equal(parse(body, &t, &why), ONECARD_ERR_BAD_FORMAT);
	free(body);
	free(value);
	json_decref(many);
	/* Not an object, a member twice, nothing. */
	assert_int_equal(parse("[]", &t, &why), ONECARD_ERR_BAD_FORMAT);
	assert_string_equal(why, "the login answer is not a JSON object");
	assert_int_equal(parse("{\"acr\":\"pwd-otp\",\"acr\":\"card\"}", &t, &why),
			 ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(oc_login_password_parse(NULL, 0, AUDIENCE, &t, &why),
			 ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(oc_login_password_parse(GOOD_ANSWER, strlen(GOOD_ANSWER), NULL, &t, &why),
			 ONECARD_ERR_BAD_FORMAT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(user_and_code_forms),
		cmocka_unit_test(secrets_split),
		cmocka_unit_test(secrets_from_a_descriptor),
		cmocka_unit_test(request_exact),
		cmocka_unit_test(request_refused),
		cmocka_unit_test(answer_accepted),
		cmocka_unit_test(answer_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
