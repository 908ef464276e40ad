/*
 * The LDAP adapter: the only file of onecard that calls libldap/liblber.
 * Everything above it speaks dir_int.h: DNs and filters as strings built
 * by escape.c, values as byte strings, results as ONECARD_ERR_* codes.
 *
 * Connection rules (docs/directory.md, "The library"):
 *  - LDAPv3, simple bind; referrals are not chased (chasing would bind
 *    elsewhere); network, StartTLS and operation timeouts of
 *    OC_DIR_TIMEOUT_SECONDS.
 *  - ldap:// runs StartTLS with the server certificate verified (TLS 1.2
 *    or later) before the password is sent: a plaintext simple bind over
 *    TCP never happens. ldaps:// verifies likewise; ldapi:// is a local
 *    socket and needs neither.
 *  - A person's password is checked by a bind on a connection of its own
 *    (dir_ldap_check_bind), under the same transport rules, then closed:
 *    never on the handle's connection, which stays bound as the admin.
 *  - An operation that finds the connection dead reconnects (and binds)
 *    once and retries once; a timeout drops the connection so that the
 *    next operation starts afresh.
 *  - liblber writes with write(2): a connection the server closed would
 *    raise SIGPIPE. Each entry point blocks SIGPIPE in the calling thread
 *    and consumes one it caused before unblocking (libpq's technique),
 *    so the process's signal dispositions are never touched.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include <ldap.h>

#include <openssl/crypto.h>

#include <onecard/error.h>

#include "dir_int.h"

#define DIR_MODS_MAX 8u /* attributes in one add or modify */

struct dir_conn {
	LDAP *ld; /* NULL while not connected */
	char *uri;
	char *bind_dn;
	char *pw; /* pw_len bytes and a NUL; wiped by dir_conn_free() */
	size_t pw_len;
	int network;  /* 1: ldap:// or ldaps:// (TLS settings apply) */
	int starttls; /* 1: ldap:// (StartTLS before the bind) */
	char diag[OC_DIR_DIAG_MAX + 1];
};

/* ---- SIGPIPE, blocked per thread around each entry point ----------------- */

struct sigpipe_guard {
	sigset_t old;
	int active;
	int was_pending;
};

static void sigpipe_block(struct sigpipe_guard *g)
{
	sigset_t block, pending;

	memset(g, 0, sizeof(*g));
	sigemptyset(&block);
	sigaddset(&block, SIGPIPE);
	if (pthread_sigmask(SIG_BLOCK, &block, &g->old) != 0) {
		return;
	}
	g->active = 1;
	if (sigpending(&pending) == 0) {
		g->was_pending = sigismember(&pending, SIGPIPE) == 1;
	}
}

static void sigpipe_restore(struct sigpipe_guard *g)
{
	sigset_t pending, only;
	struct timespec zero = {0, 0};

	if (!g->active) {
		return;
	}
	/* A SIGPIPE pending now and not before is ours: consume it. */
	if (!g->was_pending && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
		sigemptyset(&only);
		sigaddset(&only, SIGPIPE);
		(void)sigtimedwait(&only, NULL, &zero);
	}
	(void)pthread_sigmask(SIG_SETMASK, &g->old, NULL);
	g->active = 0;
}

/* ---- diagnostics ---------------------------------------------------------- */

void dir_conn_set_diag(struct dir_conn *conn, const char *text)
{
	if (conn == NULL) {
		return;
	}
	if (snprintf(conn->diag, sizeof(conn->diag), "%s", text) < 0) {
		conn->diag[0] = '\0';
	}
}

const char *dir_conn_diag(const struct dir_conn *conn)
{
	return conn != NULL ? conn->diag : "";
}

/* "what: <libldap's sentence for rc>[: <server's message>]". */
static void set_diag_rc(struct dir_conn *c, const char *what, int rc, const char *server_msg)
{
	int n;

	if (server_msg != NULL && server_msg[0] != '\0') {
		n = snprintf(c->diag, sizeof(c->diag), "%s: %s: %s", what, ldap_err2string(rc),
			     server_msg);
	} else {
		n = snprintf(c->diag, sizeof(c->diag), "%s: %s", what, ldap_err2string(rc));
	}
	if (n < 0) {
		c->diag[0] = '\0';
	}
}

/* The diagnostic message libldap keeps on the handle (it may hold the
 * server's text, or the reason a connection failed). */
static void set_diag_from_handle(struct dir_conn *c, LDAP *ld, const char *what, int rc)
{
	char *msg = NULL;

	if (ld != NULL &&
	    ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &msg) != LDAP_OPT_SUCCESS) {
		msg = NULL;
	}
	set_diag_rc(c, what, rc, msg);
	ldap_memfree(msg);
}

