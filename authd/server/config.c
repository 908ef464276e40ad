/*
 * Reading onecard-authd's configuration file: the libconfig text goes
 * through the policy's adapter (pc_parse, so libconfig is touched in one
 * file only), then this table-driven reader maps the tree onto struct
 * authd_config. Unknown settings are errors: a typo must not silently
 * leave a default in place.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <onecard/error.h>

#include "arena.h"
#include "conf.h"
#include "config.h"

enum field_type {
	F_STRING, /* copied as is */
	F_PATH,	  /* relative to the configuration file's folder */
	F_INT,	  /* checked against min..max */
	F_PATHS,  /* array of paths: trust.crls */
};

struct field {
	const char *group; /* NULL: top level */
	const char *name;
	enum field_type type;
	size_t offset;
	size_t size; /* F_STRING/F_PATH: buffer size; F_INT: sizeof the member */
	long long min, max;
	int required;
};

#define STR(g, n, m, req)                                                \
	{                                                                \
		g, n, F_STRING, offsetof(struct authd_config, m),        \
			sizeof(((struct authd_config *)0)->m), 0, 0, req \
	}
#define PATH(g, n, m, req)                                               \
	{                                                                \
		g, n, F_PATH, offsetof(struct authd_config, m),          \
			sizeof(((struct authd_config *)0)->m), 0, 0, req \
	}
#define INT(g, n, m, lo, hi)                                             \
	{                                                                \
		g, n, F_INT, offsetof(struct authd_config, m),           \
			sizeof(((struct authd_config *)0)->m), lo, hi, 0 \
	}

