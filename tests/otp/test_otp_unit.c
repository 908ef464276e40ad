/*
 * The TOTP library without a database (otp/otp.h, docs/otp.md):
 *  - parameters: algorithm names, digits, person ids;
 *  - secrets: lengths, randomness, the otpauth:// URI (exact text, and
 *    its base32 decoded again by liboath's own decoder);
 *  - verification: the RFC 6238 appendix B vectors (SHA-1, SHA-256, 8
 *    digits, every T of the RFC) through oc_otp_totp_check; codes of two
 *    independent implementations (oathtool; a reference over OpenSSL's
 *    HMAC written here from RFC 4226/6238) accepted with their step;
 *    steps -1 and +1 accepted, -2 and +2 refused; wrong and malformed
 *    codes; times out of range;
 *  - sealing: round trip; every byte of a blob altered; wrong key;
 *    another person, algorithm or digits; truncated and extended blobs;
 *    fresh nonces;
 *  - the key file: accepted forms; every mode open to group or others,
 *    symbolic links, folders, FIFOs, missing files, bad content and
 *    oversize refused; keygen writes 0600 whatever the umask and never
 *    replaces a file.
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <liboath/oath.h>

#include <onecard/error.h>

#include "otp.h"
#include "otp_int.h"
#include "otp_test.h"

/* RFC 6238 appendix B: the seeds (ASCII) and the T values. */
static const char RFC_SEED_SHA1[] = "12345678901234567890";
static const char RFC_SEED_SHA256[] = "12345678901234567890123456789012";
static const int64_t RFC_T[] = {59, 1111111109, 1111111111, 1234567890, 2000000000, 20000000000};
/* The table of appendix B, 8 digits, one row per T. */
static const char *const RFC_SHA1[] = {"94287082", "07081804", "14050471",
				       "89005924", "69279037", "65353130"};
static const char *const RFC_SHA256[] = {"46119246", "68084774", "67062674",
					 "91819424", "90698825", "77737706"};

#define NOW	   INT64_C(1767225600) /* 2026-01-01T00:00:00Z: a step boundary */
#define N_RANDOM   25		       /* random secrets per parameter set */
#define PERSON	   "alice.w-01"
#define PERSON_TWO "bob_02"

static char tmpdir[] = "/tmp/onecard-otp-unit-XXXXXX";

static int setup_dir(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int teardown_dir(void **state)
{
	char cmd[128];

	(void)state;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void path_in_tmp(const char *name, char *out, size_t cap)
{
	assert_true(snprintf(out, cap, "%s/%s", tmpdir, name) < (int)cap);
}

static void random_secret(enum oc_otp_alg alg, unsigned digits, struct oc_otp_secret *s)
{
	assert_int_equal(oc_otp_secret_generate(alg, digits, s), ONECARD_OK);
}

/* ---- parameters ----------------------------------------------------------- */

static void alg_names(void **state)
{
	enum oc_otp_alg alg = OC_OTP_SHA1;
	static const char *const bad[] = {"SHA1", "sha-1", "sha512",  "md5",
					  "",	  "sha1 ", "sha256\n"};
	size_t i;

	(void)state;
	assert_int_equal(oc_otp_alg_parse("sha1", &alg), ONECARD_OK);
	assert_int_equal(alg, OC_OTP_SHA1);
	assert_int_equal(oc_otp_alg_parse("sha256", &alg), ONECARD_OK);
	assert_int_equal(alg, OC_OTP_SHA256);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(oc_otp_alg_parse(bad[i], &alg), ONECARD_ERR_INVALID_ARG);
		assert_int_equal(alg, OC_OTP_ALG_NONE);
	}
	assert_int_equal(oc_otp_alg_parse(NULL, &alg), ONECARD_ERR_INVALID_ARG);
	assert_string_equal(oc_otp_alg_name(OC_OTP_SHA1), "sha1");
	assert_string_equal(oc_otp_alg_name(OC_OTP_SHA256), "sha256");
	assert_null(oc_otp_alg_name(OC_OTP_ALG_NONE));
	assert_null(oc_otp_alg_name((enum oc_otp_alg)7));
	assert_true(oc_otp_digits_ok(6) && oc_otp_digits_ok(8));
	assert_false(oc_otp_digits_ok(0) || oc_otp_digits_ok(5) || oc_otp_digits_ok(7) ||
		     oc_otp_digits_ok(9) || oc_otp_digits_ok(10));
}

static void person_ids(void **state)
{
	char long_id[OC_OTP_PERSON_ID_MAX + 2];
	static const char *const bad[] = {"",	 "a b",	     "a/b",  "../x",	   "a:b", "a%41",
					  "a\n", "\xc3\xa9", "a\"b", "uid=a,ou=x", "a*"};
	size_t i;

	(void)state;
	assert_true(oc_otp_person_ok("p0001"));
	assert_true(oc_otp_person_ok("A.b_c-9"));
	memset(long_id, 'x', OC_OTP_PERSON_ID_MAX);
	long_id[OC_OTP_PERSON_ID_MAX] = '\0';
	assert_true(oc_otp_person_ok(long_id));
	long_id[OC_OTP_PERSON_ID_MAX] = 'x';
	long_id[OC_OTP_PERSON_ID_MAX + 1] = '\0';
	assert_false(oc_otp_person_ok(long_id));
	assert_false(oc_otp_person_ok(NULL));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(oc_otp_person_ok(bad[i]));
	}
}