/* LDAP result code -> onecard error code (dir_int.h). */
static int map_rc(int rc)
{
	switch (rc) {
	case LDAP_SUCCESS:
		return ONECARD_OK;
	case LDAP_NO_SUCH_OBJECT:
		return ONECARD_ERR_NOT_FOUND;
	case LDAP_ALREADY_EXISTS:
		return ONECARD_ERR_EXISTS;
	case LDAP_CONSTRAINT_VIOLATION:
	case LDAP_INVALID_SYNTAX:
	case LDAP_OBJECT_CLASS_VIOLATION:
	case LDAP_UNDEFINED_TYPE:
	case LDAP_NAMING_VIOLATION:
	case LDAP_INVALID_DN_SYNTAX:
	case LDAP_TYPE_OR_VALUE_EXISTS:
	case LDAP_INAPPROPRIATE_MATCHING:
		return ONECARD_ERR_INVALID_ARG;
	case LDAP_SIZELIMIT_EXCEEDED:
		return ONECARD_ERR_TOO_LARGE;
	case LDAP_NO_MEMORY:
		return ONECARD_ERR_NOMEM;
	default:
		return ONECARD_ERR_DIRECTORY;
	}
}

/* ---- the handle ------------------------------------------------------------ */

/* Checks each URI of the list (split as ldap_initialize() splits it) and
 * sets network/starttls. All ldapi, or all ldap/ldaps. */
static int check_uris(struct dir_conn *c, const char *uri)
{
	char copy[OC_DIR_URI_MAX + 1];
	char *p, *end, *next;
	LDAPURLDesc *lud = NULL;
	int n_local = 0, n_net = 0, n_plain = 0, r = ONECARD_ERR_INTERNAL;

	if (snprintf(copy, sizeof(copy), "%s", uri) < 0) {
		return ONECARD_ERR_INTERNAL;
	}
	for (p = copy; *p != '\0'; p = next) {
		p += strspn(p, " ,");
		if (*p == '\0') {
			break;
		}
		end = p + strcspn(p, " ,");
		next = *end != '\0' ? end + 1 : end;
		*end = '\0';
		if (ldap_url_parse(p, &lud) != LDAP_URL_SUCCESS || lud == NULL ||
		    lud->lud_scheme == NULL) {
			r = ONECARD_ERR_INVALID_ARG;
			goto out;
		}
		if (strcasecmp(lud->lud_scheme, "ldapi") == 0) {
			n_local++;
		} else if (strcasecmp(lud->lud_scheme, "ldap") == 0) {
			n_net++;
			n_plain++;
		} else if (strcasecmp(lud->lud_scheme, "ldaps") == 0) {
			n_net++;
		} else {
			r = ONECARD_ERR_INVALID_ARG;
			goto out;
		}
		ldap_free_urldesc(lud);
		lud = NULL;
	}
	if (n_local + n_net == 0 || (n_local > 0 && n_net > 0)) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	c->network = n_net > 0;
	c->starttls = n_plain > 0;
	r = ONECARD_OK;
out:
	ldap_free_urldesc(lud);
	return r;
}

int dir_conn_new(const char *uri, const char *bind_dn, const char *password, size_t pw_len,
		 struct dir_conn **out)
{
	struct dir_conn *c = NULL;
	int r = ONECARD_ERR_INTERNAL;

