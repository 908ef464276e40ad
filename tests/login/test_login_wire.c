/*
 * The bodies of docs/authd.md (pkcs11/login/wire.c). The login request is
 * taken apart again member by member, its certificates decoded from
 * standard base64 and its signatures from base64url, and each signature is
 * verified with OpenSSL alone over the message oc_proof_message_build
 * makes -- which must also be the message authd rebuilds from the checked
 * challenge (oc_proof_message). Answers: every member's rule, each with a
 * negative case, the SSO session of a login answer and the answer of
 * /v1/token among them (docs/sso.md); the form bodies of /v1/token and
 * /v1/logout, exact and decoded again by the test's own percent-decoder;
 * error bodies; the exit class of every error code. The password login's
 * body and answer are test_login_password.c's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <onecard/error.h>

#include "b64url.h"
#include "json_strict.h"
#include "login.h"

#define ORIGIN	 "https://authd.province.example"
#define AUDIENCE "provincial-portal"
#define TOKEN	 "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJwLTAwMDEifQ.c2ln"
/* A session credential: "ocs1_" and 32 random bytes in base64url. */
#define SESSION "ocs1_m-3bWS37Mqu1HV6RvEexXJYWTvI6j7OHrIprZX4AFQg"

/* ---- helpers ------------------------------------------------------------- */

static EVP_PKEY *soft_key(bool rsa)
{
	EVP_PKEY *k = rsa ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
			  : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

	assert_non_null(k);
	return k;
}

static X509 *self_signed(EVP_PKEY *k, const char *ou)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();

	assert_non_null(x);
	assert_non_null(n);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 7), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_UTF8,
						    (const unsigned char *)ou, -1, -1, 0),
			 1);
	assert_int_equal(X509_set_subject_name(x, n), 1);
	assert_int_equal(X509_set_issuer_name(x, n), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400L));
	assert_int_equal(X509_set_pubkey(x, k), 1);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	X509_NAME_free(n);
	return x;
}

/* Signs msg as alg with OpenSSL (what a card would return). */
static size_t soft_sign(EVP_PKEY *k, enum oc_proof_alg alg, const uint8_t *msg, size_t len,
			uint8_t *sig, size_t cap)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	size_t n = cap;

	assert_non_null(md);
	assert_int_equal(EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, k), 1);
	if (alg == OC_PROOF_PS256) {
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()), 1);
	}
	assert_int_equal(EVP_DigestSign(md, sig, &n, msg, len), 1);
	EVP_MD_CTX_free(md);
	return n;
}

/* OpenSSL alone: 1 when sig verifies over msg with the certificate's key. */
static int soft_verify(X509 *x, enum oc_proof_alg alg, const uint8_t *msg, size_t len,
		       const uint8_t *sig, size_t sig_len)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int ok;

	assert_non_null(md);
	assert_int_equal(EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, X509_get0_pubkey(x)),
			 1);
	if (alg == OC_PROOF_PS256) {
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()), 1);
	}
	ok = EVP_DigestVerify(md, sig, sig_len, msg, len);
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	return ok;
}

/* Standard base64 (RFC 4648 §4, padded) decoded strictly: the length is a
 * multiple of 4, only the standard alphabet, and the text is canonical. */
static uint8_t *std_b64_decode(const char *s, size_t *len)
{
	size_t n = strlen(s), i, pad = 0;
	unsigned char *out = malloc(n + 1), *again = malloc(n + 1);
	int got;

	assert_non_null(out);
	assert_non_null(again);
	assert_true(n > 0 && n % 4 == 0);
	for (i = 0; i < n; i++) {
		assert_true((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
			    (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '/' ||
			    (s[i] == '=' && i >= n - 2));
	}
	got = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
	assert_true(got > 0);
	pad = (size_t)(s[n - 1] == '=') + (size_t)(s[n - 2] == '=');
	*len = (size_t)got - pad;
	assert_int_equal(EVP_EncodeBlock(again, out, (int)*len), (int)n);
	assert_memory_equal(again, s, n);
	free(again);
	return out;
}

static uint8_t *der_of(X509 *x, size_t *len)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);

	assert_true(n > 0);
	*len = (size_t)n;
	return der;
}

/* ---- requests ------------------------------------------------------------- */

static void challenge_request(void **state)
{
	char *body = (char *)&body;

	(void)state;
	assert_int_equal(oc_login_challenge_request(AUDIENCE, &body), ONECARD_OK);
	assert_string_equal(body, "{\"audience\":\"provincial-portal\"}");
	free(body);
	assert_int_equal(oc_login_challenge_request("Bad Audience", &body),
			 ONECARD_ERR_INVALID_ARG);
	assert_null(body);
	assert_int_equal(oc_login_challenge_request("", &body), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_login_challenge_request("a\"b", &body), ONECARD_ERR_INVALID_ARG);
}

/* The exact bytes of a request with fixed parts. */
static void login_request_exact(void **state)
{
	static const uint8_t der[] = {0x30, 0x03, 0x02, 0x01, 0x01};
	struct oc_login_proof p[2];
	char *body = NULL;

	(void)state;
	memset(p, 0, sizeof(p));
	p[0].der = OPENSSL_memdup(der, sizeof(der));
	p[0].der_len = sizeof(der);
	p[0].alg = OC_PROOF_ES256;
	p[0].sig[0] = 0xfb;
	p[0].sig[1] = 0xff;
	p[0].sig[2] = 0xfe;
	p[0].sig_len = 3;
	p[1].der = OPENSSL_memdup(der, 4);
	p[1].der_len = 4;
	p[1].alg = OC_PROOF_PS256;
	p[1].sig[0] = 0x01;
	p[1].sig_len = 1;
	assert_non_null(p[0].der);
	assert_non_null(p[1].der);
	assert_int_equal(oc_login_request_build("AQID", p, 2, &body), ONECARD_OK);
	/* x5c standard base64 with padding; sig base64url without. */
	assert_string_equal(body, "{\"challenge\":\"AQID\",\"proofs\":["
				  "{\"x5c\":[\"MAMCAQE=\"],\"alg\":\"ES256\",\"sig\":\"-__-\"},"
				  "{\"x5c\":[\"MAMCAQ==\"],\"alg\":\"PS256\",\"sig\":\"AQ\"}]}");
	free(body);
	oc_login_proofs_clear(p, 2);
	assert_null(p[0].der);
	assert_int_equal(p[0].sig_len, 0);
}

