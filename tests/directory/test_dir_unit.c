/*
 * Unit tests of the directory library without a server: RFC 4514 DN
 * value escaping (checked against libldap's own DN parser through the
 * adapter), RFC 4515 filter value escaping, every input rule, reading
 * values, the refusals of oc_dir_new(), and the bind password file.
 */
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

#include <onecard/error.h>

#include "dir_int.h"
#include "pw_file.h"

/* ---- DN values (RFC 4514 §2.4) ------------------------------------------- */

struct dn_case {
	const char *in;
	const char *out;
};

static const struct dn_case dn_cases[] = {
	{"abc", "abc"},
	{"a,b", "a\\,b"},
	{"a+b", "a\\+b"},
	{"say \"hi\"", "say \\\"hi\\\""},
	{"back\\slash", "back\\\\slash"},
	{"<tag>", "\\<tag\\>"},
	{"a;b", "a\\;b"},
	{"a=b", "a\\=b"},
	{"#lead", "\\#lead"},
	{"mid#dle", "mid#dle"},
	{" lead", "\\ lead"},
	{"trail ", "trail\\ "},
	{" ", "\\ "},
	{"in side", "in side"},
	{"\x01"
	 "ctl\x7f",
	 "\\01ctl\\7F"},
	{"Shanghai Trade Co., Ltd.", "Shanghai Trade Co.\\, Ltd."},
	{"上海外贸有限公司", "上海外贸有限公司"},
	{"#,+\"\\<>; ", "\\#\\,\\+\\\"\\\\\\<\\>\\;\\ "},
};

static void dn_value_escaping(void **state)
{
	char out[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(dn_cases) / sizeof(dn_cases[0]); i++) {
		assert_int_equal(dir_escape_dn_value(dn_cases[i].in, strlen(dn_cases[i].in), out,
						     sizeof(out)),
				 ONECARD_OK);
		assert_string_equal(out, dn_cases[i].out);
	}
	/* A NUL inside a counted value. */
	assert_int_equal(dir_escape_dn_value("a\0b", 3, out, sizeof(out)), ONECARD_OK);
	assert_string_equal(out, "a\\00b");
}

static void dn_value_refusals(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(dir_escape_dn_value("", 0, out, sizeof(out)), ONECARD_ERR_INVALID_ARG);
	assert_string_equal(out, "");
	/* Fits exactly: 7 characters and the NUL. */
	assert_int_equal(dir_escape_dn_value("abcdefg", 7, out, sizeof(out)), ONECARD_OK);
	assert_int_equal(dir_escape_dn_value("abcdefgh", 8, out, sizeof(out)),
			 ONECARD_ERR_TOO_LARGE);
	assert_string_equal(out, "");
	/* The escape itself must fit. */
	assert_int_equal(dir_escape_dn_value("abcdef,", 7, out, sizeof(out)),
			 ONECARD_ERR_TOO_LARGE);
	assert_int_equal(dir_escape_dn_value("a", 1, out, 0), ONECARD_ERR_TOO_LARGE);
}

/* Every escaped value, put into a DN and parsed back by libldap
 * (ldap_str2dn through the adapter), is the value again: one RDN, the
 * right attribute, the right parent. */
static void dn_values_round_trip_through_libldap(void **state)
{
	char dn[512], attr[64], value[256], parent[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(dn_cases) / sizeof(dn_cases[0]); i++) {
		assert_int_equal(dir_dn_child(dn, sizeof(dn), "uid", dn_cases[i].in,
					      "ou=people,dc=onecard,dc=test"),
				 ONECARD_OK);
		assert_int_equal(
			dir_ldap_dn_first_rdn(dn, attr, sizeof(attr), value, sizeof(value)),
			ONECARD_OK);
		assert_string_equal(attr, "uid");
		assert_string_equal(value, dn_cases[i].in);
		assert_int_equal(dir_ldap_dn_parent(dn, parent, sizeof(parent)), ONECARD_OK);
		assert_string_equal(parent, "ou=people,dc=onecard,dc=test");
	}
}