	*out = NULL;
	if (uri == NULL || bind_dn == NULL || password == NULL || pw_len == 0 ||
	    memchr(password, '\0', pw_len) != NULL) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	if (strnlen(uri, OC_DIR_URI_MAX + 1) > OC_DIR_URI_MAX ||
	    strnlen(bind_dn, OC_DIR_BIND_DN_MAX + 1) > OC_DIR_BIND_DN_MAX ||
	    pw_len > OC_DIR_PASSWORD_MAX) {
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	if (bind_dn[0] == '\0' || dir_ldap_dn_check(bind_dn) != ONECARD_OK) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	r = check_uris(c, uri);
	if (r != ONECARD_OK) {
		goto out;
	}
	c->uri = strdup(uri);
	c->bind_dn = strdup(bind_dn);
	c->pw = malloc(pw_len + 1);
	if (c->uri == NULL || c->bind_dn == NULL || c->pw == NULL) {
		r = ONECARD_ERR_NOMEM;
		goto out;
	}
	memcpy(c->pw, password, pw_len);
	c->pw[pw_len] = '\0';
	c->pw_len = pw_len;
	*out = c;
	c = NULL;
	r = ONECARD_OK;
out:
	dir_conn_free(c);
	return r;
}

/* Unbinds and forgets the connection (the handle stays usable). */
static void conn_drop(struct dir_conn *c)
{
	if (c->ld != NULL) {
		(void)ldap_unbind_ext(c->ld, NULL, NULL);
		c->ld = NULL;
	}
}

void dir_conn_free(struct dir_conn *conn)
{
	struct sigpipe_guard g;

	if (conn == NULL) {
		return;
	}
	sigpipe_block(&g);
	conn_drop(conn);
	sigpipe_restore(&g);
	if (conn->pw != NULL) {
		OPENSSL_cleanse(conn->pw, conn->pw_len);
		free(conn->pw);
	}
	free(conn->uri);
	free(conn->bind_dn);
	OPENSSL_cleanse(conn, sizeof(*conn));
	free(conn);
}

/* Waits for the whole result of msgid. Returns LDAP_SUCCESS with *res,
 * LDAP_TIMEOUT (the request abandoned), or the handle's error code. */
static int wait_result(LDAP *ld, int msgid, LDAPMessage **res)
{
	struct timeval tv = {OC_DIR_TIMEOUT_SECONDS, 0};
	int rc, err = LDAP_OTHER;

	*res = NULL;
	rc = ldap_result(ld, msgid, LDAP_MSG_ALL, &tv, res);
	if (rc == 0) {
		ldap_msgfree(*res);
		*res = NULL;
		(void)ldap_abandon_ext(ld, msgid, NULL, NULL);
		return LDAP_TIMEOUT;
	}
	if (rc < 0) {
		ldap_msgfree(*res);
		*res = NULL;
		if (ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &err) != LDAP_OPT_SUCCESS ||
		    err == LDAP_SUCCESS) {
			err = LDAP_SERVER_DOWN;
		}
		return err;
	}
	return LDAP_SUCCESS;
}

/* Reads the result code (and the server's message into the diagnostic)
 * of a result chain; frees the chain when freeit. */
static int result_code(struct dir_conn *c, LDAP *ld, LDAPMessage *res, const char *what, int freeit)
{
	char *msg = NULL;
	int rc, err = LDAP_OTHER;

	rc = ldap_parse_result(ld, res, &err, NULL, &msg, NULL, NULL, freeit);
	if (rc != LDAP_SUCCESS) {
		err = rc;
	}
	if (err != LDAP_SUCCESS) {
		set_diag_rc(c, what, err, msg);
	}
	ldap_memfree(msg);
	return err;
}

static int set_options(struct dir_conn *c, LDAP *ld)
{
	struct timeval tv = {OC_DIR_TIMEOUT_SECONDS, 0};
	int version = LDAP_VERSION3, limit = OC_DIR_TIMEOUT_SECONDS;
	int demand = LDAP_OPT_X_TLS_DEMAND, tls_min = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2, zero = 0;

	if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_RESTART, LDAP_OPT_ON) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_TIMELIMIT, &limit) != LDAP_OPT_SUCCESS) {
		return LDAP_LOCAL_ERROR;
	}
	if (!c->network) {
		return LDAP_SUCCESS;
	}
	/* Whatever ldap.conf says (TLS_REQCERT never...), this handle
	 * verifies the server; NEWCTX builds the handle's own TLS context
	 * from these settings and the system's CA settings. */
	if (ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_X_TLS_PROTOCOL_MIN, &tls_min) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero) != LDAP_OPT_SUCCESS) {
		return LDAP_LOCAL_ERROR;
	}
	return LDAP_SUCCESS;
}

/* Opens a new handle to c's URI (options, StartTLS when c requires it)
 * and binds as dn with cred. ONECARD_OK and *out; else *out NULL,
 * ONECARD_ERR_DIRECTORY (the diagnostic in c) or ONECARD_ERR_NOMEM, and
 * *bind_rc the result code the server gave the bind (-1 when it never
 * answered one: no connection, StartTLS refused...). */