static void login_request_limits(void **state)
{
	static const uint8_t der[] = {0x30, 0x00};
	struct oc_login_proof p[OC_LOGIN_PROOFS_MAX + 1];
	char long_challenge[OC_CHALLENGE_TEXT_MAX + 2];
	char *body = (char *)&body;
	size_t i;

	(void)state;
	memset(p, 0, sizeof(p));
	for (i = 0; i < OC_LOGIN_PROOFS_MAX + 1; i++) {
		p[i].der = (uint8_t *)der;
		p[i].der_len = sizeof(der);
		p[i].alg = OC_PROOF_ES256;
		p[i].sig_len = 8;
	}
	assert_int_equal(oc_login_request_build("AQID", p, OC_LOGIN_PROOFS_MAX, &body), ONECARD_OK);
	free(body);
	assert_int_equal(oc_login_request_build("AQID", p, OC_LOGIN_PROOFS_MAX + 1, &body),
			 ONECARD_ERR_TOO_LARGE);
	assert_null(body);
	assert_int_equal(oc_login_request_build("AQID", p, 0, &body), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_login_request_build("", p, 1, &body), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_login_request_build(NULL, p, 1, &body), ONECARD_ERR_INVALID_ARG);
	memset(long_challenge, 'A', sizeof(long_challenge) - 1);
	long_challenge[sizeof(long_challenge) - 1] = '\0';
	assert_int_equal(oc_login_request_build(long_challenge, p, 1, &body),
			 ONECARD_ERR_INVALID_ARG);
	/* Each part of a proof must be there. */
	p[0].alg = (enum oc_proof_alg)99;
	assert_int_equal(oc_login_request_build("AQID", p, 1, &body), ONECARD_ERR_INVALID_ARG);
	p[0].alg = OC_PROOF_ES256;
	p[0].sig_len = 0;
	assert_int_equal(oc_login_request_build("AQID", p, 1, &body), ONECARD_ERR_INVALID_ARG);
	p[0].sig_len = 8;
	p[0].der_len = 0;
	assert_int_equal(oc_login_request_build("AQID", p, 1, &body), ONECARD_ERR_INVALID_ARG);
	assert_null(body);
}

/* A request made from real keys, taken apart and every proof verified. */
static void login_request_verifies(void **state)
{
	static const enum oc_proof_alg algs[] = {OC_PROOF_ES256, OC_PROOF_RS256, OC_PROOF_PS256};
	static const char *const names[] = {"ES256", "RS256", "PS256"};
	static const uint8_t mac_key[32] = {0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
					    0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
					    0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57,
					    0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f};
	struct oc_challenge_keys *keys = NULL;
	struct oc_challenge checked;
	struct oc_login_proof p[3];
	EVP_PKEY *k[3];
	X509 *x[3];
	uint8_t wire[OC_CHALLENGE_WIRE_MAX], *msg = NULL, *server_msg = NULL, *der, *cert_der;
	uint8_t sig[OC_PROOF_SIG_MAX];
	size_t wire_len = 0, msg_len = 0, server_len = 0, i, der_len, cert_len, sig_len;
	char *challenge = NULL, *body = NULL;
	json_t *root = NULL, *proofs, *proof, *x5c;
	const char *s;
	int64_t now = 1800000000;

	(void)state;
	assert_int_equal(oc_challenge_keys_new(&keys), ONECARD_OK);
	assert_int_equal(oc_challenge_keys_add(keys, "2026-11", mac_key, sizeof(mac_key)),
			 ONECARD_OK);
	assert_int_equal(oc_challenge_issue(keys, ORIGIN, AUDIENCE, now, 60, &challenge, NULL),
			 ONECARD_OK);
	/* The client's side: decode, build the message, sign it. */
	assert_int_equal(
		oc_b64url_decode(challenge, strlen(challenge), wire, sizeof(wire), &wire_len),
		ONECARD_OK);
	assert_int_equal(oc_proof_message_build(ORIGIN, strlen(ORIGIN), AUDIENCE, strlen(AUDIENCE),
						wire, wire_len, &msg, &msg_len),
			 ONECARD_OK);
	memset(p, 0, sizeof(p));
	for (i = 0; i < 3; i++) {
		k[i] = soft_key(algs[i] != OC_PROOF_ES256);
		x[i] = self_signed(k[i], names[i]);
		p[i].der = der_of(x[i], &p[i].der_len);
		p[i].alg = algs[i];
		p[i].sig_len = soft_sign(k[i], algs[i], msg, msg_len, p[i].sig, sizeof(p[i].sig));
	}
	assert_int_equal(oc_login_request_build(challenge, p, 3, &body), ONECARD_OK);

	/* authd's side: the message rebuilt from the checked challenge is
	 * byte for byte the client's. */
	assert_int_equal(oc_challenge_check(keys, challenge, strlen(challenge), ORIGIN, now + 1,
					    &checked, NULL),
			 ONECARD_OK);
	assert_int_equal(oc_proof_message(&checked, &server_msg, &server_len), ONECARD_OK);
	assert_int_equal(server_len, msg_len);
	assert_memory_equal(server_msg, msg, msg_len);

	/* The body, member by member. */
	assert_int_equal(oc_json_parse_object(body, strlen(body), &root), ONECARD_OK);
	assert_int_equal(json_object_size(root), 2);
	assert_string_equal(oc_json_get_string(root, "challenge", NULL), challenge);
	proofs = json_object_get(root, "proofs");
	assert_true(json_is_array(proofs));
	assert_int_equal(json_array_size(proofs), 3);
	for (i = 0; i < 3; i++) {
		proof = json_array_get(proofs, i);
		assert_int_equal(json_object_size(proof), 3);
		assert_string_equal(oc_json_get_string(proof, "alg", NULL), names[i]);
		x5c = json_object_get(proof, "x5c");
		assert_true(json_is_array(x5c));
		assert_int_equal(json_array_size(x5c), 1);
		der = std_b64_decode(json_string_value(json_array_get(x5c, 0)), &der_len);
		cert_der = der_of(x[i], &cert_len);
		assert_int_equal(der_len, cert_len);
		assert_memory_equal(der, cert_der, cert_len);
		free(der);
		OPENSSL_free(cert_der);
		s = oc_json_get_string(proof, "sig", NULL);
		assert_non_null(s);
		assert_null(strchr(s, '='));
		assert_int_equal(oc_b64url_decode(s, strlen(s), sig, sizeof(sig), &sig_len),
				 ONECARD_OK);
		assert_int_equal(sig_len, p[i].sig_len);
		/* OpenSSL alone, then authd's verifier. */
		assert_int_equal(soft_verify(x[i], algs[i], msg, msg_len, sig, sig_len), 1);
		assert_int_equal(oc_proof_verify(X509_get0_pubkey(x[i]), algs[i], server_msg,
						 server_len, sig, sig_len),
				 ONECARD_OK);
		/* A signature for another origin fails (P4). */
		assert_int_equal(soft_verify(x[i], algs[i], msg, msg_len - 1, sig, sig_len), 0);
	}
	json_decref(root);
	free(body);
	free(challenge);
	free(msg);
	free(server_msg);
	oc_login_proofs_clear(p, 3);
	for (i = 0; i < 3; i++) {
		X509_free(x[i]);
		EVP_PKEY_free(k[i]);
	}
	oc_challenge_keys_free(keys);
}

