/*
 * Tests for the policy module (policy/policy.h, docs/policy.md): the
 * shipped policies/onecard.conf loads and holds what it should; the
 * accessors; and one negative test per rule, each asserting
 * ONECARD_ERR_POLICY, no policy, a message that starts with the right
 * "FILE:LINE:" and a word that tells the reader what is wrong.
 *
 * Bad files are written to a fresh temporary directory from the strings
 * below. Most are one template with one field changed:
 *
 *   line 1   agencies = (
 *   line 2     { <a1> },
 *   line 3     { <a2> }
 *   line 4   );
 *   line 5   profiles = (
 *   line 6     { <profile> }
 *   line 7   );
 *   line 8   modules = (
 *   line 9     { <module> }
 *   line 10  );
 *   line 11  <tail>
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <onecard/error.h>

#include "policy.h"
#include "conf.h"
#include "policy_int.h"

#define TEST_PATH_MAX  512u
#define TEST_FILES_MAX 256u
#define TEST_TEXT_MAX  16384u

#define UUID_ARC "2.25.212070221869409038959537807226447327349"

/* The template's default fields. */
#define A1                                                                              \
	"id = \"customs\"; name = \"General Administration of Customs\"; policy_oid = " \
	"\"2.25.7.1\";"
#define A2 "id = \"tax\"; name = \"State Taxation Administration\"; policy_oid = \"2.25.7.5\";"

#define P_ID	  "id = \"customs\";"
#define P_AGENCY  "agency = \"customs\";"
#define RDN_C	  "{ attr = \"C\"; value = \"CN\"; }"
#define RDN_CN	  "{ attr = \"CN\"; value = \"${person_name}\"; }"
#define P_SUBJECT "subject = ( " RDN_C ", " RDN_CN " );"
#define P_KT	  "key_types = [ \"ec-p256\", \"sm2\" ];"
#define P_KU	  "key_usage = [ \"digitalSignature\" ];"
#define P_EKU	  "extended_key_usage = [ \"clientAuth\" ];"
#define P_LIFE	  "lifetime_days = 730;"
#define PROFILE(id, agency, subject, kt, ku, eku, life) \
	id " " agency " " subject " " kt " " ku " " eku " " life
#define P PROFILE(P_ID, P_AGENCY, P_SUBJECT, P_KT, P_KU, P_EKU, P_LIFE)

#define M_ID					  "id = \"portal\";"
#define M_PLATFORM				  "platform = \"province\";"
#define M_ACR					  "acr = [ \"card\" ];"
#define M_AGENCIES				  "agencies = [ \"customs\" ];"
#define M_LIFE					  "token_lifetime = 300;"
#define MODULE(id, platform, acr, agencies, life) id " " platform " " acr " " agencies " " life
#define M					  MODULE(M_ID, M_PLATFORM, M_ACR, M_AGENCIES, M_LIFE)

#define X16  "xxxxxxxxxxxxxxxx"
#define X64  X16 X16 X16 X16
#define X256 X64 X64 X64 X64

static char tmp_dir[TEST_PATH_MAX];
static char *written[TEST_FILES_MAX];
static size_t written_len;
static oc_policy not_loaded; /* an address load must overwrite with NULL */

static int group_setup(void **state)
{
	const char *base = getenv("TMPDIR");
	int w;

	(void)state;
	if (base == NULL || base[0] == '\0') {
		base = "/tmp";
	}
	w = snprintf(tmp_dir, sizeof(tmp_dir), "%s/onecard-policy-XXXXXX", base);
	if (w < 0 || (size_t)w >= sizeof(tmp_dir) || mkdtemp(tmp_dir) == NULL) {
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < written_len; i++) {
		(void)unlink(written[i]);
		free(written[i]);
	}
	written_len = 0;
	return rmdir(tmp_dir) == 0 ? 0 : -1;
}

/* Writes len bytes of text to tmp_dir/name; path receives the path. */
static void write_file(const char *name, const char *text, size_t len, char path[TEST_PATH_MAX])
{
	FILE *f = NULL;
	int w;

	w = snprintf(path, TEST_PATH_MAX, "%s/%s", tmp_dir, name);
	assert_true(w > 0 && (size_t)w < TEST_PATH_MAX);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_true(written_len < TEST_FILES_MAX);
	written[written_len] = strdup(path);
	assert_non_null(written[written_len]);
	written_len++;
}

/* Loads text as tmp_dir/name and asserts the error. */
static void expect_error_len(const char *name, const char *text, size_t len, unsigned line,
			     const char *word)
{
	char path[TEST_PATH_MAX];
	char prefix[TEST_PATH_MAX + 16];
	char err[OC_POLICY_ERR_MAX];
	oc_policy *p = &not_loaded;
	int r;

	write_file(name, text, len, path);
	r = oc_policy_load(path, &p, err);
	(void)snprintf(prefix, sizeof(prefix), "%s:%u: ", path, line);
	if (r != ONECARD_ERR_POLICY || strncmp(err, prefix, strlen(prefix)) != 0 ||
	    strstr(err, word) == NULL) {
		print_error("%s: got %d \"%s\", want %s... with \"%s\"\n", name, r, err, prefix,
			    word);
	}
	assert_int_equal(r, ONECARD_ERR_POLICY);
	assert_null(p);
	assert_true(strncmp(err, prefix, strlen(prefix)) == 0);
	assert_non_null(strstr(err, word));
}

static void expect_error(const char *name, const char *text, unsigned line, const char *word)
{
	expect_error_len(name, text, strlen(text), line, word);
}

