/* Shared state helpers of authd.h: the snapshot swap, the clock, the log. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "authd.h"
#include "cli_line.h"

struct authd_trust *authd_get_trust(struct authd *a)
{
	struct authd_trust *t;

	(void)pthread_mutex_lock(&a->swap_lock);
	t = authd_trust_ref(a->trust);
	(void)pthread_mutex_unlock(&a->swap_lock);
	return t;
}

struct oc_keyring *authd_get_keys(struct authd *a)
{
	struct oc_keyring *k;

	(void)pthread_mutex_lock(&a->swap_lock);
	k = oc_keyring_ref(a->keys);
	(void)pthread_mutex_unlock(&a->swap_lock);
	return k;
}

void authd_set_trust(struct authd *a, struct authd_trust *t)
{
	struct authd_trust *old;

	(void)pthread_mutex_lock(&a->swap_lock);
	old = a->trust;
	a->trust = t;
	(void)pthread_mutex_unlock(&a->swap_lock);
	authd_trust_unref(old);
}

void authd_set_keys(struct authd *a, struct oc_keyring *k)
{
	struct oc_keyring *old;

	(void)pthread_mutex_lock(&a->swap_lock);
	old = a->keys;
	a->keys = k;
	(void)pthread_mutex_unlock(&a->swap_lock);
	oc_keyring_unref(old);
}

int64_t authd_now(void)
{
	return (int64_t)time(NULL);
}

void authd_log(const char *fmt, ...)
{
	char line[512], clean[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* Diagnostics from libldap or libpq may hold server text. */
	oc_cli_sanitize(line, clean, sizeof(clean));
	(void)fprintf(stderr, "onecard-authd: %s\n", clean);
}