static const struct field fields[] = {
	STR("listen", "address", address, 0),
	INT("listen", "port", port, 0, 65535),
	INT("listen", "threads", threads, 1, 64),
	INT("listen", "body_max", body_max, 1024, 1048576),
	STR(NULL, "origin", origin, 1),
	STR(NULL, "issuer", issuer, 0),
	STR(NULL, "instance", instance, 0),
	PATH(NULL, "policy", policy, 1),
	PATH("trust", "anchors", anchors, 1),
	PATH("trust", "cas", cas, 0),
	{"trust", "crls", F_PATHS, offsetof(struct authd_config, crls), 0, 0, 0, 1},
	INT("trust", "crl_max_age", crl_max_age, 0, AUTHD_CRL_MAX_AGE_MAX),
	INT("trust", "reload_interval", trust_reload, 1, AUTHD_RELOAD_INTERVAL_MAX),
	INT("trust", "verify_time", verify_time, 0, 253402300799LL),
	STR("directory", "uri", ldap_uri, 1),
	STR("directory", "base", ldap_base, 1),
	STR("directory", "bind_dn", ldap_bind_dn, 1),
	PATH("directory", "bind_password_file", ldap_password_file, 1),
	INT("directory", "pool", ldap_pool, 1, AUTHD_POOL_MAX),
	STR("database", "conninfo", pg_conninfo, 1),
	INT("database", "pool", pg_pool, 1, AUTHD_POOL_MAX),
	PATH("keys", "dir", keys_dir, 1),
	INT("keys", "reload_interval", keys_reload, 1, AUTHD_KEYS_RELOAD_MAX),
	INT("token", "max_lifetime", token_max_lifetime, 30, AUTHD_TOKEN_LIFETIME_MAX),
	INT("challenge", "lifetime", challenge_lifetime, 10, 120),
	INT("challenge", "skew", challenge_skew, 0, 5),
	PATH("otp", "key_file", otp_key_file, 0),
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static const char *const groups[] = {"listen", "trust", "directory", "database",
				     "keys",   "token", "challenge", "otp"};

struct reader {
	const char *file;
	char dir[AUTHD_PATH_MAX]; /* the file's folder, with a trailing '/' ("" for cwd) */
	char *err;
	int seen[NFIELDS];
};

__attribute__((format(printf, 3, 4))) static int fail(struct reader *rd, unsigned line,
						      const char *fmt, ...)
{
	char msg[AUTHD_CONFIG_ERR_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0) {
		msg[0] = '\0';
	}
	/* A message cut short still names the file and line. */
	if (line > 0) {
		n = snprintf(rd->err, AUTHD_CONFIG_ERR_MAX, "%s:%u: %s", rd->file, line, msg);
	} else {
		n = snprintf(rd->err, AUTHD_CONFIG_ERR_MAX, "%s: %s", rd->file, msg);
	}
	if (n < 0) {
		rd->err[0] = '\0';
	}
	return ONECARD_ERR_POLICY;
}

static int copy_text(struct reader *rd, const struct pc_node *n, char *dst, size_t size,
		     int is_path)
{
	size_t len = strlen(n->sval);
	int w;

	if (len == 0) {
		return fail(rd, n->line, "\"%s\" must not be empty",
			    n->name != NULL ? n->name : "");
	}
	if (is_path && n->sval[0] != '/') {
		w = snprintf(dst, size, "%s%s", rd->dir, n->sval);
	} else {
		w = snprintf(dst, size, "%s", n->sval);
	}
	if (w < 0 || (size_t)w >= size) {
		return fail(rd, n->line, "value longer than %zu bytes", size - 1);
	}
	return 0;
}

static int set_int(struct reader *rd, const struct field *f, const struct pc_node *n,
		   struct authd_config *cfg)
{
	char *dst = (char *)cfg + f->offset;

	if (n->kind != PC_INT) {
		return fail(rd, n->line, "\"%s\" must be an integer", f->name);
	}
	if (n->ival < f->min || n->ival > f->max) {
		return fail(rd, n->line, "\"%s\" must be %lld..%lld", f->name, f->min, f->max);
	}
	if (f->size == sizeof(uint16_t)) {
		*(uint16_t *)(void *)dst = (uint16_t)n->ival;
	} else if (f->size == sizeof(int)) {
		*(int *)(void *)dst = (int)n->ival;
	} else if (f->size == sizeof(int64_t)) {
		*(int64_t *)(void *)dst = (int64_t)n->ival;
	} else {
		return fail(rd, n->line, "internal: field size");
	}
	return 0;
}

static int set_field(struct reader *rd, const struct field *f, const struct pc_node *n,
		     struct authd_config *cfg)
{
	size_t i;
	int r;

	switch (f->type) {
	case F_STRING:
	case F_PATH:
		if (n->kind != PC_STRING) {
			return fail(rd, n->line, "\"%s\" must be a string", f->name);
		}
		return copy_text(rd, n, (char *)cfg + f->offset, f->size, f->type == F_PATH);
	case F_INT:
		return set_int(rd, f, n, cfg);
	case F_PATHS:
		if (n->kind != PC_ARRAY || n->kids_len == 0) {
			return fail(rd, n->line, "\"%s\" must be a non-empty array of strings",
				    f->name);
		}
		if (n->kids_len > AUTHD_CRL_FILES_MAX) {
			return fail(rd, n->line, "at most %u CRL files", AUTHD_CRL_FILES_MAX);
		}
		for (i = 0; i < n->kids_len; i++) {
			if (n->kids[i].kind != PC_STRING) {
				return fail(rd, n->kids[i].line, "\"%s\" must hold strings",
					    f->name);
			}
			r = copy_text(rd, &n->kids[i], cfg->crls[i], sizeof(cfg->crls[i]), 1);
			if (r != 0) {
				return r;
			}
		}
		cfg->ncrls = n->kids_len;
		return 0;
	}
	return fail(rd, n->line, "internal: field type");
}

static int read_setting(struct reader *rd, const char *group, const struct pc_node *n,
			struct authd_config *cfg)
{
	size_t i;

	for (i = 0; i < NFIELDS; i++) {
		const struct field *f = &fields[i];
		int same_group =
			(f->group == NULL && group == NULL) ||
			(f->group != NULL && group != NULL && strcmp(f->group, group) == 0);

		if (same_group && strcmp(f->name, n->name) == 0) {
			rd->seen[i] = 1;
			return set_field(rd, f, n, cfg);
		}
	}
	if (group != NULL) {
		return fail(rd, n->line, "unknown setting \"%s.%s\"", group, n->name);
	}
	return fail(rd, n->line, "unknown setting \"%s\"", n->name);
}

static int is_group(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		if (strcmp(groups[i], name) == 0) {
			return 1;
		}
	}
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	return -1;
}