/* The template above with the given fields (NULL: the default). */
static void template_text(char *buf, size_t size, const char *a1, const char *a2,
			  const char *profile, const char *module, const char *tail)
{
	int w;

	w = snprintf(buf, size,
		     "agencies = (\n  { %s },\n  { %s }\n);\n"
		     "profiles = (\n  { %s }\n);\n"
		     "modules = (\n  { %s }\n);\n%s",
		     a1 != NULL ? a1 : A1, a2 != NULL ? a2 : A2, profile != NULL ? profile : P,
		     module != NULL ? module : M, tail != NULL ? tail : "");
	assert_true(w > 0 && (size_t)w < size);
}

/* Loads text (written as tmp_dir/name) that must be valid. */
static oc_policy *load_ok(const char *name, const char *text)
{
	char path[TEST_PATH_MAX];
	char err[OC_POLICY_ERR_MAX];
	oc_policy *p = &not_loaded;
	int r;

	write_file(name, text, strlen(text), path);
	r = oc_policy_load(path, &p, err);
	if (r != 0) {
		print_error("%s: %s\n", name, err);
	}
	assert_int_equal(r, 0);
	assert_non_null(p);
	assert_string_equal(err, "");
	return p;
}

/* ---- the shipped policy ---- */

static void test_shipped_file(void **state)
{
	static const char *const agencies[] = {"customs", "inspection-quarantine", "maritime",
					       "border", "tax"};
	static const char *const attrs[] = {"C", "organizationIdentifier", "O", "OU", "UID", "CN"};
	static const char *const values[] = {"CN",	  "${uscc}",	  "${enterprise_name}",
					     "${agency}", "${person_id}", "${person_name}"};
	char err[OC_POLICY_ERR_MAX];
	char oid[128];
	oc_policy *p = NULL;
	const oc_agency *a = NULL;
	const oc_profile *pr = NULL;
	const oc_module *m = NULL;
	size_t i;
	size_t j;
	int r;

	(void)state;
	r = oc_policy_load(POLICY_SHIPPED, &p, err);
	if (r != 0) {
		print_error("%s\n", err);
	}
	assert_int_equal(r, 0);
	assert_non_null(p);

	assert_int_equal(oc_policy_agency_count(p), 5);
	assert_int_equal(oc_policy_profile_count(p), 5);
	assert_true(oc_policy_module_count(p) >= 4);
	a = oc_policy_agency(p, "customs");
	assert_non_null(a);
	assert_string_equal(a->name, "General Administration of Customs");
	for (i = 0; i < 5; i++) {
		a = oc_policy_agency_at(p, i);
		assert_non_null(a);
		assert_string_equal(a->id, agencies[i]);
		(void)snprintf(oid, sizeof(oid), "%s.%zu", UUID_ARC, i + 1);
		assert_string_equal(a->policy_oid, oid);

		/* One profile per agency, named after it. */
		pr = oc_policy_profile(p, agencies[i]);
		assert_non_null(pr);
		assert_ptr_equal(pr->agency, a);
		assert_int_equal(pr->subject_len, 6);
		for (j = 0; j < 6; j++) {
			assert_string_equal(pr->subject[j].attr, attrs[j]);
			assert_string_equal(pr->subject[j].value, values[j]);
		}
		assert_int_equal(pr->key_types,
				 OC_KEY_EC_P256 | OC_KEY_RSA_2048 | OC_KEY_RSA_3072 | OC_KEY_SM2);
		assert_int_equal(pr->key_usage, OC_KU_DIGITAL_SIGNATURE);
		assert_int_equal(pr->eku, OC_EKU_CLIENT_AUTH);
		assert_int_equal(pr->lifetime_days, 730);
	}

	m = oc_policy_module(p, "provincial-portal");
	assert_non_null(m);
	assert_string_equal(m->platform, "province");
	assert_int_equal(m->acr, OC_ACR_CARD);
	assert_int_equal(m->agencies_len, 0);
	assert_int_equal(m->token_lifetime, 300);

	m = oc_policy_module(p, "province-customs-declaration");
	assert_non_null(m);
	assert_int_equal(m->acr, OC_ACR_CARD);
	assert_int_equal(m->agencies_len, 1);
	assert_string_equal(m->agencies[0], "customs");
	/* Module agency ids are the agencies' own strings. */
	assert_ptr_equal(m->agencies[0], oc_policy_agency(p, "customs")->id);

	m = oc_policy_module(p, "city-a-inspection");
	assert_non_null(m);
	assert_string_equal(m->platform, "city-a");
	assert_int_equal(m->agencies_len, 1);
	assert_string_equal(m->agencies[0], "inspection-quarantine");

	m = oc_policy_module(p, "city-b-info");
	assert_non_null(m);
	assert_int_equal(m->acr, OC_ACR_CARD | OC_ACR_PWD_OTP);
	assert_true(m->token_lifetime >= 30 && m->token_lifetime <= 3600);

	oc_policy_free(p);
}

/* ---- accessors and small API promises ---- */

