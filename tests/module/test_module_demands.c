/*
 * A module's demands from authd's module list (include/onecard/module.h,
 * docs/module.md "Demands from GET /v1/modules"): the parser of the
 * GET /v1/modules answer with every rule and its refusal and reason, the
 * getters, onecard_module_new_with_demands' rules, and the fetch: its URL
 * rules and every broken answer (tests/common's hostile server: a
 * redirect, a 404, text/plain, oversized with and without a length, not
 * JSON, a list without the module). Linked against libonecard.so, as a
 * module would be. The fetch from the real onecard-authd is in
 * tests/examples (the example city module loads its demands at start).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <onecard/module.h>

#include "hostile_http.h"

#define DEAD_URL "http://127.0.0.1:1/v1/modules"
#define DOC_MAX	 8192u

/* The shape authd's answer has (docs/discovery.md), three entries. */
#define ENTRY_INFO                                                                        \
	"{\"id\":\"city-a-info\",\"platform\":\"city-a\",\"acr\":[\"card\",\"pwd-otp\"]," \
	"\"agencies\":[],\"token_lifetime\":600}"
#define ENTRY_DECL                                                                           \
	"{\"id\":\"city-a-customs-declaration\",\"platform\":\"city-a\",\"acr\":[\"card\"]," \
	"\"agencies\":[\"customs\"],\"token_lifetime\":300}"
#define ENTRY_REFUND                                                                    \
	"{\"id\":\"province-tax-refund\",\"platform\":\"province\",\"acr\":[\"card\"]," \
	"\"agencies\":[\"customs\",\"tax\"],\"token_lifetime\":180}"
#define LIST "{\"modules\":[" ENTRY_INFO "," ENTRY_DECL "," ENTRY_REFUND "]}"

static struct hostile_http *srv;

/* The parse's code for doc and id; checks the output rules (cleared on
 * failure, a reason always) and frees what was made. */
static int parse_id(const char *doc, const char *id, const char **why)
{
	onecard_module_demands *d = (onecard_module_demands *)&d; /* must be cleared */
	const char *reason = NULL;
	int r = onecard_module_demands_parse(doc, strlen(doc), id, &d, &reason);

	assert_non_null(reason);
	assert_true(reason[0] != '\0');
	if (r != ONECARD_OK) {
		assert_null(d);
	} else {
		assert_non_null(d);
	}
	onecard_module_demands_free(d);
	if (why != NULL) {
		*why = reason;
	}
	return r;
}

static int parse(const char *doc, const char **why)
{
	return parse_id(doc, "city-a-customs-declaration", why);
}

/* A list of the declaration module whose entry is ENTRY (printf format
 * with one %s per member text given). */
static const char *entry_doc(char *buf, const char *entry)
{
	int n = snprintf(buf, DOC_MAX, "{\"modules\":[" ENTRY_INFO ",%s]}", entry);

	assert_true(n > 0 && (size_t)n < DOC_MAX);
	return buf;
}

/* ---- the parser: what is read ------------------------------------------------- */

static void parses_authd_shape(void **state)
{
	onecard_module_demands *d = NULL;
	const char *const *list;
	const char *why = NULL;
	size_t n = 99;

	(void)state;
	assert_int_equal(
		onecard_module_demands_parse(LIST, strlen(LIST), "province-tax-refund", &d, &why),
		ONECARD_OK);
	assert_string_equal(why, "the module's demands were read");
	assert_string_equal(onecard_module_demands_get0_id(d), "province-tax-refund");
	assert_string_equal(onecard_module_demands_get0_platform(d), "province");
	list = onecard_module_demands_get0_acr(d, &n);
	assert_int_equal(n, 1);
	assert_string_equal(list[0], "card");
	/* In the list's order: the policy's. */
	list = onecard_module_demands_get0_agencies(d, &n);
	assert_int_equal(n, 2);
	assert_string_equal(list[0], "customs");
	assert_string_equal(list[1], "tax");
	assert_int_equal(onecard_module_demands_token_lifetime(d), 180);
	onecard_module_demands_free(d);

	d = NULL;
	assert_int_equal(onecard_module_demands_parse(LIST, strlen(LIST), "city-a-info", &d, NULL),
			 ONECARD_OK);
	list = onecard_module_demands_get0_acr(d, &n);
	assert_int_equal(n, 2);
	assert_string_equal(list[0], "card");
	assert_string_equal(list[1], "pwd-otp");
	list = onecard_module_demands_get0_agencies(d, &n);
	assert_int_equal(n, 0);
	assert_non_null(list);
	assert_int_equal(onecard_module_demands_token_lifetime(d), 600);
	/* count_out may be NULL. */
	assert_non_null(onecard_module_demands_get0_acr(d, NULL));
	onecard_module_demands_free(d);
}

