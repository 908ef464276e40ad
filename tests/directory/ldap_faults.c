/*
 * __wrap_ldap_add_ext(): see ldap_faults.h. Test code only.
 */
#include <stddef.h>
#include <string.h>
#include <sys/time.h>

#include <ldap.h>

#include "ldap_faults.h"

int __real_ldap_add_ext(LDAP *ld, const char *dn, LDAPMod **attrs, LDAPControl **sctrls,
			LDAPControl **cctrls, int *msgidp);
int __wrap_ldap_add_ext(LDAP *ld, const char *dn, LDAPMod **attrs, LDAPControl **sctrls,
			LDAPControl **cctrls, int *msgidp);

#define ATTRS_MAX 16

static int armed_at;
static enum fault_kind armed_kind;
static void (*armed_cb)(void *);
static void *armed_arg;
static int count;

void fault_arm(int at, enum fault_kind kind, void (*cb)(void *), void *arg)
{
	armed_at = at;
	armed_kind = kind;
	armed_cb = cb;
	armed_arg = arg;
	count = 0;
}

int fault_reset(void)
{
	int n = count;

	armed_at = 0;
	armed_kind = FAULT_NONE;
	armed_cb = NULL;
	armed_arg = NULL;
	count = 0;
	return n;
}

static int add_with_bad_attribute(LDAP *ld, const char *dn, LDAPMod **attrs, LDAPControl **sctrls,
				  LDAPControl **cctrls, int *msgidp)
{
	static char bad_type[] = "onecardNoSuchAttribute";
	static char bad_value[] = "x";
	static struct berval bv = {1, bad_value};
	static struct berval *bvp[] = {&bv, NULL};
	LDAPMod bad, *list[ATTRS_MAX + 2];
	size_t n = 0;

	while (attrs[n] != NULL && n < ATTRS_MAX) {
		list[n] = attrs[n];
		n++;
	}
	memset(&bad, 0, sizeof(bad));
	bad.mod_op = LDAP_MOD_ADD | LDAP_MOD_BVALUES;
	bad.mod_type = bad_type;
	bad.mod_bvalues = bvp;
	list[n] = &bad;
	list[n + 1] = NULL;
	return __real_ldap_add_ext(ld, dn, list, sctrls, cctrls, msgidp);
}

int __wrap_ldap_add_ext(LDAP *ld, const char *dn, LDAPMod **attrs, LDAPControl **sctrls,
			LDAPControl **cctrls, int *msgidp)
{
	struct timeval tv = {5, 0};
	LDAPMessage *res = NULL;
	int rc;

	count++;
	if (count != armed_at || armed_kind == FAULT_NONE) {
		return __real_ldap_add_ext(ld, dn, attrs, sctrls, cctrls, msgidp);
	}
	switch (armed_kind) {
	case FAULT_REFUSE:
		return add_with_bad_attribute(ld, dn, attrs, sctrls, cctrls, msgidp);
	case FAULT_DOWN_BEFORE:
		return LDAP_SERVER_DOWN;
	case FAULT_DOWN_AFTER:
		/* Done, answered and the answer lost with the connection. */
		rc = __real_ldap_add_ext(ld, dn, attrs, sctrls, cctrls, msgidp);
		if (rc == LDAP_SUCCESS && ldap_result(ld, *msgidp, LDAP_MSG_ALL, &tv, &res) > 0) {
			ldap_msgfree(res);
		}
		return LDAP_SERVER_DOWN;
	case FAULT_CALLBACK:
		/* Disarmed first: the callback may add entries itself. */
		armed_kind = FAULT_NONE;
		armed_cb(armed_arg);
		return __real_ldap_add_ext(ld, dn, attrs, sctrls, cctrls, msgidp);
	case FAULT_NONE:
	default:
		return __real_ldap_add_ext(ld, dn, attrs, sctrls, cctrls, msgidp);
	}
}