/* ---- secrets and the URI ---------------------------------------------------- */

static void secrets(void **state)
{
	struct oc_otp_secret a, b;
	unsigned char bytes[OC_OTP_SECRET_MAX + 1];

	(void)state;
	random_secret(OC_OTP_SHA1, 6, &a);
	assert_int_equal(a.len, 20);
	assert_int_equal(a.alg, OC_OTP_SHA1);
	assert_int_equal(a.digits, 6);
	random_secret(OC_OTP_SHA1, 6, &b);
	assert_memory_not_equal(a.bytes, b.bytes, 20);
	random_secret(OC_OTP_SHA256, 8, &a);
	assert_int_equal(a.len, 32);
	assert_int_equal(a.digits, 8);

	assert_int_equal(oc_otp_secret_generate(OC_OTP_ALG_NONE, 6, &a), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_otp_secret_generate(OC_OTP_SHA1, 7, &a), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(a.len, 0);
	assert_int_equal(oc_otp_secret_generate(OC_OTP_SHA1, 6, NULL), ONECARD_ERR_INVALID_ARG);

	memset(bytes, 7, sizeof(bytes));
	assert_int_equal(oc_otp_secret_set(OC_OTP_SHA1, 6, bytes, OC_OTP_SECRET_MIN, &a),
			 ONECARD_OK);
	assert_int_equal(oc_otp_secret_set(OC_OTP_SHA1, 6, bytes, OC_OTP_SECRET_MAX, &a),
			 ONECARD_OK);
	assert_int_equal(oc_otp_secret_set(OC_OTP_SHA1, 6, bytes, OC_OTP_SECRET_MIN - 1, &a),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_otp_secret_set(OC_OTP_SHA1, 6, bytes, OC_OTP_SECRET_MAX + 1, &a),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_otp_secret_set(OC_OTP_SHA256, 9, bytes, 32, &a),
			 ONECARD_ERR_INVALID_ARG);
	oc_otp_secret_clear(&a);
	assert_int_equal(a.len, 0);
	oc_otp_secret_clear(NULL);
}

static void uri_exact(void **state)
{
	struct oc_otp_secret s;
	char uri[OC_OTP_URI_MAX];
	size_t len = 0;

	(void)state;
	/* The RFC 6238 seeds; their base32 (RFC 4648 §6) computed by hand
	 * from "1234567890" = GEZDGNBVGY3TQOJQ, repeated. */
	assert_int_equal(
		oc_otp_secret_set(OC_OTP_SHA1, 6, (const unsigned char *)RFC_SEED_SHA1, 20, &s),
		ONECARD_OK);
	assert_int_equal(oc_otp_uri(&s, PERSON, uri, sizeof(uri), &len), ONECARD_OK);
	assert_string_equal(uri, "otpauth://totp/onecard:alice.w-01?secret="
				 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=onecard"
				 "&algorithm=SHA1&digits=6&period=30");
	assert_int_equal(len, strlen(uri));

	assert_int_equal(
		oc_otp_secret_set(OC_OTP_SHA256, 8, (const unsigned char *)RFC_SEED_SHA256, 32, &s),
		ONECARD_OK);
	assert_int_equal(oc_otp_uri(&s, "p_1", uri, sizeof(uri), &len), ONECARD_OK);
	/* 32 bytes: 52 characters, the padding ("====") left out. */
	assert_string_equal(uri, "otpauth://totp/onecard:p_1?secret="
				 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA"
				 "&issuer=onecard&algorithm=SHA256&digits=8&period=30");

	/* Too small a buffer: refused and wiped, never cut. */
	assert_int_equal(oc_otp_uri(&s, "p_1", uri, 60, &len), ONECARD_ERR_TOO_LARGE);
	assert_int_equal(len, 0);
	assert_int_equal(uri[0], '\0');
	assert_int_equal(oc_otp_uri(&s, "p 1", uri, sizeof(uri), &len), ONECARD_ERR_INVALID_ARG);
	s.digits = 7;
	assert_int_equal(oc_otp_uri(&s, "p_1", uri, sizeof(uri), &len), ONECARD_ERR_INVALID_ARG);
	oc_otp_secret_clear(&s);
}

/* The secret in the URI, decoded by liboath's base32 decoder (not ours),
 * is the secret, for random secrets of both lengths. */
static void uri_base32_round_trip(void **state)
{
	struct oc_otp_secret s;
	char uri[OC_OTP_URI_MAX], b32[128];
	char *dec = NULL;
	size_t dec_len = 0, len = 0, n;
	const char *p;
	int i;

	(void)state;
	assert_int_equal(oath_init(), OATH_OK);
	for (i = 0; i < 2 * N_RANDOM; i++) {
		random_secret(i % 2 ? OC_OTP_SHA256 : OC_OTP_SHA1, 6, &s);
		assert_int_equal(oc_otp_uri(&s, PERSON, uri, sizeof(uri), &len), ONECARD_OK);
		p = strstr(uri, "?secret=");
		assert_non_null(p);
		p += 8;
		n = strcspn(p, "&");
		assert_true(n < sizeof(b32));
		memcpy(b32, p, n);
		b32[n] = '\0';
		assert_null(strchr(b32, '='));
		assert_int_equal(oath_base32_decode(b32, n, &dec, &dec_len), OATH_OK);
		assert_int_equal(dec_len, s.len);
		assert_memory_equal(dec, s.bytes, s.len);
		free(dec);
		dec = NULL;
	}
	oc_otp_secret_clear(&s);
}

/* ---- verification ----------------------------------------------------------- */

static void check_rfc(enum oc_otp_alg alg, const char *seed, size_t seed_len,
		      const char *const *codes)
{
	struct oc_otp_secret s;
	uint64_t step = 99;
	const char *why = NULL;
	size_t i;

	assert_int_equal(oc_otp_secret_set(alg, 8, (const unsigned char *)seed, seed_len, &s),
			 ONECARD_OK);
	for (i = 0; i < sizeof(RFC_T) / sizeof(RFC_T[0]); i++) {
		assert_int_equal(oc_otp_totp_check(&s, codes[i], 8, RFC_T[i], &step, &why),
				 ONECARD_OK);
		assert_int_equal(step, (uint64_t)RFC_T[i] / 30u);
		assert_string_equal(why, "");
		/* The independent implementations agree with the RFC. */
		{
			char ref[OT_CODE_SIZE], tool[OT_CODE_SIZE];

			ot_ref_code(&s, (uint64_t)RFC_T[i] / 30u, ref);
			ot_oathtool_code(&s, RFC_T[i], tool);
			assert_string_equal(ref, codes[i]);
			assert_string_equal(tool, codes[i]);
		}
	}
	oc_otp_secret_clear(&s);
}

static void rfc6238_vectors(void **state)
{
	(void)state;
	check_rfc(OC_OTP_SHA1, RFC_SEED_SHA1, 20, RFC_SHA1);
	check_rfc(OC_OTP_SHA256, RFC_SEED_SHA256, 32, RFC_SHA256);
}

/* Codes of oathtool and of the reference, for both algorithms and both
 * lengths, at now and one step either side, are accepted with their
 * step; two steps away they are refused. */
static void independent_codes(void **state)
{
	static const struct {
		enum oc_otp_alg alg;
		unsigned digits;
	} sets[] = {{OC_OTP_SHA1, 6}, {OC_OTP_SHA1, 8}, {OC_OTP_SHA256, 6}, {OC_OTP_SHA256, 8}};
	struct oc_otp_secret s;
	char code[OT_CODE_SIZE];
	const char *why = NULL;
	uint64_t step = 0, base;
	int64_t now;
	size_t i;
	int k, d;

	(void)state;
	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		for (k = 0; k < N_RANDOM; k++) {
			random_secret(sets[i].alg, sets[i].digits, &s);
			/* Anywhere inside a step, not only at its start. */
			now = NOW + 7 * k;
			base = (uint64_t)now / 30u;

			ot_oathtool_code(&s, now, code);
			assert_int_equal(
				oc_otp_totp_check(&s, code, strlen(code), now, &step, &why),
				ONECARD_OK);
			assert_int_equal(step, base);

			for (d = -2; d <= 2; d++) {
				ot_ref_code(&s, (uint64_t)((int64_t)base + d), code);
				if (d == 0) {
					/* the two implementations agree */
					char tool[OT_CODE_SIZE];

					ot_oathtool_code(&s, now, tool);
					assert_string_equal(code, tool);
				}
				if (d >= -1 && d <= 1) {
					assert_int_equal(oc_otp_totp_check(&s, code, strlen(code),
									   now, &step, &why),
							 ONECARD_OK);
					assert_int_equal(step, (uint64_t)((int64_t)base + d));
				} else {
					/* A code of a step two away may, once in
					 * 10^digits, equal one inside the window. */
					char in[3][OT_CODE_SIZE];
					int j, collides = 0;

					for (j = -1; j <= 1; j++) {
						ot_ref_code(&s, (uint64_t)((int64_t)base + j),
							    in[j + 1]);
						collides |= strcmp(in[j + 1], code) == 0;
					}
					if (!collides) {
						assert_int_equal(
							oc_otp_totp_check(&s, code, strlen(code),
									  now, &step, &why),
							ONECARD_ERR_BAD_SIGNATURE);
						assert_int_equal(step, 0);
						assert_string_equal(why, "the code does not match");
					}
				}
			}
		}
	}
	oc_otp_secret_clear(&s);
}