/* The id is compared exactly; the body is read for len bytes, whether or
 * not a NUL follows. */
static void exact_id_and_length(void **state)
{
	onecard_module_demands *d = NULL;
	char *copy;
	size_t len = strlen(LIST);

	(void)state;
	assert_int_equal(parse_id(LIST, "City-A-Info", NULL), ONECARD_ERR_NOT_FOUND);
	assert_int_equal(parse_id(LIST, "city-a-info ", NULL), ONECARD_ERR_NOT_FOUND);
	assert_int_equal(parse_id(LIST, "city-a", NULL), ONECARD_ERR_NOT_FOUND);
	copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, LIST, len); /* no NUL after it */
	assert_int_equal(onecard_module_demands_parse(copy, len, "city-a-info", &d, NULL),
			 ONECARD_OK);
	onecard_module_demands_free(d);
	/* One byte short: the JSON is cut. */
	assert_int_equal(onecard_module_demands_parse(copy, len - 1u, "city-a-info", &d, NULL),
			 ONECARD_ERR_BAD_FORMAT);
	assert_null(d);
	free(copy);
}

/* Members the parser does not know are ignored, at both levels; another
 * module's entry beyond a module's limits does not matter to this one. */
static void extensions_ignored(void **state)
{
	char buf[DOC_MAX];
	const char *doc;

	(void)state;
	assert_int_equal(
		parse("{\"version\":2,\"modules\":[{\"id\":\"city-a-customs-declaration\","
		      "\"name\":\"Customs\",\"platform\":\"city-a\",\"acr\":[\"card\"],"
		      "\"agencies\":[\"customs\"],\"token_lifetime\":300,\"x\":{\"y\":[1]}}]}",
		      NULL),
		ONECARD_OK);
	doc = "{\"modules\":[{\"id\":\"other\",\"platform\":\"p\",\"acr\":[\"a\",\"b\",\"c\","
	      "\"d\",\"e\",\"f\",\"g\",\"h\",\"i\"],\"agencies\":[\"bad value\",\"bad value\"],"
	      "\"token_lifetime\":-5}," ENTRY_DECL "]}";
	assert_int_equal(parse(doc, NULL), ONECARD_OK);
	/* Eight levels and sixteen agencies: the most. */
	assert_int_equal(
		parse(entry_doc(buf,
				"{\"id\":\"city-a-customs-declaration\",\"platform\":\"p\","
				"\"acr\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\"],"
				"\"agencies\":[\"a1\",\"a2\",\"a3\",\"a4\",\"a5\",\"a6\",\"a7\","
				"\"a8\",\"a9\",\"a10\",\"a11\",\"a12\",\"a13\",\"a14\",\"a15\","
				"\"a16\"],\"token_lifetime\":86400}"),
		      NULL),
		ONECARD_OK);
}

/* ---- the parser: every refusal --------------------------------------------------- */

static void expect(const char *doc, int code, const char *reason)
{
	const char *why = NULL;

	assert_int_equal(parse(doc, &why), code);
	assert_string_equal(why, reason);
}

static void refuses_documents(void **state)
{
	(void)state;
	expect("", ONECARD_ERR_BAD_FORMAT, "the module list is not valid JSON");
	expect("not json", ONECARD_ERR_BAD_FORMAT, "the module list is not valid JSON");
	expect("{\"modules\":[]} trailing", ONECARD_ERR_BAD_FORMAT,
	       "the module list is not valid JSON");
	expect("{\"modules\":[" ENTRY_DECL "]", ONECARD_ERR_BAD_FORMAT,
	       "the module list is not valid JSON");
	/* Invalid UTF-8, and a NUL inside a string. */
	expect("{\"modules\":[],\"x\":\"\xc3\x28\"}", ONECARD_ERR_BAD_FORMAT,
	       "the module list is not valid JSON");
	expect("{\"modules\":[{\"id\":\"city-a-customs-declaration\\u0000x\",\"platform\":\"p\","
	       "\"acr\":[\"card\"],\"agencies\":[],\"token_lifetime\":1}]}",
	       ONECARD_ERR_BAD_FORMAT, "the module list is not valid JSON");
	expect("[" ENTRY_DECL "]", ONECARD_ERR_BAD_FORMAT, "the module list is not a JSON object");
	expect("{}", ONECARD_ERR_BAD_FORMAT, "the module list has no \"modules\" array");
	expect("{\"modules\":{}}", ONECARD_ERR_BAD_FORMAT,
	       "the module list has no \"modules\" array");
	expect("{\"Modules\":[" ENTRY_DECL "]}", ONECARD_ERR_BAD_FORMAT,
	       "the module list has no \"modules\" array");
	expect("{\"modules\":[]}", ONECARD_ERR_NOT_FOUND,
	       "the module list does not list this module");
	expect("{\"modules\":[" ENTRY_INFO "]}", ONECARD_ERR_NOT_FOUND,
	       "the module list does not list this module");
}