static int conn_open(struct dir_conn *c, const char *dn, struct berval *cred, LDAP **out,
		     int *bind_rc)
{
	LDAP *ld = NULL;
	LDAPMessage *res = NULL;
	int rc, msgid = -1, r = ONECARD_ERR_INTERNAL;

	*out = NULL;
	*bind_rc = -1;
	rc = ldap_initialize(&ld, c->uri);
	if (rc != LDAP_SUCCESS || ld == NULL) {
		set_diag_rc(c, "connect", rc, NULL);
		r = rc == LDAP_NO_MEMORY ? ONECARD_ERR_NOMEM : ONECARD_ERR_DIRECTORY;
		goto out;
	}
	rc = set_options(c, ld);
	if (rc != LDAP_SUCCESS) {
		set_diag_from_handle(c, ld, "TLS or connection settings", rc);
		r = ONECARD_ERR_DIRECTORY;
		goto out;
	}
	if (c->starttls) {
		rc = ldap_start_tls_s(ld, NULL, NULL);
		if (rc != LDAP_SUCCESS || !ldap_tls_inplace(ld)) {
			/* No bind follows: the password never goes out in
			 * the clear. */
			set_diag_from_handle(c, ld, "StartTLS",
					     rc != LDAP_SUCCESS ? rc : LDAP_OTHER);
			r = ONECARD_ERR_DIRECTORY;
			goto out;
		}
	}
	rc = ldap_sasl_bind(ld, dn, LDAP_SASL_SIMPLE, cred, NULL, NULL, &msgid);
	if (rc != LDAP_SUCCESS) {
		set_diag_from_handle(c, ld, "bind", rc);
		r = ONECARD_ERR_DIRECTORY;
		goto out;
	}
	rc = wait_result(ld, msgid, &res);
	if (rc != LDAP_SUCCESS) {
		set_diag_from_handle(c, ld, "bind", rc);
		r = ONECARD_ERR_DIRECTORY;
		goto out;
	}
	rc = result_code(c, ld, res, "bind", 1);
	res = NULL;
	*bind_rc = rc;
	if (rc != LDAP_SUCCESS) {
		r = ONECARD_ERR_DIRECTORY;
		goto out;
	}
	*out = ld;
	ld = NULL;
	c->diag[0] = '\0';
	r = ONECARD_OK;
out:
	ldap_msgfree(res);
	if (ld != NULL) {
		(void)ldap_unbind_ext(ld, NULL, NULL);
	}
	return r;
}

/* Connects, runs StartTLS when required, binds as the handle's DN.
 * ONECARD_OK or ONECARD_ERR_DIRECTORY (with the diagnostic),
 * ONECARD_ERR_NOMEM. */
static int conn_up(struct dir_conn *c)
{
	struct berval cred;
	int bind_rc;

	if (c->ld != NULL) {
		return ONECARD_OK;
	}
	cred.bv_val = c->pw;
	cred.bv_len = c->pw_len;
	return conn_open(c, c->bind_dn, &cred, &c->ld, &bind_rc);
}

int dir_conn_connect(struct dir_conn *conn)
{
	struct sigpipe_guard g;
	int r;

	sigpipe_block(&g);
	r = conn_up(conn);
	sigpipe_restore(&g);
	return r;
}

/* ---- running one operation with one reconnect ------------------------------ */

/* One attempt of an operation on c->ld: returns an LDAP result code. */
typedef int (*dir_attempt_fn)(struct dir_conn *c, void *arg);

static int run(struct dir_conn *c, dir_attempt_fn attempt, void *arg, int *retried)
{
	struct sigpipe_guard g;
	int rc, r = ONECARD_ERR_INTERNAL, reconnected = 0;

	if (retried != NULL) {
		*retried = 0;
	}
	sigpipe_block(&g);
	for (;;) {
		if (c->ld == NULL) {
			/* Connecting now counts as the one reconnect. */
			reconnected = 1;
			r = conn_up(c);
			if (r != ONECARD_OK) {
				goto out;
			}
		}
		c->diag[0] = '\0';
		rc = attempt(c, arg);
		if (rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR) {
			conn_drop(c);
			if (!reconnected) {
				if (retried != NULL) {
					*retried = 1;
				}
				continue;
			}
		} else if (rc == LDAP_TIMEOUT) {
			conn_drop(c);
		}
		r = map_rc(rc);
		goto out;
	}
out:
	sigpipe_restore(&g);
	return r;
}

/* ---- writes ---------------------------------------------------------------- */

struct write_arg {
	enum { W_ADD, W_MODIFY, W_DELETE } kind;
	const char *dn;
	LDAPMod **mods;
};

static int attempt_write(struct dir_conn *c, void *arg)
{
	struct write_arg *w = arg;
	LDAPMessage *res = NULL;
	const char *what = "delete";
	int rc, msgid = -1;

	switch (w->kind) {
	case W_ADD:
		what = "add";
		rc = ldap_add_ext(c->ld, w->dn, w->mods, NULL, NULL, &msgid);
		break;
	case W_MODIFY:
		what = "modify";
		rc = ldap_modify_ext(c->ld, w->dn, w->mods, NULL, NULL, &msgid);
		break;
	case W_DELETE:
	default:
		rc = ldap_delete_ext(c->ld, w->dn, NULL, NULL, &msgid);
		break;
	}
	if (rc == LDAP_SUCCESS) {
		rc = wait_result(c->ld, msgid, &res);
	}
	if (rc != LDAP_SUCCESS) {
		set_diag_from_handle(c, c->ld, what, rc);
		return rc;
	}
	return result_code(c, c->ld, res, what, 1);
}