/* The oathtool code made from the URI's base32, as an app would. */
static void uri_codes(void **state)
{
	struct oc_otp_secret s;
	char uri[OC_OTP_URI_MAX], b32[128], code[OT_CODE_SIZE];
	uint64_t step = 0;
	const char *p;
	size_t n, len;

	(void)state;
	random_secret(OC_OTP_SHA256, 8, &s);
	assert_int_equal(oc_otp_uri(&s, PERSON, uri, sizeof(uri), &len), ONECARD_OK);
	p = strstr(uri, "?secret=") + 8;
	n = strcspn(p, "&");
	memcpy(b32, p, n);
	b32[n] = '\0';
	ot_oathtool_code_b32(OC_OTP_SHA256, 8, b32, NOW, code);
	assert_int_equal(oc_otp_totp_check(&s, code, 8, NOW, &step, NULL), ONECARD_OK);
	assert_int_equal(step, (uint64_t)NOW / 30u);
	oc_otp_secret_clear(&s);
}

static void wrong_and_malformed_codes(void **state)
{
	struct oc_otp_secret s;
	char good[OT_CODE_SIZE], bad[OT_CODE_SIZE];
	uint64_t step = 5;
	const char *why = NULL;
	static const char *const malformed[] = {"",	  "12345",  "1234567",	   "123456789",
						"12345a", "12 456", " 123456",	   "123456 ",
						"-12345", "+12345", "１２３４５６"};
	size_t i;

	(void)state;
	random_secret(OC_OTP_SHA1, 6, &s);
	ot_ref_code(&s, (uint64_t)NOW / 30u, good);
	memcpy(bad, good, sizeof(bad));
	bad[5] = (char)('0' + (bad[5] - '0' + 1) % 10);
	assert_int_equal(oc_otp_totp_check(&s, bad, 6, NOW, &step, &why),
			 ONECARD_ERR_BAD_SIGNATURE);
	assert_int_equal(step, 0);
	for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		assert_int_equal(
			oc_otp_totp_check(&s, malformed[i], strlen(malformed[i]), NOW, &step, &why),
			ONECARD_ERR_BAD_FORMAT);
		assert_string_equal(why, "the code is not a string of the right number of digits");
	}
	/* A NUL inside the given length; the right code with a wrong length. */
	memcpy(bad, good, sizeof(bad));
	bad[3] = '\0';
	assert_int_equal(oc_otp_totp_check(&s, bad, 6, NOW, &step, &why), ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(oc_otp_totp_check(&s, good, 5, NOW, &step, &why), ONECARD_ERR_BAD_FORMAT);
	/* An 8-digit code for a 6-digit secret: its last 6 digits are the
	 * 6-digit code, yet it is refused. */
	assert_int_equal(oc_otp_totp_check(&s, "00000000", 8, NOW, &step, &why),
			 ONECARD_ERR_BAD_FORMAT);
	/* Times out of range. */
	assert_int_equal(oc_otp_totp_check(&s, good, 6, OC_OTP_TIME_MIN - 1, &step, &why),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_otp_totp_check(&s, good, 6, -30, &step, &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_otp_totp_check(&s, good, 6, OC_OTP_TIME_MAX + 1, &step, &why),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_otp_totp_check(&s, good, 6, NOW, NULL, &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_otp_totp_check(NULL, good, 6, NOW, &step, &why),
			 ONECARD_ERR_INVALID_ARG);
	/* The right code is still accepted after all that. */
	assert_int_equal(oc_otp_totp_check(&s, good, 6, NOW, &step, &why), ONECARD_OK);
	oc_otp_secret_clear(&s);
	/* A cleared secret is unusable. */
	assert_int_equal(oc_otp_totp_check(&s, good, 6, NOW, &step, &why), ONECARD_ERR_INVALID_ARG);
}

/* ---- sealing ---------------------------------------------------------------- */

/* 1 when needle[0..n) occurs in hay[0..len). */
static int contains(const unsigned char *hay, size_t len, const unsigned char *needle, size_t n)
{
	size_t i;

	for (i = 0; i + n <= len; i++) {
		if (memcmp(hay + i, needle, n) == 0) {
			return 1;
		}
	}
	return 0;
}

static void seal_round_trip(void **state)
{
	struct oc_otp_secret s, o;
	unsigned char a[OC_OTP_BLOB_MAX], b[OC_OTP_BLOB_MAX];
	size_t alen = 0, blen = 0;
	oc_otp_key *key = ot_key(1);
	const char *why = NULL;

	(void)state;
	random_secret(OC_OTP_SHA256, 8, &s);
	assert_int_equal(oc_otp_seal(key, PERSON, &s, a, sizeof(a), &alen), ONECARD_OK);
	assert_int_equal(alen, OC_OTP_BLOB_HEAD + 32 + OC_OTP_TAG_LEN);
	assert_int_equal(a[0], 1);
	assert_int_equal(oc_otp_open(key, PERSON, OC_OTP_SHA256, 8, a, alen, &o, &why), ONECARD_OK);
	assert_int_equal(o.len, s.len);
	assert_memory_equal(o.bytes, s.bytes, s.len);
	assert_int_equal(o.alg, OC_OTP_SHA256);
	assert_int_equal(o.digits, 8);
	/* The plaintext is not in the blob. */
	assert_false(contains(a, alen, s.bytes, 8));
	/* Sealed twice: two nonces, two blobs. */
	assert_int_equal(oc_otp_seal(key, PERSON, &s, b, sizeof(b), &blen), ONECARD_OK);
	assert_int_equal(blen, alen);
	assert_memory_not_equal(a + 5, b + 5, OC_OTP_NONCE_LEN);
	assert_memory_not_equal(a + OC_OTP_BLOB_HEAD, b + OC_OTP_BLOB_HEAD, 32);
	/* SHA-1 secrets: 20 bytes. */
	random_secret(OC_OTP_SHA1, 6, &s);
	assert_int_equal(oc_otp_seal(key, PERSON, &s, a, sizeof(a), &alen), ONECARD_OK);
	assert_int_equal(alen, OC_OTP_BLOB_HEAD + 20 + OC_OTP_TAG_LEN);
	assert_int_equal(oc_otp_open(key, PERSON, OC_OTP_SHA1, 6, a, alen, &o, &why), ONECARD_OK);
	assert_memory_equal(o.bytes, s.bytes, 20);
	/* A buffer too small. */
	assert_int_equal(oc_otp_seal(key, PERSON, &s, a, alen - 1, &alen), ONECARD_ERR_TOO_LARGE);
	assert_int_equal(oc_otp_seal(key, "no one", &s, a, sizeof(a), &alen),
			 ONECARD_ERR_INVALID_ARG);
	oc_otp_secret_clear(&s);
	oc_otp_secret_clear(&o);
	oc_otp_key_free(key);
}

static int zeroed(const struct oc_otp_secret *s)
{
	static const struct oc_otp_secret zero;

	return memcmp(s, &zero, sizeof(zero)) == 0;
}

/* Every single byte of the blob altered (each bit of it, one at a time):
 * never opens; the header's bytes say which part. */
static void seal_tampered(void **state)
{
	struct oc_otp_secret s, o;
	unsigned char blob[OC_OTP_BLOB_MAX], t[OC_OTP_BLOB_MAX];
	size_t len = 0, i;
	unsigned bit;
	oc_otp_key *key = ot_key(2);
	int r, want;

	(void)state;
	random_secret(OC_OTP_SHA1, 6, &s);
	assert_int_equal(oc_otp_seal(key, PERSON, &s, blob, sizeof(blob), &len), ONECARD_OK);
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit++) {
			memcpy(t, blob, len);
			t[i] ^= (unsigned char)(1u << bit);
			r = oc_otp_open(key, PERSON, OC_OTP_SHA1, 6, t, len, &o, NULL);
			want = i == 0 ? ONECARD_ERR_BAD_FORMAT
				      : (i <= OC_OTP_KID_LEN ? ONECARD_ERR_BAD_KEY
							     : ONECARD_ERR_MISMATCH);
			assert_int_equal(r, want);
			assert_true(zeroed(&o));
		}
	}
	/* Truncated or extended by a byte. */
	assert_int_equal(oc_otp_open(key, PERSON, OC_OTP_SHA1, 6, blob, len - 1, &o, NULL),
			 ONECARD_ERR_MISMATCH);
	memcpy(t, blob, len);
	t[len] = 0;
	assert_int_equal(oc_otp_open(key, PERSON, OC_OTP_SHA1, 6, t, len + 1, &o, NULL),
			 ONECARD_ERR_MISMATCH);
	/* Lengths no blob has. */
	assert_int_equal(
		oc_otp_open(key, PERSON, OC_OTP_SHA1, 6, blob, OC_OTP_BLOB_MIN - 1, &o, NULL),
		ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(oc_otp_open(key, PERSON, OC_OTP_SHA1, 6, blob, 0, &o, NULL),
			 ONECARD_ERR_BAD_FORMAT);
	memset(t, 1, sizeof(t));
	assert_int_equal(oc_otp_open(key, PERSON, OC_OTP_SHA1, 6, t, OC_OTP_BLOB_MAX + 0, &o, NULL),
			 ONECARD_ERR_BAD_KEY);
	assert_int_equal(oc_otp_open(key, PERSON, OC_OTP_SHA1, 6, t, sizeof(t) - 1, &o, NULL),
			 ONECARD_ERR_BAD_KEY);
	{
		unsigned char big[OC_OTP_BLOB_MAX + 1];

		memset(big, 1, sizeof(big));
		assert_int_equal(
			oc_otp_open(key, PERSON, OC_OTP_SHA1, 6, big, sizeof(big), &o, NULL),
			ONECARD_ERR_BAD_FORMAT);
	}
	/* The untouched blob still opens. */
	assert_int_equal(oc_otp_open(key, PERSON, OC_OTP_SHA1, 6, blob, len, &o, NULL), ONECARD_OK);
	oc_otp_secret_clear(&s);
	oc_otp_secret_clear(&o);
	oc_otp_key_free(key);
}

/* The additional data binds the blob: another person, algorithm or
 * number of digits, another key. */
static void seal_bound(void **state)
{
	struct oc_otp_secret s, o;
	unsigned char blob[OC_OTP_BLOB_MAX];
	size_t len = 0;
	oc_otp_key *key = ot_key(3), *other = ot_key(4);
	const char *why = NULL;

	(void)state;
	random_secret(OC_OTP_SHA256, 6, &s);
	assert_int_equal(oc_otp_seal(key, PERSON, &s, blob, sizeof(blob), &len), ONECARD_OK);
	assert_int_equal(oc_otp_open(key, PERSON_TWO, OC_OTP_SHA256, 6, blob, len, &o, &why),
			 ONECARD_ERR_MISMATCH);
	assert_string_equal(why, "the secret fails authentication (altered, or not this person's)");
	assert_true(zeroed(&o));
	/* A person id that is a prefix, or one character longer. */
	assert_int_equal(oc_otp_open(key, "alice.w-0", OC_OTP_SHA256, 6, blob, len, &o, NULL),
			 ONECARD_ERR_MISMATCH);
	assert_int_equal(oc_otp_open(key, "alice.w-010", OC_OTP_SHA256, 6, blob, len, &o, NULL),
			 ONECARD_ERR_MISMATCH);
	assert_int_equal(oc_otp_open(key, PERSON, OC_OTP_SHA1, 6, blob, len, &o, NULL),
			 ONECARD_ERR_MISMATCH);
	assert_int_equal(oc_otp_open(key, PERSON, OC_OTP_SHA256, 8, blob, len, &o, NULL),
			 ONECARD_ERR_MISMATCH);
	assert_int_equal(oc_otp_open(other, PERSON, OC_OTP_SHA256, 6, blob, len, &o, &why),
			 ONECARD_ERR_BAD_KEY);
	assert_string_equal(why, "the secret was sealed under another key");
	assert_true(zeroed(&o));
	/* Another key given the first key's id (as if two keys shared one):
	 * GCM still refuses. */
	memcpy(other->kid, key->kid, OC_OTP_KID_LEN);
	assert_int_equal(oc_otp_open(other, PERSON, OC_OTP_SHA256, 6, blob, len, &o, NULL),
			 ONECARD_ERR_MISMATCH);
	assert_int_equal(oc_otp_open(key, PERSON, OC_OTP_SHA256, 6, blob, len, &o, NULL),
			 ONECARD_OK);
	oc_otp_secret_clear(&s);
	oc_otp_secret_clear(&o);
	oc_otp_key_free(key);
	oc_otp_key_free(other);
}

/* ---- the key file ----------------------------------------------------------- */

static void write_file(const char *path, const char *content, size_t len, mode_t mode)
{
	int fd;

	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

/* base64url of 32 bytes of 0x05. */
#define KEY05 "BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU"

static void key_file_good(void **state)
{
	char path[256];
	oc_otp_key *key = NULL, *same = ot_key(5);
	const char *why = NULL;
	struct oc_otp_secret s, o;
	unsigned char blob[OC_OTP_BLOB_MAX];
	size_t len = 0;

	(void)state;
	path_in_tmp("good.key", path, sizeof(path));
	write_file(path, KEY05 "\n", 44, 0600);
	assert_int_equal(oc_otp_key_load(path, &key, &why), ONECARD_OK);
	assert_string_equal(why, "");
	/* The same key as from the raw bytes: one seals, the other opens. */
	random_secret(OC_OTP_SHA1, 6, &s);
	assert_int_equal(oc_otp_seal(same, PERSON, &s, blob, sizeof(blob), &len), ONECARD_OK);
	assert_int_equal(oc_otp_open(key, PERSON, OC_OTP_SHA1, 6, blob, len, &o, NULL), ONECARD_OK);
	oc_otp_key_free(key);
	key = NULL;
	/* Without the newline; read-only for the owner. */
	write_file(path, KEY05, 43, 0400);
	assert_int_equal(oc_otp_key_load(path, &key, &why), ONECARD_OK);
	oc_otp_key_free(key);
	oc_otp_key_free(same);
	oc_otp_secret_clear(&s);
	oc_otp_secret_clear(&o);
}

static void key_file_refused(void **state)
{
	static const mode_t modes[] = {0640, 0604, 0644, 0660, 0606, 0610, 0601, 0602, 0620, 0777};
	static const struct {
		const char *content;
		const char *what;
	} bad[] = {
		{"", "empty"},
		{"\n", "a newline only"},
		{KEY05 "\n\n", "two newlines"},
		{KEY05 "\r\n", "CRLF"},
		{KEY05 "=\n", "padding"},
		{"BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQ\n", "42 characters"},
		{KEY05 "B\n", "44 characters"},
		{"BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQ+\n", "a '+'"},
		{"BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQ/\n", "a '/'"},
		{"BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQV\n", "non-zero trailing bits"},
		{" " KEY05, "a leading space"},
		{"0505050505050505050505050505050505050505050505050505050505050505\n", "hex"},
	};
	char path[256], link[256], big[OC_OTP_KEY_FILE_MAX + 2];
	oc_otp_key *key = NULL;
	const char *why = NULL;
	size_t i;

	(void)state;
	path_in_tmp("bad.key", path, sizeof(path));
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		write_file(path, KEY05 "\n", 44, modes[i]);
		assert_int_equal(oc_otp_key_load(path, &key, &why), ONECARD_ERR_POLICY);
		assert_null(key);
		assert_string_equal(why,
				    "group or others have access to the key file (want mode 0600)");
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(path, bad[i].content, strlen(bad[i].content), 0600);
		if (oc_otp_key_load(path, &key, &why) != ONECARD_ERR_BAD_KEY) {
			fail_msg("key file with %s was not refused as BAD_KEY", bad[i].what);
		}
		assert_null(key);
	}
	memset(big, 'A', sizeof(big));
	write_file(path, big, sizeof(big), 0600);
	assert_int_equal(oc_otp_key_load(path, &key, &why), ONECARD_ERR_TOO_LARGE);

	/* A symbolic link to a good key file. */
	write_file(path, KEY05 "\n", 44, 0600);
	path_in_tmp("link.key", link, sizeof(link));
	(void)unlink(link);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(oc_otp_key_load(link, &key, &why), ONECARD_ERR_POLICY);
	assert_string_equal(why, "the key file is a symbolic link");
	/* A folder, a FIFO (must not hang), nothing. */
	path_in_tmp("folder.key", link, sizeof(link));
	assert_int_equal(mkdir(link, 0700), 0);
	assert_int_equal(oc_otp_key_load(link, &key, &why), ONECARD_ERR_POLICY);
	assert_string_equal(why, "the key file is not a regular file");
	path_in_tmp("fifo.key", link, sizeof(link));
	assert_int_equal(mkfifo(link, 0600), 0);
	assert_int_equal(oc_otp_key_load(link, &key, &why), ONECARD_ERR_POLICY);
	path_in_tmp("missing.key", link, sizeof(link));
	assert_int_equal(oc_otp_key_load(link, &key, &why), ONECARD_ERR_NOT_FOUND);
	assert_int_equal(oc_otp_key_load("", &key, &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_otp_key_load(NULL, &key, &why), ONECARD_ERR_INVALID_ARG);
	assert_null(key);
	/* Raw keys of the wrong length. */
	assert_int_equal(oc_otp_key_from_bytes((const unsigned char *)big, 31, &key),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_otp_key_from_bytes((const unsigned char *)big, 33, &key),
			 ONECARD_ERR_INVALID_ARG);
	oc_otp_key_free(NULL);
}

static void key_generate(void **state)
{
	char path[256], before[64], after[64];
	struct stat st;
	oc_otp_key *key = NULL;
	const char *why = NULL;
	mode_t old;
	FILE *f;

	(void)state;
	path_in_tmp("new.key", path, sizeof(path));
	old = umask(0);
	assert_int_equal(oc_otp_key_generate_file(path, &why), ONECARD_OK);
	umask(old);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 44);
	assert_int_equal(oc_otp_key_load(path, &key, &why), ONECARD_OK);
	oc_otp_key_free(key);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(before, sizeof(before), f));
	fclose(f);
	/* Never replaced. */
	assert_int_equal(oc_otp_key_generate_file(path, &why), ONECARD_ERR_EXISTS);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(after, sizeof(after), f));
	fclose(f);
	assert_string_equal(before, after);
	/* Two new keys differ. */
	path_in_tmp("new2.key", path, sizeof(path));
	assert_int_equal(oc_otp_key_generate_file(path, &why), ONECARD_OK);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(after, sizeof(after), f));
	fclose(f);
	assert_string_not_equal(before, after);
	/* A folder that does not exist. */
	path_in_tmp("nowhere/x.key", path, sizeof(path));
	assert_int_equal(oc_otp_key_generate_file(path, &why), ONECARD_ERR_IO);
}