static void test_accessors(void **state)
{
	char text[TEST_TEXT_MAX];
	oc_policy *p = NULL;
	const oc_module *m = NULL;

	(void)state;
	template_text(text, sizeof(text), NULL, NULL, NULL, NULL, NULL);
	p = load_ok("accessors.conf", text);

	assert_int_equal(oc_policy_agency_count(p), 2);
	assert_int_equal(oc_policy_profile_count(p), 1);
	assert_int_equal(oc_policy_module_count(p), 1);
	assert_ptr_equal(oc_policy_agency(p, "tax"), oc_policy_agency_at(p, 1));
	assert_ptr_equal(oc_policy_agency(p, "customs"), oc_policy_agency_at(p, 0));
	assert_ptr_equal(oc_policy_profile(p, "customs"), oc_policy_profile_at(p, 0));
	assert_ptr_equal(oc_policy_module(p, "portal"), oc_policy_module_at(p, 0));
	assert_string_equal(oc_policy_agency_at(p, 1)->policy_oid, "2.25.7.5");
	assert_string_equal(oc_policy_profile_at(p, 0)->agency->id, "customs");
	assert_int_equal(oc_policy_profile_at(p, 0)->key_types, OC_KEY_EC_P256 | OC_KEY_SM2);

	/* Unknown ids, NULL ids and indexes past the end give NULL. */
	assert_null(oc_policy_agency(p, "Customs"));
	assert_null(oc_policy_agency(p, "custom"));
	assert_null(oc_policy_agency(p, NULL));
	assert_null(oc_policy_profile(p, "tax"));
	assert_null(oc_policy_module(p, "portal2"));
	assert_null(oc_policy_agency_at(p, 2));
	assert_null(oc_policy_profile_at(p, 1));
	assert_null(oc_policy_module_at(p, 1));
	assert_null(oc_policy_module_at(p, SIZE_MAX));

	m = oc_policy_module(p, "portal");
	assert_non_null(m);
	assert_int_equal(m->agencies_len, 1);
	assert_string_equal(m->agencies[0], "customs");
	oc_policy_free(p);

	/* A NULL policy is empty. */
	assert_int_equal(oc_policy_agency_count(NULL), 0);
	assert_int_equal(oc_policy_profile_count(NULL), 0);
	assert_int_equal(oc_policy_module_count(NULL), 0);
	assert_null(oc_policy_agency(NULL, "customs"));
	assert_null(oc_policy_profile(NULL, "customs"));
	assert_null(oc_policy_module(NULL, "portal"));
	assert_null(oc_policy_agency_at(NULL, 0));
	assert_null(oc_policy_profile_at(NULL, 0));
	assert_null(oc_policy_module_at(NULL, 0));
}

/* pwd-otp is the lower level: a module that admits it admits a card too. */
static void test_pwd_otp_implies_card(void **state)
{
	char text[TEST_TEXT_MAX];
	oc_policy *p = NULL;

	(void)state;
	template_text(text, sizeof(text), NULL, NULL, NULL,
		      MODULE(M_ID, M_PLATFORM, "acr = [ \"pwd-otp\" ];", "agencies = [ ];", M_LIFE),
		      NULL);
	p = load_ok("pwd-otp.conf", text);
	assert_int_equal(oc_policy_module(p, "portal")->acr, OC_ACR_CARD | OC_ACR_PWD_OTP);
	oc_policy_free(p);
	/* A password login proves no agency: a pwd-otp module demanding one
	 * could only refuse it. */
	template_text(
		text, sizeof(text), NULL, NULL, NULL,
		MODULE(M_ID, M_PLATFORM, "acr = [ \"card\", \"pwd-otp\" ];", M_AGENCIES, M_LIFE),
		NULL);
	expect_error("pwd-otp-agencies.conf", text, 9, "admits pwd-otp requires no agencies");
}

/* The optional session group: defaults, values, and each refusal (the
 * template's tail starts on line 11). */
static void test_session(void **state)
{
	static const struct {
		const char *tail;
		unsigned line;
		const char *word;
	} bad[] = {
		{"session = { idle_timeout = 59; };\n", 11, "out of range 60..86400"},
		{"session = { absolute_timeout = 604801; };\n", 11, "out of range 300..604800"},
		{"session = { idle_timeout = 3600;\n absolute_timeout = 600; };\n", 11,
		 "longer than its absolute_timeout"},
		{"session = { idle = 60; };\n", 11, "unknown setting 'idle' in session"},
		{"session = ( 1 );\n", 11, "session must be a group"},
		{"session = { idle_timeout = \"60\"; };\n", 11, "must be an integer"},
	};
	char text[TEST_TEXT_MAX];
	char name[32];
	oc_policy *p = NULL;
	size_t i;

	(void)state;
	template_text(text, sizeof(text), NULL, NULL, NULL, NULL, NULL);
	p = load_ok("session-default.conf", text);
	assert_int_equal(oc_policy_session(p)->idle_timeout, OC_POLICY_SESSION_IDLE_DEF);
	assert_int_equal(oc_policy_session(p)->absolute_timeout, OC_POLICY_SESSION_ABSOLUTE_DEF);
	oc_policy_free(p);

	template_text(text, sizeof(text), NULL, NULL, NULL, NULL,
		      "session = { idle_timeout = 600; absolute_timeout = 3600; };\n");
	p = load_ok("session-set.conf", text);
	assert_int_equal(oc_policy_session(p)->idle_timeout, 600);
	assert_int_equal(oc_policy_session(p)->absolute_timeout, 3600);
	oc_policy_free(p);

	template_text(text, sizeof(text), NULL, NULL, NULL, NULL,
		      "session = { absolute_timeout = 3600; };\n");
	p = load_ok("session-half.conf", text);
	assert_int_equal(oc_policy_session(p)->idle_timeout, OC_POLICY_SESSION_IDLE_DEF);
	oc_policy_free(p);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		template_text(text, sizeof(text), NULL, NULL, NULL, NULL, bad[i].tail);
		(void)snprintf(name, sizeof(name), "session-bad-%zu.conf", i);
		expect_error(name, text, bad[i].line, bad[i].word);
	}
	assert_null(oc_policy_session(NULL));
}