/* The origin the client signs is its own: a relayed challenge signed for
 * another origin does not verify at authd (P4). */
static void relayed_origin_fails(void **state)
{
	static const uint8_t mac_key[32] = {1};
	struct oc_challenge_keys *keys = NULL;
	struct oc_challenge checked;
	uint8_t wire[OC_CHALLENGE_WIRE_MAX], sig[OC_PROOF_SIG_MAX], *msg = NULL, *server_msg = NULL;
	size_t wire_len = 0, msg_len = 0, server_len = 0, sig_len;
	char *challenge = NULL;
	const char *relay = "https://relay.example";
	EVP_PKEY *k = soft_key(false);

	(void)state;
	assert_int_equal(oc_challenge_keys_new(&keys), ONECARD_OK);
	assert_int_equal(oc_challenge_keys_add(keys, "k", mac_key, sizeof(mac_key)), ONECARD_OK);
	assert_int_equal(
		oc_challenge_issue(keys, ORIGIN, AUDIENCE, 1800000000, 60, &challenge, NULL),
		ONECARD_OK);
	assert_int_equal(
		oc_b64url_decode(challenge, strlen(challenge), wire, sizeof(wire), &wire_len),
		ONECARD_OK);
	assert_int_equal(oc_proof_message_build(relay, strlen(relay), AUDIENCE, strlen(AUDIENCE),
						wire, wire_len, &msg, &msg_len),
			 ONECARD_OK);
	sig_len = soft_sign(k, OC_PROOF_ES256, msg, msg_len, sig, sizeof(sig));
	assert_int_equal(oc_challenge_check(keys, challenge, strlen(challenge), ORIGIN, 1800000001,
					    &checked, NULL),
			 ONECARD_OK);
	assert_int_equal(oc_proof_message(&checked, &server_msg, &server_len), ONECARD_OK);
	assert_int_equal(oc_proof_verify(k, OC_PROOF_ES256, server_msg, server_len, sig, sig_len),
			 ONECARD_ERR_BAD_SIGNATURE);
	ERR_clear_error();
	free(challenge);
	free(msg);
	free(server_msg);
	EVP_PKEY_free(k);
	oc_challenge_keys_free(keys);
}

/* ---- the challenge answer -------------------------------------------------- */

static int parse_challenge(const char *body, struct oc_login_challenge *c, const char **why)
{
	return oc_login_challenge_parse(body, strlen(body), AUDIENCE, c, why);
}

static void challenge_answer(void **state)
{
	struct oc_login_challenge c;
	const char *why = NULL;

	(void)state;
	assert_int_equal(
		parse_challenge("{\"challenge\":\"AQID\",\"origin\":\"http://127.0.0.1:8443\","
				"\"audience\":\"provincial-portal\",\"expires_at\":1795000000,"
				"\"context\":\"onecard-login-v1\"}",
				&c, &why),
		ONECARD_OK);
	assert_string_equal(c.text, "AQID");
	assert_int_equal(c.text_len, 4);
	assert_int_equal(c.wire_len, 3);
	assert_memory_equal(c.wire, "\x01\x02\x03", 3);
	assert_string_equal(c.origin, "http://127.0.0.1:8443");
	assert_int_equal(c.expires_at, 1795000000);
	/* Only the challenge is needed; unknown members are ignored. */
	assert_int_equal(parse_challenge("{\"challenge\":\"AQID\",\"later\":[1]}", &c, &why),
			 ONECARD_OK);
	assert_string_equal(c.origin, "");
}

static void challenge_answer_refused(void **state)
{
	static const char *const cases[] = {
		"",
		"[]",
		"\"AQID\"",
		"{}",
		"{\"challenge\":null}",
		"{\"challenge\":1}",
		"{\"challenge\":\"\"}",
		"{\"challenge\":[\"AQID\"]}",
		/* strict base64url */
		"{\"challenge\":\"AQ==\"}",
		"{\"challenge\":\"AQI=\"}",
		"{\"challenge\":\"A+B/\"}",
		"{\"challenge\":\"AQ ID\"}",
		"{\"challenge\":\"AQIE\\n\"}",
		"{\"challenge\":\"AR\"}", /* non-zero unused bits */
		"{\"challenge\":\"A\"}",
		/* duplicate members (J13) */
		"{\"challenge\":\"AQID\",\"challenge\":\"AQID\"}",
		("{\"challenge\":\"AQID\",\"audience\":\"provincial-portal\","
		 "\"audience\":\"provincial-portal\"}"),
		/* each present member must be right */
		"{\"challenge\":\"AQID\",\"audience\":\"other-module\"}",
		"{\"challenge\":\"AQID\",\"audience\":null}",
		"{\"challenge\":\"AQID\",\"context\":\"onecard-login-v2\"}",
		"{\"challenge\":\"AQID\",\"context\":1}",
		"{\"challenge\":\"AQID\",\"origin\":5}",
		"{\"challenge\":\"AQID\",\"origin\":\"\"}",
		"{\"challenge\":\"AQID\",\"expires_at\":\"1795000000\"}",
		"{\"challenge\":\"AQID\",\"expires_at\":1.5}",
		"{\"challenge\":\"AQID\",\"expires_at\":-1}",
		/* not JSON, or JSON with trailing bytes, BOM, bad UTF-8 */
		"{\"challenge\":\"AQID\"",
		"{\"challenge\":\"AQID\"} x",
		"\xef\xbb\xbf{\"challenge\":\"AQID\"}",
		"{\"challenge\":\"AQID\",\"x\":\"\xc3\x28\"}",
		"{\"challenge\":\"AQID\",\"x\":\"\\u0000\"}",
	};
	struct oc_login_challenge c;
	char big[OC_CHALLENGE_TEXT_MAX + 64];
	const char *why = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("%s\n", cases[i]);
		why = NULL;
		memset(&c, 0x55, sizeof(c));
		assert_int_equal(parse_challenge(cases[i], &c, &why), ONECARD_ERR_BAD_FORMAT);
		assert_non_null(why);
		assert_true(strlen(why) > 0);
		assert_int_equal(c.wire_len, 0);
		assert_int_equal(c.text_len, 0);
	}
	/* One character more than a challenge can be. */
	memcpy(big, "{\"challenge\":\"", 14);
	memset(big + 14, 'A', OC_CHALLENGE_TEXT_MAX + 1);
	memcpy(big + 14 + OC_CHALLENGE_TEXT_MAX + 1, "\"}", 3);
	assert_int_equal(parse_challenge(big, &c, &why), ONECARD_ERR_BAD_FORMAT);
	assert_non_null(strstr(why, "longer"));
	assert_int_equal(oc_login_challenge_parse(NULL, 0, AUDIENCE, &c, &why),
			 ONECARD_ERR_BAD_FORMAT);
}

/* ---- the login answer ------------------------------------------------------ */

