/*
 * Builds an oc_policy from the parsed tree, checking every rule of the
 * format (docs/policy.md). The walk reads like the schema:
 *
 *   root     = { agencies = ( agency, ... ); profiles = ( profile, ... );
 *                modules = ( module, ... ); }
 *   agency   = { id; name; policy_oid; }
 *   profile  = { id; agency; subject = ( { attr; value; }, ... );
 *                key_types = [...]; key_usage = [...];
 *                extended_key_usage = [...]; lifetime_days; }
 *   module   = { id; platform; acr = [...]; agencies = [...];
 *                token_lifetime (optional); }
 *   session  = { idle_timeout; absolute_timeout; }  (optional, as are
 *                both of its members)
 *   totp     = { algorithm; digits; }  (optional, as are both members)
 *
 * The first broken rule stops the load with "FILE:LINE: message". Every
 * string is copied into the policy's arena; the tree may be freed after.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <onecard/error.h>

#include "conf.h"
#include "policy_int.h"

struct ctx {
	const char *file;
	char *err;
	size_t err_size;
	oc_policy *pol;
};

/* Member names each kind of group may hold, NULL-terminated. */
static const char *const root_members[] = {"agencies", "profiles", "modules",
					   "session",  "totp",	   NULL};
static const char *const totp_members[] = {"algorithm", "digits", NULL};
static const char *const session_members[] = {"idle_timeout", "absolute_timeout", NULL};
static const char *const agency_members[] = {"id", "name", "policy_oid", NULL};
static const char *const profile_members[] = {
	"id", "agency", "subject", "key_types", "key_usage", "extended_key_usage", "lifetime_days",
	NULL,
};
static const char *const rdn_members[] = {"attr", "value", NULL};
static const char *const module_members[] = {
	"id", "platform", "acr", "agencies", "token_lifetime", NULL,
};

/* Formats the message into ctx's buffer; returns ONECARD_ERR_POLICY. */
static int fail(const struct ctx *c, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(const struct ctx *c, unsigned line, const char *fmt, ...)
{
	char msg[OC_POLICY_ERR_MAX];
	va_list ap;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w < 0) {
		msg[0] = '\0';
	}
	pol_err(c->err, c->err_size, c->file, line, "%s", msg);
	return ONECARD_ERR_POLICY;
}

static int nomem(const struct ctx *c)
{
	pol_err(c->err, c->err_size, c->file, 0, "out of memory");
	return ONECARD_ERR_NOMEM;
}

/* "a, b, c" from a NULL-terminated list, for messages. */
static const char *join(char *buf, size_t size, const char *const *names)
{
	size_t used = 0;
	size_t i;
	int w;

	buf[0] = '\0';
	for (i = 0; names[i] != NULL; i++) {
		w = snprintf(buf + used, size - used, "%s%s", i > 0 ? ", " : "", names[i]);
		if (w < 0 || (size_t)w >= size - used) {
			break;
		}
		used += (size_t)w;
	}
	return buf;
}

static const struct pc_node *find(const struct pc_node *group, const char *name)
{
	size_t i;

	for (i = 0; i < group->kids_len; i++) {
		if (strcmp(group->kids[i].name, name) == 0) {
			return &group->kids[i];
		}
	}
	return NULL;
}

/* Refuses any member of group not in allowed: typos must not pass. */
static int check_members(const struct ctx *c, const struct pc_node *group,
			 const char *const *allowed, const char *what)
{
	char list[256];
	char q[POL_QUOTE_MAX];
	size_t i;
	size_t j;
	int known;

	for (i = 0; i < group->kids_len; i++) {
		known = 0;
		for (j = 0; allowed[j] != NULL; j++) {
			if (strcmp(group->kids[i].name, allowed[j]) == 0) {
				known = 1;
			}
		}
		if (!known) {
			return fail(c, group->kids[i].line,
				    "unknown setting '%s' in %s (expected %s)",
				    pol_quote(q, group->kids[i].name), what,
				    join(list, sizeof(list), allowed));
		}
	}
	return 0;
}

/* The member called name, or an error naming the group's line. */
static int need(const struct ctx *c, const struct pc_node *group, const char *name,
		const char *what, const struct pc_node **out)
{
	*out = find(group, name);
	if (*out == NULL) {
		return fail(c, group->line, "missing '%s' in %s", name, what);
	}
	return 0;
}

/* A non-empty string of at most OC_POLICY_STR_MAX - 1 bytes of UTF-8
 * without control characters. label names it in messages. */