/* The optional totp group: defaults, values, each refusal (tail: line 11). */
static void test_totp(void **state)
{
	static const struct {
		const char *tail;
		const char *word;
	} bad[] = {
		{"totp = { algorithm = \"md5\"; };\n", "must be \"sha1\" or \"sha256\""},
		{"totp = { algorithm = 1; };\n", "algorithm must be a string"},
		{"totp = { digits = 7; };\n", "digits must be 6 or 8"},
		{"totp = { digits = 10; };\n", "out of range 6..8"},
		{"totp = { period = 60; };\n", "unknown setting 'period' in totp"},
		{"totp = [ \"sha1\" ];\n", "totp must be a group"},
	};
	char text[TEST_TEXT_MAX];
	char name[32];
	oc_policy *p = NULL;
	size_t i;

	(void)state;
	template_text(text, sizeof(text), NULL, NULL, NULL, NULL, NULL);
	p = load_ok("totp-default.conf", text);
	assert_int_equal(oc_policy_totp(p)->algorithm, OC_TOTP_SHA1);
	assert_int_equal(oc_policy_totp(p)->digits, 6);
	oc_policy_free(p);
	template_text(text, sizeof(text), NULL, NULL, NULL, NULL,
		      "totp = { algorithm = \"sha256\"; digits = 8; };\n");
	p = load_ok("totp-set.conf", text);
	assert_int_equal(oc_policy_totp(p)->algorithm, OC_TOTP_SHA256);
	assert_int_equal(oc_policy_totp(p)->digits, 8);
	oc_policy_free(p);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		template_text(text, sizeof(text), NULL, NULL, NULL, NULL, bad[i].tail);
		(void)snprintf(name, sizeof(name), "totp-bad-%zu.conf", i);
		expect_error(name, text, 11, bad[i].word);
	}
	assert_null(oc_policy_totp(NULL));
}

static void test_free_null(void **state)
{
	(void)state;
	oc_policy_free(NULL);
}

static void test_key_type_names(void **state)
{
	(void)state;
	assert_string_equal(oc_key_type_name(OC_KEY_EC_P256), "ec-p256");
	assert_string_equal(oc_key_type_name(OC_KEY_RSA_2048), "rsa-2048");
	assert_string_equal(oc_key_type_name(OC_KEY_RSA_3072), "rsa-3072");
	assert_string_equal(oc_key_type_name(OC_KEY_SM2), "sm2");
	assert_null(oc_key_type_name(0));
	assert_null(oc_key_type_name(OC_KEY_EC_P256 | OC_KEY_SM2));
	assert_null(oc_key_type_name(1u << 10));
}

static void test_invalid_args(void **state)
{
	char err[OC_POLICY_ERR_MAX];
	oc_policy *p = &not_loaded;

	(void)state;
	assert_int_equal(oc_policy_load(NULL, &p, err), ONECARD_ERR_INVALID_ARG);
	assert_null(p);
	assert_int_equal(oc_policy_load(POLICY_SHIPPED, NULL, err), ONECARD_ERR_INVALID_ARG);
	/* err is optional. */
	assert_int_equal(oc_policy_load(POLICY_SHIPPED, &p, NULL), 0);
	oc_policy_free(p);
}

/* token_lifetime defaults to 300; comments of all three kinds; () and
 * [] both stand for an empty list; UTF-8 names. */
static void test_defaults_and_syntax(void **state)
{
	char text[TEST_TEXT_MAX];
	oc_policy *p = NULL;
	const oc_module *m = NULL;

	(void)state;
	template_text(
		text, sizeof(text),
		"id = \"customs\"; /* block */ name = \"\xe6\xb5\xb7\xe5\x85\xb3\xe6\x80\xbb"
		"\xe7\xbd\xb2\"; policy_oid = \"" UUID_ARC ".1\";",
		NULL,
		PROFILE(P_ID, P_AGENCY, P_SUBJECT, P_KT, P_KU, "extended_key_usage = [];", P_LIFE),
		MODULE(M_ID, M_PLATFORM, M_ACR, "agencies = ();", ""),
		"// a line comment\n# a hash comment\n");
	p = load_ok("defaults.conf", text);
	assert_string_equal(oc_policy_agency(p, "customs")->name,
			    "\xe6\xb5\xb7\xe5\x85\xb3\xe6\x80\xbb\xe7\xbd\xb2");
	m = oc_policy_module(p, "portal");
	assert_non_null(m);
	assert_int_equal(m->token_lifetime, OC_POLICY_TOKEN_LIFETIME_DEF);
	assert_int_equal(m->agencies_len, 0);
	assert_int_equal(oc_policy_profile(p, "customs")->eku, 0);
	oc_policy_free(p);
}

/* Limits: exactly the maximum loads, one more does not. */
static char *many_text(const char *list, size_t n)
{
	const size_t size = 256u + n * 400u;
	char *text = malloc(size);
	size_t used = 0;
	size_t i;
	int w;

	assert_non_null(text);
	w = snprintf(text, size, "%s = (\n", list);
	assert_true(w > 0);
	used = (size_t)w;
	for (i = 0; i < n; i++) {
		if (strcmp(list, "agencies") == 0) {
			w = snprintf(
				text + used, size - used,
				"  { id = \"a%zu\"; name = \"A\"; policy_oid = \"2.25.%zu\"; }%s\n",
				i, i, i + 1 < n ? "," : "");
		} else if (strcmp(list, "profiles") == 0) {
			w = snprintf(text + used, size - used,
				     "  { id = \"p%zu\"; " P_AGENCY " " P_SUBJECT " " P_KT " " P_KU
				     " " P_EKU " " P_LIFE " }%s\n",
				     i, i + 1 < n ? "," : "");
		} else {
			w = snprintf(text + used, size - used,
				     "  { id = \"m%zu\"; " M_PLATFORM " " M_ACR " " M_AGENCIES
				     " }%s\n",
				     i, i + 1 < n ? "," : "");
		}
		assert_true(w > 0 && (size_t)w < size - used);
		used += (size_t)w;
	}
	if (strcmp(list, "agencies") == 0) {
		w = snprintf(text + used, size - used, ");\nprofiles = ();\nmodules = ();\n");
	} else {
		w = snprintf(text + used, size - used, ");\nagencies = ( { " A1 " } );\n%s = ();\n",
			     strcmp(list, "profiles") == 0 ? "modules" : "profiles");
	}
	assert_true(w > 0 && (size_t)w < size - used);
	return text;
}

