/*
 * Every refusal of the verifier, each its own case asserting its own
 * error. The J-numbers are the rows of shared/NEGATIVE-TESTS.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <onecard/token.h>

#include "b64url.h"
#include "fixtures.h"

struct world {
	oc_key *ed;
	oc_key *ec;
	onecard_verifier *v;
	char *payload_b64; /* a valid standard payload */
};

static struct world *W;

static int setup(void **state)
{
	oc_key *keys[2];
	char *p;

	(void)state;
	W = calloc(1, sizeof(*W));
	if (W == NULL) {
		return -1;
	}
	W->ed = fx_key(ONECARD_ALG_EDDSA, "ed-1");
	W->ec = fx_key(ONECARD_ALG_ES256, "ec-1");
	keys[0] = W->ed;
	keys[1] = W->ec;
	W->v = fx_verifier(keys, 2);
	p = fx_payload("");
	W->payload_b64 = fx_b64(p, strlen(p));
	free(p);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	onecard_verifier_free(W->v);
	oc_key_free(W->ed);
	oc_key_free(W->ec);
	free(W->payload_b64);
	free(W);
	return 0;
}

/* Signs header and payload texts with key and verifies with the world's verifier. */
static int signed_verify(const oc_key *key, const char *header, const char *payload)
{
	char *t = fx_sign(key, header, payload);
	int r = fx_verify(W->v, t);

	free(t);
	return r;
}

/* A standard header and the payload built from extra, signed by key. */
static int claims_verify(const oc_key *key, const char *payload)
{
	char *h = fx_header(key);
	int r = signed_verify(key, h, payload);

	free(h);
	return r;
}

/* header (text, not signed) . standard payload . signature segment */
static int unsigned_verify(const char *header, const char *sig_b64)
{
	char *hb = fx_b64(header, strlen(header));
	char *t = fx_join(hb, W->payload_b64, sig_b64, NULL);
	int r = fx_verify(W->v, t);

	free(t);
	free(hb);
	return r;
}

/* ---- J1: alg none and missing signatures ---- */

static void j1_alg_none(void **state)
{
	static const char *const names[] = {"none", "None", "NONE", "nOnE"};
	char header[96];
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"typ\":\"at+jwt\"}", names[i]);
		assert_int_equal(unsigned_verify(header, ""), ONECARD_ERR_ALG_NOT_ALLOWED);
		snprintf(header, sizeof(header),
			 "{\"alg\":\"%s\",\"kid\":\"ed-1\",\"typ\":\"at+jwt\"}", names[i]);
		assert_int_equal(unsigned_verify(header, ""), ONECARD_ERR_ALG_NOT_ALLOWED);
	}
	/* No alg at all, and alg of the wrong JSON type. */
	assert_int_equal(unsigned_verify("{\"typ\":\"at+jwt\"}", ""), ONECARD_ERR_ALG_NOT_ALLOWED);
	assert_int_equal(unsigned_verify("{\"alg\":null,\"typ\":\"at+jwt\"}", ""),
			 ONECARD_ERR_ALG_NOT_ALLOWED);
}

static void j1_missing_signature(void **state)
{
	char *h = fx_header(W->ec);
	char *hb = fx_b64(h, strlen(h));
	char *two = fx_join(hb, W->payload_b64, NULL);
	char *dot = fx_join(hb, W->payload_b64, "", NULL);

	(void)state;
	assert_int_equal(fx_verify(W->v, two), ONECARD_ERR_BAD_FORMAT); /* h.p */
	assert_int_equal(fx_verify(W->v, dot), ONECARD_ERR_BAD_FORMAT); /* h.p. */
	free(two);
	free(dot);
	free(hb);
	free(h);
}

/* ---- J2: HMAC with the public key as the secret ---- */

static char *hmac_token(const char *alg, const char *digest, const uint8_t *secret,
			size_t secret_len)
{
	char header[96];
	char *hb, *input, *sb, *t;
	uint8_t mac[64];
	size_t mac_len = 0;

	snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"kid\":\"ec-1\",\"typ\":\"at+jwt\"}",
		 alg);
	hb = fx_b64(header, strlen(header));
	input = fx_join(hb, W->payload_b64, NULL);
	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, digest, NULL, secret, secret_len,
				  (const uint8_t *)input, strlen(input), mac, sizeof(mac),
				  &mac_len));
	sb = fx_b64(mac, mac_len);
	t = fx_join(input, sb, NULL);
	free(sb);
	free(input);
	free(hb);
	return t;
}