/* The LDAPMod arrays for mods[0..n), pointing into mods' own values. */
struct mod_arrays {
	LDAPMod mod[DIR_MODS_MAX];
	LDAPMod *modp[DIR_MODS_MAX + 1];
	struct berval bv[DIR_MODS_MAX][DIR_MOD_VALUES_MAX];
	struct berval *bvp[DIR_MODS_MAX][DIR_MOD_VALUES_MAX + 1];
};

static int build_mods(struct mod_arrays *a, const struct dir_mod *mods, size_t n, int add)
{
	size_t i, j;

	memset(a, 0, sizeof(*a));
	if (n == 0 || n > DIR_MODS_MAX) {
		return ONECARD_ERR_INVALID_ARG;
	}
	for (i = 0; i < n; i++) {
		if (mods[i].n > DIR_MOD_VALUES_MAX || (add && mods[i].n == 0)) {
			return ONECARD_ERR_INVALID_ARG;
		}
		for (j = 0; j < mods[i].n; j++) {
			a->bv[i][j].bv_val = (char *)mods[i].vals[j].data;
			a->bv[i][j].bv_len = mods[i].vals[j].len;
			a->bvp[i][j] = &a->bv[i][j];
		}
		a->bvp[i][mods[i].n] = NULL;
		a->mod[i].mod_op = (add ? LDAP_MOD_ADD : LDAP_MOD_REPLACE) | LDAP_MOD_BVALUES;
		a->mod[i].mod_type = (char *)mods[i].attr;
		/* REPLACE with no values removes the attribute, and is no
		 * error when it is absent (RFC 4511 §4.6). */
		a->mod[i].mod_bvalues = mods[i].n > 0 ? a->bvp[i] : NULL;
		a->modp[i] = &a->mod[i];
	}
	a->modp[n] = NULL;
	return ONECARD_OK;
}

int dir_ldap_add(struct dir_conn *conn, const char *dn, const struct dir_mod *mods, size_t n,
		 struct dir_write_info *info)
{
	struct mod_arrays a;
	struct write_arg w;
	int r, retried = 0;

	if (info != NULL) {
		memset(info, 0, sizeof(*info));
	}
	r = build_mods(&a, mods, n, 1);
	if (r != ONECARD_OK) {
		return r;
	}
	w.kind = W_ADD;
	w.dn = dn;
	w.mods = a.modp;
	r = run(conn, attempt_write, &w, &retried);
	if (info != NULL) {
		info->retried = retried;
	}
	return r;
}

int dir_ldap_modify(struct dir_conn *conn, const char *dn, const struct dir_mod *mods, size_t n)
{
	struct mod_arrays a;
	struct write_arg w;
	int r;

	r = build_mods(&a, mods, n, 0);
	if (r != ONECARD_OK) {
		return r;
	}
	w.kind = W_MODIFY;
	w.dn = dn;
	w.mods = a.modp;
	return run(conn, attempt_write, &w, NULL);
}

int dir_ldap_delete(struct dir_conn *conn, const char *dn)
{
	struct write_arg w;

	w.kind = W_DELETE;
	w.dn = dn;
	w.mods = NULL;
	return run(conn, attempt_write, &w, NULL);
}

/* ---- search ---------------------------------------------------------------- */

struct search_arg {
	const char *base;
	int scope;
	const char *filter;
	char **attrs;
	size_t nattrs;
	size_t limit;
	struct dir_entries *out;
};

void dir_entries_free(struct dir_entries *entries)
{
	size_t i, j, k;
	struct dir_entry *e;

	if (entries == NULL) {
		return;
	}
	for (i = 0; i < entries->n; i++) {
		e = &entries->e[i];
		free(e->dn);
		for (j = 0; j < DIR_ATTRS_MAX; j++) {
			for (k = 0; k < e->attr[j].n; k++) {
				free(e->attr[j].v[k].data);
			}
			free(e->attr[j].v);
		}
	}
	free(entries->e);
	memset(entries, 0, sizeof(*entries));
}