static void test_limits(void **state)
{
	static const struct {
		const char *list;
		size_t max;
	} lists[] = {
		{"agencies", OC_POLICY_AGENCIES_MAX},
		{"profiles", OC_POLICY_PROFILES_MAX},
		{"modules", OC_POLICY_MODULES_MAX},
	};
	char name[64];
	char *text = NULL;
	oc_policy *p = NULL;
	size_t i;

	(void)state;
	assert_int_equal(OC_POLICY_AGENCIES_MAX, 64);
	assert_int_equal(OC_POLICY_PROFILES_MAX, 256);
	assert_int_equal(OC_POLICY_MODULES_MAX, 1024);
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		text = many_text(lists[i].list, lists[i].max);
		(void)snprintf(name, sizeof(name), "max-%s.conf", lists[i].list);
		p = load_ok(name, text);
		free(text);
		oc_policy_free(p);

		text = many_text(lists[i].list, lists[i].max + 1);
		(void)snprintf(name, sizeof(name), "over-%s.conf", lists[i].list);
		expect_error(name, text, 1, "too many entries");
		free(text);
	}
}

/* The parser's own bound: at most PC_NODES_MAX settings in a file. */
static void test_too_many_settings(void **state)
{
	const size_t n = PC_NODES_MAX + 1;
	const size_t size = 64 + n * 4;
	char *text = malloc(size);
	size_t used;
	size_t i;

	(void)state;
	assert_non_null(text);
	memcpy(text, "agencies = ();\nx = [ ", 21);
	used = 21;
	for (i = 0; i < n; i++) {
		memcpy(text + used, i + 1 < n ? "\"a\"," : "\"a\"", i + 1 < n ? 4 : 3);
		used += i + 1 < n ? 4 : 3;
	}
	memcpy(text + used, " ];\n", 5);
	text[used + 4] = '\0';
	expect_error("too-many-settings.conf", text, 2, "too many settings");
	free(text);
}

/* ---- files that are not there or not files ---- */

static void test_missing_file(void **state)
{
	char path[TEST_PATH_MAX + 32];
	char err[OC_POLICY_ERR_MAX];
	oc_policy *p = &not_loaded;
	int w;

	(void)state;
	w = snprintf(path, sizeof(path), "%s/no-such-policy.conf", tmp_dir);
	assert_true(w > 0 && (size_t)w < sizeof(path));
	assert_int_equal(oc_policy_load(path, &p, err), ONECARD_ERR_IO);
	assert_null(p);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "cannot open"));

	/* A directory is not a policy file. */
	p = &not_loaded;
	assert_int_equal(oc_policy_load(tmp_dir, &p, err), ONECARD_ERR_IO);
	assert_null(p);
	assert_non_null(strstr(err, "not a regular file"));
}

/* A FIFO must not block the loader; a file over the maximum is refused
 * before it is read. */
static void test_fifo_and_size(void **state)
{
	char path[TEST_PATH_MAX];
	char err[OC_POLICY_ERR_MAX];
	char prefix[TEST_PATH_MAX + 16];
	oc_policy *p = &not_loaded;
	char *big = NULL;
	int w;

	(void)state;
	w = snprintf(path, sizeof(path), "%s/fifo.conf", tmp_dir);
	assert_true(w > 0 && (size_t)w < sizeof(path));
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_true(written_len < TEST_FILES_MAX);
	written[written_len] = strdup(path);
	assert_non_null(written[written_len]);
	written_len++;
	assert_int_equal(oc_policy_load(path, &p, err), ONECARD_ERR_IO);
	assert_null(p);
	assert_non_null(strstr(err, "not a regular file"));

	big = malloc(OC_POLICY_FILE_MAX + 1);
	assert_non_null(big);
	memset(big, '#', OC_POLICY_FILE_MAX + 1);
	write_file("big.conf", big, OC_POLICY_FILE_MAX + 1, path);
	free(big);
	p = &not_loaded;
	assert_int_equal(oc_policy_load(path, &p, err), ONECARD_ERR_POLICY);
	assert_null(p);
	(void)snprintf(prefix, sizeof(prefix), "%s: ", path);
	assert_true(strncmp(err, prefix, strlen(prefix)) == 0);
	assert_non_null(strstr(err, "larger than"));
}

/* A raw NUL byte: libconfig would stop reading there. */
static void test_nul_byte(void **state)
{
	static const char text[] = "agencies = ();\nprofiles = ();\nmo\0dules = ();\n";

	(void)state;
	expect_error_len("nul.conf", text, sizeof(text) - 1, 3, "NUL byte");
}

/* ---- one negative test per rule ---- */

struct bad_case {
	const char *name;
	const char *a1, *a2, *profile, *module, *tail;
	const char *raw; /* the whole file instead of the template */
	unsigned line;
	const char *word;
};