#define GOOD_ANSWER                                                                     \
	"{\"access_token\":\"" TOKEN "\",\"token_type\":\"Bearer\",\"expires_in\":300," \
	"\"sub\":\"p-0001\",\"ent\":\"91350100M000100Y43\",\"card\":\"card-1\","        \
	"\"agencies\":[\"border\",\"customs\"],\"audience\":\"provincial-portal\"}"

static int parse_token(const char *body, struct oc_login_token *t, const char **why)
{
	return oc_login_token_parse(body, strlen(body), AUDIENCE, t, why);
}

static char *answer_with(const char *name, const char *value);

static void token_answer(void **state)
{
	struct oc_login_token t;
	const char *why = NULL;
	char *body;

	(void)state;
	assert_int_equal(parse_token(GOOD_ANSWER, &t, &why), ONECARD_OK);
	assert_string_equal(t.access_token, TOKEN);
	assert_int_equal(t.expires_in, 300);
	assert_string_equal(t.sub, "p-0001");
	assert_string_equal(t.ent, "91350100M000100Y43");
	assert_string_equal(t.card, "card-1");
	assert_string_equal(t.audience, AUDIENCE);
	assert_int_equal(json_array_size(t.agencies), 2);
	assert_string_equal(json_string_value(json_array_get(t.agencies, 1)), "customs");
	assert_string_equal(t.acr, ""); /* none named */
	oc_login_token_clear(&t);
	assert_null(t.access_token);
	assert_null(t.agencies);
	/* An acr named is kept. */
	body = answer_with("acr", "\"card\"");
	assert_int_equal(parse_token(body, &t, &why), ONECARD_OK);
	assert_string_equal(t.acr, "card");
	oc_login_token_clear(&t);
	free(body);
	/* token_type is case-insensitive (RFC 6749 §5.1). */
	assert_int_equal(parse_token("{\"access_token\":\"a.b.c\",\"token_type\":\"bearer\","
				     "\"expires_in\":86400,\"sub\":\"s\",\"ent\":\"e\","
				     "\"card\":\"c\",\"agencies\":[\"a\"],"
				     "\"audience\":\"provincial-portal\",\"extra\":{}}",
				     &t, &why),
			 ONECARD_OK);
	oc_login_token_clear(&t);
}

/* GOOD_ANSWER with member name's value replaced by value (raw JSON), or
 * removed when value is NULL. */