/* Copies the values of one attribute of an entry. */
static int copy_values(struct berval **bvals, struct dir_values *out)
{
	size_t n = 0, i;

	memset(out, 0, sizeof(*out));
	if (bvals == NULL) {
		return ONECARD_OK;
	}
	while (bvals[n] != NULL) {
		n++;
		if (n > DIR_VALUES_MAX) {
			return ONECARD_ERR_TOO_LARGE;
		}
	}
	if (n == 0) {
		return ONECARD_OK;
	}
	out->v = calloc(n, sizeof(*out->v));
	if (out->v == NULL) {
		return ONECARD_ERR_NOMEM;
	}
	for (i = 0; i < n; i++) {
		if (bvals[i]->bv_len > DIR_VALUE_MAX) {
			return ONECARD_ERR_TOO_LARGE;
		}
		out->v[i].data = malloc(bvals[i]->bv_len + 1);
		if (out->v[i].data == NULL) {
			return ONECARD_ERR_NOMEM;
		}
		if (bvals[i]->bv_len > 0) {
			memcpy(out->v[i].data, bvals[i]->bv_val, bvals[i]->bv_len);
		}
		out->v[i].data[bvals[i]->bv_len] = '\0';
		out->v[i].len = bvals[i]->bv_len;
		out->n = i + 1;
	}
	return ONECARD_OK;
}

/* Copies the entries of a result chain into s->out. */
static int copy_entries(struct dir_conn *c, LDAPMessage *res, struct search_arg *s)
{
	LDAPMessage *m;
	struct berval **bvals;
	struct dir_entry *e;
	char *dn;
	int count, r;
	size_t i, j;

	count = ldap_count_entries(c->ld, res);
	if (count < 0) {
		return ONECARD_ERR_DIRECTORY;
	}
	if ((size_t)count > s->limit) {
		return ONECARD_ERR_TOO_LARGE;
	}
	if (count == 0) {
		return ONECARD_OK;
	}
	s->out->e = calloc((size_t)count, sizeof(*s->out->e));
	if (s->out->e == NULL) {
		return ONECARD_ERR_NOMEM;
	}
	i = 0;
	for (m = ldap_first_entry(c->ld, res); m != NULL && i < (size_t)count;
	     m = ldap_next_entry(c->ld, m)) {
		e = &s->out->e[i];
		s->out->n = ++i;
		dn = ldap_get_dn(c->ld, m);
		if (dn == NULL) {
			return ONECARD_ERR_DIRECTORY;
		}
		e->dn = strdup(dn);
		ldap_memfree(dn);
		if (e->dn == NULL) {
			return ONECARD_ERR_NOMEM;
		}
		for (j = 0; j < s->nattrs; j++) {
			bvals = ldap_get_values_len(c->ld, m, s->attrs[j]);
			r = copy_values(bvals, &e->attr[j]);
			ldap_value_free_len(bvals);
			if (r != ONECARD_OK) {
				return r;
			}
		}
	}
	return ONECARD_OK;
}

static int attempt_search(struct dir_conn *c, void *arg)
{
	struct search_arg *s = arg;
	struct timeval tv = {OC_DIR_TIMEOUT_SECONDS, 0};
	LDAPMessage *res = NULL;
	int rc, msgid = -1, r;

	dir_entries_free(s->out);
	rc = ldap_search_ext(c->ld, s->base, s->scope, s->filter, s->attrs, 0, NULL, NULL, &tv,
			     (int)s->limit, &msgid);
	if (rc == LDAP_SUCCESS) {
		rc = wait_result(c->ld, msgid, &res);
	}
	if (rc != LDAP_SUCCESS) {
		set_diag_from_handle(c, c->ld, "search", rc);
		return rc;
	}
	rc = result_code(c, c->ld, res, "search", 0);
	if (rc == LDAP_SUCCESS) {
		r = copy_entries(c, res, s);
		if (r == ONECARD_ERR_NOMEM) {
			rc = LDAP_NO_MEMORY;
		} else if (r == ONECARD_ERR_TOO_LARGE) {
			dir_conn_set_diag(c, "search: a value or an entry count over its maximum");
			rc = LDAP_SIZELIMIT_EXCEEDED;
		} else if (r != ONECARD_OK) {
			dir_conn_set_diag(c, "search: an entry without a DN");
			rc = LDAP_OTHER;
		}
	}
	ldap_msgfree(res);
	if (rc != LDAP_SUCCESS) {
		dir_entries_free(s->out);
	}
	return rc;
}