#define PROF_WITH_KT(kt)     PROFILE(P_ID, P_AGENCY, P_SUBJECT, kt, P_KU, P_EKU, P_LIFE)
#define PROF_WITH_KU(ku)     PROFILE(P_ID, P_AGENCY, P_SUBJECT, P_KT, ku, P_EKU, P_LIFE)
#define PROF_WITH_EKU(eku)   PROFILE(P_ID, P_AGENCY, P_SUBJECT, P_KT, P_KU, eku, P_LIFE)
#define PROF_WITH_LIFE(life) PROFILE(P_ID, P_AGENCY, P_SUBJECT, P_KT, P_KU, P_EKU, life)
#define PROF_WITH_SUBJ(subj) PROFILE(P_ID, P_AGENCY, subj, P_KT, P_KU, P_EKU, P_LIFE)
#define MOD_WITH_ACR(acr)    MODULE(M_ID, M_PLATFORM, acr, M_AGENCIES, M_LIFE)
#define MOD_WITH_AG(ag)	     MODULE(M_ID, M_PLATFORM, M_ACR, ag, M_LIFE)
#define MOD_WITH_LIFE(life)  MODULE(M_ID, M_PLATFORM, M_ACR, M_AGENCIES, life)
#define AGENCY_OID(oid)	     "id = \"customs\"; name = \"Customs\"; policy_oid = \"" oid "\";"
#define SUBJ_VALUE(v)	     "subject = ( { attr = \"CN\"; value = \"" v "\"; } );"
#define RDN17                                                                              \
	RDN_C ", " RDN_C ", " RDN_C ", " RDN_C ", " RDN_C ", " RDN_C ", " RDN_C ", " RDN_C \
	      ", " RDN_C ", " RDN_C ", " RDN_C ", " RDN_C ", " RDN_C ", " RDN_C ", " RDN_C \
	      ", " RDN_C ", " RDN_CN