/* A member name twice, at every level: the top, an entry, and the module
 * list itself given twice (the second could hide a weaker first). */
static void refuses_duplicate_members(void **state)
{
	(void)state;
	expect("{\"modules\":[" ENTRY_DECL "],\"modules\":[]}", ONECARD_ERR_BAD_FORMAT,
	       "the module list names a member twice in one object");
	expect("{\"modules\":[{\"id\":\"city-a-customs-declaration\",\"platform\":\"city-a\","
	       "\"acr\":[\"card\"],\"agencies\":[\"customs\"],\"agencies\":[],"
	       "\"token_lifetime\":300}]}",
	       ONECARD_ERR_BAD_FORMAT, "the module list names a member twice in one object");
	expect("{\"modules\":[{\"id\":\"x\",\"id\":\"city-a-customs-declaration\","
	       "\"platform\":\"city-a\",\"acr\":[\"card\"],\"agencies\":[],\"token_lifetime\":1}]}",
	       ONECARD_ERR_BAD_FORMAT, "the module list names a member twice in one object");
	/* The same module twice, even with the same demands; and two other
	 * modules sharing an id. */
	expect("{\"modules\":[" ENTRY_DECL "," ENTRY_DECL "]}", ONECARD_ERR_BAD_FORMAT,
	       "the module list lists a module id twice");
	expect("{\"modules\":[" ENTRY_INFO "," ENTRY_DECL "," ENTRY_INFO "]}",
	       ONECARD_ERR_BAD_FORMAT, "the module list lists a module id twice");
}

/* Every entry, not only the module's, must have the documented shape. */
static void refuses_entry_shapes(void **state)
{
	static const struct {
		const char *entry;
		const char *reason;
	} cases[] = {
		{"\"city-a-customs-declaration\"", "an entry of the module list is not an object"},
		{"[]", "an entry of the module list is not an object"},
		{"null", "an entry of the module list is not an object"},
		{"{\"platform\":\"p\",\"acr\":[\"card\"],\"agencies\":[],\"token_lifetime\":1}",
		 "an entry of the module list has no string id"},
		{"{\"id\":7,\"platform\":\"p\",\"acr\":[\"card\"],\"agencies\":[],"
		 "\"token_lifetime\":1}",
		 "an entry of the module list has no string id"},
		{"{\"id\":\"o\",\"acr\":[\"card\"],\"agencies\":[],\"token_lifetime\":1}",
		 "an entry of the module list has no string platform"},
		{"{\"id\":\"o\",\"platform\":null,\"acr\":[\"card\"],\"agencies\":[],"
		 "\"token_lifetime\":1}",
		 "an entry of the module list has no string platform"},
		{"{\"id\":\"o\",\"platform\":\"p\",\"agencies\":[],\"token_lifetime\":1}",
		 "an entry of the module list has no acr array of strings"},
		{"{\"id\":\"o\",\"platform\":\"p\",\"acr\":\"card\",\"agencies\":[],"
		 "\"token_lifetime\":1}",
		 "an entry of the module list has no acr array of strings"},
		{"{\"id\":\"o\",\"platform\":\"p\",\"acr\":[\"card\",1],\"agencies\":[],"
		 "\"token_lifetime\":1}",
		 "an entry of the module list has no acr array of strings"},
		{"{\"id\":\"o\",\"platform\":\"p\",\"acr\":[\"card\"],\"token_lifetime\":1}",
		 "an entry of the module list has no agencies array of strings"},
		{"{\"id\":\"o\",\"platform\":\"p\",\"acr\":[\"card\"],\"agencies\":\"customs\","
		 "\"token_lifetime\":1}",
		 "an entry of the module list has no agencies array of strings"},
		{"{\"id\":\"o\",\"platform\":\"p\",\"acr\":[\"card\"],\"agencies\":[{\"id\":\"x\"}]"
		 ","
		 "\"token_lifetime\":1}",
		 "an entry of the module list has no agencies array of strings"},
		{"{\"id\":\"o\",\"platform\":\"p\",\"acr\":[\"card\"],\"agencies\":[]}",
		 "an entry of the module list has no integer token_lifetime"},
		{"{\"id\":\"o\",\"platform\":\"p\",\"acr\":[\"card\"],\"agencies\":[],"
		 "\"token_lifetime\":300.0}",
		 "an entry of the module list has no integer token_lifetime"},
		{"{\"id\":\"o\",\"platform\":\"p\",\"acr\":[\"card\"],\"agencies\":[],"
		 "\"token_lifetime\":\"300\"}",
		 "an entry of the module list has no integer token_lifetime"},
	};
	char doc[DOC_MAX];
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* The broken entry is another module's, after the module's own. */
		n = snprintf(doc, sizeof(doc), "{\"modules\":[" ENTRY_DECL ",%s]}", cases[i].entry);
		assert_true(n > 0 && (size_t)n < sizeof(doc));
		expect(doc, ONECARD_ERR_BAD_FORMAT, cases[i].reason);
	}
}