int dir_ldap_search(struct dir_conn *conn, const char *base, enum dir_scope scope,
		    const char *filter, const char *const *attrs, size_t nattrs, size_t limit,
		    struct dir_entries *out)
{
	char *attr_list[DIR_ATTRS_MAX + 1];
	struct search_arg s;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (nattrs == 0 || nattrs > DIR_ATTRS_MAX || limit == 0 || limit > DIR_ENTRIES_MAX) {
		return ONECARD_ERR_INVALID_ARG;
	}
	for (i = 0; i < nattrs; i++) {
		attr_list[i] = (char *)attrs[i];
	}
	attr_list[nattrs] = NULL;
	s.base = base;
	switch (scope) {
	case DIR_SCOPE_BASE:
		s.scope = LDAP_SCOPE_BASE;
		break;
	case DIR_SCOPE_ONE:
		s.scope = LDAP_SCOPE_ONELEVEL;
		break;
	case DIR_SCOPE_SUB:
	default:
		s.scope = LDAP_SCOPE_SUBTREE;
		break;
	}
	s.filter = filter;
	s.attrs = attr_list;
	s.nattrs = nattrs;
	s.limit = limit;
	s.out = out;
	return run(conn, attempt_search, &s, NULL);
}

/* ---- passwords ------------------------------------------------------------- */

int dir_ldap_check_bind(struct dir_conn *conn, const char *dn, const char *password, size_t pw_len)
{
	struct sigpipe_guard g;
	struct berval cred;
	LDAP *ld = NULL;
	int bind_rc = -1, r;

	if (conn == NULL || dn == NULL || password == NULL || pw_len == 0) {
		return ONECARD_ERR_INVALID_ARG;
	}
	/* libldap only reads the credentials. */
	cred.bv_val = (char *)password;
	cred.bv_len = pw_len;
	sigpipe_block(&g);
	r = conn_open(conn, dn, &cred, &ld, &bind_rc);
	if (ld != NULL) {
		(void)ldap_unbind_ext(ld, NULL, NULL);
	}
	sigpipe_restore(&g);
	if (r == ONECARD_OK) {
		return ONECARD_OK;
	}
	if (bind_rc == LDAP_INVALID_CREDENTIALS || bind_rc == LDAP_INAPPROPRIATE_AUTH) {
		return ONECARD_ERR_PASSPHRASE;
	}
	return r;
}

struct passwd_arg {
	const char *dn;
	const char *authz_dn;
	struct berval pw;
	enum dir_pw_policy *policy;
};

/* The ppolicy response control's error, if the server sent one. */
static enum dir_pw_policy policy_error(LDAP *ld, LDAPControl **ctrls)
{
	LDAPPasswordPolicyError err = PP_noError;
	LDAPControl *c;
	ber_int_t expire = -1, grace = -1;

	c = ldap_control_find(LDAP_CONTROL_PASSWORDPOLICYRESPONSE, ctrls, NULL);
	if (c == NULL ||
	    ldap_parse_passwordpolicy_control(ld, c, &expire, &grace, &err) != LDAP_SUCCESS) {
		return DIR_PW_POLICY_NONE;
	}
	switch (err) {
	case PP_noError:
		return DIR_PW_POLICY_NONE;
	case PP_passwordInHistory:
		return DIR_PW_POLICY_IN_HISTORY;
	default:
		return DIR_PW_POLICY_OTHER;
	}
}

static int attempt_passwd(struct dir_conn *c, void *arg)
{
	struct passwd_arg *p = arg;
	LDAPControl proxy, *policy_req = NULL, *sctrls[3] = {NULL, NULL, NULL}, **ctrls = NULL;
	LDAPMessage *res = NULL;
	struct berval user;
	char authz[DIR_DN_MAX + 4];
	char *msg = NULL;
	int rc, n, msgid = -1, err = LDAP_OTHER;

	*p->policy = DIR_PW_POLICY_NONE;
	/* Proxied authorization (RFC 4370), critical: the change is made
	 * as the password setter, whom the policy binds, never as the
	 * administrator, whom it does not. A server that cannot honour the
	 * control refuses the operation rather than skip the policy. */
	n = snprintf(authz, sizeof(authz), "dn:%s", p->authz_dn);
	if (n < 0 || (size_t)n >= sizeof(authz)) {
		dir_conn_set_diag(c, "password: the setter's DN is too long");
		return LDAP_PARAM_ERROR;
	}
	memset(&proxy, 0, sizeof(proxy));
	proxy.ldctl_oid = LDAP_CONTROL_PROXY_AUTHZ;
	proxy.ldctl_value.bv_val = authz;
	proxy.ldctl_value.bv_len = (ber_len_t)n;
	proxy.ldctl_iscritical = 1;
	/* The password policy request control: the answer says why a
	 * password was refused (in history, too short...). */
	rc = ldap_create_passwordpolicy_control(c->ld, &policy_req);
	if (rc != LDAP_SUCCESS) {
		set_diag_from_handle(c, c->ld, "password", rc);
		return rc;
	}
	sctrls[0] = &proxy;
	sctrls[1] = policy_req;
	user.bv_val = (char *)p->dn;
	user.bv_len = strlen(p->dn);
	rc = ldap_passwd(c->ld, &user, NULL, &p->pw, sctrls, NULL, &msgid);
	if (rc == LDAP_SUCCESS) {
		rc = wait_result(c->ld, msgid, &res);
	}
	if (rc != LDAP_SUCCESS) {
		set_diag_from_handle(c, c->ld, "password", rc);
		goto out;
	}
	rc = ldap_parse_result(c->ld, res, &err, NULL, &msg, NULL, &ctrls, 0);
	if (rc != LDAP_SUCCESS) {
		err = rc;
	}
	if (err != LDAP_SUCCESS) {
		set_diag_rc(c, "password", err, msg);
		*p->policy = policy_error(c->ld, ctrls);
	}
	rc = err;
out:
	ldap_controls_free(ctrls);
	ldap_memfree(msg);
	ldap_msgfree(res);
	ldap_control_free(policy_req);
	return rc;
}

