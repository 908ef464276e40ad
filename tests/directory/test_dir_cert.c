/*
 * A certificate's directory fields (oc_dir_cert_from_der): the canonical
 * serial (lowercase hex, no leading zeros, positive, at most 20 octets),
 * the issuer exactly as X509_NAME_print_ex(XN_FLAG_RFC2253) prints it,
 * the agency from the first OU, the SHA-256 of the DER; and each refusal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <onecard/error.h>

#include "dir_int.h"
#include "dir_test.h"

static struct tca ca;

static int setup(void **state)
{
	(void)state;
	tca_new("Test Issuing CA", &ca);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tca_free(&ca);
	return 0;
}

static const char *serial_of(const char *hex, int negative, char out[OC_DIR_SERIAL_HEX_MAX + 1])
{
	struct tleaf spec = {hex, negative, "customs", NULL, NULL, NULL, NULL, "x"};
	struct oc_dir_cert c;

	tleaf_cert(&ca, &spec, &c);
	memcpy(out, c.serial, sizeof(c.serial));
	oc_dir_cert_clear(&c);
	return out;
}

static void serials(void **state)
{
	char s[OC_DIR_SERIAL_HEX_MAX + 1];

	(void)state;
	assert_string_equal(serial_of("0", 0, s), "0");
	assert_string_equal(serial_of("1", 0, s), "1");
	assert_string_equal(serial_of("0A", 0, s), "a");
	/* DER 02 02 00 80: the sign octet is not part of the value. */
	assert_string_equal(serial_of("80", 0, s), "80");
	assert_string_equal(serial_of("0102", 0, s), "102");
	assert_string_equal(serial_of("1F2E3D4C", 0, s), "1f2e3d4c");
	/* 20 octets (RFC 5280's maximum): 40 digits. */
	assert_string_equal(serial_of("7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", 0, s),
			    "7fffffffffffffffffffffffffffffffffffffff");
	assert_string_equal(serial_of("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", 0, s),
			    "ffffffffffffffffffffffffffffffffffffffff");
}

static int from_der_result(const struct tleaf *spec, const char **why)
{
	struct oc_dir_cert c;
	unsigned char *der = NULL;
	size_t len = 0;
	int r;

	tleaf_der(&ca, spec, &der, &len);
	memset(&c, 0x55, sizeof(c));
	r = oc_dir_cert_from_der(der, len, &c, why);
	if (r != ONECARD_OK) {
		/* Cleared on failure. */
		assert_null(c.der);
		assert_string_equal(c.serial, "");
		assert_string_equal(c.agency, "");
	}
	oc_dir_cert_clear(&c);
	free(der);
	return r;
}

static void serial_refusals(void **state)
{
	struct tleaf big = {"01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
			    0,
			    "customs",
			    NULL,
			    NULL,
			    NULL,
			    NULL,
			    "x"};
	struct tleaf neg = {"05", 1, "customs", NULL, NULL, NULL, NULL, "x"};
	const char *why = NULL;

	(void)state;
	assert_int_equal(from_der_result(&big, &why), ONECARD_ERR_TOO_LARGE);
	assert_non_null(why);
	assert_int_equal(from_der_result(&neg, &why), ONECARD_ERR_INVALID_ARG);
	assert_non_null(strstr(why, "negative"));
}

