/*
 * The PKCS#11 URI parser (pkcs11/uri.h): the RFC 7512 examples it must
 * take, percent-encoding, and each refusal with its own reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <onecard/error.h>

#include "uri.h"

static struct oc_p11_uri *parse_ok(const char *text)
{
	struct oc_p11_uri *uri = NULL;
	enum oc_p11_uri_refusal why = OC_P11_URI_REFUSED_EMPTY;

	assert_int_equal(oc_p11_uri_parse(text, strlen(text), &uri, &why), ONECARD_OK);
	assert_non_null(uri);
	assert_int_equal(why, OC_P11_URI_REFUSED_NONE);
	return uri;
}

static enum oc_p11_uri_refusal refused(const char *text, size_t len)
{
	struct oc_p11_uri *uri = (struct oc_p11_uri *)&uri; /* not NULL: must be cleared */
	enum oc_p11_uri_refusal why = OC_P11_URI_REFUSED_NONE;
	int r;

	r = oc_p11_uri_parse(text, len, &uri, &why);
	assert_int_not_equal(r, ONECARD_OK);
	assert_null(uri);
	assert_int_not_equal(why, OC_P11_URI_REFUSED_NONE);
	assert_non_null(oc_p11_uri_refusal_str(why));
	return why;
}

static enum oc_p11_uri_refusal refused_str(const char *text)
{
	return refused(text, strlen(text));
}

static void accepts_token_attributes(void **state)
{
	struct oc_p11_uri *uri;
	size_t len;

	(void)state;
	/* RFC 7512 §3 style: a token by all four of its fields. */
	uri = parse_ok("pkcs11:token=card1;manufacturer=SoftHSM%20project;model=SoftHSM%20v2;"
		       "serial=dc333eb1e6da6687");
	assert_string_equal(oc_p11_uri_get(uri, OC_P11_URI_TOKEN), "card1");
	assert_string_equal(oc_p11_uri_get(uri, OC_P11_URI_MANUFACTURER), "SoftHSM project");
	assert_string_equal(oc_p11_uri_get(uri, OC_P11_URI_MODEL), "SoftHSM v2");
	assert_string_equal(oc_p11_uri_get(uri, OC_P11_URI_SERIAL), "dc333eb1e6da6687");
	assert_null(oc_p11_uri_get(uri, OC_P11_URI_OBJECT));
	assert_null(oc_p11_uri_id(uri, &len));
	assert_int_equal(len, 0);
	assert_int_equal(oc_p11_uri_type(uri), OC_P11_URI_TYPE_ANY);
	oc_p11_uri_free(uri);

	/* The empty path names any card. */
	uri = parse_ok("pkcs11:");
	assert_null(oc_p11_uri_get(uri, OC_P11_URI_TOKEN));
	oc_p11_uri_free(uri);
}

static void accepts_object_and_query(void **state)
{
	struct oc_p11_uri *uri;
	const uint8_t *id;
	size_t len;

	(void)state;
	uri = parse_ok("pkcs11:token=card1;object=customs;id=%01%a0%FF;type=cert"
		       "?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin");
	assert_string_equal(oc_p11_uri_get(uri, OC_P11_URI_OBJECT), "customs");
	id = oc_p11_uri_id(uri, &len);
	assert_non_null(id);
	assert_int_equal(len, 3);
	assert_memory_equal(id, "\x01\xa0\xff", 3);
	assert_int_equal(oc_p11_uri_type(uri), OC_P11_URI_TYPE_CERT);
	assert_string_equal(oc_p11_uri_get(uri, OC_P11_URI_MODULE_PATH),
			    "/usr/lib/softhsm/libsofthsm2.so");
	assert_string_equal(oc_p11_uri_get(uri, OC_P11_URI_PIN_SOURCE), "file:/run/pin");
	oc_p11_uri_free(uri);

	uri = parse_ok("pkcs11:object=maritime;type=private");
	assert_int_equal(oc_p11_uri_type(uri), OC_P11_URI_TYPE_PRIVATE);
	oc_p11_uri_free(uri);
}