static int string_value(const struct ctx *c, const struct pc_node *node, const char *label,
			const char **out)
{
	const char *why = NULL;

	*out = NULL;
	if (node->kind != PC_STRING) {
		return fail(c, node->line, "%s must be a string, not %s", label,
			    pc_kind_name(node->kind));
	}
	if (node->sval[0] == '\0') {
		return fail(c, node->line, "%s must not be empty", label);
	}
	if (strlen(node->sval) > OC_POLICY_STR_MAX - 1) {
		return fail(c, node->line, "%s is too long (strings have at most %u bytes)", label,
			    OC_POLICY_STR_MAX - 1);
	}
	why = pol_text_problem(node->sval);
	if (why != NULL) {
		return fail(c, node->line, "%s %s", label, why);
	}
	*out = node->sval;
	return 0;
}

/* Copies a checked string into the policy. */
static int keep(const struct ctx *c, const char *s, const char **out)
{
	*out = pol_arena_strndup(&c->pol->arena, s, strlen(s));
	if (*out == NULL) {
		return nomem(c);
	}
	return 0;
}

/* Member name of group: a string, checked and copied into the policy. */
static int member_string(const struct ctx *c, const struct pc_node *group, const char *name,
			 const char *what, const struct pc_node **node, const char **out)
{
	const char *s = NULL;
	int r;

	*out = NULL;
	r = need(c, group, name, what, node);
	if (r == 0) {
		r = string_value(c, *node, name, &s);
	}
	if (r == 0) {
		r = keep(c, s, out);
	}
	return r;
}

/* Member name of group: an id ([a-z0-9-], 1..OC_POLICY_ID_MAX-1 bytes). */
static int member_id(const struct ctx *c, const struct pc_node *group, const char *name,
		     const char *what, const struct pc_node **node, const char **out)
{
	char q[POL_QUOTE_MAX];
	const char *id = NULL;
	const char *why = NULL;
	int r;

	*out = NULL;
	r = member_string(c, group, name, what, node, &id);
	if (r != 0) {
		return r;
	}
	why = pol_id_problem(id);
	if (why != NULL) {
		return fail(c, (*node)->line, "%s '%s' %s", name, pol_quote(q, id), why);
	}
	*out = id;
	return 0;
}

/* An integer member in [min, max]; def when absent and optional. */
static int member_int(const struct ctx *c, const struct pc_node *group, const char *name,
		      const char *what, int min, int max, const int *def, int *out)
{
	const struct pc_node *node = find(group, name);

	*out = 0;
	if (node == NULL && def != NULL) {
		*out = *def;
		return 0;
	}
	if (node == NULL) {
		return fail(c, group->line, "missing '%s' in %s", name, what);
	}
	if (node->kind != PC_INT) {
		return fail(c, node->line, "%s must be an integer, not %s", name,
			    pc_kind_name(node->kind));
	}
	if (node->ival < min || node->ival > max) {
		return fail(c, node->line, "%s %lld is out of range %d..%d", name, node->ival, min,
			    max);
	}
	*out = (int)node->ival;
	return 0;
}

/* A member holding an array of strings ([] or an empty () count as an
 * empty array). Returns the node with its elements checked as strings. */
static int member_string_array(const struct ctx *c, const struct pc_node *group, const char *name,
			       const char *what, int allow_empty, const struct pc_node **out)
{
	const struct pc_node *node = NULL;
	const char *s = NULL;
	size_t i;
	int r;

	*out = NULL;
	r = need(c, group, name, what, &node);
	if (r != 0) {
		return r;
	}
	if (!(node->kind == PC_ARRAY || (node->kind == PC_LIST && node->kids_len == 0))) {
		return fail(c, node->line,
			    "%s must be an array [ \"...\", ... ] of strings, not %s", name,
			    pc_kind_name(node->kind));
	}
	if (node->kids_len == 0 && !allow_empty) {
		return fail(c, node->line, "%s must not be empty", name);
	}
	for (i = 0; i < node->kids_len; i++) {
		r = string_value(c, &node->kids[i], name, &s);
		if (r != 0) {
			return r;
		}
	}
	*out = node;
	return 0;
}