static char *answer_with(const char *name, const char *value)
{
	json_t *o = NULL, *v = NULL;
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

static void token_answer_refused(void **state)
{
	static const struct {
		const char *name;
		const char *value;
	} cases[] = {
		{"access_token", NULL},
		{"access_token", "\"\""},
		{"access_token", "\"abc\""},
		{"access_token", "\"a.b\""},
		{"access_token", "\"a.b.c.d\""},
		{"access_token", "\"a..c\""},
		{"access_token", "\".b.c\""},
		{"access_token", "\"a.b.\""},
		{"access_token", "\"a.b.c \""},
		{"access_token", "\"a.b+.c\""},
		{"access_token", "\"a.b=.c\""},
		{"access_token", "42"},
		{"token_type", NULL},
		{"token_type", "\"MAC\""},
		{"token_type", "\"Bearer \""},
		{"token_type", "1"},
		{"expires_in", NULL},
		{"expires_in", "0"},
		{"expires_in", "-1"},
		{"expires_in", "86401"},
		{"expires_in", "\"300\""},
		{"expires_in", "300.5"},
		{"expires_in", "9223372036854775807"},
		{"expires_in", "true"},
		{"sub", NULL},
		{"sub", "\"\""},
		{"sub", "7"},
		{"ent", NULL},
		{"card", NULL},
		{"card", "null"},
		{"agencies", NULL},
		{"agencies", "[]"},
		{"agencies", "\"customs\""},
		{"agencies", "[1]"},
		{"agencies", "[\"\"]"},
		{"agencies", "[[\"customs\"]]"},
		{"audience", NULL},
		{"audience", "\"other-module\""},
		{"audience", "[\"provincial-portal\"]"},
		/* acr, when named: a card login's, never the password login's */
		{"acr", "\"pwd-otp\""},
		{"acr", "\"\""},
		{"acr", "1"},
		{"acr", "\"card-card-card-card-card-card-car\""},
	};
	struct oc_login_token t;
	const char *why = NULL;
	char *body, big[OC_LOGIN_FIELD_MAX + 8];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		body = answer_with(cases[i].name, cases[i].value);
		print_message("%s\n", body);
		why = NULL;
		memset(&t, 0x55, sizeof(t));
		assert_int_equal(parse_token(body, &t, &why), ONECARD_ERR_BAD_FORMAT);
		assert_non_null(why);
		assert_null(t.access_token);
		assert_null(t.agencies);
		free(body);
	}
	/* A sub of 256 bytes. */
	big[0] = '"';
	memset(big + 1, 's', OC_LOGIN_FIELD_MAX + 1);
	memcpy(big + OC_LOGIN_FIELD_MAX + 2, "\"", 2);
	body = answer_with("sub", big);
	assert_int_equal(parse_token(body, &t, &why), ONECARD_ERR_BAD_FORMAT);
	free(body);
	/* Duplicate members (J13). */
	assert_int_equal(parse_token("{\"access_token\":\"a.b.c\",\"access_token\":\"d.e.f\","
				     "\"token_type\":\"Bearer\",\"expires_in\":300,"
				     "\"sub\":\"s\",\"ent\":\"e\",\"card\":\"c\","
				     "\"agencies\":[\"a\"],\"audience\":\"provincial-portal\"}",
				     &t, &why),
			 ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(parse_token("[]", &t, &why), ONECARD_ERR_BAD_FORMAT);
}

static void token_answer_limits(void **state)
{
	struct oc_login_token t;
	const char *why = NULL;
	char *token = malloc(OC_LOGIN_TOKEN_MAX + 4), *value = malloc(OC_LOGIN_TOKEN_MAX + 8);
	char *body;
	json_t *many = json_array();
	size_t i;

	(void)state;
	assert_non_null(token);
	assert_non_null(value);
	assert_non_null(many);
	/* A token of exactly OC_LOGIN_TOKEN_MAX bytes, then one more. */
	memset(token, 'a', OC_LOGIN_TOKEN_MAX);
	token[1] = '.';
	token[3] = '.';
	token[OC_LOGIN_TOKEN_MAX] = '\0';
	(void)snprintf(value, OC_LOGIN_TOKEN_MAX + 8, "\"%s\"", token);
	body = answer_with("access_token", value);
	assert_int_equal(parse_token(body, &t, &why), ONECARD_OK);
	assert_int_equal(strlen(t.access_token), OC_LOGIN_TOKEN_MAX);
	oc_login_token_clear(&t);
	free(body);
	token[OC_LOGIN_TOKEN_MAX] = 'a';
	token[OC_LOGIN_TOKEN_MAX + 1] = '\0';
	(void)snprintf(value, OC_LOGIN_TOKEN_MAX + 8, "\"%s\"", token);
	body = answer_with("access_token", value);
	assert_int_equal(parse_token(body, &t, &why), ONECARD_ERR_BAD_FORMAT);
	free(body);
	/* 64 agencies, then 65. */
	for (i = 0; i < OC_LOGIN_AGENCIES_MAX; i++) {
		assert_int_equal(json_array_append_new(many, json_string("customs")), 0);
	}
	free(value);
	value = json_dumps(many, JSON_COMPACT);
	body = answer_with("agencies", value);
	assert_int_equal(parse_token(body, &t, &why), ONECARD_OK);
	oc_login_token_clear(&t);
	free(body);
	free(value);
	assert_int_equal(json_array_append_new(many, json_string("customs")), 0);
	value = json_dumps(many, JSON_COMPACT);
	body = answer_with("agencies", value);
	assert_int_equal(parse_token(body, &t, &why), ONECARD_ERR_BAD_FORMAT);
	free(body);
	free(value);
	free(token);
	json_decref(many);
}

/* ---- the SSO session of a login answer ---------------------------------------- */

/* GOOD_ANSWER with the session's three members, then name's value
 * replaced by value (raw JSON) or removed when value is NULL. */
static char *session_answer_with(const char *name, const char *value)
{
	json_t *o = NULL, *v;
	char *text = NULL;

	assert_int_equal(oc_json_parse_object(GOOD_ANSWER, strlen(GOOD_ANSWER), &o), ONECARD_OK);
	assert_int_equal(json_object_set_new(o, "refresh_token", json_string(SESSION)), 0);
	assert_int_equal(json_object_set_new(o, "refresh_expires_in", json_integer(28800)), 0);
	assert_int_equal(json_object_set_new(o, "session_idle_timeout", json_integer(1800)), 0);
	if (name != NULL && value == NULL) {
		assert_int_equal(json_object_del(o, name), 0);
	} else if (name != NULL) {
		v = json_loads(value, JSON_DECODE_ANY, NULL);
		assert_non_null(v);
		assert_int_equal(json_object_set_new(o, name, v), 0);
	}
	assert_int_equal(oc_json_dump(o, 0, &text), ONECARD_OK);
	json_decref(o);
	return text;
}

static void session_answer(void **state)
{
	static const struct {
		const char *name;
		const char *value;
	} bad[] = {
		{"refresh_token", "\"\""},
		{"refresh_token", "null"},
		{"refresh_token", "42"},
		{"refresh_token", "\"" TOKEN "\""},
		/* another prefix, one character short or long, a last
		 * character with bits set past the 32 bytes, '+', '=' */
		{"refresh_token", "\"ocs2_m-3bWS37Mqu1HV6RvEexXJYWTvI6j7OHrIprZX4AFQg\""},
		{"refresh_token", "\"OCS1_m-3bWS37Mqu1HV6RvEexXJYWTvI6j7OHrIprZX4AFQg\""},
		{"refresh_token", "\"ocs1_m-3bWS37Mqu1HV6RvEexXJYWTvI6j7OHrIprZX4AFQ\""},
		{"refresh_token", "\"ocs1_m-3bWS37Mqu1HV6RvEexXJYWTvI6j7OHrIprZX4AFQgA\""},
		{"refresh_token", "\"ocs1_m-3bWS37Mqu1HV6RvEexXJYWTvI6j7OHrIprZX4AFQh\""},
		{"refresh_token", "\"ocs1_m+3bWS37Mqu1HV6RvEexXJYWTvI6j7OHrIprZX4AFQg\""},
		{"refresh_token", "\"ocs1_m-3bWS37Mqu1HV6RvEexXJYWTvI6j7OHrIprZX4AF=\""},
		{"refresh_expires_in", NULL},
		{"refresh_expires_in", "0"},
		{"refresh_expires_in", "2592001"},
		{"refresh_expires_in", "\"28800\""},
		{"refresh_expires_in", "28800.0"},
		{"session_idle_timeout", NULL},
		{"session_idle_timeout", "-1"},
		{"session_idle_timeout", "9223372036854775807"},
	};
	struct oc_login_token t;
	const char *why = NULL;
	char *body;
	size_t i;

	(void)state;
	body = session_answer_with(NULL, NULL);
	assert_int_equal(parse_token(body, &t, &why), ONECARD_OK);
	free(body);
	assert_string_equal(t.session.credential, SESSION);
	assert_int_equal(t.session.expires_in, 28800);
	assert_int_equal(t.session.idle_timeout, 1800);
	assert_string_equal(t.access_token, TOKEN);
	oc_login_token_clear(&t);
	assert_int_equal(t.session.credential[0], 0);
	/* An authd that opens no session: the login stands, without one. */
	assert_int_equal(parse_token(GOOD_ANSWER, &t, &why), ONECARD_OK);
	assert_string_equal(t.session.credential, "");
	oc_login_token_clear(&t);
	body = session_answer_with("refresh_token", NULL);
	assert_int_equal(parse_token(body, &t, &why), ONECARD_OK);
	assert_string_equal(t.session.credential, "");
	oc_login_token_clear(&t);
	free(body);
	/* The limits themselves pass. */
	body = session_answer_with("refresh_expires_in", "2592000");
	assert_int_equal(parse_token(body, &t, &why), ONECARD_OK);
	oc_login_token_clear(&t);
	free(body);
	body = session_answer_with("session_idle_timeout", "1");
	assert_int_equal(parse_token(body, &t, &why), ONECARD_OK);
	oc_login_token_clear(&t);
	free(body);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		body = session_answer_with(bad[i].name, bad[i].value);
		print_message("%s\n", body);
		memset(&t, 0x55, sizeof(t));
		assert_int_equal(parse_token(body, &t, &why), ONECARD_ERR_BAD_FORMAT);
		assert_non_null(strstr(why, "refresh_"));
		assert_null(t.access_token);
		assert_null(t.agencies);
		assert_int_equal(t.session.credential[0], 0);
		free(body);
	}
	/* The credential's own check. */
	assert_true(oc_login_session_credential_ok(SESSION, strlen(SESSION)));
	assert_false(oc_login_session_credential_ok(SESSION, strlen(SESSION) - 1));
	assert_false(oc_login_session_credential_ok(NULL, 48));
	assert_false(oc_login_session_credential_ok("ocs1_", 5));
}

/* ---- the answer of /v1/token ----------------------------------------------------- */

#define GOOD_GRANT                                                                      \
	"{\"access_token\":\"" TOKEN "\",\"token_type\":\"Bearer\",\"expires_in\":180," \
	"\"issued_token_type\":\"urn:ietf:params:oauth:token-type:access_token\","      \
	"\"audience\":\"city-a-customs-declaration\",\"acr\":\"card\","                 \
	"\"agencies\":[\"customs\",\"maritime\"]}"
