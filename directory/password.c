/*
 * A person's directory password (directory.h, "passwords"): the rules a
 * new one must meet, setting it, and checking it by a bind.
 *
 * Who does what: this file checks the rules that need no directory
 * (length, UTF-8, control characters, not the person id); slapd hashes
 * the password (its password-hash) and its ppolicy overlay refuses reuse
 * (pwdInHistory), comparing the candidate with the hashes it keeps, so
 * that neither old passwords nor their hashes ever pass through here.
 * ppolicy exempts whoever has manage access to userPassword, as the
 * admin (the rootdn) has: a password is therefore set as the password
 * setter, an identity with write access only, by proxied authorization.
 *
 * Checking: the person is read on the admin connection, then ONE simple
 * bind is made on a new connection, as the person when they have a
 * password, else as the stand-in entry (an argon2 hash like a person's),
 * so that an unknown person costs what a wrong password costs. Statuses
 * are looked at only after the bind succeeded.
 */
#include <stdio.h>
#include <string.h>

#include <onecard/error.h>

#include "dir_int.h"
#include "identity.h"

/* ---- the rules ------------------------------------------------------------ */

/* 1 when a and b[0..len) are equal, ASCII letters compared without case. */
static int equal_ignoring_ascii_case(const char *a, const char *b, size_t len)
{
	size_t i;
	unsigned char x, y;

	if (strlen(a) != len) {
		return 0;
	}
	for (i = 0; i < len; i++) {
		x = (unsigned char)a[i];
		y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z') {
			x = (unsigned char)(x - 'A' + 'a');
		}
		if (y >= 'A' && y <= 'Z') {
			y = (unsigned char)(y - 'A' + 'a');
		}
		if (x != y) {
			return 0;
		}
	}
	return 1;
}

int oc_dir_password_acceptable(const char *person_id, const char *password, size_t len,
			       enum oc_dir_pw_refusal *why)
{
	const unsigned char *u = (const unsigned char *)password;
	enum oc_dir_pw_refusal reason = OC_DIR_PW_REFUSED_NONE;
	unsigned long cp = 0;
	size_t i = 0, step, chars = 0;
	int r = ONECARD_ERR_INTERNAL;