static void issuer_and_sha256(void **state)
{
	struct tca utf8_ca;
	struct tleaf spec = {NULL,  0, "customs", NULL, "p1", NULL, "Shanghai Trade Co., Ltd.",
			     "张三"};
	struct oc_dir_cert c;
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	const unsigned char *p;
	unsigned int md_len = 0, i;
	char hex[65], *data = NULL;
	size_t len = 0;
	X509 *x;
	BIO *bio;
	long n;

	(void)state;
	tca_new("上海 (Test) CA, \"No. 1\" + * \\", &utf8_ca);
	tleaf_der(&utf8_ca, &spec, &der, &len);
	assert_int_equal(oc_dir_cert_from_der(der, len, &c, NULL), ONECARD_OK);

	/* The issuer is X509_NAME_print_ex(XN_FLAG_RFC2253), byte for byte:
	 * RFC 4514 order, specials escaped, bytes over 0x7F as \XX. */
	p = der;
	x = d2i_X509(NULL, &p, (long)len);
	assert_non_null(x);
	bio = BIO_new(BIO_s_mem());
	assert_true(X509_NAME_print_ex(bio, X509_get_issuer_name(x), 0, XN_FLAG_RFC2253) >= 0);
	n = BIO_get_mem_data(bio, &data);
	assert_int_equal((size_t)n, strlen(c.issuer));
	assert_memory_equal(data, c.issuer, (size_t)n);
	assert_string_equal(c.issuer,
			    "CN=\\E4\\B8\\8A\\E6\\B5\\B7 (Test) CA\\, \\\"No. 1\\\" \\+ * "
			    "\\\\,O=onecard test,C=CN");
	BIO_free(bio);
	X509_free(x);

	/* SHA-256 of exactly the DER given; the DER is copied. */
	assert_int_equal(EVP_Digest(der, len, md, &md_len, EVP_sha256(), NULL), 1);
	for (i = 0; i < md_len; i++) {
		hex[2 * i] = "0123456789abcdef"[md[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[md[i] & 0x0f];
	}
	hex[64] = '\0';
	assert_string_equal(c.sha256, hex);
	assert_int_equal(c.der_len, len);
	assert_memory_equal(c.der, der, len);
	assert_ptr_not_equal(c.der, der);
	assert_string_equal(c.agency, "customs");
	assert_true(dir_cert_matches_der(&c));

	/* Any field that is not the DER's own is caught. */
	c.serial[0] = c.serial[0] == '1' ? '2' : '1';
	assert_false(dir_cert_matches_der(&c));
	oc_dir_cert_clear(&c);
	assert_null(c.der);
	assert_int_equal(oc_dir_cert_from_der(der, len, &c, NULL), ONECARD_OK);
	c.sha256[63] = c.sha256[63] == '0' ? '1' : '0';
	assert_false(dir_cert_matches_der(&c));
	oc_dir_cert_clear(&c);
	assert_int_equal(oc_dir_cert_from_der(der, len, &c, NULL), ONECARD_OK);
	c.issuer[0] = 'X';
	assert_false(dir_cert_matches_der(&c));
	oc_dir_cert_clear(&c);
	oc_dir_cert_clear(NULL);
	free(der);
	tca_free(&utf8_ca);
}

static void agencies(void **state)
{
	struct tleaf first = {NULL, 0, "maritime", "customs", NULL, NULL, NULL, "x"};
	struct tleaf none = {NULL, 0, NULL, NULL, NULL, NULL, NULL, "x"};
	struct tleaf upper = {NULL, 0, "Customs", NULL, NULL, NULL, NULL, "x"};
	struct tleaf spaced = {NULL, 0, "customs dept", NULL, NULL, NULL, NULL, "x"};
	struct tleaf chinese = {NULL, 0, "海关", NULL, NULL, NULL, NULL, "x"};
	struct oc_dir_cert c;
	const char *why = NULL;

	(void)state;
	tleaf_cert(&ca, &first, &c);
	assert_string_equal(c.agency, "maritime");
	oc_dir_cert_clear(&c);
	assert_int_equal(from_der_result(&none, &why), ONECARD_ERR_INVALID_ARG);
	assert_non_null(strstr(why, "no OU"));
	assert_int_equal(from_der_result(&upper, &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(from_der_result(&spaced, &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(from_der_result(&chinese, &why), ONECARD_ERR_INVALID_ARG);
	assert_non_null(why);
}

static void bad_der(void **state)
{
	struct tleaf spec = {NULL, 0, "customs", NULL, NULL, NULL, NULL, "x"};
	struct oc_dir_cert c;
	unsigned char *der = NULL, *longer;
	static unsigned char huge[OC_DIR_CERT_DER_MAX + 1];
	const char *why = NULL;
	size_t len = 0;

	(void)state;
	tleaf_der(&ca, &spec, &der, &len);
	/* Trailing bytes, a truncated certificate, garbage, nothing. */
	longer = malloc(len + 1);
	assert_non_null(longer);
	memcpy(longer, der, len);
	longer[len] = 0;
	assert_int_equal(oc_dir_cert_from_der(longer, len + 1, &c, &why), ONECARD_ERR_BAD_FORMAT);
	assert_non_null(why);
	assert_int_equal(oc_dir_cert_from_der(der, len - 1, &c, &why), ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(oc_dir_cert_from_der((const unsigned char *)"garbage", 7, &c, &why),
			 ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(oc_dir_cert_from_der(der, 0, &c, &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_dir_cert_from_der(NULL, len, &c, &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_dir_cert_from_der(huge, sizeof(huge), &c, &why), ONECARD_ERR_TOO_LARGE);
	assert_null(c.der);
	free(longer);
	free(der);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(serials),	     cmocka_unit_test(serial_refusals),
		cmocka_unit_test(issuer_and_sha256), cmocka_unit_test(agencies),
		cmocka_unit_test(bad_der),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