#define GRANT_AUDIENCE "city-a-customs-declaration"

/* GOOD_GRANT with name's value replaced by value (raw JSON), or removed. */
static char *grant_with(const char *name, const char *value)
{
	json_t *o = NULL, *v;
	char *text = NULL;

	assert_int_equal(oc_json_parse_object(GOOD_GRANT, strlen(GOOD_GRANT), &o), ONECARD_OK);
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

static int parse_grant(const char *body, struct oc_login_token *t, const char **why)
{
	return oc_login_grant_parse(body, strlen(body), GRANT_AUDIENCE, t, why);
}

static void grant_answer(void **state)
{
	static const struct {
		const char *name;
		const char *value;
	} good[] = {
		/* RFC 8693 names it; docs/sso.md gives both as the same */
		{"issued_token_type", "\"urn:ietf:params:oauth:token-type:jwt\""},
		{"issued_token_type", NULL},
		{"acr", NULL},
		{"agencies", "[]"},
		{"token_type", "\"bearer\""},
		/* a member the contract does not name is ignored */
		{"missing", "{\"agencies\":[\"tax\"]}"},
		{"sub", "7"},
	};
	struct oc_login_token t;
	const char *why = NULL;
	char *body;
	size_t i;

	(void)state;
	assert_int_equal(parse_grant(GOOD_GRANT, &t, &why), ONECARD_OK);
	assert_string_equal(why, "");
	assert_string_equal(t.access_token, TOKEN);
	assert_int_equal(t.expires_in, 180);
	assert_string_equal(t.audience, GRANT_AUDIENCE);
	assert_string_equal(t.acr, "card");
	assert_int_equal(json_array_size(t.agencies), 2);
	assert_string_equal(json_string_value(json_array_get(t.agencies, 1)), "maritime");
	/* Nothing of a login's identity or session comes from it. */
	assert_string_equal(t.sub, "");
	assert_string_equal(t.card, "");
	assert_string_equal(t.session.credential, "");
	oc_login_token_clear(&t);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		body = grant_with(good[i].name, good[i].value);
		print_message("%s\n", body);
		assert_int_equal(parse_grant(body, &t, &why), ONECARD_OK);
		assert_non_null(t.agencies);
		oc_login_token_clear(&t);
		free(body);
	}
	/* No agencies member: an empty list. */
	body = grant_with("agencies", NULL);
	assert_int_equal(parse_grant(body, &t, &why), ONECARD_OK);
	assert_true(json_is_array(t.agencies));
	assert_int_equal(json_array_size(t.agencies), 0);
	oc_login_token_clear(&t);
	free(body);
}

