/*
 * The OpenSSL adapter of the policy module: the only file here that
 * calls OpenSSL. A subject attribute must be a name OpenSSL knows, since
 * ca/ hands it to X509_NAME_add_entry_by_txt() at issuance; checking it
 * at load time turns a typo ("orgnizationIdentifier") into an error with
 * a line number instead of a failed issuance.
 */
#include <openssl/err.h>
#include <openssl/objects.h>

#include "policy_int.h"

int pol_x509_attr_known(const char *name)
{
	int nid;

	/* An unknown name leaves errors on the queue; drop only ours. */
	ERR_set_mark();
	nid = OBJ_txt2nid(name);
	ERR_pop_to_mark();
	return nid != NID_undef;
}