static const struct bad_case bad_cases[] = {
	/* Syntax, and the file's own shape. */
	{.name = "syntax-error",
	 .raw = "agencies = (\n);\nprofiles = (\n  { id = ; }\n);\nmodules = ();\n",
	 .line = 4,
	 .word = "syntax error"},
	{.name = "unknown-top-level",
	 .tail = "agencys = ();\n",
	 .line = 11,
	 .word = "unknown setting 'agencys'"},
	{.name = "missing-top-level",
	 .raw = "agencies = ();\nprofiles = ();\n",
	 .line = 1,
	 .word = "missing 'modules'"},
	{.name = "top-level-not-list",
	 .raw = "agencies = { };\nprofiles = ();\nmodules = ();\n",
	 .line = 1,
	 .word = "must be a list"},
	{.name = "include", .tail = "@include \"/etc/passwd\"\n", .line = 11, .word = "@include"},
	{.name = "too-deep",
	 .tail = "x = ( ( ( ( ( ( ( ( 1 ) ) ) ) ) ) ) );\n",
	 .line = 11,
	 .word = "nested too deeply"},

	/* Unknown member names. */
	{.name = "unknown-agency-member",
	 .a1 = "id = \"customs\"; nmae = \"Customs\"; policy_oid = \"2.25.7.1\";",
	 .line = 2,
	 .word = "unknown setting 'nmae'"},
	{.name = "unknown-profile-member",
	 .profile = PROFILE(P_ID, P_AGENCY, P_SUBJECT, P_KT, P_KU, P_EKU, "lifetime = 730;"),
	 .line = 6,
	 .word = "unknown setting 'lifetime'"},
	{.name = "unknown-rdn-member",
	 .profile = PROF_WITH_SUBJ("subject = ( { atr = \"C\"; value = \"CN\"; } );"),
	 .line = 6,
	 .word = "unknown setting 'atr'"},
	{.name = "unknown-module-member",
	 .module = MOD_WITH_LIFE("token_lifetme = 300;"),
	 .line = 9,
	 .word = "unknown setting 'token_lifetme'"},
	{.name = "missing-member",
	 .a1 = "id = \"customs\"; name = \"Customs\";",
	 .line = 2,
	 .word = "missing 'policy_oid'"},

	/* Duplicate ids (and policy OIDs). */
	{.name = "duplicate-agency",
	 .a2 = "id = \"customs\"; name = \"Tax\"; policy_oid = \"2.25.7.5\";",
	 .line = 3,
	 .word = "duplicate agency id 'customs' (first at line 2)"},
	{.name = "duplicate-profile",
	 .profile = P " }, { " P,
	 .line = 6,
	 .word = "duplicate profile id"},
	{.name = "duplicate-module",
	 .module = M " }, { " M,
	 .line = 9,
	 .word = "duplicate module id"},
	{.name = "duplicate-policy-oid",
	 .a2 = "id = \"tax\"; name = \"Tax\"; policy_oid = \"2.25.7.1\";",
	 .line = 3,
	 .word = "duplicate policy_oid"},

	/* Ids: [a-z0-9-], 1..63 bytes. */
	{.name = "id-charset",
	 .a1 = "id = \"Customs\"; name = \"Customs\"; policy_oid = \"2.25.7.1\";",
	 .line = 2,
	 .word = "may only hold a-z, 0-9 and '-'"},
	{.name = "id-underscore",
	 .module = MODULE("id = \"city_a\";", M_PLATFORM, M_ACR, M_AGENCIES, M_LIFE),
	 .line = 9,
	 .word = "may only hold"},
	{.name = "id-empty",
	 .module = MODULE("id = \"\";", M_PLATFORM, M_ACR, M_AGENCIES, M_LIFE),
	 .line = 9,
	 .word = "id must not be empty"},
	{.name = "id-too-long",
	 .module = MODULE("id = \"" X64 "\";", M_PLATFORM, M_ACR, M_AGENCIES, M_LIFE),
	 .line = 9,
	 .word = "too long"},
	{.name = "platform-charset",
	 .module = MODULE(M_ID, "platform = \"City A\";", M_ACR, M_AGENCIES, M_LIFE),
	 .line = 9,
	 .word = "platform 'City A' may only hold"},

	/* References to agencies. */
	{.name = "profile-unknown-agency",
	 .profile = PROFILE(P_ID, "agency = \"custom\";", P_SUBJECT, P_KT, P_KU, P_EKU, P_LIFE),
	 .line = 6,
	 .word = "unknown agency 'custom'"},
	{.name = "module-unknown-agency",
	 .module = MOD_WITH_AG("agencies = [ \"customs\", \"taxes\" ];"),
	 .line = 9,
	 .word = "unknown agency 'taxes'"},
	{.name = "module-agency-twice",
	 .module = MOD_WITH_AG("agencies = [ \"tax\", \"tax\" ];"),
	 .line = 9,
	 .word = "listed twice"},

	/* OIDs. */
	{.name = "oid-leading-zero",
	 .a1 = AGENCY_OID("2.25.07.1"),
	 .line = 2,
	 .word = "leading zero"},
	{.name = "oid-first-arc", .a1 = AGENCY_OID("3.1"), .line = 2, .word = "arc 0, 1 or 2"},
	{.name = "oid-one-arc", .a1 = AGENCY_OID("2"), .line = 2, .word = "at least two arcs"},
	{.name = "oid-second-arc", .a1 = AGENCY_OID("1.40"), .line = 2, .word = "over 39"},
	{.name = "oid-64-bits",
	 .a1 = AGENCY_OID("1.2.18446744073709551616"),
	 .line = 2,
	 .word = "64 bits"},
	{.name = "oid-128-bits",
	 .a1 = AGENCY_OID("2.25.340282366920938463463374607431768211456"),
	 .line = 2,
	 .word = "128 bits"},
	{.name = "oid-letters", .a1 = AGENCY_OID("1.2.x"), .line = 2, .word = "digits and dots"},
	{.name = "oid-empty-arc", .a1 = AGENCY_OID("1..2"), .line = 2, .word = "empty arc"},
	{.name = "oid-trailing-dot", .a1 = AGENCY_OID("1.2."), .line = 2, .word = "empty arc"},

	/* Sets that must not be empty. */
	{.name = "key-types-empty",
	 .profile = PROF_WITH_KT("key_types = [];"),
	 .line = 6,
	 .word = "key_types must not be empty"},
	{.name = "key-usage-empty",
	 .profile = PROF_WITH_KU("key_usage = [];"),
	 .line = 6,
	 .word = "key_usage must not be empty"},
	{.name = "acr-empty",
	 .module = MOD_WITH_ACR("acr = [];"),
	 .line = 9,
	 .word = "acr must not be empty"},
	{.name = "subject-empty",
	 .profile = PROF_WITH_SUBJ("subject = ();"),
	 .line = 6,
	 .word = "subject must not be empty"},

	/* Unknown names in sets, and names given twice. */
	{.name = "unknown-key-type",
	 .profile = PROF_WITH_KT("key_types = [ \"ec-p384\" ];"),
	 .line = 6,
	 .word = "unknown key type 'ec-p384'"},
	{.name = "unknown-key-usage",
	 .profile = PROF_WITH_KU("key_usage = [ \"dataEncipherment\" ];"),
	 .line = 6,
	 .word = "unknown key usage 'dataEncipherment'"},
	{.name = "unknown-eku",
	 .profile = PROF_WITH_EKU("extended_key_usage = [ \"serverAuth\" ];"),
	 .line = 6,
	 .word = "unknown extended key usage 'serverAuth'"},
	{.name = "unknown-acr",
	 .module = MOD_WITH_ACR("acr = [ \"password\" ];"),
	 .line = 9,
	 .word = "unknown assurance level 'password'"},
	{.name = "key-type-twice",
	 .profile = PROF_WITH_KT("key_types = [ \"sm2\", \"sm2\" ];"),
	 .line = 6,
	 .word = "listed twice"},
	{.name = "unknown-attribute",
	 .profile = PROF_WITH_SUBJ("subject = ( { attr = \"Bogus\"; value = \"x\"; } );"),
	 .line = 6,
	 .word = "unknown attribute 'Bogus'"},
	{.name = "unknown-placeholder",
	 .profile = PROF_WITH_SUBJ(SUBJ_VALUE("${company} Ltd")),
	 .line = 6,
	 .word = "unknown placeholder '${company}'"},
	{.name = "unterminated-placeholder",
	 .profile = PROF_WITH_SUBJ(SUBJ_VALUE("${uscc")),
	 .line = 6,
	 .word = "unterminated placeholder"},
	{.name = "too-many-rdns",
	 .profile = PROF_WITH_SUBJ("subject = ( " RDN17 " );"),
	 .line = 6,
	 .word = "too many entries in subject (at most 16)"},

	/* Wrong types. */
	{.name = "string-for-int",
	 .profile = PROF_WITH_LIFE("lifetime_days = \"730\";"),
	 .line = 6,
	 .word = "lifetime_days must be an integer, not a string"},
	{.name = "float-for-int",
	 .module = MOD_WITH_LIFE("token_lifetime = 300.0;"),
	 .line = 9,
	 .word = "must be an integer, not a float"},
	{.name = "int-for-string",
	 .a1 = "id = \"customs\"; name = 42; policy_oid = \"2.25.7.1\";",
	 .line = 2,
	 .word = "name must be a string, not an integer"},
	{.name = "bool-for-string",
	 .module = MODULE(M_ID, "platform = true;", M_ACR, M_AGENCIES, M_LIFE),
	 .line = 9,
	 .word = "not a boolean"},
	{.name = "string-for-array",
	 .profile = PROF_WITH_KT("key_types = \"ec-p256\";"),
	 .line = 6,
	 .word = "must be an array"},
	{.name = "array-for-list",
	 .profile = PROF_WITH_SUBJ("subject = [ \"C=CN\" ];"),
	 .line = 6,
	 .word = "subject must be a list"},
	{.name = "string-in-list",
	 .profile = PROF_WITH_SUBJ("subject = ( \"C=CN\" );"),
	 .line = 6,
	 .word = "each entry of subject must be"},

	/* Lifetimes. */
	{.name = "lifetime-zero",
	 .profile = PROF_WITH_LIFE("lifetime_days = 0;"),
	 .line = 6,
	 .word = "out of range 1..1825"},
	{.name = "lifetime-over",
	 .profile = PROF_WITH_LIFE("lifetime_days = 1826;"),
	 .line = 6,
	 .word = "out of range 1..1825"},
	{.name = "lifetime-negative",
	 .profile = PROF_WITH_LIFE("lifetime_days = -5;"),
	 .line = 6,
	 .word = "out of range"},
	{.name = "token-lifetime-under",
	 .module = MOD_WITH_LIFE("token_lifetime = 29;"),
	 .line = 9,
	 .word = "out of range 30..3600"},
	{.name = "token-lifetime-over",
	 .module = MOD_WITH_LIFE("token_lifetime = 3601;"),
	 .line = 9,
	 .word = "out of range 30..3600"},
	/* 4294967296 + 730: libconfig 1.5 would wrap it to 730. */
	{.name = "integer-wraps",
	 .profile = PROF_WITH_LIFE("lifetime_days = 4294968026;"),
	 .line = 6,
	 .word = "integer literal too large"},
	{.name = "hex-wraps",
	 .profile = PROF_WITH_LIFE("lifetime_days = 0x1000002DA;"),
	 .line = 6,
	 .word = "integer literal too large"},

	/* Strings. */
	{.name = "string-too-long",
	 .a1 = "id = \"customs\"; name = \"" X256 "\"; policy_oid = \"2.25.7.1\";",
	 .line = 2,
	 .word = "name is too long"},
	{.name = "string-not-utf8",
	 .a1 = "id = \"customs\"; name = \"Cust\xff"
	       "oms\"; policy_oid = \"2.25.7.1\";",
	 .line = 2,
	 .word = "not valid UTF-8"},
	{.name = "string-control",
	 .a1 = "id = \"customs\"; name = \"Cust\\noms\"; policy_oid = \"2.25.7.1\";",
	 .line = 2,
	 .word = "control character"},
	{.name = "string-nul-escape",
	 .a1 = "id = \"customs\"; name = \"Cust\\x00oms\"; policy_oid = \"2.25.7.1\";",
	 .line = 2,
	 .word = "\\x00"},
	{.name = "string-empty",
	 .a1 = "id = \"customs\"; name = \"\"; policy_oid = \"2.25.7.1\";",
	 .line = 2,
	 .word = "name must not be empty"},
};