static void grant_answer_refused(void **state)
{
	static const struct {
		const char *name;
		const char *value;
	} cases[] = {
		{"access_token", NULL},
		{"access_token", "\"\""},
		/* a session credential where an access token belongs (J9) */
		{"access_token", "\"" SESSION "\""},
		{"access_token", "\"a.b\""},
		{"access_token", "\"a.b.c.d\""},
		{"access_token", "\"a.b+.c\""},
		{"access_token", "[\"a.b.c\"]"},
		{"token_type", NULL},
		{"token_type", "\"N_A\""},
		{"expires_in", NULL},
		{"expires_in", "0"},
		{"expires_in", "86401"},
		{"expires_in", "\"180\""},
		{"audience", NULL},
		{"audience", "\"city-b-customs-declaration\""},
		{"audience", "\"City-A-Customs-Declaration\""},
		{"audience", "[\"city-a-customs-declaration\"]"},
		/* a session credential or anything else issued as the token */
		{"issued_token_type", "\"urn:ietf:params:oauth:token-type:refresh_token\""},
		{"issued_token_type", "\"urn:ietf:params:oauth:token-type:id_token\""},
		{"issued_token_type", "\"\""},
		{"issued_token_type", "1"},
		{"acr", "\"\""},
		{"acr", "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\""},
		{"acr", "[\"card\"]"},
		{"agencies", "\"customs\""},
		{"agencies", "[1]"},
		{"agencies", "[\"\"]"},
		{"agencies", "null"},
	};
	struct oc_login_token t;
	const char *why = NULL;
	char *body, *list;
	json_t *many = json_array();
	size_t i;

	(void)state;
	assert_non_null(many);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		body = grant_with(cases[i].name, cases[i].value);
		print_message("%s\n", body);
		memset(&t, 0x55, sizeof(t));
		why = NULL;
		assert_int_equal(parse_grant(body, &t, &why), ONECARD_ERR_BAD_FORMAT);
		assert_non_null(why);
		assert_non_null(strstr(why, "token answer"));
		assert_null(t.access_token);
		assert_null(t.agencies);
		free(body);
	}
	/* 65 agencies. */
	for (i = 0; i <= OC_LOGIN_AGENCIES_MAX; i++) {
		assert_int_equal(json_array_append_new(many, json_string("customs")), 0);
	}
	list = json_dumps(many, JSON_COMPACT);
	assert_non_null(list);
	json_decref(many);
	body = grant_with("agencies", list);
	assert_int_equal(parse_grant(body, &t, &why), ONECARD_ERR_BAD_FORMAT);
	free(body);
	free(list);
	/* Duplicate members (J13), not an object, nothing. */
	body = "{\"access_token\":\"a.b.c\",\"token_type\":\"Bearer\",\"expires_in\":60,"
	       "\"audience\":\"city-a-customs-declaration\","
	       "\"audience\":\"city-a-customs-declaration\"}";
	assert_int_equal(parse_grant(body, &t, &why), ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(parse_grant("[]", &t, &why), ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(oc_login_grant_parse(NULL, 0, GRANT_AUDIENCE, &t, &why),
			 ONECARD_ERR_BAD_FORMAT);
	/* An answer right for another audience is not one for this. */
	assert_int_equal(
		oc_login_grant_parse(GOOD_GRANT, strlen(GOOD_GRANT), "city-a-info", &t, &why),
		ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(oc_login_grant_parse(GOOD_GRANT, strlen(GOOD_GRANT), NULL, &t, &why),
			 ONECARD_ERR_BAD_FORMAT);
}

/* ---- form bodies (docs/sso.md, RFC 6749 Appendix B) ------------------------------ */

static int hex_value(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1; /* lower-case hex is not what curl writes */
}

/* The test's own decoder of one value: every byte outside the unreserved
 * set must come as %XX (upper-case hex); out gets the bytes. */
static size_t form_decode(const char *in, size_t len, unsigned char *out)
{
	size_t i, n = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (in[i] == '%') {
			assert_true(i + 2 < len);
			hi = hex_value(in[i + 1]);
			lo = hex_value(in[i + 2]);
			assert_true(hi >= 0 && lo >= 0);
			out[n++] = (unsigned char)(hi * 16 + lo);
			i += 2;
			continue;
		}
		assert_true((in[i] >= 'A' && in[i] <= 'Z') || (in[i] >= 'a' && in[i] <= 'z') ||
			    (in[i] >= '0' && in[i] <= '9') || in[i] == '-' || in[i] == '.' ||
			    in[i] == '_' || in[i] == '~');
		out[n++] = (unsigned char)in[i];
	}
	return n;
}

static void form_exact(void **state)
{
	static const char want_refresh[] = "grant_type=refresh_token&refresh_token=" SESSION
					   "&audience=city-a-customs-declaration";
	static const char want_logout[] = "token=" SESSION;
	const struct oc_login_form_field reserved[] = {
		{"a", "x y+z&w=v%u/t?s#r"},
		{"b", ""},
		{"c", "\xe4\xb8\xad-._~"},
	};
	char *body = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(oc_login_refresh_form(SESSION, GRANT_AUDIENCE, &body, &len), ONECARD_OK);
	assert_string_equal(body, want_refresh);
	assert_int_equal(len, strlen(want_refresh));
	oc_login_form_free(body);
	assert_int_equal(oc_login_logout_form(SESSION, &body, &len), ONECARD_OK);
	assert_string_equal(body, want_logout);
	assert_int_equal(len, strlen(want_logout));
	oc_login_form_free(body);
	oc_login_form_free(NULL);
	/* Every reserved byte escaped: '+' never stands for a space, '&'
	 * and '=' never split a value; UTF-8 byte by byte. */
	assert_int_equal(oc_login_form_build(reserved, 3, &body, &len), ONECARD_OK);
	assert_string_equal(body, "a=x%20y%2Bz%26w%3Dv%25u%2Ft%3Fs%23r&b=&c=%E4%B8%AD-._~");
	oc_login_form_free(body);
}

/* Every byte 1..255 in a value comes back from the test's own decoder. */
static void form_round_trip(void **state)
{
	char value[256];
	unsigned char back[256];
	struct oc_login_form_field f[] = {{"v", value}};
	char *body = NULL;
	size_t len = 0, i, n;

	(void)state;
	for (i = 0; i < 255; i++) {
		value[i] = (char)(i + 1);
	}
	value[255] = '\0';
	assert_int_equal(oc_login_form_build(f, 1, &body, &len), ONECARD_OK);
	assert_int_equal(len, strlen(body));
	assert_memory_equal(body, "v=", 2);
	/* 66 unreserved bytes stay, the other 189 take three each. */
	assert_int_equal(len, 2 + 66 + 3 * 189);
	n = form_decode(body + 2, len - 2, back);
	assert_int_equal(n, 255);
	assert_memory_equal(back, value, 255);
	oc_login_form_free(body);
}

static void form_refused(void **state)
{
	static const char *const bad_names[] = {
		"", "Bad", "a=b", "a b", "a&b", "grant-type", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
	struct oc_login_form_field f[OC_LOGIN_FORM_FIELDS_MAX + 1];
	char *big = malloc(OC_LOGIN_FORM_MAX + 2);
	char *body = (char *)&body;
	size_t len = 7, i;

	(void)state;
	assert_non_null(big);
	for (i = 0; i <= OC_LOGIN_FORM_FIELDS_MAX; i++) {
		f[i].name = "a";
		f[i].value = "1";
	}
	/* Fields: none, over the maximum; the maximum passes. */
	assert_int_equal(oc_login_form_build(f, 0, &body, &len), ONECARD_ERR_INVALID_ARG);
	assert_null(body);
	assert_int_equal(len, 0);
	assert_int_equal(oc_login_form_build(f, OC_LOGIN_FORM_FIELDS_MAX + 1, &body, &len),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_login_form_build(NULL, 1, &body, &len), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_login_form_build(f, OC_LOGIN_FORM_FIELDS_MAX, &body, &len), ONECARD_OK);
	oc_login_form_free(body);
	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		f[0].name = bad_names[i];
		assert_int_equal(oc_login_form_build(f, 1, &body, &len), ONECARD_ERR_INVALID_ARG);
		assert_null(body);
	}
	f[0].name = NULL;
	assert_int_equal(oc_login_form_build(f, 1, &body, &len), ONECARD_ERR_INVALID_ARG);
	f[0].name = "a";
	f[0].value = NULL;
	assert_int_equal(oc_login_form_build(f, 1, &body, &len), ONECARD_ERR_INVALID_ARG);
	/* Size: "a=" and OC_LOGIN_FORM_MAX - 2 bytes is the limit; one byte
	 * more, or one that escapes to three, is over it. */
	memset(big, 'x', OC_LOGIN_FORM_MAX - 2);
	big[OC_LOGIN_FORM_MAX - 2] = '\0';
	f[0].value = big;
	assert_int_equal(oc_login_form_build(f, 1, &body, &len), ONECARD_OK);
	assert_int_equal(len, OC_LOGIN_FORM_MAX);
	oc_login_form_free(body);
	big[OC_LOGIN_FORM_MAX - 3] = ' ';
	assert_int_equal(oc_login_form_build(f, 1, &body, &len), ONECARD_ERR_TOO_LARGE);
	assert_null(body);
	memset(big, 'x', OC_LOGIN_FORM_MAX + 1);
	big[OC_LOGIN_FORM_MAX + 1] = '\0';
	assert_int_equal(oc_login_form_build(f, 1, &body, &len), ONECARD_ERR_TOO_LARGE);
	free(big);
	/* The requests check what goes in them. */
	assert_int_equal(oc_login_refresh_form(TOKEN, GRANT_AUDIENCE, &body, &len),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_login_refresh_form("ocs1_m-3bWS37Mqu1HV6RvEexXJYWTvI6j7OHrIprZX4AFQh",
					       GRANT_AUDIENCE, &body, &len),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_login_refresh_form(NULL, GRANT_AUDIENCE, &body, &len),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_login_refresh_form(SESSION, "City-A", &body, &len),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_login_refresh_form(SESSION, "a&audience=b", &body, &len),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_login_refresh_form(SESSION, NULL, &body, &len),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_login_logout_form(TOKEN, &body, &len), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_login_logout_form("", &body, &len), ONECARD_ERR_INVALID_ARG);
	assert_null(body);
}

/* ---- error bodies and exit classes ------------------------------------------ */

static void error_bodies(void **state)
{
	static const char *const bad[] = {
		"",
		"[]",
		"{}",
		"{\"error\":\"\"}",
		"{\"error\":1}",
		"{\"error\":\"Cert_Revoked\"}",
		"{\"error\":\"cert revoked\"}",
		"{\"error\":\"cert-revoked\"}",
		"{\"error\":\"x\",\"error\":\"y\"}",
		"{\"error\":\"x\",\"error_description\":7}",
		"{\"error\":\"x\",\"error_description\":null}",
		"<html>502 Bad Gateway</html>",
	};
	struct oc_login_error e;
	char big[OC_LOGIN_ERROR_DESC_MAX + 64];
	size_t i;
	int w;

	(void)state;
	w = snprintf(big, sizeof(big), "%s",
		     "{\"error\":\"cert_revoked\",\"error_description\":"
		     "\"a certificate in the path is revoked\"}");
	assert_int_equal(oc_login_error_parse(big, (size_t)w, &e), ONECARD_OK);
	assert_string_equal(e.code, "cert_revoked");
	assert_string_equal(e.description, "a certificate in the path is revoked");
	assert_int_equal(oc_login_error_parse("{\"error\":\"internal\"}",
					      strlen("{\"error\":\"internal\"}"), &e),
			 ONECARD_OK);
	assert_string_equal(e.description, "");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("%s\n", bad[i]);
		assert_int_equal(oc_login_error_parse(bad[i], strlen(bad[i]), &e),
				 ONECARD_ERR_BAD_FORMAT);
		assert_string_equal(e.code, "");
	}
	/* 65-byte code; 257-byte description; the limits themselves pass. */
	w = snprintf(big, sizeof(big), "{\"error\":\"%065d\"}", 0);
	assert_int_equal(oc_login_error_parse(big, (size_t)w, &e), ONECARD_ERR_BAD_FORMAT);
	w = snprintf(big, sizeof(big), "{\"error\":\"%064d\"}", 0);
	assert_int_equal(oc_login_error_parse(big, (size_t)w, &e), ONECARD_OK);
	w = snprintf(big, sizeof(big), "{\"error\":\"x\",\"error_description\":\"%0257d\"}", 0);
	assert_int_equal(oc_login_error_parse(big, (size_t)w, &e), ONECARD_ERR_BAD_FORMAT);
	w = snprintf(big, sizeof(big), "{\"error\":\"x\",\"error_description\":\"%0256d\"}", 0);
	assert_int_equal(oc_login_error_parse(big, (size_t)w, &e), ONECARD_OK);
	assert_int_equal(strlen(e.description), 256);
}