static void j2_hmac_with_public_key(void **state)
{
	static const char *const algs[][2] = {
		{"HS256", "SHA256"}, {"HS384", "SHA384"}, {"HS512", "SHA512"}};
	uint8_t *forms[5] = {NULL};
	size_t lens[5] = {0};
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem = NULL;
	long pem_len;
	oc_key *keys[1] = {W->ec};
	char *jwks = fx_jwks(keys, 1);
	unsigned char *der = NULL;
	int der_len;
	size_t f, a, nl;

	(void)state;
	/* The public key as PEM, DER, JWK JSON (the JWKS text), and the raw x coordinate. */
	assert_int_equal(PEM_write_bio_PUBKEY(bio, W->ec->pkey), 1);
	pem_len = BIO_get_mem_data(bio, &pem);
	forms[0] = (uint8_t *)pem;
	lens[0] = (size_t)pem_len;
	der_len = i2d_PUBKEY(W->ec->pkey, &der);
	assert_true(der_len > 0);
	forms[1] = der;
	lens[1] = (size_t)der_len;
	forms[2] = (uint8_t *)jwks;
	lens[2] = strlen(jwks);
	forms[3] = der + der_len - 64; /* x||y at the end of the SPKI */
	lens[3] = 32;
	for (f = 0; f < 4; f++) {
		for (nl = 0; nl < 2; nl++) {
			uint8_t *secret = malloc(lens[f] + 1);

			assert_non_null(secret);
			memcpy(secret, forms[f], lens[f]);
			secret[lens[f]] = '\n';
			for (a = 0; a < 3; a++) {
				char *t = hmac_token(algs[a][0], algs[a][1], secret, lens[f] + nl);

				assert_int_equal(fx_verify(W->v, t), ONECARD_ERR_ALG_NOT_ALLOWED);
				free(t);
			}
			free(secret);
		}
	}
	OPENSSL_free(der);
	BIO_free(bio);
	free(jwks);
}

/* ---- J3: algorithm substitution ---- */

static void j3_algorithm_substitution(void **state)
{
	char *p = fx_payload("");

	(void)state;
	/* ES256 header naming the Ed25519 key, and the reverse. */
	assert_int_equal(
		signed_verify(W->ec, "{\"alg\":\"ES256\",\"kid\":\"ed-1\",\"typ\":\"at+jwt\"}", p),
		ONECARD_ERR_ALG_NOT_ALLOWED);
	assert_int_equal(
		signed_verify(W->ed, "{\"alg\":\"EdDSA\",\"kid\":\"ec-1\",\"typ\":\"at+jwt\"}", p),
		ONECARD_ERR_ALG_NOT_ALLOWED);
	/* Other families and sizes on a P-256 key. */
	assert_int_equal(
		signed_verify(W->ec, "{\"alg\":\"ES384\",\"kid\":\"ec-1\",\"typ\":\"at+jwt\"}", p),
		ONECARD_ERR_ALG_NOT_ALLOWED);
	assert_int_equal(
		signed_verify(W->ec, "{\"alg\":\"PS256\",\"kid\":\"ec-1\",\"typ\":\"at+jwt\"}", p),
		ONECARD_ERR_ALG_NOT_ALLOWED);
	assert_int_equal(
		signed_verify(W->ec, "{\"alg\":\"RS256\",\"kid\":\"ec-1\",\"typ\":\"at+jwt\"}", p),
		ONECARD_ERR_ALG_NOT_ALLOWED);
	assert_int_equal(signed_verify(W->ed,
				       "{\"alg\":\"Ed25519\",\"kid\":\"ed-1\",\"typ\":\"at+jwt\"}",
				       p),
			 ONECARD_ERR_ALG_NOT_ALLOWED);
	assert_int_equal(
		signed_verify(W->ed, "{\"alg\":\"eddsa\",\"kid\":\"ed-1\",\"typ\":\"at+jwt\"}", p),
		ONECARD_ERR_ALG_NOT_ALLOWED);
	free(p);
}

/* ---- J5: only the compact serialization ---- */