	if (why != NULL) {
		*why = OC_DIR_PW_REFUSED_NONE;
	}
	if (password == NULL || !dir_valid_id(person_id, OC_DIR_PERSON_ID_MAX)) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	if (len > OC_DIR_PASSWORD_MAX) {
		reason = OC_DIR_PW_REFUSED_TOO_LONG;
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	while (i < len) {
		step = oc_utf8_decode(u + i, len - i, &cp);
		if (step == 0) {
			reason = OC_DIR_PW_REFUSED_NOT_UTF8;
			r = ONECARD_ERR_INVALID_ARG;
			goto out;
		}
		/* C0 (NUL included), DEL and C1: they cannot be typed back
		 * reliably, and some would end the line they came on. */
		if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
			reason = OC_DIR_PW_REFUSED_CONTROL_CHAR;
			r = ONECARD_ERR_INVALID_ARG;
			goto out;
		}
		i += step;
		chars++;
	}
	if (chars < OC_DIR_PW_MIN_CHARS) {
		reason = OC_DIR_PW_REFUSED_TOO_SHORT;
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	if (equal_ignoring_ascii_case(person_id, password, len)) {
		reason = OC_DIR_PW_REFUSED_IS_PERSON_ID;
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	r = ONECARD_OK;
out:
	if (why != NULL) {
		*why = reason;
	}
	return r;
}

const char *oc_dir_pw_refusal_str(enum oc_dir_pw_refusal why)
{
	switch (why) {
	case OC_DIR_PW_REFUSED_NONE:
		return "not refused";
	case OC_DIR_PW_REFUSED_TOO_SHORT:
		return "the password is shorter than 12 characters";
	case OC_DIR_PW_REFUSED_TOO_LONG:
		return "the password is longer than 256 bytes";
	case OC_DIR_PW_REFUSED_NOT_UTF8:
		return "the password is not valid UTF-8";
	case OC_DIR_PW_REFUSED_CONTROL_CHAR:
		return "the password holds a control character";
	case OC_DIR_PW_REFUSED_IS_PERSON_ID:
		return "the password is the person id";
	case OC_DIR_PW_REFUSED_REUSED:
		return "the password is the current one or one of the 5 before it";
	case OC_DIR_PW_REFUSED_BY_DIRECTORY:
		return "the directory's password policy refused the password";
	default:
		return "unknown refusal";
	}
}

const char *oc_dir_pw_check_str(enum oc_dir_pw_check result)
{
	switch (result) {
	case OC_DIR_PW_OK:
		return "password right";
	case OC_DIR_PW_WRONG:
		return "wrong person id or password";
	case OC_DIR_PW_SUSPENDED:
		return "the person or the enterprise is suspended";
	case OC_DIR_PW_UNAVAILABLE:
	default:
		return "the directory could not check the password";
	}
}

/* ---- the entries ----------------------------------------------------------- */

/* "<rdn>,<base>" into out[cap]. */
static int system_dn(const struct oc_dir *dir, const char *rdn, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s,%s", rdn, dir->base);

	if (n < 0 || (size_t)n >= cap) {
		return ONECARD_ERR_TOO_LARGE;
	}
	return ONECARD_OK;
}

/* Whether the entry at dn matches filter: *present 1 or 0. A missing
 * entry is "not present", no error. */
static int entry_matches(struct oc_dir *dir, const char *dn, const char *filter, int *present)
{
	static const char *const attrs[] = {"1.1"};
	struct dir_entries res = {0, NULL};
	int r;

	*present = 0;
	r = dir_ldap_search(dir->conn, dn, DIR_SCOPE_BASE, filter, attrs, 1, 1, &res);
	if (r == ONECARD_ERR_NOT_FOUND) {
		r = ONECARD_OK;
	} else if (r == ONECARD_OK) {
		*present = res.n == 1;
	}
	dir_entries_free(&res);
	return r;
}

/*
 * Reads the person at dn when they are a person WITH a password (the
 * filter asks the server; the hash is never read). *found 0 (and *p
 * zeroed) when not, which is no error. The enterprise's DN into ent_dn.
 */
static int read_person_with_password(struct oc_dir *dir, const char *dn, struct oc_dir_person *p,
				     char ent_dn[DIR_DN_MAX], int *found)
{
	static const char *const attrs[] = {"uid", "cn", "onecardStatus", "onecardSuspendedReason",
					    "onecardEnterpriseRef"};
	struct dir_entries res = {0, NULL};
	int r;

	memset(p, 0, sizeof(*p));
	ent_dn[0] = '\0';
	*found = 0;
	r = dir_ldap_search(dir->conn, dn, DIR_SCOPE_BASE,
			    "(&(objectClass=onecardPerson)(userPassword=*))", attrs, 5, 1, &res);
	if (r == ONECARD_ERR_NOT_FOUND || (r == ONECARD_OK && res.n != 1)) {
		r = ONECARD_OK;
		goto out;
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	r = dir_value_text(&res.e[0].attr[0], 0, p->id, sizeof(p->id));
	if (r == ONECARD_OK) {
		r = dir_value_text(&res.e[0].attr[1], DIR_TEXT_FIRST | DIR_TEXT_OPTIONAL, p->name,
				   sizeof(p->name));
	}
	if (r == ONECARD_OK) {
		r = dir_value_text(&res.e[0].attr[3], DIR_TEXT_OPTIONAL, p->suspended_reason,
				   sizeof(p->suspended_reason));
	}
	if (r == ONECARD_OK) {
		r = dir_value_text(&res.e[0].attr[4], DIR_TEXT_OPTIONAL, ent_dn, DIR_DN_MAX);
	}
	if (r != ONECARD_OK) {
		/* An entry that breaks the schema's promises. */
		r = ONECARD_ERR_DIRECTORY;
		goto out;
	}
	p->status = dir_status_parse(&res.e[0].attr[2]);
	*found = 1;
out:
	if (r != ONECARD_OK) {
		memset(p, 0, sizeof(*p));
		ent_dn[0] = '\0';
	}
	dir_entries_free(&res);
	return r;
}

/* ---- setting ---------------------------------------------------------------- */

int oc_dir_set_password(struct oc_dir *dir, const char *person_id, const char *password, size_t len,
			enum oc_dir_pw_refusal *why)
{
	char dn[DIR_DN_MAX], setter[DIR_DN_MAX];
	enum oc_dir_pw_refusal reason = OC_DIR_PW_REFUSED_NONE;
	enum dir_pw_policy policy = DIR_PW_POLICY_NONE;
	struct dir_write_info info = {0};
	int r = ONECARD_ERR_INTERNAL, present = 0;

	if (why != NULL) {
		*why = OC_DIR_PW_REFUSED_NONE;
	}
	if (dir == NULL) {
		return ONECARD_ERR_INVALID_ARG;
	}
	r = oc_dir_password_acceptable(person_id, password, len, &reason);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = dir_person_dn(dir, person_id, dn, sizeof(dn));
	if (r == ONECARD_OK) {
		r = system_dn(dir, OC_DIR_PW_SETTER_RDN, setter, sizeof(setter));
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	/* The exop would also set the password of an entry that is not a
	 * person; only people have one. */
	r = entry_matches(dir, dn, "(objectClass=onecardPerson)", &present);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (!present) {
		r = ONECARD_ERR_NOT_FOUND;
		goto out;
	}
	r = dir_ldap_passwd(dir->conn, dn, setter, password, len, &policy, &info);
	if (r == ONECARD_ERR_INVALID_ARG) {
		reason = policy == DIR_PW_POLICY_IN_HISTORY ? OC_DIR_PW_REFUSED_REUSED
							    : OC_DIR_PW_REFUSED_BY_DIRECTORY;
	}
	if (r == ONECARD_ERR_INVALID_ARG && reason == OC_DIR_PW_REFUSED_REUSED && info.retried &&
	    dir_ldap_check_bind(dir->conn, dn, password, len) == ONECARD_OK) {
		/* The connection broke after the first request went out: it
		 * may have set the password, and the retry then found it
		 * "current". The password binds, so it is set. */
		reason = OC_DIR_PW_REFUSED_NONE;
		r = ONECARD_OK;
	}
out:
	if (why != NULL && r == ONECARD_ERR_INVALID_ARG) {
		*why = reason;
	}
	return r;
}

/* ---- checking ---------------------------------------------------------------- */

enum oc_dir_pw_check oc_dir_check_password(struct oc_dir *dir, const char *person_id,
					   const char *password, size_t len,
					   struct oc_dir_pw_owner *owner)
{
	struct oc_dir_person person;
	struct oc_dir_enterprise ent;
	char dn[DIR_DN_MAX], stand_in[DIR_DN_MAX], ent_dn[DIR_DN_MAX];
	enum oc_dir_pw_check result = OC_DIR_PW_UNAVAILABLE;
	int r, found = 0, stand_in_present = 0;

	memset(&person, 0, sizeof(person));
	memset(&ent, 0, sizeof(ent));
	dn[0] = '\0';
	ent_dn[0] = '\0';
	if (owner != NULL) {
		memset(owner, 0, sizeof(*owner));
	}
	if (dir == NULL) {
		return OC_DIR_PW_UNAVAILABLE;
	}
	if (password == NULL || len == 0 || len > OC_DIR_PASSWORD_MAX ||
	    memchr(password, '\0', len) != NULL) {
		/* No password of this form can be set, and an empty one
		 * would make an unauthenticated bind succeed. */
		dir_conn_set_diag(dir->conn, "");
		return OC_DIR_PW_WRONG;
	}
	if (system_dn(dir, OC_DIR_PW_STAND_IN_RDN, stand_in, sizeof(stand_in)) != ONECARD_OK) {
		dir_conn_set_diag(dir->conn, "the suffix is too long for the stand-in's DN");
		goto out;
	}
	if (dir_valid_id(person_id, OC_DIR_PERSON_ID_MAX)) {
		r = dir_person_dn(dir, person_id, dn, sizeof(dn));
		if (r == ONECARD_OK) {
			r = read_person_with_password(dir, dn, &person, ent_dn, &found);
		}
		if (r != ONECARD_OK) {
			goto out;
		}
	}
	/* Read every time, whoever is asked for: the stand-in must be
	 * there, or an unknown person would answer faster than a known. */
	r = entry_matches(dir, stand_in, "(userPassword=*)", &stand_in_present);
	if (r != ONECARD_OK) {
		goto out;
	}
	if (!stand_in_present) {
		dir_conn_set_diag(dir->conn, "the password stand-in entry (" OC_DIR_PW_STAND_IN_RDN
					     ") is missing or has no password: see "
					     "docs/directory.md");
		goto out;
	}
	r = dir_ldap_check_bind(dir->conn, found ? dn : stand_in, password, len);
	if (r == ONECARD_ERR_PASSPHRASE) {
		result = OC_DIR_PW_WRONG;
		goto out;
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	if (!found) {
		/* The stand-in's password is random and kept nowhere; were
		 * it ever guessed, it still names nobody. */
		result = OC_DIR_PW_WRONG;
		goto out;
	}
	r = dir_read_enterprise(dir, ent_dn, &ent);
	if (r != ONECARD_OK) {
		goto out;
	}
	memcpy(person.enterprise_uscc, ent.uscc, sizeof(person.enterprise_uscc));
	result = person.status == OC_DIR_STATUS_ACTIVE && ent.status == OC_DIR_STATUS_ACTIVE
			 ? OC_DIR_PW_OK
			 : OC_DIR_PW_SUSPENDED;
	if (owner != NULL) {
		owner->person = person;
		owner->enterprise = ent;
	}
out:
	if (result == OC_DIR_PW_WRONG) {
		/* The diagnostic must not tell an unknown person from a
		 * wrong password either. */
		dir_conn_set_diag(dir->conn, "");
	}
	return result;
}