/* An array of names from table, as a bit set; each name at most once. */
static int member_names(const struct ctx *c, const struct pc_node *group, const char *name,
			const char *what, const struct pol_name *table, size_t table_len,
			int allow_empty, const char *kind, unsigned *out)
{
	const struct pc_node *node = NULL;
	const char *expected[8] = {NULL};
	char list[256];
	char q[POL_QUOTE_MAX];
	unsigned bits = 0;
	unsigned bit;
	size_t i;
	size_t j;
	int r;

	*out = 0;
	r = member_string_array(c, group, name, what, allow_empty, &node);
	if (r != 0) {
		return r;
	}
	for (i = 0; i < table_len && i + 1 < sizeof(expected) / sizeof(expected[0]); i++) {
		expected[i] = table[i].name;
	}
	for (i = 0; i < node->kids_len; i++) {
		const char *s = node->kids[i].sval;

		bit = 0;
		for (j = 0; j < table_len; j++) {
			if (strcmp(s, table[j].name) == 0) {
				bit = table[j].bit;
			}
		}
		if (bit == 0) {
			return fail(c, node->kids[i].line, "unknown %s '%s' in %s (expected %s)",
				    kind, pol_quote(q, s), name,
				    join(list, sizeof(list), expected));
		}
		if ((bits & bit) != 0) {
			return fail(c, node->kids[i].line, "%s '%s' listed twice in %s", kind, s,
				    name);
		}
		bits |= bit;
	}
	*out = bits;
	return 0;
}

/* A top-level or nested list of groups: ( { ... }, ... ), at most max. */
static int list_of_groups(const struct ctx *c, const struct pc_node *node, const char *name,
			  size_t max, const char *entry)
{
	size_t i;

	if (!(node->kind == PC_LIST || (node->kind == PC_ARRAY && node->kids_len == 0))) {
		return fail(c, node->line, "%s must be a list ( { ... }, ... ), not %s", name,
			    pc_kind_name(node->kind));
	}
	if (node->kids_len > max) {
		return fail(c, node->line, "too many entries in %s (at most %zu)", name, max);
	}
	for (i = 0; i < node->kids_len; i++) {
		if (node->kids[i].kind != PC_GROUP) {
			return fail(c, node->kids[i].line,
				    "each entry of %s must be %s { ... }, not %s", name, entry,
				    pc_kind_name(node->kids[i].kind));
		}
	}
	return 0;
}

/* The line of an earlier entry's id, for "first at line N". */
static unsigned id_line(const struct pc_node *group)
{
	const struct pc_node *id = find(group, "id");

	return id != NULL ? id->line : group->line;
}

static const oc_agency *agency_by_id(const oc_policy *pol, const char *id)
{
	size_t i;

	for (i = 0; i < pol->agencies_len; i++) {
		if (strcmp(pol->agencies[i].id, id) == 0) {
			return &pol->agencies[i];
		}
	}
	return NULL;
}

static int build_agency(const struct ctx *c, const struct pc_node *list, size_t index)
{
	const struct pc_node *g = &list->kids[index];
	const struct pc_node *node = NULL;
	oc_agency *a = &c->pol->agencies[index];
	char q[POL_QUOTE_MAX];
	const char *why = NULL;
	size_t j;
	int r;

	r = check_members(c, g, agency_members, "an agency");
	if (r == 0) {
		r = member_id(c, g, "id", "an agency", &node, &a->id);
	}
	if (r != 0) {
		return r;
	}
	for (j = 0; j < index; j++) {
		if (strcmp(c->pol->agencies[j].id, a->id) == 0) {
			return fail(c, node->line, "duplicate agency id '%s' (first at line %u)",
				    a->id, id_line(&list->kids[j]));
		}
	}
	r = member_string(c, g, "name", "an agency", &node, &a->name);
	if (r == 0) {
		r = member_string(c, g, "policy_oid", "an agency", &node, &a->policy_oid);
	}
	if (r != 0) {
		return r;
	}
	why = pol_oid_problem(a->policy_oid);
	if (why != NULL) {
		return fail(c, node->line, "policy_oid '%s' is not a valid OID: it %s",
			    pol_quote(q, a->policy_oid), why);
	}
	for (j = 0; j < index; j++) {
		if (strcmp(c->pol->agencies[j].policy_oid, a->policy_oid) == 0) {
			return fail(c, node->line, "duplicate policy_oid '%s' (agency '%s' has it)",
				    pol_quote(q, a->policy_oid), c->pol->agencies[j].id);
		}
	}
	return 0;
}