static void j5_serializations(void **state)
{
	char *h = fx_header(W->ed), *p = fx_payload("");
	char *good = fx_sign(W->ed, h, p);
	char *four = fx_join(good, "AAAA", NULL);
	char buf[2048];

	(void)state;
	/* General and flattened JSON serializations. */
	snprintf(buf, sizeof(buf),
		 "{\"payload\":\"%s\",\"signatures\":[{\"protected\":\"x\","
		 "\"signature\":\"y\"}]}",
		 W->payload_b64);
	assert_int_equal(fx_verify(W->v, buf), ONECARD_ERR_BAD_FORMAT);
	snprintf(buf, sizeof(buf), "{\"payload\":\"%s\",\"protected\":\"x\",\"signature\":\"y\"}",
		 W->payload_b64);
	assert_int_equal(fx_verify(W->v, buf), ONECARD_ERR_BAD_FORMAT);
	/* Extra segments, whitespace and newlines around or inside a good token. */
	assert_int_equal(fx_verify(W->v, four), ONECARD_ERR_BAD_FORMAT);
	snprintf(buf, sizeof(buf), " %s", good);
	assert_int_equal(fx_verify(W->v, buf), ONECARD_ERR_BAD_FORMAT);
	snprintf(buf, sizeof(buf), "%s\n", good);
	assert_int_equal(fx_verify(W->v, buf), ONECARD_ERR_BAD_FORMAT);
	snprintf(buf, sizeof(buf), "%s", good);
	buf[10] = '\n';
	assert_int_equal(fx_verify(W->v, buf), ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(fx_verify(W->v, ""), ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(fx_verify(W->v, ".."), ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(fx_verify(W->v, "..."), ONECARD_ERR_BAD_FORMAT);
	/* The good token still passes: the cases above failed for their form. */
	assert_int_equal(fx_verify(W->v, good), ONECARD_OK);
	free(four);
	free(good);
	free(p);
	free(h);
}

/* ---- J6: key-carrying headers and hostile kids ---- */

/* An embedded key: the attacker's own, in the header (CVE-2018-0114). */
static const char jwk_member[] = "\"jwk\":{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
				 "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}";

static void j6_key_headers_refused(void **state)
{
	static const char *const members[] = {
		jwk_member,
		"\"x5u\":\"http://127.0.0.1:1/cert.pem\"",
		"\"x5c\":[\"MIIB\"]",
		"\"x5t\":\"abc\"",
		"\"x5t#S256\":\"abc\"",
		"\"b64\":false",
		"\"zip\":\"DEF\"",
		"\"cty\":\"JWT\"",
	};
	char header[256];
	char *p = fx_payload("");
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		snprintf(header, sizeof(header),
			 "{\"alg\":\"EdDSA\",\"kid\":\"ed-1\",\"typ\":\"at+jwt\",%s}", members[i]);
		assert_int_equal(signed_verify(W->ed, header, p), ONECARD_ERR_HEADER_NOT_ALLOWED);
	}
	free(p);
}

static void j6_jku_never_fetched(void **state)
{
	struct sockaddr_in addr;
	socklen_t addr_len = sizeof(addr);
	char header[256];
	char *p = fx_payload("");
	int fd, conn;

	(void)state;
	/* A listener on loopback stands in for an attacker's key server. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &addr_len), 0);
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	snprintf(header, sizeof(header),
		 "{\"alg\":\"EdDSA\",\"kid\":\"ed-1\",\"typ\":\"at+jwt\",\"jku\":\"http://"
		 "127.0.0.1:%u/jwks\"}",
		 (unsigned)ntohs(addr.sin_port));
	assert_int_equal(signed_verify(W->ed, header, p), ONECARD_ERR_HEADER_NOT_ALLOWED);
	/* No connection was ever attempted. */
	conn = accept(fd, NULL, NULL);
	assert_int_equal(conn, -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	close(fd);
	free(p);
}

static void j6_hostile_kids(void **state)
{
	static const char *const kids[] = {"\"../../dev/null\"", "\"' OR 1=1--\"", "\"ED-1\"",
					   "\"ed-1 \"", "\"\""};
	char header[256];
	char *big_kid, *big_header;
	char *p = fx_payload("");
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(kids) / sizeof(kids[0]); i++) {
		snprintf(header, sizeof(header),
			 "{\"alg\":\"EdDSA\",\"kid\":%s,\"typ\":\"at+jwt\"}", kids[i]);
		assert_int_equal(signed_verify(W->ed, header, p), ONECARD_ERR_UNKNOWN_KID);
	}
	/* A NUL inside the kid never parses (jansson refuses \u0000). */
	assert_int_equal(
		signed_verify(W->ed,
			      "{\"alg\":\"EdDSA\",\"kid\":\"ed-1\\u0000x\",\"typ\":\"at+jwt\"}", p),
		ONECARD_ERR_BAD_FORMAT);
	/* kid of the wrong type. */
	assert_int_equal(
		signed_verify(W->ed, "{\"alg\":\"EdDSA\",\"kid\":1,\"typ\":\"at+jwt\"}", p),
		ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(signed_verify(W->ed,
				       "{\"alg\":\"EdDSA\",\"kid\":[\"ed-1\"],\"typ\":\"at+jwt\"}",
				       p),
			 ONECARD_ERR_BAD_FORMAT);
	/* A 10 kB kid: the header is over its own bound. */
	big_kid = malloc(10241);
	assert_non_null(big_kid);
	memset(big_kid, 'k', 10240);
	big_kid[10240] = '\0';
	big_header = malloc(10400);
	assert_non_null(big_header);
	snprintf(big_header, 10400, "{\"alg\":\"EdDSA\",\"kid\":\"%s\",\"typ\":\"at+jwt\"}",
		 big_kid);
	assert_int_equal(onecard_verifier_set_max_len(W->v, ONECARD_TOKEN_MAX_LEN_LIMIT),
			 ONECARD_OK);
	assert_int_equal(signed_verify(W->ed, big_header, p), ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(onecard_verifier_set_max_len(W->v, ONECARD_TOKEN_MAX_LEN_DEFAULT),
			 ONECARD_OK);
	assert_int_equal(signed_verify(W->ed, big_header, p), ONECARD_ERR_TOO_LARGE);
	free(big_header);
	free(big_kid);
	free(p);
}

/* ---- J7: issuer ---- */

static void j7_issuer(void **state)
{
	static const char *const bad[] = {
		"\"" FX_ISS "x\"",	  "\"https://authd.onecard.tes\"",
		"\"authd.onecard.test\"", "\"HTTPS://AUTHD.ONECARD.TEST\"",
		"\"" FX_ISS "/\"",
	};
	char payload[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(payload, sizeof(payload),
			 "{\"iss\":%s,\"aud\":\"" FX_AUD
			 "\",\"iat\":1800000000,\"exp\":1800000300}",
			 bad[i]);
		assert_int_equal(claims_verify(W->ed, payload), ONECARD_ERR_WRONG_ISSUER);
	}
	/* CVE-2025-30144: an array holding the issuer; and iss missing. */
	assert_int_equal(claims_verify(W->ed, "{\"iss\":[\"" FX_ISS "\"],\"aud\":\"" FX_AUD
					      "\",\"iat\":1800000000,\"exp\":1800000300}"),
			 ONECARD_ERR_BAD_CLAIM);
	assert_int_equal(claims_verify(W->ed, "{\"aud\":\"" FX_AUD
					      "\",\"iat\":1800000000,\"exp\":1800000300}"),
			 ONECARD_ERR_BAD_CLAIM);
}

/* ---- J8: audience ---- */

static void j8_audience(void **state)
{
	static const struct {
		const char *aud;
		int want;
	} cases[] = {
		{NULL, ONECARD_ERR_BAD_CLAIM},
		{"\"\"", ONECARD_ERR_WRONG_AUDIENCE},
		{"[]", ONECARD_ERR_WRONG_AUDIENCE},
		{"[\"other\"]", ONECARD_ERR_WRONG_AUDIENCE},
		{"[\"other\",\"" FX_AUD "\"]", ONECARD_OK},
		{"[\"" FX_AUD "\",7]", ONECARD_ERR_BAD_CLAIM},
		{"123", ONECARD_ERR_BAD_CLAIM},
		{"{\"x\":1}", ONECARD_ERR_BAD_CLAIM},
		{"null", ONECARD_ERR_BAD_CLAIM},
		{"\"" FX_AUD "x\"", ONECARD_ERR_WRONG_AUDIENCE},
		{"\"provincial\"", ONECARD_ERR_WRONG_AUDIENCE},
	};
	char payload[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].aud == NULL) {
			snprintf(payload, sizeof(payload),
				 "{\"iss\":\"" FX_ISS "\",\"iat\":1800000000,\"exp\":1800000300}");
		} else {
			snprintf(payload, sizeof(payload),
				 "{\"iss\":\"" FX_ISS
				 "\",\"aud\":%s,\"iat\":1800000000,\"exp\":1800000300}",
				 cases[i].aud);
		}
		assert_int_equal(claims_verify(W->ed, payload), cases[i].want);
	}
}

/* ---- J9: cross-JWT confusion ---- */

static void j9_token_confusion(void **state)
{
	char *p = fx_payload("");
	char payload[512];

	(void)state;
	/* A session/ID token, a plain JWT and an untyped token are not access tokens. */
	assert_int_equal(
		signed_verify(
			W->ed,
			"{\"alg\":\"EdDSA\",\"kid\":\"ed-1\",\"typ\":\"onecard-session+jwt\"}", p),
		ONECARD_ERR_WRONG_TYPE);
	assert_int_equal(
		signed_verify(W->ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed-1\",\"typ\":\"JWT\"}", p),
		ONECARD_ERR_WRONG_TYPE);
	assert_int_equal(signed_verify(W->ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed-1\"}", p),
			 ONECARD_ERR_WRONG_TYPE);
	assert_int_equal(signed_verify(W->ed, "{\"alg\":\"EdDSA\",\"kid\":\"ed-1\",\"typ\":7}", p),
			 ONECARD_ERR_WRONG_TYPE);
	/* A token for city A replayed at city B. */
	snprintf(payload, sizeof(payload),
		 "{\"iss\":\"" FX_ISS
		 "\",\"aud\":\"city-a-customs\",\"iat\":1800000000,\"exp\":1800000300}");
	assert_int_equal(claims_verify(W->ed, payload), ONECARD_ERR_WRONG_AUDIENCE);
	free(p);
}

/* ---- J10: encodings ---- */

static void j10_base64_variants(void **state)
{
	char *h = fx_header(W->ed), *p = fx_payload("");
	char *good = fx_sign(W->ed, h, p);
	char *t;
	size_t n = strlen(good), i;
	int replaced = 0;

	(void)state;
	/* Standard alphabet: swap the first '-' or '_' for '+' or '/'. */
	t = strdup(good);
	assert_non_null(t);
	for (i = 0; i < n && !replaced; i++) {
		if (t[i] == '-' || t[i] == '_') {
			t[i] = t[i] == '-' ? '+' : '/';
			replaced = 1;
		}
	}
	if (!replaced) {
		t[n - 1] = '+';
	}
	assert_int_equal(fx_verify(W->v, t), ONECARD_ERR_BAD_FORMAT);
	free(t);
	/* Padding on the signature segment. */
	t = malloc(n + 3);
	assert_non_null(t);
	memcpy(t, good, n);
	memcpy(t + n, "==", 3);
	assert_int_equal(fx_verify(W->v, t), ONECARD_ERR_BAD_FORMAT);
	/* Non-canonical trailing bits: the signature's last character carries
	 * 2 bits and 4 zero bits; setting a zero bit must be refused. */
	memcpy(t, good, n + 1);
	assert_non_null(strchr("AQgw", t[n - 1]));
	t[n - 1] = (char)(t[n - 1] + 1); /* A->B, Q->R, g->h, w->x: one low bit set */
	assert_int_equal(fx_verify(W->v, t), ONECARD_ERR_BAD_FORMAT);
	free(t);
	free(good);
	free(p);
	free(h);
}

static void j10_json_encodings(void **state)
{
	static const uint8_t utf16[] = {'{', 0, '"', 0, 'a', 0, '"', 0, ':', 0, '1', 0, '}', 0};
	char *hb;
	char bom_header[96];
	char *t;

	(void)state;
	/* A byte-order mark before the header object. */
	snprintf(bom_header, sizeof(bom_header),
		 "\xef\xbb\xbf{\"alg\":\"EdDSA\",\"kid\":\"ed-1\",\"typ\":\"at+jwt\"}");
	assert_int_equal(unsigned_verify(bom_header, "AAAA"), ONECARD_ERR_BAD_FORMAT);
	/* UTF-16 JSON. */
	hb = fx_b64(utf16, sizeof(utf16));
	t = fx_join(hb, W->payload_b64, "AAAA", NULL);
	assert_int_equal(fx_verify(W->v, t), ONECARD_ERR_BAD_FORMAT);
	free(t);
	free(hb);
	/* Invalid UTF-8 and an escaped NUL in signed claims. */
	assert_int_equal(
		claims_verify(W->ed,
			      "{\"iss\":\"" FX_ISS "\",\"aud\":\"" FX_AUD
			      "\",\"sub\":\"\xc3\x28\",\"iat\":1800000000,\"exp\":1800000300}"),
		ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(
		claims_verify(
			W->ed,
			"{\"iss\":\"" FX_ISS "\",\"aud\":\"" FX_AUD
			"\",\"sub\":\"admin\\u0000x\",\"iat\":1800000000,\"exp\":1800000300}"),
		ONECARD_ERR_BAD_FORMAT);
}

/* ---- J11: crit ---- */

static void j11_crit(void **state)
{
	static const char *const headers[] = {
		"{\"alg\":\"EdDSA\",\"kid\":\"ed-1\",\"typ\":\"at+jwt\",\"crit\":[\"x-unknown\"],"
		"\"x-unknown\":1}",
		"{\"alg\":\"EdDSA\",\"kid\":\"ed-1\",\"typ\":\"at+jwt\",\"crit\":[]}",
		"{\"alg\":\"EdDSA\",\"kid\":\"ed-1\",\"typ\":\"at+jwt\",\"crit\":[\"alg\"]}",
		"{\"alg\":\"EdDSA\",\"kid\":\"ed-1\",\"typ\":\"at+jwt\",\"crit\":[\"absent\"]}",
		"{\"alg\":\"EdDSA\",\"kid\":\"ed-1\",\"typ\":\"at+jwt\",\"crit\":[\"b64\"],\"b64\":"
		"false}",
		"{\"alg\":\"EdDSA\",\"kid\":\"ed-1\",\"typ\":\"at+jwt\",\"crit\":\"exp\"}",
	};
	char *p = fx_payload("");
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		assert_int_equal(signed_verify(W->ed, headers[i], p), ONECARD_ERR_CRIT_UNSUPPORTED);
	}
	free(p);
}

/* ---- J13: duplicate members ---- */

static void j13_duplicate_members(void **state)
{
	char *p = fx_payload("");

	(void)state;
	assert_int_equal(
		signed_verify(
			W->ed,
			"{\"alg\":\"EdDSA\",\"alg\":\"none\",\"kid\":\"ed-1\",\"typ\":\"at+jwt\"}",
			p),
		ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(
		claims_verify(W->ed,
			      "{\"iss\":\"" FX_ISS "\",\"aud\":\"" FX_AUD
			      "\",\"iat\":1800000000,\"exp\":1800000300,\"exp\":1900000000}"),
		ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(
		claims_verify(W->ed, "{\"iss\":\"" FX_ISS "\",\"aud\":\"" FX_AUD
				     "\",\"aud\":\"other\",\"iat\":1800000000,\"exp\":1800000300}"),
		ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(
		claims_verify(
			W->ed,
			"{\"iss\":\"" FX_ISS "\",\"aud\":\"" FX_AUD
			"\",\"sub\":\"a\",\"sub\":\"b\",\"iat\":1800000000,\"exp\":1800000300}"),
		ONECARD_ERR_BAD_FORMAT);
	free(p);
}

/* ---- J14: ECDSA signature values ---- */

static const uint8_t p256_n[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
	0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

static int es256_with_sig(const uint8_t *sig, size_t sig_len)
{
	char *h = fx_header(W->ec);
	char *hb = fx_b64(h, strlen(h));
	char *sb = fx_b64(sig, sig_len);
	char *t = fx_join(hb, W->payload_b64, sb, NULL);
	int r = fx_verify(W->v, t);

	free(t);
	free(sb);
	free(hb);
	free(h);
	return r;
}

static void j14_ecdsa_values(void **state)
{
	uint8_t sig[72];

	(void)state;
	memset(sig, 0, sizeof(sig)); /* r = 0, s = 0: CVE-2022-21449 */
	assert_int_equal(es256_with_sig(sig, 64), ONECARD_ERR_BAD_SIGNATURE);
	memcpy(sig, p256_n, 32); /* r = n, s = 1 */
	memset(sig + 32, 0, 32);
	sig[63] = 1;
	assert_int_equal(es256_with_sig(sig, 64), ONECARD_ERR_BAD_SIGNATURE);
	memset(sig, 0, 32); /* r = 1, s = n */
	sig[31] = 1;
	memcpy(sig + 32, p256_n, 32);
	assert_int_equal(es256_with_sig(sig, 64), ONECARD_ERR_BAD_SIGNATURE);
	memset(sig, 0xff, 64); /* r, s > n */
	assert_int_equal(es256_with_sig(sig, 64), ONECARD_ERR_BAD_SIGNATURE);
	/* Wrong lengths, trailing zeros. */
	memset(sig, 0x11, sizeof(sig));
	assert_int_equal(es256_with_sig(sig, 63), ONECARD_ERR_BAD_SIGNATURE);
	sig[64] = 0;
	assert_int_equal(es256_with_sig(sig, 65), ONECARD_ERR_BAD_SIGNATURE);
	assert_int_equal(es256_with_sig(sig, 32), ONECARD_ERR_BAD_SIGNATURE);
	assert_int_equal(es256_with_sig(sig, 1), ONECARD_ERR_BAD_SIGNATURE);
}

static void j14_der_signature_refused(void **state)
{
	char *h = fx_header(W->ec);
	char *hb = fx_b64(h, strlen(h));
	char *input = fx_join(hb, W->payload_b64, NULL);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t der[80];
	size_t der_len = sizeof(der);
	char *sb, *t;

	(void)state;
	/* A correct signature, but DER-encoded as OpenSSL emits it: must be raw r||s. */
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, W->ec->pkey), 1);
	assert_int_equal(EVP_DigestSign(ctx, der, &der_len, (const uint8_t *)input, strlen(input)),
			 1);
	sb = fx_b64(der, der_len);
	t = fx_join(input, sb, NULL);
	assert_int_equal(fx_verify(W->v, t), ONECARD_ERR_BAD_SIGNATURE);
	free(t);
	free(sb);
	EVP_MD_CTX_free(ctx);
	free(input);
	free(hb);
	free(h);
}

/* ---- flipped bits in each part ---- */

static void flipped_bits(void **state)
{
	char *h = fx_header(W->ec), *p = fx_payload("");
	char *good = fx_sign(W->ec, h, p);
	char *dot1 = strchr(good, '.');
	char *dot2 = strchr(dot1 + 1, '.');
	char *hb, *pb, *t, *other_p, *other_h;

	(void)state;
	/* Header: same meaning, other bytes (typ case is ignored by the rule,
	 * not by the signature). */
	other_h = strdup(h);
	assert_non_null(other_h);
	memcpy(strstr(other_h, "at+jwt"), "AT+JWT", 6);
	hb = fx_b64(other_h, strlen(other_h));
	t = malloc(strlen(good) + 64);
	assert_non_null(t);
	snprintf(t, strlen(good) + 64, "%s%s", hb, dot1);
	assert_int_equal(fx_verify(W->v, t), ONECARD_ERR_BAD_SIGNATURE);
	free(t);
	free(hb);
	/* Payload: another subject under the original signature. */
	other_p = strdup(p);
	assert_non_null(other_p);
	memcpy(strstr(other_p, "person-1"), "person-2", 8);
	pb = fx_b64(other_p, strlen(other_p));
	*dot1 = '\0';
	t = fx_join(good, pb, dot2 + 1, NULL);
	*dot1 = '.';
	assert_int_equal(fx_verify(W->v, t), ONECARD_ERR_BAD_SIGNATURE);
	free(t);
	free(pb);
	/* Signature: one bit of r. */
	t = strdup(good);
	assert_non_null(t);
	t[dot2 - good + 5] = t[dot2 - good + 5] == 'A' ? 'B' : 'A';
	assert_int_equal(fx_verify(W->v, t), ONECARD_ERR_BAD_SIGNATURE);
	free(t);
	assert_int_equal(fx_verify(W->v, good), ONECARD_OK);
	free(other_p);
	free(other_h);
	free(good);
	free(p);
	free(h);
}

/* ---- structure ---- */

static void not_objects(void **state)
{
	(void)state;
	assert_int_equal(unsigned_verify("[\"alg\",\"EdDSA\"]", "AAAA"), ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(unsigned_verify("\"EdDSA\"", "AAAA"), ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(unsigned_verify("{\"alg\":\"EdDSA\"", "AAAA"), ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(claims_verify(W->ed, "[1,2]"), ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(claims_verify(W->ed, "\"claims\""), ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(claims_verify(W->ed, "{\"iss\":1"), ONECARD_ERR_BAD_FORMAT);
}

/* ---- J15: time claims and sizes ---- */

static void j15_time_claims(void **state)
{
	static const struct {
		const char *exp;
		int want;
	} cases[] = {
		{"\"1800000300\"", ONECARD_ERR_BAD_CLAIM},
		{"1800000300.0", ONECARD_ERR_BAD_CLAIM},
		{"1800000300.5", ONECARD_ERR_BAD_CLAIM},
		{"-1", ONECARD_ERR_BAD_CLAIM},
		{"true", ONECARD_ERR_BAD_CLAIM},
		{"null", ONECARD_ERR_BAD_CLAIM},
		{"[1800000300]", ONECARD_ERR_BAD_CLAIM},
		{"1e400", ONECARD_ERR_BAD_FORMAT},		 /* overflows: not JSON we accept */
		{"9223372036854775808", ONECARD_ERR_BAD_FORMAT}, /* past int64 */
		{"9223372036854775807", ONECARD_OK},		 /* the far future is a valid exp */
	};
	char payload[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(payload, sizeof(payload),
			 "{\"iss\":\"" FX_ISS "\",\"aud\":\"" FX_AUD
			 "\",\"iat\":1800000000,\"exp\":%s}",
			 cases[i].exp);
		assert_int_equal(claims_verify(W->ed, payload), cases[i].want);
	}
	/* exp and iat are required by the onecard profile. */
	assert_int_equal(claims_verify(W->ed, "{\"iss\":\"" FX_ISS "\",\"aud\":\"" FX_AUD
					      "\",\"iat\":1800000000}"),
			 ONECARD_ERR_BAD_CLAIM);
	assert_int_equal(claims_verify(W->ed, "{\"iss\":\"" FX_ISS "\",\"aud\":\"" FX_AUD
					      "\",\"exp\":1800000300}"),
			 ONECARD_ERR_BAD_CLAIM);
	assert_int_equal(claims_verify(W->ed,
				       "{\"iss\":\"" FX_ISS "\",\"aud\":\"" FX_AUD
				       "\",\"iat\":1800000000,\"exp\":1800000300,\"nbf\":\"0\"}"),
			 ONECARD_ERR_BAD_CLAIM);
	assert_int_equal(claims_verify(W->ed,
				       "{\"iss\":\"" FX_ISS "\",\"aud\":\"" FX_AUD
				       "\",\"sub\":7,\"iat\":1800000000,\"exp\":1800000300}"),
			 ONECARD_ERR_BAD_CLAIM);
	assert_int_equal(claims_verify(W->ed,
				       "{\"iss\":\"" FX_ISS "\",\"aud\":\"" FX_AUD
				       "\",\"jti\":{},\"iat\":1800000000,\"exp\":1800000300}"),
			 ONECARD_ERR_BAD_CLAIM);
}

static void j15_sizes(void **state)
{
	const size_t ten_mb = 10u * 1024u * 1024u;
	char *big = malloc(ten_mb + 1);
	char *payload;
	size_t i, depth = 3000, pos;

	(void)state;
	assert_non_null(big);
	/* 10 MB and 10,000 dots: refused on length before any parsing. */
	memset(big, 'A', ten_mb);
	big[ten_mb] = '\0';
	assert_int_equal(fx_verify(W->v, big), ONECARD_ERR_TOO_LARGE);
	memset(big, '.', 10000);
	big[10000] = '\0';
	assert_int_equal(fx_verify(W->v, big), ONECARD_ERR_TOO_LARGE);
	/* Within a raised limit, 10,000 dots are still not three segments. */
	assert_int_equal(onecard_verifier_set_max_len(W->v, ONECARD_TOKEN_MAX_LEN_LIMIT),
			 ONECARD_OK);
	assert_int_equal(fx_verify(W->v, big), ONECARD_ERR_BAD_FORMAT);
	/* Deeply nested JSON in a signed payload: jansson's depth bound holds. */
	payload = malloc(2 * depth + 64);
	assert_non_null(payload);
	memcpy(payload, "{\"x\":", 5);
	pos = 5;
	for (i = 0; i < depth; i++) {
		payload[pos++] = '[';
	}
	for (i = 0; i < depth; i++) {
		payload[pos++] = ']';
	}
	memcpy(payload + pos, "}", 2);
	assert_int_equal(claims_verify(W->ed, payload), ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(onecard_verifier_set_max_len(W->v, ONECARD_TOKEN_MAX_LEN_DEFAULT),
			 ONECARD_OK);
	free(payload);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(j1_alg_none),
		cmocka_unit_test(j1_missing_signature),
		cmocka_unit_test(j2_hmac_with_public_key),
		cmocka_unit_test(j3_algorithm_substitution),
		cmocka_unit_test(j5_serializations),
		cmocka_unit_test(j6_key_headers_refused),
		cmocka_unit_test(j6_jku_never_fetched),
		cmocka_unit_test(j6_hostile_kids),
		cmocka_unit_test(j7_issuer),
		cmocka_unit_test(j8_audience),
		cmocka_unit_test(j9_token_confusion),
		cmocka_unit_test(j10_base64_variants),
		cmocka_unit_test(j10_json_encodings),
		cmocka_unit_test(j11_crit),
		cmocka_unit_test(j13_duplicate_members),
		cmocka_unit_test(j14_ecdsa_values),
		cmocka_unit_test(j14_der_signature_refused),
		cmocka_unit_test(flipped_bits),
		cmocka_unit_test(not_objects),
		cmocka_unit_test(j15_time_claims),
		cmocka_unit_test(j15_sizes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
