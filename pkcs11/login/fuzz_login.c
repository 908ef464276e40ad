/*
 * libFuzzer target for what onecard-login parses from outside: the authd
 * URL (origin.c), authd's answers (card login, password login and token)
 * and error bodies (wire.c), a cache document (cache.c), and the two
 * lines of a password and a code (secrets.c). The first byte picks the
 * parser, the rest is its input. Beyond "no crash, no leak, no undefined
 * behaviour" it checks the parsers' promises: an accepted URL's base
 * parses again to the same origin and base (one URL, one origin); a
 * refusal always says why; accepted answers are within their limits (a
 * token answer never hands out a session credential as an access token;
 * a password login's answer never a card, always acr pwd-otp); a valid
 * cache stays valid after a token of the session, a card login and a
 * password login are merged into it; two lines accepted are a password
 * and a code of their forms, and the request built from them reads back
 * as JSON to the same password. The seed corpus corpus/ replays under
 * ctest (fuzz_replay_login) through pkcs11/fuzz_replay.c.
 */
#include <stdlib.h>
#include <string.h>

#include <onecard/error.h>

#include "json_strict.h"
#include "login.h"

#define AUDIENCE "provincial-portal"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok) {
		abort();
	}
}

static void url(const char *text)
{
	struct oc_login_url u, again;
	const char *why = NULL;

	if (oc_login_url_parse(text, &u, &why) != ONECARD_OK) {
		check(why != NULL && why[0] != '\0');
		check(u.origin[0] == '\0' && u.base[0] == '\0');
		return;
	}
	check(why != NULL && why[0] == '\0');
	check(strlen(u.origin) > 0 && strlen(u.origin) <= OC_CHALLENGE_ORIGIN_MAX);
	check(strncmp(u.base, u.origin, strlen(u.origin)) == 0);
	check(u.loopback || strcmp(u.scheme, "https") == 0);
	check(oc_login_url_parse(u.base, &again, &why) == ONECARD_OK);
	check(strcmp(again.origin, u.origin) == 0 && strcmp(again.base, u.base) == 0);
	check(again.port == u.port && again.loopback == u.loopback);
}

static void challenge(const char *body, size_t len)
{
	struct oc_login_challenge c;
	const char *why = NULL;

	if (oc_login_challenge_parse(body, len, AUDIENCE, &c, &why) != ONECARD_OK) {
		check(why != NULL && why[0] != '\0' && c.wire_len == 0);
		return;
	}
	check(c.text_len > 0 && c.text_len <= OC_CHALLENGE_TEXT_MAX);
	check(c.wire_len > 0 && c.wire_len <= OC_CHALLENGE_WIRE_MAX);
	check(strlen(c.text) == c.text_len);
}

static void token(const char *body, size_t len)
{
	struct oc_login_token t;
	const char *why = NULL;

	if (oc_login_token_parse(body, len, AUDIENCE, &t, &why) != ONECARD_OK) {
		check(why != NULL && t.access_token == NULL && t.agencies == NULL);
		return;
	}
	check(strlen(t.access_token) <= OC_LOGIN_TOKEN_MAX);
	check(t.expires_in >= 1 && t.expires_in <= OC_LOGIN_LIFETIME_MAX);
	check(json_array_size(t.agencies) >= 1 &&
	      json_array_size(t.agencies) <= OC_LOGIN_AGENCIES_MAX);
	check(strcmp(t.audience, AUDIENCE) == 0);
	if (t.session.credential[0] != '\0') {
		check(oc_login_session_credential_ok(t.session.credential,
						     strlen(t.session.credential)));
		check(t.session.expires_in >= 1 &&
		      t.session.expires_in <= OC_LOGIN_SESSION_LIFETIME_MAX);
		check(t.session.idle_timeout >= 1 &&
		      t.session.idle_timeout <= OC_LOGIN_SESSION_LIFETIME_MAX);
	}
	oc_login_token_clear(&t);
}

static void grant(const char *body, size_t len)
{
	struct oc_login_token t;
	const char *why = NULL;

	if (oc_login_grant_parse(body, len, AUDIENCE, &t, &why) != ONECARD_OK) {
		check(why != NULL && why[0] != '\0' && t.access_token == NULL &&
		      t.agencies == NULL);
		return;
	}
	check(strlen(t.access_token) <= OC_LOGIN_TOKEN_MAX);
	check(!oc_login_session_credential_ok(t.access_token, strlen(t.access_token)));
	check(t.expires_in >= 1 && t.expires_in <= OC_LOGIN_LIFETIME_MAX);
	check(json_array_size(t.agencies) <= OC_LOGIN_AGENCIES_MAX);
	check(strcmp(t.audience, AUDIENCE) == 0 && t.session.credential[0] == '\0');
	oc_login_token_clear(&t);
}

static void password_answer(const char *body, size_t len)
{
	struct oc_login_token t;
	const char *why = NULL;

	if (oc_login_password_parse(body, len, AUDIENCE, &t, &why) != ONECARD_OK) {
		check(why != NULL && why[0] != '\0' && t.access_token == NULL &&
		      t.agencies == NULL);
		return;
	}
	check(strlen(t.access_token) <= OC_LOGIN_TOKEN_MAX);
	check(!oc_login_session_credential_ok(t.access_token, strlen(t.access_token)));
	check(t.card[0] == '\0' && strcmp(t.acr, OC_LOGIN_ACR_PWD_OTP) == 0);
	check(t.sub[0] != '\0' && t.ent[0] != '\0');
	check(json_array_size(t.agencies) <= OC_LOGIN_AGENCIES_MAX);
	check(strcmp(t.audience, AUDIENCE) == 0);
	oc_login_token_clear(&t);
}