/* The module's own entry must fit a module's configuration. */
static void refuses_own_entry(void **state)
{
	static const struct {
		const char *entry;
		int code;
		const char *reason;
	} cases[] = {
		{"{\"id\":\"city-a-customs-declaration\",\"platform\":\"\",\"acr\":[\"card\"],"
		 "\"agencies\":[],\"token_lifetime\":300}",
		 ONECARD_ERR_BAD_FORMAT,
		 "the module's platform is empty, too long or has a control character"},
		{"{\"id\":\"city-a-customs-declaration\",\"platform\":\"city\\na\","
		 "\"acr\":[\"card\"],\"agencies\":[],\"token_lifetime\":300}",
		 ONECARD_ERR_BAD_FORMAT,
		 "the module's platform is empty, too long or has a control character"},
		{"{\"id\":\"city-a-customs-declaration\",\"platform\":\"p\",\"acr\":[],"
		 "\"agencies\":[],\"token_lifetime\":300}",
		 ONECARD_ERR_BAD_FORMAT,
		 "the module's entry lists no assurance level (acr), or more than allowed"},
		{"{\"id\":\"city-a-customs-declaration\",\"platform\":\"p\",\"acr\":[\"a\",\"b\","
		 "\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\"],\"agencies\":[],\"token_lifetime\":"
		 "300}",
		 ONECARD_ERR_TOO_LARGE,
		 "the module's entry lists no assurance level (acr), or more than allowed"},
		{"{\"id\":\"city-a-customs-declaration\",\"platform\":\"p\",\"acr\":[\"card\","
		 "\"card\"],\"agencies\":[],\"token_lifetime\":300}",
		 ONECARD_ERR_BAD_FORMAT,
		 "an assurance level (acr) of the module is not [A-Za-z0-9._-]{1,64}, or is listed "
		 "twice"},
		{"{\"id\":\"city-a-customs-declaration\",\"platform\":\"p\",\"acr\":[\"card \"],"
		 "\"agencies\":[],\"token_lifetime\":300}",
		 ONECARD_ERR_BAD_FORMAT,
		 "an assurance level (acr) of the module is not [A-Za-z0-9._-]{1,64}, or is listed "
		 "twice"},
		{"{\"id\":\"city-a-customs-declaration\",\"platform\":\"p\",\"acr\":[\"\"],"
		 "\"agencies\":[],\"token_lifetime\":300}",
		 ONECARD_ERR_BAD_FORMAT,
		 "an assurance level (acr) of the module is not [A-Za-z0-9._-]{1,64}, or is listed "
		 "twice"},
		{"{\"id\":\"city-a-customs-declaration\",\"platform\":\"p\",\"acr\":[\"card\"],"
		 "\"agencies\":[\"a1\",\"a2\",\"a3\",\"a4\",\"a5\",\"a6\",\"a7\",\"a8\",\"a9\","
		 "\"a10\",\"a11\",\"a12\",\"a13\",\"a14\",\"a15\",\"a16\",\"a17\"],"
		 "\"token_lifetime\":300}",
		 ONECARD_ERR_TOO_LARGE, "the module's entry requires more agencies than allowed"},
		{"{\"id\":\"city-a-customs-declaration\",\"platform\":\"p\",\"acr\":[\"card\"],"
		 "\"agencies\":[\"customs\",\"customs\"],\"token_lifetime\":300}",
		 ONECARD_ERR_BAD_FORMAT,
		 "an agency of the module is not [A-Za-z0-9._-]{1,64}, or is listed twice"},
		{"{\"id\":\"city-a-customs-declaration\",\"platform\":\"p\",\"acr\":[\"card\"],"
		 "\"agencies\":[\"cust\\u00f6ms\"],\"token_lifetime\":300}",
		 ONECARD_ERR_BAD_FORMAT,
		 "an agency of the module is not [A-Za-z0-9._-]{1,64}, or is listed twice"},
		{"{\"id\":\"city-a-customs-declaration\",\"platform\":\"p\",\"acr\":[\"card\"],"
		 "\"agencies\":["
		 "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"],"
		 "\"token_lifetime\":300}",
		 ONECARD_ERR_BAD_FORMAT,
		 "an agency of the module is not [A-Za-z0-9._-]{1,64}, or is listed twice"},
		{"{\"id\":\"city-a-customs-declaration\",\"platform\":\"p\",\"acr\":[\"card\"],"
		 "\"agencies\":[],\"token_lifetime\":0}",
		 ONECARD_ERR_BAD_FORMAT, "the module's token_lifetime is out of range"},
		{"{\"id\":\"city-a-customs-declaration\",\"platform\":\"p\",\"acr\":[\"card\"],"
		 "\"agencies\":[],\"token_lifetime\":-300}",
		 ONECARD_ERR_BAD_FORMAT, "the module's token_lifetime is out of range"},
		{"{\"id\":\"city-a-customs-declaration\",\"platform\":\"p\",\"acr\":[\"card\"],"
		 "\"agencies\":[],\"token_lifetime\":86401}",
		 ONECARD_ERR_BAD_FORMAT, "the module's token_lifetime is out of range"},
		{"{\"id\":\"city-a-customs-declaration\",\"platform\":\"p\",\"acr\":[\"card\"],"
		 "\"agencies\":[],\"token_lifetime\":99999999999999999999}",
		 ONECARD_ERR_BAD_FORMAT, "the module list is not valid JSON"},
	};
	char doc[DOC_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		expect(entry_doc(doc, cases[i].entry), cases[i].code, cases[i].reason);
	}
}