int dir_ldap_passwd(struct dir_conn *conn, const char *dn, const char *authz_dn,
		    const char *password, size_t pw_len, enum dir_pw_policy *policy,
		    struct dir_write_info *info)
{
	struct passwd_arg p;
	int r, retried = 0;

	*policy = DIR_PW_POLICY_NONE;
	if (info != NULL) {
		memset(info, 0, sizeof(*info));
	}
	if (conn == NULL || dn == NULL || authz_dn == NULL || password == NULL || pw_len == 0) {
		return ONECARD_ERR_INVALID_ARG;
	}
	p.dn = dn;
	p.authz_dn = authz_dn;
	/* libldap only reads it; it is copied into the request (liblber
	 * frees that copy without wiping it: a limit of the library). */
	p.pw.bv_val = (char *)password;
	p.pw.bv_len = pw_len;
	p.policy = policy;
	r = run(conn, attempt_passwd, &p, &retried);
	if (info != NULL) {
		info->retried = retried;
	}
	return r;
}

/* ---- DN parsing ------------------------------------------------------------ */

int dir_ldap_dn_check(const char *text)
{
	LDAPDN dn = NULL;
	int rc;

	rc = ldap_str2dn(text, &dn, LDAP_DN_FORMAT_LDAPV3);
	ldap_dnfree(dn);
	return rc == LDAP_SUCCESS ? ONECARD_OK : ONECARD_ERR_INVALID_ARG;
}

int dir_ldap_dn_parent(const char *dn, char *out, size_t cap)
{
	LDAPDN parsed = NULL;
	char *str = NULL;
	int r = ONECARD_ERR_INTERNAL;

	if (cap == 0) {
		return ONECARD_ERR_TOO_LARGE;
	}
	out[0] = '\0';
	if (ldap_str2dn(dn, &parsed, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS || parsed == NULL ||
	    parsed[0] == NULL || parsed[1] == NULL) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	if (ldap_dn2str(&parsed[1], &str, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS || str == NULL) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	if (strlen(str) >= cap) {
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	memcpy(out, str, strlen(str) + 1);
	r = ONECARD_OK;
out:
	ldap_memfree(str);
	ldap_dnfree(parsed);
	return r;
}

int dir_ldap_dn_first_rdn(const char *dn, char *attr, size_t attr_cap, char *value,
			  size_t value_cap)
{
	LDAPDN parsed = NULL;
	LDAPAVA *ava;
	int r = ONECARD_ERR_INTERNAL;

	if (attr_cap == 0 || value_cap == 0) {
		return ONECARD_ERR_TOO_LARGE;
	}
	attr[0] = '\0';
	value[0] = '\0';
	if (ldap_str2dn(dn, &parsed, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS || parsed == NULL ||
	    parsed[0] == NULL || parsed[0][0] == NULL || parsed[0][1] != NULL) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	ava = parsed[0][0];
	if ((ava->la_flags & LDAP_AVA_BINARY) != 0 ||
	    memchr(ava->la_value.bv_val, '\0', ava->la_value.bv_len) != NULL) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	if (ava->la_attr.bv_len >= attr_cap || ava->la_value.bv_len >= value_cap) {
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	memcpy(attr, ava->la_attr.bv_val, ava->la_attr.bv_len);
	attr[ava->la_attr.bv_len] = '\0';
	memcpy(value, ava->la_value.bv_val, ava->la_value.bv_len);
	value[ava->la_value.bv_len] = '\0';
	r = ONECARD_OK;
out:
	ldap_dnfree(parsed);
	return r;
}