static void exit_classes(void **state)
{
	static const struct {
		const char *code;
		long status;
		int want;
	} cases[] = {
		{"invalid_request", 400, OC_LOGIN_EXIT_REFUSED},
		{"invalid_request", 415, OC_LOGIN_EXIT_REFUSED},
		{"request_too_large", 413, OC_LOGIN_EXIT_REFUSED},
		{"invalid_target", 400, OC_LOGIN_EXIT_REFUSED},
		{"challenge_invalid", 401, OC_LOGIN_EXIT_AUTH_FAILED},
		{"challenge_expired", 401, OC_LOGIN_EXIT_AUTH_FAILED},
		{"challenge_replayed", 401, OC_LOGIN_EXIT_AUTH_FAILED},
		{"proof_invalid", 401, OC_LOGIN_EXIT_AUTH_FAILED},
		{"cert_untrusted", 401, OC_LOGIN_EXIT_AUTH_FAILED},
		{"cert_expired", 401, OC_LOGIN_EXIT_AUTH_FAILED},
		{"cert_revoked", 401, OC_LOGIN_EXIT_AUTH_FAILED},
		{"cert_status_unknown", 401, OC_LOGIN_EXIT_AUTH_FAILED},
		{"crl_stale", 401, OC_LOGIN_EXIT_AUTH_FAILED},
		{"cert_invalid", 401, OC_LOGIN_EXIT_AUTH_FAILED},
		{"cert_unknown", 401, OC_LOGIN_EXIT_AUTH_FAILED},
		{"card_mismatch", 401, OC_LOGIN_EXIT_AUTH_FAILED},
		{"card_suspended", 403, OC_LOGIN_EXIT_DENIED},
		{"person_suspended", 403, OC_LOGIN_EXIT_DENIED},
		{"enterprise_suspended", 403, OC_LOGIN_EXIT_DENIED},
		{"access_denied", 403, OC_LOGIN_EXIT_DENIED},
		{"invalid_grant", 400, OC_LOGIN_EXIT_SESSION_ENDED},
		{"unsupported_grant_type", 400, OC_LOGIN_EXIT_REFUSED},
		{"database_unavailable", 503, OC_LOGIN_EXIT_UNAVAILABLE},
		{"directory_unavailable", 503, OC_LOGIN_EXIT_UNAVAILABLE},
		{"internal", 500, OC_LOGIN_EXIT_UNAVAILABLE},
		{"invalid_credentials", 401, OC_LOGIN_EXIT_BAD_CREDENTIALS},
		{"locked", 429, OC_LOGIN_EXIT_LOCKED},
		/* unknown codes: by status */
		{"something_new", 429, OC_LOGIN_EXIT_LOCKED},
		{"something_new", 401, OC_LOGIN_EXIT_AUTH_FAILED},
		{"something_new", 403, OC_LOGIN_EXIT_DENIED},
		{"something_new", 400, OC_LOGIN_EXIT_REFUSED},
		{"something_new", 503, OC_LOGIN_EXIT_UNAVAILABLE},
		{"something_new", 418, OC_LOGIN_EXIT_BAD_ANSWER},
		{NULL, 502, OC_LOGIN_EXIT_UNAVAILABLE},
		{NULL, 404, OC_LOGIN_EXIT_BAD_ANSWER},
		{NULL, 302, OC_LOGIN_EXIT_BAD_ANSWER},
		{NULL, 200, OC_LOGIN_EXIT_BAD_ANSWER},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(oc_login_exit_for_error(cases[i].code, cases[i].status),
				 cases[i].want);
	}
	assert_string_equal(oc_login_alg_name(OC_PROOF_ES256), "ES256");
	assert_string_equal(oc_login_alg_name(OC_PROOF_RS256), "RS256");
	assert_string_equal(oc_login_alg_name(OC_PROOF_PS256), "PS256");
	assert_string_equal(oc_login_alg_name(OC_PROOF_SM2_SM3), "SM2-SM3");
	assert_null(oc_login_alg_name((enum oc_proof_alg)0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(challenge_request),
		cmocka_unit_test(login_request_exact),
		cmocka_unit_test(login_request_limits),
		cmocka_unit_test(login_request_verifies),
		cmocka_unit_test(relayed_origin_fails),
		cmocka_unit_test(challenge_answer),
		cmocka_unit_test(challenge_answer_refused),
		cmocka_unit_test(token_answer),
		cmocka_unit_test(token_answer_refused),
		cmocka_unit_test(token_answer_limits),
		cmocka_unit_test(session_answer),
		cmocka_unit_test(grant_answer),
		cmocka_unit_test(grant_answer_refused),
		cmocka_unit_test(form_exact),
		cmocka_unit_test(form_round_trip),
		cmocka_unit_test(form_refused),
		cmocka_unit_test(error_bodies),
		cmocka_unit_test(exit_classes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