/* The named maxima: bytes, and modules in one list. */
static void refuses_oversized(void **state)
{
	onecard_module_demands *d = NULL;
	const char *why = NULL;
	size_t len = ONECARD_MODULE_LIST_MAX_LEN + 1u, i, used, before_last = 0;
	char *big;

	(void)state;
	big = malloc(len + 1u);
	assert_non_null(big);
	/* A valid list padded with spaces past the maximum. */
	memset(big, ' ', len);
	memcpy(big, LIST, strlen(LIST));
	big[len] = '\0';
	assert_int_equal(
		onecard_module_demands_parse(big, len, "city-a-customs-declaration", &d, &why),
		ONECARD_ERR_TOO_LARGE);
	assert_null(d);
	assert_string_equal(why, "the module list answer is larger than allowed");
	/* Exactly the maximum is read. */
	assert_int_equal(
		onecard_module_demands_parse(big, len - 1u, "city-a-customs-declaration", &d, &why),
		ONECARD_OK);
	onecard_module_demands_free(d);
	d = NULL;

	/* One module more than allowed, each entry small. */
	used = (size_t)snprintf(big, len, "{\"modules\":[" ENTRY_DECL);
	for (i = 1; i <= ONECARD_MODULE_LIST_MAX_ENTRIES; i++) {
		before_last = used;
		used += (size_t)snprintf(big + used, len - used,
					 ",{\"id\":\"m%zu\",\"platform\":\"p\",\"acr\":[\"card\"],"
					 "\"agencies\":[],\"token_lifetime\":1}",
					 i);
		assert_true(used < len);
	}
	used += (size_t)snprintf(big + used, len - used, "]}");
	assert_true(used < len);
	assert_int_equal(
		onecard_module_demands_parse(big, used, "city-a-customs-declaration", &d, &why),
		ONECARD_ERR_TOO_LARGE);
	assert_string_equal(why, "the module list has more modules than allowed");
	/* ... and with one entry fewer it is read. */
	used = before_last;
	used += (size_t)snprintf(big + used, len - used, "]}");
	assert_int_equal(
		onecard_module_demands_parse(big, used, "city-a-customs-declaration", &d, &why),
		ONECARD_OK);
	onecard_module_demands_free(d);
	free(big);
}