static void secrets(const char *text, size_t len)
{
	struct oc_login_secrets s;
	json_t *o = NULL;
	const char *why = NULL, *pw;
	char *body = NULL;
	size_t n = 0, pw_len = 0;
	int r;

	if (oc_login_secrets_parse(text, len, &s, &why) != ONECARD_OK) {
		check(why != NULL && why[0] != '\0' && s.password_len == 0 && s.otp_len == 0);
		return;
	}
	check(s.password_len >= 1 && s.password_len <= OC_LOGIN_PASSWORD_MAX);
	check(strlen(s.password) == s.password_len && oc_login_otp_ok(s.otp, s.otp_len));
	r = oc_login_password_request("p-0001", &s, AUDIENCE, &body, &n, &why);
	if (r == ONECARD_OK) {
		/* What is sent reads back as the password typed. */
		check(oc_json_parse_object(body, n, &o) == ONECARD_OK);
		pw = oc_json_get_string(o, "password", &pw_len);
		check(pw != NULL && pw_len == s.password_len &&
		      memcmp(pw, s.password, pw_len) == 0);
		json_decref(o);
	} else {
		check(r == ONECARD_ERR_INVALID_ARG && body == NULL && why[0] != '\0');
	}
	oc_login_password_request_free(body);
	oc_login_secrets_clear(&s);
}

static void error_body(const char *body, size_t len)
{
	struct oc_login_error e;

	if (oc_login_error_parse(body, len, &e) == ONECARD_OK) {
		check(e.code[0] != '\0' && strlen(e.code) <= OC_LOGIN_ERROR_CODE_MAX);
		check(strlen(e.description) <= OC_LOGIN_ERROR_DESC_MAX);
	}
}

static void cache_doc(const char *body, size_t len)
{
	static const char tok[] = "a.b.c";
	static const char cred[] = "ocs1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	struct oc_login_url u;
	struct oc_login_token t;
	json_t *root = NULL;
	const char *why = NULL;
	bool replaced = false;

	if (oc_json_parse_object(body, len, &root) != ONECARD_OK) {
		return;
	}
	if (oc_ccache_validate(root, &why) == ONECARD_OK) {
		/* A login merged into a valid cache leaves a valid cache. */
		memset(&t, 0, sizeof(t));
		check(oc_login_url_parse("http://127.0.0.1:8443", &u, NULL) == ONECARD_OK);
		t.access_token = malloc(sizeof(tok));
		t.agencies = json_pack("[s]", "customs");
		check(t.access_token != NULL && t.agencies != NULL);
		memcpy(t.access_token, tok, sizeof(tok));
		t.expires_in = 300;
		memcpy(t.sub, "p-0001", 7);
		memcpy(t.ent, "e", 2);
		memcpy(t.card, "c", 2);
		/* A token from the session, then a login that opens one. */
		if (oc_ccache_put_grant(&root, "city-a-info", &t, 1800000000) == ONECARD_OK) {
			check(oc_ccache_validate(root, &why) == ONECARD_OK);
			check(oc_ccache_token_get(root, "city-a-info", 1800000000, 30) != NULL);
		}
		memcpy(t.session.credential, cred, sizeof(cred));
		t.session.expires_in = 28800;
		t.session.idle_timeout = 1800;
		if (oc_ccache_put(&root, &u, AUDIENCE, &t, 1800000000, &replaced) == ONECARD_OK) {
			check(oc_ccache_validate(root, &why) == ONECARD_OK);
			check(oc_ccache_put_grant(&root, "city-a-info", &t, 1800000001) ==
			      ONECARD_OK);
			check(oc_ccache_validate(root, &why) == ONECARD_OK);
		}
		/* A password login: no card, its level recorded. */
		t.card[0] = '\0';
		memcpy(t.acr, OC_LOGIN_ACR_PWD_OTP, sizeof(OC_LOGIN_ACR_PWD_OTP));
		if (oc_ccache_put(&root, &u, "city-b-info", &t, 1800000002, &replaced) ==
		    ONECARD_OK) {
			check(oc_ccache_validate(root, &why) == ONECARD_OK);
			check(oc_ccache_put_grant(&root, "city-c-info", &t, 1800000003) ==
			      ONECARD_OK);
			check(oc_ccache_validate(root, &why) == ONECARD_OK);
		}
		oc_login_token_clear(&t);
	} else {
		check(why != NULL && why[0] != '\0');
	}
	json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;
	size_t len;

	if (size == 0) {
		return 0;
	}
	len = size - 1;
	/* A copy of exactly the input, plus the NUL the URL parser needs. */
	text = malloc(len + 1);
	if (text == NULL) {
		return 0;
	}
	memcpy(text, data + 1, len);
	text[len] = '\0';
	switch (data[0] % 8u) {
	case 0:
		url(text);
		break;
	case 1:
		challenge(text, len);
		break;
	case 2:
		token(text, len);
		break;
	case 3:
		error_body(text, len);
		break;
	case 4:
		cache_doc(text, len);
		break;
	case 5:
		grant(text, len);
		break;
	case 6:
		password_answer(text, len);
		break;
	default:
		secrets(text, len);
		break;
	}
	free(text);
	return 0;
}