static void dn_parsing_refusals(void **state)
{
	char attr[64], value[64], parent[64];

	(void)state;
	assert_int_equal(dir_ldap_dn_check("dc=onecard,dc=test"), ONECARD_OK);
	assert_int_equal(dir_ldap_dn_check("not a dn"), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(dir_ldap_dn_check("uid=a,,dc=x"), ONECARD_ERR_INVALID_ARG);
	/* No parent; multi-valued first RDN; a value in #hex (BER) form. */
	assert_int_equal(dir_ldap_dn_parent("dc=test", parent, sizeof(parent)),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(dir_ldap_dn_first_rdn("uid=a+cn=b,dc=test", attr, sizeof(attr), value,
					       sizeof(value)),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(dir_ldap_dn_first_rdn("uid=#04024869,dc=test", attr, sizeof(attr), value,
					       sizeof(value)),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(dir_ldap_dn_first_rdn("uid=a\\00b,dc=test", attr, sizeof(attr), value,
					       sizeof(value)),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(dir_ldap_dn_first_rdn("uid=abcdef,dc=test", attr, sizeof(attr), value, 4),
			 ONECARD_ERR_TOO_LARGE);
	assert_int_equal(dir_ldap_dn_parent("uid=a,dc=onecard,dc=test", parent, 8),
			 ONECARD_ERR_TOO_LARGE);
}

/* ---- filter values (RFC 4515 §3) ------------------------------------------ */

static void filter_value_escaping(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(dir_escape_filter_value("*", 1, out, sizeof(out)), ONECARD_OK);
	assert_string_equal(out, "\\2a");
	assert_int_equal(dir_escape_filter_value("(", 1, out, sizeof(out)), ONECARD_OK);
	assert_string_equal(out, "\\28");
	assert_int_equal(dir_escape_filter_value(")", 1, out, sizeof(out)), ONECARD_OK);
	assert_string_equal(out, "\\29");
	assert_int_equal(dir_escape_filter_value("\\", 1, out, sizeof(out)), ONECARD_OK);
	assert_string_equal(out, "\\5c");
	assert_int_equal(dir_escape_filter_value("a\0b", 3, out, sizeof(out)), ONECARD_OK);
	assert_string_equal(out, "a\\00b");
	/* An attempt to widen a filter stays one value. */
	assert_int_equal(dir_escape_filter_value("1)(objectClass=*", 16, out, sizeof(out)),
			 ONECARD_OK);
	assert_string_equal(out, "1\\29\\28objectClass=\\2a");
	/* An escaped DN in a filter: its backslashes are escaped again. */
	assert_int_equal(dir_escape_filter_value("o=Co.\\, Ltd.", 12, out, sizeof(out)),
			 ONECARD_OK);
	assert_string_equal(out, "o=Co.\\5c, Ltd.");
	/* UTF-8 and ordinary punctuation as they are. */
	assert_int_equal(dir_escape_filter_value("上海外贸有限公司, Ltd.",
						 strlen("上海外贸有限公司, Ltd."), out,
						 sizeof(out)),
			 ONECARD_OK);
	assert_string_equal(out, "上海外贸有限公司, Ltd.");
	assert_int_equal(dir_escape_filter_value("\t\x7f", 2, out, sizeof(out)), ONECARD_OK);
	assert_string_equal(out, "\\09\\7f");
	assert_int_equal(dir_escape_filter_value("", 0, out, sizeof(out)), ONECARD_OK);
	assert_string_equal(out, "");
}

static void filter_value_limits(void **state)
{
	char out[4];

	(void)state;
	assert_int_equal(dir_escape_filter_value("abc", 3, out, sizeof(out)), ONECARD_OK);
	assert_int_equal(dir_escape_filter_value("abcd", 4, out, sizeof(out)),
			 ONECARD_ERR_TOO_LARGE);
	assert_string_equal(out, "");
	assert_int_equal(dir_escape_filter_value("*", 1, out, 3), ONECARD_ERR_TOO_LARGE);
}

static void builders(void **state)
{
	char out[128];

	(void)state;
	assert_int_equal(dir_filter_eq(out, sizeof(out), "onecardCertSerial", "*"), ONECARD_OK);
	assert_string_equal(out, "(onecardCertSerial=\\2a)");
	assert_int_equal(dir_dn_child(out, sizeof(out), "onecardCardId", "c,1", "ou=cards,dc=x"),
			 ONECARD_OK);
	assert_string_equal(out, "onecardCardId=c\\,1,ou=cards,dc=x");
	assert_int_equal(dir_dn_child(out, 10, "onecardCardId", "c1", "ou=cards,dc=x"),
			 ONECARD_ERR_TOO_LARGE);
	assert_string_equal(out, "");
	assert_int_equal(dir_filter_eq(out, 10, "onecardCertSerial", "1"), ONECARD_ERR_TOO_LARGE);
}

/* ---- input rules ---------------------------------------------------------- */

static void uscc_rules(void **state)
{
	(void)state;
	/* GB 32100-2015 codes of registered companies (public record). */
	assert_true(dir_valid_uscc("914403001922038216"));
	assert_true(dir_valid_uscc("9144030071526726XG"));
	assert_true(dir_valid_uscc("91110000100017643K"));
	/* A wrong check character; the format alone is right. */
	assert_false(dir_valid_uscc("914403001922038217"));
	assert_true(dir_valid_uscc_format("914403001922038217"));
	assert_false(dir_valid_uscc("91310000MA1FL8XQ3J"));
	assert_true(dir_valid_uscc_format("91310000MA1FL8XQ3J"));
	/* I, O, S, V, Z are not code characters; lower case is refused. */
	assert_false(dir_valid_uscc_format("91440300192203821I"));
	assert_false(dir_valid_uscc_format("91440300192203821O"));
	assert_false(dir_valid_uscc_format("91440300192203821S"));
	assert_false(dir_valid_uscc_format("91440300192203821V"));
	assert_false(dir_valid_uscc_format("91440300192203821Z"));
	assert_false(dir_valid_uscc("9144030071526726xg"));
	assert_false(dir_valid_uscc_format("91440300192203821"));
	assert_false(dir_valid_uscc_format("9144030019220382160"));
	assert_false(dir_valid_uscc_format(""));
	assert_false(dir_valid_uscc_format(NULL));
	assert_false(dir_valid_uscc("*"));
}

static void id_rules(void **state)
{
	char long_id[OC_DIR_CARD_ID_MAX + 2];

	(void)state;
	assert_true(dir_valid_id("card-0001", OC_DIR_CARD_ID_MAX));
	assert_true(dir_valid_id("A.b_C-9", OC_DIR_CARD_ID_MAX));
	assert_false(dir_valid_id("", OC_DIR_CARD_ID_MAX));
	assert_false(dir_valid_id(NULL, OC_DIR_CARD_ID_MAX));
	assert_false(dir_valid_id("a b", OC_DIR_CARD_ID_MAX));
	assert_false(dir_valid_id("a,b", OC_DIR_CARD_ID_MAX));
	assert_false(dir_valid_id("a*", OC_DIR_CARD_ID_MAX));
	assert_false(dir_valid_id("张三", OC_DIR_CARD_ID_MAX));
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	assert_false(dir_valid_id(long_id, OC_DIR_CARD_ID_MAX));
	long_id[OC_DIR_CARD_ID_MAX] = '\0';
	assert_true(dir_valid_id(long_id, OC_DIR_CARD_ID_MAX));
}

static void text_rules(void **state)
{
	char big[OC_DIR_NAME_MAX + 2];

	(void)state;
	assert_true(dir_valid_text("Shanghai Trade Co., Ltd.", 1, OC_DIR_NAME_MAX));
	assert_true(dir_valid_text("上海外贸有限公司", 1, OC_DIR_NAME_MAX));
	assert_true(dir_valid_text("a \"quoted\" (name) * \\ + ; < > #", 1, OC_DIR_NAME_MAX));
	assert_false(dir_valid_text("", 1, OC_DIR_NAME_MAX));
	assert_true(dir_valid_text("", 0, OC_DIR_NAME_MAX));
	assert_false(dir_valid_text(" lead", 1, OC_DIR_NAME_MAX));
	assert_false(dir_valid_text("trail ", 1, OC_DIR_NAME_MAX));
	assert_false(dir_valid_text("tab\there", 1, OC_DIR_NAME_MAX));
	assert_false(dir_valid_text("del\x7f", 1, OC_DIR_NAME_MAX));
	assert_false(dir_valid_text("c1\xc2\x85", 1, OC_DIR_NAME_MAX));	      /* NEL */
	assert_false(dir_valid_text("overlong\xc0\x80", 1, OC_DIR_NAME_MAX)); /* NUL */
	assert_false(dir_valid_text("surrogate\xed\xa0\x80", 1, OC_DIR_NAME_MAX));
	assert_false(dir_valid_text("lone\x80", 1, OC_DIR_NAME_MAX));
	assert_false(dir_valid_text("cut\xe4\xb8", 1, OC_DIR_NAME_MAX));
	assert_false(dir_valid_text("beyond\xf4\x90\x80\x80", 1, OC_DIR_NAME_MAX));
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_false(dir_valid_text(big, 1, OC_DIR_NAME_MAX));
	big[OC_DIR_NAME_MAX] = '\0';
	assert_true(dir_valid_text(big, 1, OC_DIR_NAME_MAX));
	assert_true(dir_valid_utf8((const unsigned char *)"\t", 1));
	assert_false(dir_valid_utf8((const unsigned char *)"\xff", 1));
}

static void agency_serial_sha256_rules(void **state)
{
	char s[OC_DIR_SERIAL_HEX_MAX + 2];

	(void)state;
	assert_true(dir_valid_agency("customs"));
	assert_true(dir_valid_agency("inspection-quarantine"));
	assert_false(dir_valid_agency("Customs"));
	assert_false(dir_valid_agency("customs dept"));
	assert_false(dir_valid_agency(""));
	assert_false(
		dir_valid_agency("0123456789012345678901234567890123456789012345678901234567890"
				 "123"));

	assert_true(dir_valid_serial("0"));
	assert_true(dir_valid_serial("1f2e3d4c"));
	assert_false(dir_valid_serial("01"));
	assert_false(dir_valid_serial("1F"));
	assert_false(dir_valid_serial(""));
	assert_false(dir_valid_serial("*"));
	memset(s, 'f', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	assert_false(dir_valid_serial(s));
	s[OC_DIR_SERIAL_HEX_MAX] = '\0';
	assert_true(dir_valid_serial(s));

	assert_true(dir_valid_sha256(
		"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"));
	assert_false(dir_valid_sha256(
		"9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"));
	assert_false(dir_valid_sha256(
		"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0"));
	assert_false(dir_valid_sha256(
		"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a088"));
}

/* ---- reading values ------------------------------------------------------- */

static struct dir_values values_of(struct dir_value *v, size_t n)
{
	struct dir_values vals;

	vals.n = n;
	vals.v = v;
	return vals;
}

static void status_values(void **state)
{
	struct dir_value v[2] = {{(unsigned char *)"active", 6}, {(unsigned char *)"active", 6}};
	struct dir_value s = {(unsigned char *)"suspended", 9};
	struct dir_value cap = {(unsigned char *)"Active", 6};
	struct dir_value sp = {(unsigned char *)"active ", 7};
	struct dir_values vals;

	(void)state;
	vals = values_of(v, 1);
	assert_int_equal(dir_status_parse(&vals), OC_DIR_STATUS_ACTIVE);
	vals = values_of(&s, 1);
	assert_int_equal(dir_status_parse(&vals), OC_DIR_STATUS_SUSPENDED);
	/* Fail closed: anything else is not active. */
	vals = values_of(v, 2);
	assert_int_equal(dir_status_parse(&vals), OC_DIR_STATUS_UNKNOWN);
	vals = values_of(v, 0);
	assert_int_equal(dir_status_parse(&vals), OC_DIR_STATUS_UNKNOWN);
	vals = values_of(&cap, 1);
	assert_int_equal(dir_status_parse(&vals), OC_DIR_STATUS_UNKNOWN);
	vals = values_of(&sp, 1);
	assert_int_equal(dir_status_parse(&vals), OC_DIR_STATUS_UNKNOWN);
	assert_string_equal(oc_dir_status_str(OC_DIR_STATUS_ACTIVE), "active");
	assert_string_equal(oc_dir_status_str(OC_DIR_STATUS_SUSPENDED), "suspended");
	assert_string_equal(oc_dir_status_str(OC_DIR_STATUS_UNKNOWN), "unknown");
}

static void text_values(void **state)
{
	struct dir_value two[2] = {{(unsigned char *)"one", 3}, {(unsigned char *)"two", 3}};
	struct dir_value nul = {(unsigned char *)"a\0b", 3};
	struct dir_value bad = {(unsigned char *)"\xff", 1};
	struct dir_values vals;
	char out[4];

	(void)state;
	vals = values_of(two, 1);
	assert_int_equal(dir_value_text(&vals, 0, out, sizeof(out)), ONECARD_OK);
	assert_string_equal(out, "one");
	vals = values_of(two, 2);
	assert_int_equal(dir_value_text(&vals, 0, out, sizeof(out)), ONECARD_ERR_DIRECTORY);
	assert_int_equal(dir_value_text(&vals, DIR_TEXT_FIRST, out, sizeof(out)), ONECARD_OK);
	assert_string_equal(out, "one");
	vals = values_of(two, 0);
	assert_int_equal(dir_value_text(&vals, 0, out, sizeof(out)), ONECARD_ERR_DIRECTORY);
	assert_int_equal(dir_value_text(&vals, DIR_TEXT_OPTIONAL, out, sizeof(out)), ONECARD_OK);
	assert_string_equal(out, "");
	vals = values_of(&nul, 1);
	assert_int_equal(dir_value_text(&vals, 0, out, sizeof(out)), ONECARD_ERR_DIRECTORY);
	vals = values_of(&bad, 1);
	assert_int_equal(dir_value_text(&vals, 0, out, sizeof(out)), ONECARD_ERR_DIRECTORY);
	vals = values_of(two, 1);
	assert_int_equal(dir_value_text(&vals, 0, out, 3), ONECARD_ERR_TOO_LARGE);
}

/* ---- the handle's refusals (no I/O) --------------------------------------- */

static int new_result(const char *uri, const char *base, const char *bind_dn, const char *pw,
		      size_t pw_len)
{
	struct oc_dir *dir = (struct oc_dir *)&dir; /* not NULL: must be cleared */
	int r = oc_dir_new(uri, base, bind_dn, pw, pw_len, &dir);

	if (r != ONECARD_OK) {
		assert_null(dir);
	}
	oc_dir_free(dir);
	return r;
}

static void handle_refusals(void **state)
{
	const char *base = "dc=onecard,dc=test", *dn = "cn=admin,dc=onecard,dc=test";
	char big[OC_DIR_PASSWORD_MAX + 2];

	(void)state;
	assert_int_equal(new_result("ldapi://%2Ftmp%2Fx", base, dn, "pw", 2), ONECARD_OK);
	assert_int_equal(new_result("ldap://127.0.0.1:1", base, dn, "pw", 2), ONECARD_OK);
	assert_int_equal(new_result("ldaps://ldap.example", base, dn, "pw", 2), ONECARD_OK);
	assert_int_equal(new_result("ldap://a ldaps://b,ldap://c", base, dn, "pw", 2), ONECARD_OK);
	/* Schemes: other than ldap/ldaps/ldapi, or local mixed with TCP. */
	assert_int_equal(new_result("http://x", base, dn, "pw", 2), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(new_result("cldap://x", base, dn, "pw", 2), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(new_result("ldapi://%2Fx ldap://h", base, dn, "pw", 2),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(new_result("", base, dn, "pw", 2), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(new_result("not a uri", base, dn, "pw", 2), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(new_result(NULL, base, dn, "pw", 2), ONECARD_ERR_INVALID_ARG);
	/* An empty password would be an unauthenticated bind (RFC 4513
	 * §5.1.2): anonymous in disguise. A NUL would cut it short. */
	assert_int_equal(new_result("ldapi://%2Fx", base, dn, "", 0), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(new_result("ldapi://%2Fx", base, dn, "p\0w", 3), ONECARD_ERR_INVALID_ARG);
	memset(big, 'p', sizeof(big));
	assert_int_equal(new_result("ldapi://%2Fx", base, dn, big, OC_DIR_PASSWORD_MAX + 1),
			 ONECARD_ERR_TOO_LARGE);
	assert_int_equal(new_result("ldapi://%2Fx", base, dn, big, OC_DIR_PASSWORD_MAX),
			 ONECARD_OK);
	/* DNs. */
	assert_int_equal(new_result("ldapi://%2Fx", "not a dn", dn, "pw", 2),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(new_result("ldapi://%2Fx", "", dn, "pw", 2), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(new_result("ldapi://%2Fx", base, "", "pw", 2), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(new_result("ldapi://%2Fx", base, "admin", "pw", 2),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_dir_new("ldapi://%2Fx", base, dn, "pw", 2, NULL),
			 ONECARD_ERR_INVALID_ARG);
	oc_dir_free(NULL);
	assert_string_equal(oc_dir_diagnostic(NULL), "");
}

/* A server that is not there: ONECARD_ERR_DIRECTORY with a diagnostic,
 * and the handle stays usable (it will try again). */
static void unreachable(void **state)
{
	struct oc_dir *dir = NULL;
	struct oc_dir_found found;

	(void)state;
	assert_int_equal(oc_dir_new("ldapi://%2Fnonexistent%2Fonecard%2Fldapi",
				    "dc=onecard,dc=test", "cn=admin,dc=onecard,dc=test", "pw", 2,
				    &dir),
			 ONECARD_OK);
	assert_int_equal(oc_dir_ping(dir), ONECARD_ERR_DIRECTORY);
	assert_string_not_equal(oc_dir_diagnostic(dir), "");
	assert_int_equal(oc_dir_find_by_cert(dir, "CN=x", "1", &found), ONECARD_ERR_DIRECTORY);
	assert_int_equal(found.card.status, OC_DIR_STATUS_UNKNOWN);
	assert_int_equal(oc_dir_ping(dir), ONECARD_ERR_DIRECTORY);
	/* The login lookup: down is DIRECTORY; arguments it refuses are
	 * refused before any I/O (else they too would come back as DIRECTORY). */
	{
		static const char sha[] =
			"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
		const char *h[2] = {sha, sha};
		struct oc_dir_login login;
		size_t missing = 99;

		assert_int_equal(oc_dir_find_login(dir, h, 1, &login, &missing),
				 ONECARD_ERR_DIRECTORY);
		assert_int_equal(missing, 0);
		assert_int_equal(login.card.status, OC_DIR_STATUS_UNKNOWN);
		assert_false(oc_dir_login_active(&login));
		assert_int_equal(oc_dir_find_login(dir, h, 2, &login, &missing),
				 ONECARD_ERR_INVALID_ARG);
		assert_int_equal(oc_dir_find_login(dir, h, 0, &login, &missing),
				 ONECARD_ERR_INVALID_ARG);
		assert_int_equal(oc_dir_find_login(dir, h, OC_DIR_CERTS_MAX + 1, &login, &missing),
				 ONECARD_ERR_INVALID_ARG);
	}
	oc_dir_free(dir);
	assert_int_equal(oc_dir_open("ldapi://%2Fnonexistent%2Fonecard%2Fldapi",
				     "dc=onecard,dc=test", "cn=admin,dc=onecard,dc=test", "pw", 2,
				     &dir),
			 ONECARD_ERR_DIRECTORY);
	assert_null(dir);
}

static void refusal_sentences(void **state)
{
	int i, j;

	(void)state;
	for (i = OC_DIR_REFUSED_NONE; i <= OC_DIR_REFUSED_ROLLBACK_INCOMPLETE; i++) {
		assert_non_null(oc_dir_refusal_str((enum oc_dir_refusal)i));
		assert_string_not_equal(oc_dir_refusal_str((enum oc_dir_refusal)i),
					"unknown refusal");
		for (j = 0; j < i; j++) {
			assert_string_not_equal(oc_dir_refusal_str((enum oc_dir_refusal)i),
						oc_dir_refusal_str((enum oc_dir_refusal)j));
		}
	}
	assert_string_equal(oc_dir_refusal_str((enum oc_dir_refusal)999), "unknown refusal");
}

/* ---- the bind password file ----------------------------------------------- */

static char tmpdir[] = "/tmp/oc-dir-unit-XXXXXX";

static void write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	FILE *f;

	(void)unlink(path);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static int pw_read(const char *path, char *pw, size_t cap, size_t *len)
{
	return oc_dir_pw_from_file(path, pw, cap, len);
}

static void password_file(void **state)
{
	char path[128], link[128], pw[16];
	size_t len = 99;

	(void)state;
	assert_non_null(mkdtemp(tmpdir));
	(void)snprintf(path, sizeof(path), "%s/pw", tmpdir);
	(void)snprintf(link, sizeof(link), "%s/link", tmpdir);

	write_file(path, "secret", 6, 0600);
	assert_int_equal(pw_read(path, pw, sizeof(pw), &len), ONECARD_OK);
	assert_string_equal(pw, "secret");
	assert_int_equal(len, 6);
	write_file(path, "secret\n", 7, 0400);
	assert_int_equal(pw_read(path, pw, sizeof(pw), &len), ONECARD_OK);
	assert_string_equal(pw, "secret");
	write_file(path, "secret\r\n", 8, 0600);
	assert_int_equal(pw_read(path, pw, sizeof(pw), &len), ONECARD_OK);
	assert_string_equal(pw, "secret");
	/* Only one newline goes; inner spaces stay. */
	write_file(path, "a b\n\n", 5, 0600);
	assert_int_equal(pw_read(path, pw, sizeof(pw), &len), ONECARD_OK);
	assert_int_equal(len, 4);
	assert_memory_equal(pw, "a b\n", 4);

	/* Readable or writable by group or others: refused, not read. */
	write_file(path, "secret", 6, 0640);
	assert_int_equal(pw_read(path, pw, sizeof(pw), &len), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(len, 0);
	assert_int_equal(pw[0], '\0');
	write_file(path, "secret", 6, 0604);
	assert_int_equal(pw_read(path, pw, sizeof(pw), &len), ONECARD_ERR_INVALID_ARG);
	write_file(path, "secret", 6, 0620);
	assert_int_equal(pw_read(path, pw, sizeof(pw), &len), ONECARD_ERR_INVALID_ARG);
	/* Not a regular file: a directory, a symlink to a good file. */
	assert_int_equal(pw_read(tmpdir, pw, sizeof(pw), &len), ONECARD_ERR_INVALID_ARG);
	write_file(path, "secret", 6, 0600);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(pw_read(link, pw, sizeof(pw), &len), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(unlink(link), 0);
	/* Missing; empty; only a newline; a NUL inside. */
	assert_int_equal(pw_read("/nonexistent/pw", pw, sizeof(pw), &len), ONECARD_ERR_IO);
	write_file(path, "", 0, 0600);
	assert_int_equal(pw_read(path, pw, sizeof(pw), &len), ONECARD_ERR_BAD_FORMAT);
	write_file(path, "\n", 1, 0600);
	assert_int_equal(pw_read(path, pw, sizeof(pw), &len), ONECARD_ERR_BAD_FORMAT);
	write_file(path, "se\0cret", 7, 0600);
	assert_int_equal(pw_read(path, pw, sizeof(pw), &len), ONECARD_ERR_BAD_FORMAT);
	/* Sizes around cap (16): 15 bytes fit, with or without newline. */
	write_file(path, "123456789012345", 15, 0600);
	assert_int_equal(pw_read(path, pw, sizeof(pw), &len), ONECARD_OK);
	assert_int_equal(len, 15);
	write_file(path, "123456789012345\n", 16, 0600);
	assert_int_equal(pw_read(path, pw, sizeof(pw), &len), ONECARD_OK);
	assert_int_equal(len, 15);
	write_file(path, "1234567890123456", 16, 0600);
	assert_int_equal(pw_read(path, pw, sizeof(pw), &len), ONECARD_ERR_TOO_LARGE);
	write_file(path, "123456789012345\nX", 17, 0600);
	assert_int_equal(pw_read(path, pw, sizeof(pw), &len), ONECARD_ERR_TOO_LARGE);
	assert_int_equal(pw[0], '\0');

	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(tmpdir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dn_value_escaping),
		cmocka_unit_test(dn_value_refusals),
		cmocka_unit_test(dn_values_round_trip_through_libldap),
		cmocka_unit_test(dn_parsing_refusals),
		cmocka_unit_test(filter_value_escaping),
		cmocka_unit_test(filter_value_limits),
		cmocka_unit_test(builders),
		cmocka_unit_test(uscc_rules),
		cmocka_unit_test(id_rules),
		cmocka_unit_test(text_rules),
		cmocka_unit_test(agency_serial_sha256_rules),
		cmocka_unit_test(status_values),
		cmocka_unit_test(text_values),
		cmocka_unit_test(handle_refusals),
		cmocka_unit_test(unreachable),
		cmocka_unit_test(refusal_sentences),
		cmocka_unit_test(password_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