/* The blob parser on the edges of its lengths. */
static void blob_parse(void **state)
{
	unsigned char b[OC_OTP_BLOB_MAX + 1];
	struct oc_otp_blob_view v;
	const char *why = NULL;
	size_t len;

	(void)state;
	memset(b, 0, sizeof(b));
	b[0] = 1;
	for (len = 0; len <= sizeof(b); len++) {
		int r = oc_otp_blob_parse(b, len, &v, &why);

		if (len >= OC_OTP_BLOB_MIN && len <= OC_OTP_BLOB_MAX) {
			assert_int_equal(r, ONECARD_OK);
			assert_int_equal(v.ct_len, len - OC_OTP_BLOB_HEAD - OC_OTP_TAG_LEN);
		} else {
			assert_int_equal(r, ONECARD_ERR_BAD_FORMAT);
			assert_null(v.ct);
		}
	}
	b[0] = 2;
	assert_int_equal(oc_otp_blob_parse(b, OC_OTP_BLOB_MIN, &v, &why), ONECARD_ERR_BAD_FORMAT);
	assert_string_equal(why, "the blob's version is not 1");
	b[0] = 0;
	assert_int_equal(oc_otp_blob_parse(b, OC_OTP_BLOB_MIN, &v, &why), ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(oc_otp_blob_parse(NULL, 10, &v, &why), ONECARD_ERR_BAD_FORMAT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(alg_names),
		cmocka_unit_test(person_ids),
		cmocka_unit_test(secrets),
		cmocka_unit_test(uri_exact),
		cmocka_unit_test(uri_base32_round_trip),
		cmocka_unit_test(rfc6238_vectors),
		cmocka_unit_test(independent_codes),
		cmocka_unit_test(uri_codes),
		cmocka_unit_test(wrong_and_malformed_codes),
		cmocka_unit_test(seal_round_trip),
		cmocka_unit_test(seal_tampered),
		cmocka_unit_test(seal_bound),
		cmocka_unit_test(key_file_good),
		cmocka_unit_test(key_file_refused),
		cmocka_unit_test(key_generate),
		cmocka_unit_test(blob_parse),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