static void percent_encoding(void **state)
{
	struct oc_p11_uri *uri;
	const uint8_t *id;
	size_t len;

	(void)state;
	/* UTF-8 labels (海关, customs), reserved characters, and an id that
	 * is any bytes, NUL included. */
	uri = parse_ok("pkcs11:object=%E6%B5%B7%E5%85%B3;id=%00%3b%3B");
	assert_string_equal(oc_p11_uri_get(uri, OC_P11_URI_OBJECT), "\xe6\xb5\xb7\xe5\x85\xb3");
	id = oc_p11_uri_id(uri, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(id, "\x00;;", 3);
	oc_p11_uri_free(uri);

	/* RFC 7512 lets '&' and '=' stand unencoded in a path value. */
	uri = parse_ok("pkcs11:object=a&b=c");
	assert_string_equal(oc_p11_uri_get(uri, OC_P11_URI_OBJECT), "a&b=c");
	oc_p11_uri_free(uri);

	/* And '/' '?' '|' in a query value. */
	uri = parse_ok("pkcs11:?pin-source=file:/a/b?c|d");
	assert_string_equal(oc_p11_uri_get(uri, OC_P11_URI_PIN_SOURCE), "file:/a/b?c|d");
	oc_p11_uri_free(uri);
}

static void refuses_pin_value(void **state)
{
	(void)state;
	assert_int_equal(refused_str("pkcs11:token=card1?pin-value=1234"),
			 OC_P11_URI_REFUSED_PIN_VALUE);
	/* Wherever it is put, and even empty. */
	assert_int_equal(refused_str("pkcs11:pin-value=1234"), OC_P11_URI_REFUSED_PIN_VALUE);
	assert_int_equal(refused_str("pkcs11:?pin-value="), OC_P11_URI_REFUSED_PIN_VALUE);
	assert_int_equal(refused_str("pkcs11:token=a?module-path=/x&pin-value=1"),
			 OC_P11_URI_REFUSED_PIN_VALUE);
}

static void refuses_unknown_attributes(void **state)
{
	(void)state;
	assert_int_equal(refused_str("pkcs11:slot-id=1"), OC_P11_URI_REFUSED_UNKNOWN_ATTR);
	assert_int_equal(refused_str("pkcs11:library-manufacturer=x"),
			 OC_P11_URI_REFUSED_UNKNOWN_ATTR);
	assert_int_equal(refused_str("pkcs11:x-vendor=1"), OC_P11_URI_REFUSED_UNKNOWN_ATTR);
	assert_int_equal(refused_str("pkcs11:?module-name=softhsm2"),
			 OC_P11_URI_REFUSED_UNKNOWN_ATTR);
	assert_int_equal(refused_str("pkcs11:Token=card1"), OC_P11_URI_REFUSED_UNKNOWN_ATTR);
	/* Known, but in the wrong part. */
	assert_int_equal(refused_str("pkcs11:?token=card1"), OC_P11_URI_REFUSED_UNKNOWN_ATTR);
	assert_int_equal(refused_str("pkcs11:module-path=/x"), OC_P11_URI_REFUSED_UNKNOWN_ATTR);
}

static void refuses_bad_escapes(void **state)
{
	(void)state;
	assert_int_equal(refused_str("pkcs11:token=%zz"), OC_P11_URI_REFUSED_ESCAPE);
	assert_int_equal(refused_str("pkcs11:token=%4"), OC_P11_URI_REFUSED_ESCAPE);
	assert_int_equal(refused_str("pkcs11:token=abc%"), OC_P11_URI_REFUSED_ESCAPE);
	assert_int_equal(refused_str("pkcs11:id=%g1"), OC_P11_URI_REFUSED_ESCAPE);
	/* Characters that must be encoded. */
	assert_int_equal(refused_str("pkcs11:token=card 1"), OC_P11_URI_REFUSED_CHAR);
	assert_int_equal(refused_str("pkcs11:token=a/b"), OC_P11_URI_REFUSED_CHAR);
	assert_int_equal(refused_str("pkcs11:token=a#b"), OC_P11_URI_REFUSED_CHAR);
	assert_int_equal(refused_str("pkcs11:token=\xe6\xb5\xb7"), OC_P11_URI_REFUSED_CHAR);
	assert_int_equal(refused_str("pkcs11:?pin-source=a;c"), OC_P11_URI_REFUSED_CHAR);
	/* %00 in text; a NUL byte in the URI itself. */
	assert_int_equal(refused_str("pkcs11:object=a%00b"), OC_P11_URI_REFUSED_NUL);
	assert_int_equal(refused("pkcs11:token=a\0b", 15), OC_P11_URI_REFUSED_CHAR);
}

static void refuses_duplicates(void **state)
{
	(void)state;
	assert_int_equal(refused_str("pkcs11:token=a;token=b"), OC_P11_URI_REFUSED_DUPLICATE);
	assert_int_equal(refused_str("pkcs11:token=a;token=a"), OC_P11_URI_REFUSED_DUPLICATE);
	assert_int_equal(refused_str("pkcs11:id=%01;object=x;id=%01"),
			 OC_P11_URI_REFUSED_DUPLICATE);
	assert_int_equal(refused_str("pkcs11:?module-path=/a&module-path=/a"),
			 OC_P11_URI_REFUSED_DUPLICATE);
}

static void refuses_empty(void **state)
{
	struct oc_p11_uri *uri = NULL;
	enum oc_p11_uri_refusal why;

	(void)state;
	assert_int_equal(refused("", 0), OC_P11_URI_REFUSED_EMPTY);
	assert_int_equal(refused_str("pkcs11:token="), OC_P11_URI_REFUSED_EMPTY_ATTR);
	assert_int_equal(refused_str("pkcs11:=x"), OC_P11_URI_REFUSED_EMPTY_ATTR);
	assert_int_equal(refused_str("pkcs11:token"), OC_P11_URI_REFUSED_EMPTY_ATTR);
	assert_int_equal(refused_str("pkcs11:token=a;"), OC_P11_URI_REFUSED_EMPTY_ATTR);
	assert_int_equal(refused_str("pkcs11:;token=a"), OC_P11_URI_REFUSED_EMPTY_ATTR);
	assert_int_equal(refused_str("pkcs11:token=a;;model=b"), OC_P11_URI_REFUSED_EMPTY_ATTR);
	assert_int_equal(refused_str("pkcs11:token=a?"), OC_P11_URI_REFUSED_EMPTY_ATTR);
	assert_int_equal(refused_str("pkcs11:?module-path=/a&"), OC_P11_URI_REFUSED_EMPTY_ATTR);
	/* NULL arguments are refused without a crash. */
	assert_int_equal(oc_p11_uri_parse(NULL, 0, &uri, &why), ONECARD_ERR_INVALID_ARG);
	assert_null(uri);
	assert_int_equal(oc_p11_uri_parse("pkcs11:", 7, NULL, &why), ONECARD_ERR_INVALID_ARG);
}

static void refuses_missing_scheme(void **state)
{
	(void)state;
	assert_int_equal(refused_str("token=card1"), OC_P11_URI_REFUSED_SCHEME);
	assert_int_equal(refused_str("PKCS11:token=card1"), OC_P11_URI_REFUSED_SCHEME);
	assert_int_equal(refused_str("pkcs11"), OC_P11_URI_REFUSED_SCHEME);
	assert_int_equal(refused_str(" pkcs11:token=a"), OC_P11_URI_REFUSED_SCHEME);
	assert_int_equal(refused_str("pkcs12:token=a"), OC_P11_URI_REFUSED_SCHEME);
}

static void refuses_types_and_lengths(void **state)
{
	char big[OC_P11_URI_MAX + 2];
	char text[64 + 3 * (OC_P11_URI_ID_MAX + 1)];
	size_t pos = 0;
	uint8_t id[OC_P11_URI_ID_MAX + 1];
	struct oc_p11_uri *uri = NULL;
	enum oc_p11_uri_refusal why;

	(void)state;
	assert_int_equal(refused_str("pkcs11:type=public"), OC_P11_URI_REFUSED_TYPE);
	assert_int_equal(refused_str("pkcs11:type=secret-key"), OC_P11_URI_REFUSED_TYPE);
	assert_int_equal(refused_str("pkcs11:type=Cert"), OC_P11_URI_REFUSED_TYPE);
	/* CK_TOKEN_INFO sizes: a longer value could never match. */
	assert_int_equal(refused_str("pkcs11:model=0123456789abcdefX"),
			 OC_P11_URI_REFUSED_VALUE_TOO_LONG);
	assert_int_equal(refused_str("pkcs11:token=0123456789abcdef0123456789abcdefX"),
			 OC_P11_URI_REFUSED_VALUE_TOO_LONG);
	memset(id, 0xab, sizeof(id));
	assert_int_equal(oc_p11_uri_append(text, sizeof(text), &pos, "id", id, sizeof(id)),
			 ONECARD_OK);
	assert_int_equal(refused(text, pos), OC_P11_URI_REFUSED_VALUE_TOO_LONG);
	/* The whole URI has a maximum too. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "pkcs11:object=", 14);
	assert_int_equal(oc_p11_uri_parse(big, sizeof(big), &uri, &why), ONECARD_ERR_TOO_LARGE);
	assert_int_equal(why, OC_P11_URI_REFUSED_TOO_LONG);
	assert_null(uri);
}

static void append_round_trips(void **state)
{
	static const uint8_t label[] = "\xe6\xb5\xb7\xe5\x85\xb3 customs;a=b%";
	static const uint8_t id[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
	char buf[256];
	struct oc_p11_uri *uri;
	const uint8_t *got;
	size_t pos = 0, len;

	(void)state;
	assert_int_equal(
		oc_p11_uri_append(buf, sizeof(buf), &pos, "token", (const uint8_t *)"c 1", 3),
		ONECARD_OK);
	assert_string_equal(buf, "pkcs11:token=c%201");
	assert_int_equal(
		oc_p11_uri_append(buf, sizeof(buf), &pos, "object", label, sizeof(label) - 1),
		ONECARD_OK);
	assert_int_equal(oc_p11_uri_append(buf, sizeof(buf), &pos, "id", id, sizeof(id)),
			 ONECARD_OK);
	assert_int_equal(pos, strlen(buf));
	uri = parse_ok(buf);
	assert_string_equal(oc_p11_uri_get(uri, OC_P11_URI_TOKEN), "c 1");
	assert_string_equal(oc_p11_uri_get(uri, OC_P11_URI_OBJECT), (const char *)label);
	got = oc_p11_uri_id(uri, &len);
	assert_int_equal(len, sizeof(id));
	assert_memory_equal(got, id, sizeof(id));
	oc_p11_uri_free(uri);

	/* Too small: nothing written, position kept. */
	pos = 0;
	assert_int_equal(oc_p11_uri_append(buf, 16, &pos, "object", label, sizeof(label) - 1),
			 ONECARD_ERR_TOO_LARGE);
	assert_int_equal(pos, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_token_attributes),
		cmocka_unit_test(accepts_object_and_query),
		cmocka_unit_test(percent_encoding),
		cmocka_unit_test(refuses_pin_value),
		cmocka_unit_test(refuses_unknown_attributes),
		cmocka_unit_test(refuses_bad_escapes),
		cmocka_unit_test(refuses_duplicates),
		cmocka_unit_test(refuses_empty),
		cmocka_unit_test(refuses_missing_scheme),
		cmocka_unit_test(refuses_types_and_lengths),
		cmocka_unit_test(append_round_trips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