static int build_rdn(const struct ctx *c, const struct pc_node *g, oc_rdn_template *rdn)
{
	const struct pc_node *node = NULL;
	char q[POL_QUOTE_MAX];
	const char *why = NULL;
	const char *bad = NULL;
	size_t bad_len = 0;
	int r;

	r = check_members(c, g, rdn_members, "a subject RDN");
	if (r == 0) {
		r = member_string(c, g, "attr", "a subject RDN", &node, &rdn->attr);
	}
	if (r != 0) {
		return r;
	}
	if (!pol_x509_attr_known(rdn->attr)) {
		return fail(c, node->line,
			    "unknown attribute '%s' (not a name OpenSSL knows, e.g. C, O, OU, CN, "
			    "UID, organizationIdentifier)",
			    pol_quote(q, rdn->attr));
	}
	r = member_string(c, g, "value", "a subject RDN", &node, &rdn->value);
	if (r != 0) {
		return r;
	}
	why = pol_template_problem(rdn->value, &bad, &bad_len);
	if (why != NULL) {
		if (bad_len > 64) {
			bad_len = 64;
		}
		return fail(c, node->line,
			    "subject value %s '%.*s' (known: ${enterprise_name}, ${uscc}, "
			    "${person_id}, "
			    "${person_name}, ${agency})",
			    why, (int)bad_len, bad);
	}
	return 0;
}

static int build_subject(const struct ctx *c, const struct pc_node *g, oc_profile *p)
{
	const struct pc_node *node = NULL;
	oc_rdn_template *rdns = NULL;
	size_t i;
	int r;

	r = need(c, g, "subject", "a profile", &node);
	if (r == 0) {
		r = list_of_groups(c, node, "subject", OC_POLICY_RDNS_MAX, "an RDN");
	}
	if (r != 0) {
		return r;
	}
	if (node->kids_len == 0) {
		return fail(c, node->line, "subject must not be empty");
	}
	rdns = pol_arena_calloc(&c->pol->arena, node->kids_len, sizeof(*rdns));
	if (rdns == NULL) {
		return nomem(c);
	}
	for (i = 0; i < node->kids_len; i++) {
		r = build_rdn(c, &node->kids[i], &rdns[i]);
		if (r != 0) {
			return r;
		}
	}
	p->subject = rdns;
	p->subject_len = node->kids_len;
	return 0;
}

static int build_profile(const struct ctx *c, const struct pc_node *list, size_t index)
{
	const struct pc_node *g = &list->kids[index];
	const struct pc_node *node = NULL;
	oc_profile *p = &c->pol->profiles[index];
	const char *agency = NULL;
	char q[POL_QUOTE_MAX];
	size_t j;
	int r;

	r = check_members(c, g, profile_members, "a profile");
	if (r == 0) {
		r = member_id(c, g, "id", "a profile", &node, &p->id);
	}
	if (r != 0) {
		return r;
	}
	for (j = 0; j < index; j++) {
		if (strcmp(c->pol->profiles[j].id, p->id) == 0) {
			return fail(c, node->line, "duplicate profile id '%s' (first at line %u)",
				    p->id, id_line(&list->kids[j]));
		}
	}
	r = need(c, g, "agency", "a profile", &node);
	if (r == 0) {
		r = string_value(c, node, "agency", &agency);
	}
	if (r != 0) {
		return r;
	}
	p->agency = agency_by_id(c->pol, agency);
	if (p->agency == NULL) {
		return fail(c, node->line, "unknown agency '%s' (no agency has this id)",
			    pol_quote(q, agency));
	}
	r = build_subject(c, g, p);
	if (r == 0) {
		r = member_names(c, g, "key_types", "a profile", pol_key_type_names,
				 pol_key_type_names_len, 0, "key type", &p->key_types);
	}
	if (r == 0) {
		r = member_names(c, g, "key_usage", "a profile", pol_key_usage_names,
				 pol_key_usage_names_len, 0, "key usage", &p->key_usage);
	}
	if (r == 0) {
		r = member_names(c, g, "extended_key_usage", "a profile", pol_eku_names,
				 pol_eku_names_len, 1, "extended key usage", &p->eku);
	}
	if (r == 0) {
		r = member_int(c, g, "lifetime_days", "a profile", OC_POLICY_LIFETIME_DAYS_MIN,
			       OC_POLICY_LIFETIME_DAYS_MAX, NULL, &p->lifetime_days);
	}
	return r;
}

