/*
 * onecard-authd --config FILE [--check-config]
 *
 * Loads the configuration, the policy, the trust files and the key
 * folder; opens the pools; serves until SIGTERM or SIGINT. SIGHUP
 * reloads the trust files and the key folder at once; otherwise the
 * main thread checks them every few seconds (docs/authd.md "Reloading").
 *
 * Exit status: 0 stopped cleanly; 1 could not start or a fatal error;
 * 2 usage; 3 the configuration (or a file it names) is invalid.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include <onecard/error.h>
#include <onecard/token.h>

#include "authd.h"
#include "pw_file.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE   2
#define EXIT_CONFIG  3
#define PURGE_EVERY  60 /* seconds between purges of used nonces */
#define KEYS_FORCE   60 /* seconds between key reloads even without a change */
/* Used nonces are kept this long after their challenge expired, for
 * instances whose clocks lag behind this one's. */
#define PURGE_SLACK 300
/* Sessions that ended or timed out are kept this long (for whoever looks
 * into a logout or a revocation), then deleted with the certificates
 * they hold; their events and grants stay in the audit tables. */
#define SESSION_KEEP (7 * 86400)

static void usage(FILE *f)
{
	(void)fprintf(
		f, "usage: onecard-authd --config FILE [--check-config]\n"
		   "\n"
		   "The onecard authentication daemon: card login challenges, logins and\n"
		   "tokens (docs/authd.md). --check-config reads and checks everything the\n"
		   "configuration names, then exits (0: valid).\n"
		   "Signals: TERM/INT stop gracefully; HUP reloads trust files and keys.\n"
		   "Exit status: 0 stopped, 1 runtime error, 2 usage, 3 invalid configuration.\n");
}

static void http_log(void *arg, const char *message)
{
	(void)arg;
	authd_log("http: %s", message);
}

static int load_keys(struct authd *a, int64_t now)
{
	char err[OC_KEYRING_ERR_SIZE];
	struct oc_keyring *k = NULL;
	int r;

	r = oc_keyring_load(a->cfg.keys_dir, a->cfg.token_max_lifetime, now, &k, err, sizeof(err));
	if (r != ONECARD_OK) {
		authd_log("keys: %s", err);
		return r;
	}
	authd_set_keys(a, k);
	a->keys_loaded_at = now;
	return ONECARD_OK;
}

static int load_trust(struct authd *a)
{
	char err[AUTHD_CONFIG_ERR_MAX];
	struct authd_trust *t = NULL;
	int r;

	r = authd_trust_load(&a->cfg, &t, err);
	if (r != ONECARD_OK) {
		authd_log("trust: %s", err);
		return r;
	}
	if (authd_trust_rejected_crls(t) > 0) {
		authd_log("trust: %zu CRL file(s) did not verify and were left out",
			  authd_trust_rejected_crls(t));
	}
	authd_set_trust(a, t);
	return ONECARD_OK;
}

static int open_directory(struct authd *a)
{
	char pw[OC_DIR_PASSWORD_MAX + 1];
	size_t len = 0;
	int r;

	r = oc_dir_pw_from_file(a->cfg.ldap_password_file, pw, sizeof(pw), &len);
	if (r != ONECARD_OK) {
		authd_log("%s: cannot use as the directory password file: %s",
			  a->cfg.ldap_password_file, onecard_strerror(r));
		return r;
	}
	r = dir_pool_new(a->cfg.ldap_uri, a->cfg.ldap_base, a->cfg.ldap_bind_dn, pw, len,
			 a->cfg.ldap_pool, &a->dirs);
	OPENSSL_cleanse(pw, sizeof(pw));
	if (r != ONECARD_OK) {
		authd_log("directory settings: %s", onecard_strerror(r));
	}
	return r;
}

/* Everything but the HTTP server; exit status on failure, else 0. */
static int start(struct authd *a, const char *config_path)
{
	char err[AUTHD_CONFIG_ERR_MAX];
	char perr[OC_POLICY_ERR_MAX];
	int r;

	r = authd_config_load(config_path, &a->cfg, err);
	if (r != ONECARD_OK) {
		authd_log("%s", err);
		return EXIT_CONFIG;
	}
	r = oc_policy_load(a->cfg.policy, &a->policy, perr);
	if (r != ONECARD_OK) {
		authd_log("%s", perr);
		return EXIT_CONFIG;
	}
	if (load_trust(a) != ONECARD_OK || load_keys(a, authd_now()) != ONECARD_OK ||
	    open_directory(a) != ONECARD_OK) {
		return EXIT_CONFIG;
	}
	r = oc_astore_new(a->cfg.pg_conninfo, a->cfg.pg_pool, a->cfg.instance, &a->store);
	if (r != ONECARD_OK) {
		authd_log("database settings: %s", onecard_strerror(r));
		return EXIT_CONFIG;
	}
	if (a->cfg.otp_key_file[0] != '\0') {
		const char *why = NULL;

		r = oc_otp_key_load(a->cfg.otp_key_file, &a->otp_key, &why);
		if (r != ONECARD_OK) {
			authd_log("%s: cannot use as the TOTP key file: %s", a->cfg.otp_key_file,
				  why != NULL ? why : onecard_strerror(r));
			return EXIT_CONFIG;
		}
		r = oc_otp_store_new(a->cfg.pg_conninfo, a->cfg.pg_pool, &a->otp_store);
		if (r != ONECARD_OK) {
			authd_log("database settings (TOTP): %s", onecard_strerror(r));
			return EXIT_CONFIG;
		}
	}
	if (a->cfg.verify_time != 0) {
		authd_log("trust.verify_time is set: certificates are checked at a fixed time "
			  "(for tests only)");
	}
	return 0;
}