static void refuses_arguments(void **state)
{
	onecard_module_demands *d = (onecard_module_demands *)&d;
	char long_id[ONECARD_MODULE_NAME_MAX + 2];
	const char *why = NULL;

	(void)state;
	assert_int_equal(onecard_module_demands_parse(NULL, 0, "x", &d, &why),
			 ONECARD_ERR_INVALID_ARG);
	assert_null(d);
	assert_string_equal(why, "invalid argument");
	assert_int_equal(onecard_module_demands_parse(LIST, strlen(LIST), NULL, &d, NULL),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(onecard_module_demands_parse(LIST, strlen(LIST), "x", NULL, NULL),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(parse_id(LIST, "", NULL), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(parse_id(LIST, "city-a-info\n", NULL), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(parse_id(LIST, "city\x7f", NULL), ONECARD_ERR_INVALID_ARG);
	memset(long_id, 'a', sizeof(long_id) - 1u);
	long_id[sizeof(long_id) - 1u] = '\0';
	assert_int_equal(parse_id(LIST, long_id, NULL), ONECARD_ERR_INVALID_ARG);
	long_id[ONECARD_MODULE_NAME_MAX] = '\0'; /* the longest: looked for, not there */
	assert_int_equal(parse_id(LIST, long_id, NULL), ONECARD_ERR_NOT_FOUND);

	/* Getters on NULL. */
	assert_null(onecard_module_demands_get0_id(NULL));
	assert_null(onecard_module_demands_get0_platform(NULL));
	{
		size_t n = 7;

		assert_null(onecard_module_demands_get0_acr(NULL, &n));
		assert_int_equal(n, 0);
		n = 7;
		assert_null(onecard_module_demands_get0_agencies(NULL, &n));
		assert_int_equal(n, 0);
	}
	assert_int_equal(onecard_module_demands_token_lifetime(NULL), 0);
	onecard_module_demands_free(NULL);
}

/* ---- onecard_module_new_with_demands --------------------------------------------- */

static onecard_module_demands *decl_demands(void)
{
	onecard_module_demands *d = NULL;

	assert_int_equal(onecard_module_demands_parse(LIST, strlen(LIST),
						      "city-a-customs-declaration", &d, NULL),
			 ONECARD_OK);
	return d;
}

static void base(struct onecard_module_config *cfg)
{
	onecard_module_config_init(cfg);
	cfg->issuer = "http://127.0.0.1:8443";
	cfg->jwks_url = "http://127.0.0.1:1/.well-known/jwks.json";
}

static int make(const struct onecard_module_config *cfg, const onecard_module_demands *d)
{
	onecard_module *m = (onecard_module *)&m;
	int r = onecard_module_new_with_demands(cfg, d, &m);

	if (r != ONECARD_OK) {
		assert_null(m);
	} else {
		assert_non_null(m);
	}
	onecard_module_free(m);
	return r;
}

static void new_with_demands_rules(void **state)
{
	static const char *const card[] = {"card"};
	static const char *const customs[] = {"customs"};
	struct onecard_module_config cfg;
	onecard_module_demands *d = decl_demands();
	onecard_module *m = (onecard_module *)&m;
	const char *reason = NULL;
	char audience[] = "city-a-customs-declaration";

	(void)state;
	base(&cfg);
	assert_int_equal(make(&cfg, d), ONECARD_OK);
	/* The audience, when given, is the module's own. The config's copy
	 * is changed afterwards: the module kept its own. */
	cfg.audience = audience;
	assert_int_equal(onecard_module_new_with_demands(&cfg, d, &m), ONECARD_OK);
	audience[0] = 'X';
	onecard_module_demands_free(d);
	d = NULL;
	{
		onecard_claims *claims = (onecard_claims *)&claims;

		/* No keys (a dead URL), so the verify fails closed, but the
		 * module stands on its own after d is gone. */
		assert_int_equal(onecard_module_verify(m, "a.b.c", 5, &claims, &reason),
				 ONECARD_ERR_KEYS_UNAVAILABLE);
		assert_null(claims);
	}
	onecard_module_free(m);

	d = decl_demands();
	base(&cfg);
	cfg.audience = "city-a-info";
	assert_int_equal(make(&cfg, d), ONECARD_ERR_INVALID_ARG);
	cfg.audience = "city-a-customs-declaration ";
	assert_int_equal(make(&cfg, d), ONECARD_ERR_INVALID_ARG);
	/* Demands in the config as well: refused, even the same ones. */
	base(&cfg);
	cfg.acr = card;
	cfg.acr_count = 1;
	assert_int_equal(make(&cfg, d), ONECARD_ERR_INVALID_ARG);
	base(&cfg);
	cfg.agencies = customs;
	cfg.agency_count = 1;
	assert_int_equal(make(&cfg, d), ONECARD_ERR_INVALID_ARG);
	base(&cfg);
	cfg.agency_count = 1;
	assert_int_equal(make(&cfg, d), ONECARD_ERR_INVALID_ARG);
	base(&cfg);
	cfg.acr = card;
	assert_int_equal(make(&cfg, d), ONECARD_ERR_INVALID_ARG);
	/* The rest of the configuration is checked as by onecard_module_new. */
	base(&cfg);
	cfg.jwks_url = "http://authd.example/.well-known/jwks.json";
	assert_int_equal(make(&cfg, d), ONECARD_ERR_INVALID_ARG);
	base(&cfg);
	cfg.issuer = NULL;
	assert_int_equal(make(&cfg, d), ONECARD_ERR_INVALID_ARG);
	base(&cfg);
	cfg.timeout_s = 0;
	assert_int_equal(make(&cfg, d), ONECARD_ERR_INVALID_ARG);
	/* Arguments. */
	base(&cfg);
	assert_int_equal(make(NULL, d), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(make(&cfg, NULL), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(onecard_module_new_with_demands(&cfg, d, NULL), ONECARD_ERR_INVALID_ARG);
	onecard_module_demands_free(d);
}

/* ---- the fetch ------------------------------------------------------------------- */

static int fetch(const char *url, const char *id, const char **why)
{
	onecard_module_demands *d = (onecard_module_demands *)&d;
	const char *reason = NULL;
	int r = onecard_module_demands_fetch(url, id, NULL, 5, &d, &reason);

	assert_non_null(reason);
	if (r != ONECARD_OK) {
		assert_null(d);
	}
	onecard_module_demands_free(d);
	if (why != NULL) {
		*why = reason;
	}
	return r;
}

/* The URL rules of jwks_url, and the timeout's range: refused before any
 * connection. */
static void fetch_url_rules(void **state)
{
	static const char *const refused[] = {
		"ftp://127.0.0.1/v1/modules",
		"http://authd.example/v1/modules", /* http, not loopback */
		"http://10.0.0.1/v1/modules",
		"127.0.0.1/v1/modules", /* no scheme: never guessed */
		"http://user:pw@127.0.0.1/v1/modules",
		"http://127.0.0.1/v1/modules#frag",
		"http://127.0.0.1/v1/ modules",
		"",
	};
	onecard_module_demands *d = (onecard_module_demands *)&d;
	const char *why = NULL;
	char url[64];
	size_t i;
	int n;

	(void)state;
	n = snprintf(url, sizeof(url), "%s/v1/modules", hostile_http_url(srv));
	assert_true(n > 0 && (size_t)n < sizeof(url));
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(fetch(refused[i], "city-a-info", &why), ONECARD_ERR_INVALID_ARG);
		assert_string_equal(why, "the module list URL, CA file or timeout is not allowed");
	}
	assert_int_equal(fetch(NULL, "city-a-info", NULL), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(onecard_module_demands_fetch(url, "city-a-info", NULL, 0, &d, NULL),
			 ONECARD_ERR_INVALID_ARG);
	assert_null(d);
	assert_int_equal(onecard_module_demands_fetch(url, "city-a-info", NULL,
						      ONECARD_MODULE_TIMEOUT_MAX + 1u, &d, NULL),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(onecard_module_demands_fetch(url, "city-a-info", "", 5, &d, NULL),
			 ONECARD_ERR_INVALID_ARG);
	/* A bad module id or no output: refused before fetching. */
	assert_int_equal(fetch(url, "", NULL), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(onecard_module_demands_fetch(url, "city-a-info", NULL, 5, NULL, NULL),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(hostile_http_connections(srv), 0);
	/* Nothing listens: a failed fetch naming the module list. */
	assert_int_equal(fetch(DEAD_URL, "city-a-info", &why), ONECARD_ERR_IO);
	assert_string_equal(why, "cannot connect to the module list URL");
}

/* Serves HEAD then BODY at /v1/modules. */
static void serve(const char *head, const char *body, size_t filler)
{
	char raw[DOC_MAX];
	int n = snprintf(raw, sizeof(raw), "%s\r\nConnection: close\r\n\r\n%s", head, body);

	assert_true(n > 0 && (size_t)n < sizeof(raw));
	hostile_http_reset(srv);
	assert_int_equal(hostile_http_answer(srv, "/v1/modules", raw, (size_t)n, filler), 0);
}

static void fetch_broken_answers(void **state)
{
	char url[64], head[256], *accept;
	const char *why = NULL;
	int n;

	(void)state;
	n = snprintf(url, sizeof(url), "%s/v1/modules", hostile_http_url(srv));
	assert_true(n > 0 && (size_t)n < sizeof(url));

	/* A list without the module, as JSON: read, and not found. */
	serve("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 14",
	      "{\"modules\":[]}", 0);
	assert_int_equal(fetch(url, "city-a-info", &why), ONECARD_ERR_NOT_FOUND);
	assert_string_equal(why, "the module list does not list this module");
	assert_int_equal(hostile_http_requests(srv, "/v1/modules"), 1);
	accept = hostile_http_last_header(srv, "/v1/modules", "Accept");
	assert_non_null(accept);
	assert_string_equal(accept, "application/json");
	free(accept);
	accept = hostile_http_last_method(srv, "/v1/modules");
	assert_string_equal(accept, "GET");
	free(accept);

	/* Not JSON, served as JSON: the parser's reason. */
	serve("HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
	      "Content-Length: 8",
	      "not json", 0);
	assert_int_equal(fetch(url, "city-a-info", &why), ONECARD_ERR_BAD_FORMAT);
	assert_string_equal(why, "the module list is not valid JSON");

	/* A JSON list served as text/plain, or as a JWKS: refused. */
	serve("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 14",
	      "{\"modules\":[]}", 0);
	assert_int_equal(fetch(url, "city-a-info", &why), ONECARD_ERR_BAD_FORMAT);
	assert_string_equal(why, "the module list answer is not served as JSON");
	serve("HTTP/1.1 200 OK\r\nContent-Type: application/jwk-set+json\r\nContent-Length: 14",
	      "{\"modules\":[]}", 0);
	assert_int_equal(fetch(url, "city-a-info", &why), ONECARD_ERR_BAD_FORMAT);
	serve("HTTP/1.1 200 OK\r\nContent-Length: 14", "{\"modules\":[]}", 0);
	assert_int_equal(fetch(url, "city-a-info", &why), ONECARD_ERR_BAD_FORMAT);

	/* A redirect is never followed. */
	serve("HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0", "", 0);
	assert_int_equal(fetch(url, "city-a-info", &why), ONECARD_ERR_IO);
	assert_string_equal(
		why, "the module list URL answered with a redirect, which is never followed");
	assert_int_equal(hostile_http_requests(srv, "/elsewhere"), 0);

	/* A status other than 200, with a JSON body. */
	serve("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 14",
	      "{\"modules\":[]}", 0);
	assert_int_equal(fetch(url, "city-a-info", &why), ONECARD_ERR_IO);
	assert_string_equal(why, "the module list URL answered with a status other than 200");

	/* Over ONECARD_MODULE_LIST_MAX_LEN: announced, or streamed without a
	 * length. */
	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %u",
		     ONECARD_MODULE_LIST_MAX_LEN + 1u);
	assert_true(n > 0 && (size_t)n < sizeof(head));
	serve(head, "", ONECARD_MODULE_LIST_MAX_LEN + 1u);
	assert_int_equal(fetch(url, "city-a-info", &why), ONECARD_ERR_TOO_LARGE);
	assert_string_equal(why, "the module list answer is larger than allowed");
	serve("HTTP/1.1 200 OK\r\nContent-Type: application/json", "",
	      2u * ONECARD_MODULE_LIST_MAX_LEN);
	assert_int_equal(fetch(url, "city-a-info", &why), ONECARD_ERR_TOO_LARGE);

	/* Closed without an answer. */
	hostile_http_reset(srv);
	assert_int_equal(hostile_http_answer(srv, "/v1/modules", "", 0, 0), 0);
	assert_int_equal(fetch(url, "city-a-info", &why), ONECARD_ERR_IO);
}

static int setup(void **state)
{
	(void)state;
	return hostile_http_start(&srv);
}

static int teardown(void **state)
{
	(void)state;
	hostile_http_stop(srv);
	srv = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_authd_shape),
		cmocka_unit_test(exact_id_and_length),
		cmocka_unit_test(extensions_ignored),
		cmocka_unit_test(refuses_documents),
		cmocka_unit_test(refuses_duplicate_members),
		cmocka_unit_test(refuses_entry_shapes),
		cmocka_unit_test(refuses_own_entry),
		cmocka_unit_test(refuses_oversized),
		cmocka_unit_test(refuses_arguments),
		cmocka_unit_test(new_with_demands_rules),
		cmocka_unit_test(fetch_url_rules),
		cmocka_unit_test(fetch_broken_answers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
