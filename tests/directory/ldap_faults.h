/*
 * Fault injection for the directory integration test: the test program
 * is linked with -Wl,--wrap=ldap_add_ext, so every add the library makes
 * passes through __wrap_ldap_add_ext() (ldap_faults.c), which counts
 * them and can make the Nth one fail in a chosen way. The library itself
 * has no test hooks.
 */
#ifndef ONECARD_LDAP_FAULTS_H
#define ONECARD_LDAP_FAULTS_H

enum fault_kind {
	FAULT_NONE,
	FAULT_REFUSE,	   /* the add goes out with an attribute the schema lacks:
			      the server refuses it (undefinedAttributeType) */
	FAULT_DOWN_BEFORE, /* "connection lost" before the request is sent */
	FAULT_DOWN_AFTER,  /* the add is done, then "connection lost" */
	FAULT_CALLBACK,	   /* call cb(arg) first, then the add */
};

/* Arms the fault for the add numbered at (1 = the next add). */
void fault_arm(int at, enum fault_kind kind, void (*cb)(void *), void *arg);

/* Disarms; returns how many adds went through the wrapper since the
 * last fault_arm() or fault_reset(). */
int fault_reset(void);

#endif /* ONECARD_LDAP_FAULTS_H */