#define BAD_CASES (sizeof(bad_cases) / sizeof(bad_cases[0]))

static void test_bad_case(void **state)
{
	const struct bad_case *bc = *state;
	char text[TEST_TEXT_MAX];
	char name[96];

	(void)snprintf(name, sizeof(name), "%s.conf", bc->name);
	if (bc->raw != NULL) {
		expect_error(name, bc->raw, bc->line, bc->word);
		return;
	}
	template_text(text, sizeof(text), bc->a1, bc->a2, bc->profile, bc->module, bc->tail);
	expect_error(name, text, bc->line, bc->word);
}

/* ---- the OID parser on its own ---- */

static void test_oid_parser(void **state)
{
	static const char *const good[] = {
		"0.0",
		"1.39",
		"2.999",
		"2.5.4.3",
		"1.3.6.1.4.1.311.20.2.2",
		"1.2.18446744073709551615",
		UUID_ARC ".1",
		"2.25.340282366920938463463374607431768211455",
	};
	static const char *const bad[] = {
		"",
		"1",
		"3.1",
		"1.40",
		"0.40",
		"01.2",
		"1.02",
		"1..2",
		".1.2",
		"1.2.",
		"1.2.a",
		"1.2 .3",
		"-1.2",
		"1.+2",
		"1.2.18446744073709551616",
		"1.2.99999999999999999999",
		/* Only the arc right under 2.25 may be a 128-bit UUID. */
		"2.25.1.340282366920938463463374607431768211455",
		"2.26.340282366920938463463374607431768211455",
		"2.25.340282366920938463463374607431768211456",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (pol_oid_problem(good[i]) != NULL) {
			print_error("%s: %s\n", good[i], pol_oid_problem(good[i]));
		}
		assert_null(pol_oid_problem(good[i]));
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (pol_oid_problem(bad[i]) == NULL) {
			print_error("%s: accepted\n", bad[i]);
		}
		assert_non_null(pol_oid_problem(bad[i]));
	}
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_shipped_file),
		cmocka_unit_test(test_accessors),
		cmocka_unit_test(test_pwd_otp_implies_card),
		cmocka_unit_test(test_free_null),
		cmocka_unit_test(test_key_type_names),
		cmocka_unit_test(test_invalid_args),
		cmocka_unit_test(test_defaults_and_syntax),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_too_many_settings),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_fifo_and_size),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_oid_parser),
		cmocka_unit_test(test_session),
		cmocka_unit_test(test_totp),
	};
	enum { FIXED_TESTS = sizeof(fixed) / sizeof(fixed[0]) };
	struct CMUnitTest tests[FIXED_TESTS + BAD_CASES];
	size_t i;

	/* The fixed tests, then one test per bad case, named after it, the
	 * case as its state. */
	memcpy(tests, fixed, sizeof(fixed));
	for (i = 0; i < BAD_CASES; i++) {
		tests[FIXED_TESTS + i].name = bad_cases[i].name;
		tests[FIXED_TESTS + i].test_func = test_bad_case;
		tests[FIXED_TESTS + i].setup_func = NULL;
		tests[FIXED_TESTS + i].teardown_func = NULL;
		tests[FIXED_TESTS + i].initial_state = (void *)(uintptr_t)&bad_cases[i];
	}
	return cmocka_run_group_tests_name("policy", tests, group_setup, group_teardown);
}
