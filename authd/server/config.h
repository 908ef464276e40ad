/*
 * onecard-authd's configuration file (docs/authd.md "Configuration"),
 * read with the same libconfig adapter as the policy (policy/conf.h):
 * every mistake is reported as "FILE:LINE: message". Relative paths are
 * taken from the folder the configuration file is in.
 */
#ifndef ONECARD_AUTHD_CONFIG_H
#define ONECARD_AUTHD_CONFIG_H
#include <stddef.h>
#include <stdint.h>

#define AUTHD_CONFIG_ERR_MAX	  512u		/* bytes of an error message, NUL included */
#define AUTHD_CONFIG_FILE_MAX	  (64u * 1024u) /* bytes of the configuration file */
#define AUTHD_PATH_MAX		  4096u		/* bytes of a path, NUL included */
#define AUTHD_CRL_FILES_MAX	  16u		/* CRL files in trust.crls */
#define AUTHD_POOL_MAX		  64u		/* connections in a pool */
#define AUTHD_TEXT_MAX		  1024u		/* bytes of a URI, DN or conninfo */
#define AUTHD_INSTANCE_MAX	  64u		/* bytes of an instance name */
#define AUTHD_TOKEN_LIFETIME_MAX  3600		/* seconds (DESIGN: minutes, not hours) */
#define AUTHD_CRL_MAX_AGE_MAX	  (90 * 86400)	/* seconds */
#define AUTHD_RELOAD_INTERVAL_MAX 3600		/* seconds */
/* Rotations publish a key OC_KEYRING_SIGNING_MARGIN-ish seconds ahead
 * (docs/keys.md): an instance must notice well within a minute. */
#define AUTHD_KEYS_RELOAD_MAX 30
#define AUTHD_CLIENTS_MAX     64u /* introspection clients */
#define AUTHD_CLIENT_ID_MAX   64u /* bytes of a client id */

/* A caller of POST /v1/introspect (docs/sso.md): HTTP Basic with id and
 * a secret whose SHA-256 is kept here (never the secret). */
struct authd_client {
	char id[AUTHD_CLIENT_ID_MAX + 1];
	unsigned char secret_sha256[32];
};

struct authd_config {
	/* listen */
	char address[64];
	uint16_t port;
	unsigned threads;
	size_t body_max;
	/* who authd is */
	char origin[256]; /* scheme://host[:port], signed by every proof */
	char issuer[256]; /* the tokens' iss; default: origin */
	char instance[AUTHD_INSTANCE_MAX + 1];
	char policy[AUTHD_PATH_MAX];
	/* trust */
	char anchors[AUTHD_PATH_MAX]; /* PEM: card-issuing CA certificates */
	char cas[AUTHD_PATH_MAX];     /* PEM: other CA certificates ("" none) */
	char crls[AUTHD_CRL_FILES_MAX][AUTHD_PATH_MAX];
	size_t ncrls;
	long crl_max_age;    /* seconds since thisUpdate, 0: nextUpdate only */
	int trust_reload;    /* seconds between checks of the files */
	int64_t verify_time; /* 0: now; tests only (docs/authd.md) */
	/* directory */
	char ldap_uri[AUTHD_TEXT_MAX];
	char ldap_base[AUTHD_TEXT_MAX];
	char ldap_bind_dn[AUTHD_TEXT_MAX];
	char ldap_password_file[AUTHD_PATH_MAX];
	unsigned ldap_pool;
	/* database */
	char pg_conninfo[AUTHD_TEXT_MAX];
	unsigned pg_pool;
	/* keys */
	char keys_dir[AUTHD_PATH_MAX];
	int keys_reload; /* seconds between checks of the key folder */
	/* tokens and challenges */
	int token_max_lifetime;
	int challenge_lifetime;
	int challenge_skew;
	/* otp: the key that opens TOTP secrets (docs/otp.md); "" = no
	 * password + TOTP login at this instance */
	char otp_key_file[AUTHD_PATH_MAX];
	/* introspection_clients = ( { id; secret_sha256; }, ... ) */
	struct authd_client clients[AUTHD_CLIENTS_MAX];
	size_t nclients;
};

/* Reads and checks path into *cfg (defaults first). Returns 0, or
 * ONECARD_ERR_POLICY with "FILE:LINE: message" in err (ONECARD_ERR_IO,
 * ONECARD_ERR_TOO_LARGE, ONECARD_ERR_NOMEM with a message too). */
int authd_config_load(const char *path, struct authd_config *cfg, char err[AUTHD_CONFIG_ERR_MAX])
	__attribute__((warn_unused_result));

#endif