static int build_module_agencies(const struct ctx *c, const struct pc_node *g, oc_module *m)
{
	const struct pc_node *node = NULL;
	const oc_agency *agency = NULL;
	const char **ids = NULL;
	char q[POL_QUOTE_MAX];
	size_t i;
	size_t j;
	int r;

	r = member_string_array(c, g, "agencies", "a module", 1, &node);
	if (r != 0) {
		return r;
	}
	if (node->kids_len > OC_POLICY_AGENCIES_MAX) {
		return fail(c, node->line, "agencies lists more than %u agencies",
			    OC_POLICY_AGENCIES_MAX);
	}
	ids = pol_arena_calloc(&c->pol->arena, node->kids_len, sizeof(*ids));
	if (ids == NULL) {
		return nomem(c);
	}
	for (i = 0; i < node->kids_len; i++) {
		agency = agency_by_id(c->pol, node->kids[i].sval);
		if (agency == NULL) {
			return fail(c, node->kids[i].line,
				    "unknown agency '%s' in agencies (no agency has this id)",
				    pol_quote(q, node->kids[i].sval));
		}
		for (j = 0; j < i; j++) {
			if (ids[j] == agency->id) {
				return fail(c, node->kids[i].line,
					    "agency '%s' listed twice in agencies", agency->id);
			}
		}
		ids[i] = agency->id; /* borrowed from the agency, same arena */
	}
	m->agencies = ids;
	m->agencies_len = node->kids_len;
	return 0;
}

static int build_module(const struct ctx *c, const struct pc_node *list, size_t index)
{
	static const int token_lifetime_default = OC_POLICY_TOKEN_LIFETIME_DEF;
	const struct pc_node *g = &list->kids[index];
	const struct pc_node *node = NULL;
	oc_module *m = &c->pol->modules[index];
	size_t j;
	int r;

	r = check_members(c, g, module_members, "a module");
	if (r == 0) {
		r = member_id(c, g, "id", "a module", &node, &m->id);
	}
	if (r != 0) {
		return r;
	}
	for (j = 0; j < index; j++) {
		if (strcmp(c->pol->modules[j].id, m->id) == 0) {
			return fail(c, node->line, "duplicate module id '%s' (first at line %u)",
				    m->id, id_line(&list->kids[j]));
		}
	}
	r = member_id(c, g, "platform", "a module", &node, &m->platform);
	if (r == 0) {
		r = member_names(c, g, "acr", "a module", pol_acr_names, pol_acr_names_len, 0,
				 "assurance level", &m->acr);
	}
	if (r == 0 && (m->acr & OC_ACR_PWD_OTP) != 0) {
		/* A card login is the stronger level: a module that admits a
		 * password and TOTP admits a card too (no card-less module). */
		m->acr |= OC_ACR_CARD;
	}
	if (r == 0) {
		r = build_module_agencies(c, g, m);
	}
	if (r == 0 && (m->acr & OC_ACR_PWD_OTP) != 0 && m->agencies_len > 0) {
		/* A password + TOTP login proves no agency: such a module could
		 * only ever refuse it. */
		return fail(c, find(g, "agencies")->line,
			    "a module that admits pwd-otp requires no agencies (a password "
			    "login proves none)");
	}
	if (r == 0) {
		r = member_int(c, g, "token_lifetime", "a module", OC_POLICY_TOKEN_LIFETIME_MIN,
			       OC_POLICY_TOKEN_LIFETIME_MAX, &token_lifetime_default,
			       &m->token_lifetime);
	}
	return r;
}

/* The optional session group: how long an SSO session lives. */
static int build_session(const struct ctx *c, const struct pc_node *root)
{
	static const int idle_default = OC_POLICY_SESSION_IDLE_DEF;
	static const int absolute_default = OC_POLICY_SESSION_ABSOLUTE_DEF;
	const struct pc_node *g = find(root, "session");
	struct pc_node none;
	int r;

	if (g == NULL) {
		memset(&none, 0, sizeof(none));
		none.kind = PC_GROUP;
		g = &none;
	} else if (g->kind != PC_GROUP) {
		return fail(c, g->line, "session must be a group { ... }, not %s",
			    pc_kind_name(g->kind));
	}
	r = check_members(c, g, session_members, "session");
	if (r == 0) {
		r = member_int(c, g, "idle_timeout", "session", OC_POLICY_SESSION_IDLE_MIN,
			       OC_POLICY_SESSION_IDLE_MAX, &idle_default,
			       &c->pol->session.idle_timeout);
	}
	if (r == 0) {
		r = member_int(c, g, "absolute_timeout", "session", OC_POLICY_SESSION_ABSOLUTE_MIN,
			       OC_POLICY_SESSION_ABSOLUTE_MAX, &absolute_default,
			       &c->pol->session.absolute_timeout);
	}
	if (r == 0 && c->pol->session.idle_timeout > c->pol->session.absolute_timeout) {
		return fail(c, g->line,
			    "session idle_timeout %d is longer than its absolute_timeout %d",
			    c->pol->session.idle_timeout, c->pol->session.absolute_timeout);
	}
	return r;
}