/* One client: { id = "city-a-customs"; secret_sha256 = "<64 hex>"; }. */
static int read_client(struct reader *rd, const struct pc_node *g, struct authd_client *c)
{
	const struct pc_node *id = NULL, *sha = NULL;
	size_t i;
	int hi, lo;

	if (g->kind != PC_GROUP) {
		return fail(rd, g->line,
			    "each introspection client is a group { id; secret_sha256; }");
	}
	for (i = 0; i < g->kids_len; i++) {
		if (strcmp(g->kids[i].name, "id") == 0) {
			id = &g->kids[i];
		} else if (strcmp(g->kids[i].name, "secret_sha256") == 0) {
			sha = &g->kids[i];
		} else {
			return fail(rd, g->kids[i].line,
				    "unknown setting \"%s\" in an introspection client",
				    g->kids[i].name);
		}
	}
	if (id == NULL || sha == NULL) {
		return fail(rd, g->line, "an introspection client needs id and secret_sha256");
	}
	if (id->kind != PC_STRING || id->sval[0] == '\0' ||
	    strlen(id->sval) > AUTHD_CLIENT_ID_MAX || strchr(id->sval, ':') != NULL) {
		return fail(rd, id->line, "a client id is a string of 1..%u bytes without ':'",
			    AUTHD_CLIENT_ID_MAX);
	}
	for (i = 0; id->sval[i] != '\0'; i++) {
		if ((unsigned char)id->sval[i] < 0x21 || (unsigned char)id->sval[i] > 0x7e) {
			return fail(rd, id->line, "a client id is printable ASCII without spaces");
		}
	}
	if (sha->kind != PC_STRING || strlen(sha->sval) != 64) {
		return fail(rd, sha->line,
			    "secret_sha256 is the SHA-256 of the secret, 64 lowercase hex digits");
	}
	for (i = 0; i < 32; i++) {
		hi = hex_digit(sha->sval[2 * i]);
		lo = hex_digit(sha->sval[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			return fail(rd, sha->line,
				    "secret_sha256 is the SHA-256 of the secret, 64 lowercase hex "
				    "digits");
		}
		c->secret_sha256[i] = (unsigned char)(hi << 4 | lo);
	}
	memcpy(c->id, id->sval, strlen(id->sval) + 1);
	return 0;
}

static int read_clients(struct reader *rd, const struct pc_node *n, struct authd_config *cfg)
{
	size_t i, j;
	int r;

	if (!(n->kind == PC_LIST || (n->kind == PC_ARRAY && n->kids_len == 0))) {
		return fail(rd, n->line,
			    "\"introspection_clients\" must be a list ( { ... }, ... )");
	}
	if (n->kids_len > AUTHD_CLIENTS_MAX) {
		return fail(rd, n->line, "at most %u introspection clients", AUTHD_CLIENTS_MAX);
	}
	for (i = 0; i < n->kids_len; i++) {
		r = read_client(rd, &n->kids[i], &cfg->clients[i]);
		if (r != 0) {
			return r;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(cfg->clients[j].id, cfg->clients[i].id) == 0) {
				return fail(rd, n->kids[i].line,
					    "introspection client \"%s\" twice",
					    cfg->clients[i].id);
			}
		}
		cfg->nclients = i + 1;
	}
	return 0;
}

static int read_tree(struct reader *rd, const struct pc_node *root, struct authd_config *cfg)
{
	size_t i, k;
	int r;

	for (i = 0; i < root->kids_len; i++) {
		const struct pc_node *n = &root->kids[i];

		if (strcmp(n->name, "introspection_clients") == 0) {
			r = read_clients(rd, n, cfg);
			if (r != 0) {
				return r;
			}
			continue;
		}
		if (is_group(n->name)) {
			if (n->kind != PC_GROUP) {
				return fail(rd, n->line, "\"%s\" must be a group { ... }", n->name);
			}
			for (k = 0; k < n->kids_len; k++) {
				r = read_setting(rd, n->name, &n->kids[k], cfg);
				if (r != 0) {
					return r;
				}
			}
			continue;
		}
		r = read_setting(rd, NULL, n, cfg);
		if (r != 0) {
			return r;
		}
	}
	for (i = 0; i < NFIELDS; i++) {
		if (fields[i].required && !rd->seen[i]) {
			if (fields[i].group != NULL) {
				return fail(rd, 0, "missing setting \"%s.%s\"", fields[i].group,
					    fields[i].name);
			}
			return fail(rd, 0, "missing setting \"%s\"", fields[i].name);
		}
	}
	return 0;
}

