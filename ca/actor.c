/* Who runs the CA: the effective user's name, for the audit trail. */
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "check.h"

void oc_audit_actor(char out[OC_AUDIT_ACTOR_MAX])
{
	struct passwd pw, *found = NULL;
	char buf[4096];
	uid_t uid = geteuid();
	size_t len;

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &found) == 0 && found != NULL &&
	    found->pw_name != NULL) {
		len = strlen(found->pw_name);
		if (len > 0 && len < OC_AUDIT_ACTOR_MAX &&
		    oc_utf8_printable((const unsigned char *)found->pw_name, len)) {
			memcpy(out, found->pw_name, len + 1);
			return;
		}
	}
	(void)snprintf(out, OC_AUDIT_ACTOR_MAX, "uid:%lu", (unsigned long)uid);
}