static int serve(struct authd *a)
{
	struct oc_http_config hc;
	int r;

	memset(&hc, 0, sizeof(hc));
	hc.address = a->cfg.address;
	hc.port = a->cfg.port;
	hc.threads = a->cfg.threads;
	hc.body_max = a->cfg.body_max;
	hc.log = http_log;
	r = oc_http_server_new(&hc, authd_routes, authd_routes_len, a, &a->http);
	if (r == ONECARD_OK) {
		r = oc_http_server_start(a->http);
	}
	if (r != ONECARD_OK) {
		authd_log("cannot listen on %s port %u: %s", a->cfg.address, (unsigned)a->cfg.port,
			  onecard_strerror(r));
		return EXIT_RUNTIME;
	}
	authd_log("listening on %s port %u as %s (instance %s)", a->cfg.address,
		  (unsigned)oc_http_server_port(a->http), a->cfg.origin, a->cfg.instance);
	return 0;
}

/* The main thread's loop: signals, reloads, housekeeping. */
static void run(struct authd *a, const sigset_t *sigs)
{
	struct timespec tick = {1, 0};
	int64_t last_trust = authd_now(), last_keys = last_trust, last_forced = last_trust;
	int64_t last_purge = 0;
	int migrated = 0;

	for (;;) {
		int64_t now;
		int sig = sigtimedwait(sigs, NULL, &tick);
		struct authd_trust *t;
		struct oc_keyring *k;
		int changed;

		if (sig == SIGTERM || sig == SIGINT) {
			authd_log("stopping");
			return;
		}
		now = authd_now();
		if (!migrated) {
			/* authd starts while PostgreSQL is down; the schema
			 * comes as soon as it answers. */
			migrated = oc_astore_migrate(a->store) == ONECARD_OK &&
				   (a->otp_store == NULL ||
				    oc_otp_store_migrate(a->otp_store) == ONECARD_OK);
		}
		t = authd_get_trust(a);
		if (sig == SIGHUP ||
		    (now - last_trust >= a->cfg.trust_reload && authd_trust_changed(&a->cfg, t))) {
			if (load_trust(a) == ONECARD_OK) {
				authd_log("trust files reloaded");
			}
			last_trust = now;
		} else if (now - last_trust >= a->cfg.trust_reload) {
			last_trust = now;
		}
		authd_trust_unref(t);
		k = authd_get_keys(a);
		changed = 0;
		if (now - last_keys >= a->cfg.keys_reload &&
		    oc_keyring_changed(a->cfg.keys_dir, k, now, &changed) != ONECARD_OK) {
			changed = 1; /* loading again reports what is wrong */
		}
		if (sig == SIGHUP || now - last_forced >= KEYS_FORCE || changed) {
			if (load_keys(a, now) == ONECARD_OK && (sig == SIGHUP || changed)) {
				authd_log("keys reloaded");
			}
			last_forced = now;
			last_keys = now;
		} else if (now - last_keys >= a->cfg.keys_reload) {
			last_keys = now;
		}
		oc_keyring_unref(k);
		if (migrated && now - last_purge >= PURGE_EVERY) {
			if (oc_astore_purge_nonces(a->store, now - PURGE_SLACK, NULL) !=
			    ONECARD_OK) {
				authd_log("database: purging used nonces failed (%s)",
					  oc_astore_diagnostic());
			}
			if (oc_astore_purge_sessions(a->store, now - SESSION_KEEP, NULL) !=
			    ONECARD_OK) {
				authd_log("database: purging old sessions failed (%s)",
					  oc_astore_diagnostic());
			}
			last_purge = now;
		}
	}
}

static void finish(struct authd *a)
{
	oc_http_server_free(a->http);
	oc_astore_free(a->store);
	oc_otp_store_free(a->otp_store);
	oc_otp_key_free(a->otp_key);
	dir_pool_free(a->dirs);
	authd_trust_unref(a->trust);
	oc_keyring_unref(a->keys);
	oc_policy_free(a->policy);
	(void)pthread_mutex_destroy(&a->swap_lock);
}

int main(int argc, char **argv)
{
	static struct authd a;
	const char *config = NULL;
	int check_only = 0;
	sigset_t sigs;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			config = argv[++i];
		} else if (strcmp(argv[i], "--check-config") == 0) {
			check_only = 1;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (config == NULL) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* Signals are taken by the main thread only: block them before
	 * any thread (libpq, libldap, the HTTP pool) starts. */
	(void)sigemptyset(&sigs);
	(void)sigaddset(&sigs, SIGTERM);
	(void)sigaddset(&sigs, SIGINT);
	(void)sigaddset(&sigs, SIGHUP);
	(void)pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	(void)signal(SIGPIPE, SIG_IGN);
	/* jansson's copies of private keys (the signing JWKs) are wiped
	 * when freed. */
	onecard_json_wipe_on_free();
	if (pthread_mutex_init(&a.swap_lock, NULL) != 0) {
		return EXIT_RUNTIME;
	}
	rc = start(&a, config);
	if (rc == 0 && check_only) {
		authd_log("%s: configuration valid", config);
	} else if (rc == 0) {
		if (oc_astore_migrate(a.store) != ONECARD_OK) {
			authd_log("database not reachable yet (%s); will retry",
				  oc_astore_diagnostic());
		} else if (a.otp_store != NULL && oc_otp_store_migrate(a.otp_store) != ONECARD_OK) {
			authd_log("database: the TOTP tables could not be migrated yet (%s); "
				  "will retry",
				  oc_otp_store_diagnostic());
		}
		rc = serve(&a);
		if (rc == 0) {
			run(&a, &sigs);
			(void)oc_http_server_stop(a.http);
		}
	}
	finish(&a);
	return rc;
}