/* The optional totp group: the TOTP secrets enrolment makes. */
static int build_totp(const struct ctx *c, const struct pc_node *root)
{
	static const int digits_default = 6;
	const struct pc_node *g = find(root, "totp");
	const struct pc_node *alg = NULL;
	struct pc_node none;
	int r;

	c->pol->totp.algorithm = OC_TOTP_SHA1;
	if (g == NULL) {
		memset(&none, 0, sizeof(none));
		none.kind = PC_GROUP;
		g = &none;
	} else if (g->kind != PC_GROUP) {
		return fail(c, g->line, "totp must be a group { ... }, not %s",
			    pc_kind_name(g->kind));
	}
	r = check_members(c, g, totp_members, "totp");
	if (r != 0) {
		return r;
	}
	alg = find(g, "algorithm");
	if (alg != NULL) {
		if (alg->kind != PC_STRING) {
			return fail(c, alg->line, "algorithm must be a string, not %s",
				    pc_kind_name(alg->kind));
		}
		if (strcmp(alg->sval, "sha1") == 0) {
			c->pol->totp.algorithm = OC_TOTP_SHA1;
		} else if (strcmp(alg->sval, "sha256") == 0) {
			c->pol->totp.algorithm = OC_TOTP_SHA256;
		} else {
			return fail(c, alg->line, "totp algorithm must be \"sha1\" or \"sha256\"");
		}
	}
	r = member_int(c, g, "digits", "totp", 6, 8, &digits_default, &c->pol->totp.digits);
	if (r == 0 && c->pol->totp.digits == 7) {
		return fail(c, find(g, "digits")->line, "totp digits must be 6 or 8");
	}
	return r;
}

/* Checks the list called name at the top and allocates its entries. */
static int top_list(const struct ctx *c, const struct pc_node *root, const char *name, size_t max,
		    const char *entry, size_t entry_size, const struct pc_node **list, void **items)
{
	int r;

	*items = NULL;
	r = need(c, root, name, "the file", list);
	if (r == 0) {
		r = list_of_groups(c, *list, name, max, entry);
	}
	if (r != 0) {
		return r;
	}
	*items = pol_arena_calloc(&c->pol->arena, (*list)->kids_len, entry_size);
	if (*items == NULL) {
		return nomem(c);
	}
	return 0;
}

int pol_build(const struct pc_node *root, const char *file, oc_policy *pol, char *err,
	      size_t err_size)
{
	const struct ctx ctx = {file, err, err_size, pol};
	const struct ctx *c = &ctx;
	const struct pc_node *list = NULL;
	void *items = NULL;
	size_t i;
	int r;

	r = check_members(c, root, root_members, "the file");
	if (r != 0) {
		goto out;
	}

	/* Agencies first: profiles and modules refer to them. */
	r = top_list(c, root, "agencies", OC_POLICY_AGENCIES_MAX, "an agency", sizeof(oc_agency),
		     &list, &items);
	if (r != 0) {
		goto out;
	}
	pol->agencies = items;
	for (i = 0; i < list->kids_len; i++) {
		r = build_agency(c, list, i);
		if (r != 0) {
			goto out;
		}
		pol->agencies_len = i + 1;
	}

	r = top_list(c, root, "profiles", OC_POLICY_PROFILES_MAX, "a profile", sizeof(oc_profile),
		     &list, &items);
	if (r != 0) {
		goto out;
	}
	pol->profiles = items;
	for (i = 0; i < list->kids_len; i++) {
		r = build_profile(c, list, i);
		if (r != 0) {
			goto out;
		}
		pol->profiles_len = i + 1;
	}

	r = top_list(c, root, "modules", OC_POLICY_MODULES_MAX, "a module", sizeof(oc_module),
		     &list, &items);
	if (r != 0) {
		goto out;
	}
	pol->modules = items;
	for (i = 0; i < list->kids_len; i++) {
		r = build_module(c, list, i);
		if (r != 0) {
			goto out;
		}
		pol->modules_len = i + 1;
	}
	r = build_session(c, root);
	if (r == 0) {
		r = build_totp(c, root);
	}
out:
	return r;
}
