/*
 * The CA home directory and its small configuration file.
 *
 *   DIR/            0700
 *     ca.conf       0600  version, name, alg, policy (written last by init)
 *     root.pem      0644  the root CA certificate
 *     root.key      0600  its key: encrypted PKCS#8 PEM (AES-256-CBC, scrypt)
 *     ca.pem        0644  the card-issuing CA certificate
 *     ca.key        0600  its key, encrypted likewise
 *
 * ca.conf is "key=value" lines: no spaces around '=', '#' comments and
 * empty lines allowed, each key at most once, unknown keys refused:
 *
 *   version=1
 *   name=Example Trade Single Window
 *   alg=ec
 *   policy=/etc/onecard/onecard.conf      (optional)
 */
#ifndef ONECARD_CA_HOME_H
#define ONECARD_CA_HOME_H

#include <stddef.h>

#include "alg.h"
#include "ca_limits.h"

#define OC_HOME_CONF	  "ca.conf"
#define OC_HOME_CONF_TMP  "ca.conf.tmp"
#define OC_HOME_ROOT_CERT "root.pem"
#define OC_HOME_ROOT_KEY  "root.key"
#define OC_HOME_CA_CERT	  "ca.pem"
#define OC_HOME_CA_KEY	  "ca.key"
#define OC_HOME_VERSION	  1

struct oc_ca_conf {
	int version;
	char name[OC_CA_NAME_MAX + 1];
	enum oc_ca_alg alg;
	char policy[OC_CA_PATH_MAX]; /* "" when none was recorded */
};

/*
 * Parses the text of ca.conf (len bytes). Returns ONECARD_OK and *out,
 * or ONECARD_ERR_POLICY with *line (1-based; 0: the file as a whole) and
 * *why a fixed sentence. *out is zeroed on failure.
 */
int oc_conf_parse(const char *text, size_t len, struct oc_ca_conf *out, unsigned *line,
		  const char **why);

/* Writes conf as the text of ca.conf into out. ONECARD_ERR_TOO_LARGE if
 * it does not fit; ONECARD_ERR_INVALID_ARG for a value that would not
 * parse back. */
int oc_conf_format(const struct oc_ca_conf *conf, char *out, size_t out_size);

#endif /* ONECARD_CA_HOME_H */