/* scheme://host[:port] in lower case, no path, query or user. */
static int origin_ok(const char *o)
{
	const char *host;
	size_t i;

	if (strncmp(o, "https://", 8) == 0) {
		host = o + 8;
	} else if (strncmp(o, "http://", 7) == 0) {
		host = o + 7;
	} else {
		return 0;
	}
	if (*host == '\0') {
		return 0;
	}
	for (i = 0; host[i] != '\0'; i++) {
		char c = host[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		      c == ':' || c == '[' || c == ']')) {
			return 0;
		}
	}
	return 1;
}

static void set_defaults(struct authd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	(void)snprintf(cfg->address, sizeof(cfg->address), "127.0.0.1");
	cfg->port = 8443;
	cfg->threads = 2;
	cfg->body_max = 64u * 1024u;
	cfg->crl_max_age = 7 * 86400;
	cfg->trust_reload = 10;
	cfg->ldap_pool = 4;
	cfg->pg_pool = 4;
	cfg->keys_reload = 5;
	cfg->token_max_lifetime = 600;
	cfg->challenge_lifetime = 60;
	cfg->challenge_skew = 2;
}

static int read_whole(struct reader *rd, const char *path, char **text, size_t *len)
{
	FILE *f = NULL;
	char *buf = NULL;
	size_t got;
	int r;

	*text = NULL;
	*len = 0;
	f = fopen(path, "rb");
	if (f == NULL) {
		r = fail(rd, 0, "cannot open: %s", strerror(errno));
		r = ONECARD_ERR_IO;
		goto out;
	}
	buf = malloc(AUTHD_CONFIG_FILE_MAX + 1);
	if (buf == NULL) {
		r = fail(rd, 0, "out of memory");
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	got = fread(buf, 1, AUTHD_CONFIG_FILE_MAX + 1, f);
	if (ferror(f)) {
		r = fail(rd, 0, "cannot read");
		r = ONECARD_ERR_IO;
		goto out;
	}
	if (got > AUTHD_CONFIG_FILE_MAX) {
		r = fail(rd, 0, "larger than %u bytes", AUTHD_CONFIG_FILE_MAX);
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	buf[got] = '\0';
	*text = buf;
	*len = got;
	buf = NULL;
	r = 0;
out:
	free(buf);
	if (f != NULL) {
		(void)fclose(f);
	}
	return r;
}

int authd_config_load(const char *path, struct authd_config *cfg, char err[AUTHD_CONFIG_ERR_MAX])
{
	struct reader rd;
	struct pol_arena arena;
	const struct pc_node *root = NULL;
	const char *slash;
	char *text = NULL;
	size_t len = 0;
	int r;

	set_defaults(cfg);
	err[0] = '\0';
	memset(&rd, 0, sizeof(rd));
	rd.file = path;
	rd.err = err;
	pol_arena_init(&arena);
	slash = strrchr(path, '/');
	if (slash != NULL) {
		size_t dlen = (size_t)(slash - path) + 1;

		if (dlen >= sizeof(rd.dir)) {
			r = fail(&rd, 0, "path too long");
			goto out;
		}
		memcpy(rd.dir, path, dlen);
		rd.dir[dlen] = '\0';
	}
	r = read_whole(&rd, path, &text, &len);
	if (r != 0) {
		goto out;
	}
	r = pc_parse(text, len, path, &arena, &root, err, AUTHD_CONFIG_ERR_MAX);
	if (r != 0) {
		goto out;
	}
	r = read_tree(&rd, root, cfg);
	if (r != 0) {
		goto out;
	}
	if (!origin_ok(cfg->origin)) {
		r = fail(&rd, 0, "\"origin\" must be http(s)://host[:port] in lower case, no path");
		goto out;
	}
	if (cfg->issuer[0] == '\0') {
		memcpy(cfg->issuer, cfg->origin, sizeof(cfg->issuer));
	}
	if (cfg->instance[0] == '\0') {
		int n = snprintf(cfg->instance, sizeof(cfg->instance), "%s:%u", cfg->address,
				 (unsigned)cfg->port);

		if (n < 0 || (size_t)n >= sizeof(cfg->instance)) {
			r = fail(&rd, 0, "set \"instance\": the default one is too long");
			goto out;
		}
	}
	r = 0;
out:
	free(text);
	pol_arena_free(&arena);
	return r;
}
