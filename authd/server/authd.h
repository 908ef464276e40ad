/*
 * onecard-authd's state: what main() builds from the configuration and
 * every request handler shares. Everything here is either immutable
 * after start (cfg, policy), internally locked (the pools), or an
 * immutable snapshot swapped in whole by the reload thread (trust, keys)
 * and kept alive by reference counts while a request uses it.
 */
#ifndef ONECARD_AUTHD_H
#define ONECARD_AUTHD_H
#include <pthread.h>
#include <stdint.h>

#include "config.h"
#include "dir_pool.h"
#include "http.h"
#include "keyring.h"
#include "otp.h"
#include "policy.h"
#include "astore.h"
#include "trust.h"

struct authd {
	struct authd_config cfg;
	oc_policy *policy;
	struct dir_pool *dirs;
	struct oc_astore *store;
	/* the password + TOTP login; both NULL when otp.key_file is unset */
	oc_otp_key *otp_key;
	oc_otp_store *otp_store;
	pthread_mutex_t swap_lock; /* guards the two snapshot pointers */
	struct authd_trust *trust;
	struct oc_keyring *keys;
	_Atomic int64_t keys_loaded_at; /* last successful load of the key folder */
	oc_http_server *http;
};

/* The current snapshots, each a new reference (unref when done). */
struct authd_trust *authd_get_trust(struct authd *a);
struct oc_keyring *authd_get_keys(struct authd *a);
/* Swaps in a new snapshot (the reference passes to a). */
void authd_set_trust(struct authd *a, struct authd_trust *t);
void authd_set_keys(struct authd *a, struct oc_keyring *k);

/* The wall clock, in Unix seconds. */
int64_t authd_now(void);

/* One line to stderr: "onecard-authd: <text>". Never request data. */
void authd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The route table (handlers.c). */
extern const struct oc_http_route authd_routes[];
extern const size_t authd_routes_len;

#endif
