/*
 * fake-authd: a stand-in for onecard-authd in the authd tools' OWN tests
 * (softcard, onecard-bench-login), so that they can be tested before and
 * apart from the real daemon. NEVER a model of authd's checks.
 *
 * It speaks the HTTP contract of docs/authd.md for POST /v1/challenge and
 * POST /v1/login over the real HTTP layer (authd/http/) and the real
 * challenge module (authd/challenge/): it issues challenges under a
 * random MAC key, checks them (format, MAC, origin, expiry), uses each
 * nonce once (in memory) and verifies every proof signature with the key
 * of its first x5c certificate. It validates no certificate path, asks no
 * directory and applies no policy; its "token" is not a JWT.
 *
 *   fake-authd --port-file FILE [--origin O] [--body-max N] [--threads N]
 *
 * Listens on 127.0.0.1, an ephemeral port, written to FILE once it
 * serves; the origin defaults to http://127.0.0.1:PORT. Runs until
 * SIGTERM or SIGINT.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <onecard/error.h>

#include "b64url.h"
#include "challenge.h"
#include "http.h"
#include "tool_util.h"

#define PROG		"fake-authd"
#define KID		"fake-1"
#define LIFETIME_S	60
#define NONCES_MAX	(1u << 18) /* nonces remembered; then logins fail "internal" */
#define PROOFS_MAX	16u
#define DER_MAX		16384u
#define DER_B64_MAX	(((DER_MAX + 2u) / 3u) * 4u)
#define PATH_MAX_BYTES	4096u
#define PORT_TEXT_MAX	16u
#define THREADS_DEFAULT 2u

struct fake {
	struct oc_challenge_keys *keys;
	pthread_mutex_t lock; /* guards origin (set once the port is known) and nonces */
	char origin[OC_CHALLENGE_ORIGIN_MAX + 1];
	uint8_t (*nonces)[OC_CHALLENGE_NONCE_LEN];
	unsigned char *used; /* 1 where nonces[i] holds a nonce */
	size_t nused;
};

/* A copy of the origin, taken under the lock: main() sets it after the
 * server started, when the port is known. */
static void origin_copy(struct fake *f, char out[OC_CHALLENGE_ORIGIN_MAX + 1])
{
	out[0] = '\0';
	if (pthread_mutex_lock(&f->lock) == 0) {
		memcpy(out, f->origin, sizeof(f->origin));
		(void)pthread_mutex_unlock(&f->lock);
	}
}

/* Records a nonce. 0: new; 1: seen before; -1: the table is full. */
static int nonce_use(struct fake *f, const uint8_t nonce[OC_CHALLENGE_NONCE_LEN])
{
	size_t i, h = 0;
	int r = -1;

	memcpy(&h, nonce, sizeof(h)); /* random bytes: a good enough hash */
	if (pthread_mutex_lock(&f->lock) != 0) {
		return -1;
	}
	for (i = 0; i < NONCES_MAX; i++) {
		size_t at = (h + i) % NONCES_MAX;

		if (!f->used[at]) {
			if (f->nused + 1u < NONCES_MAX) {
				memcpy(f->nonces[at], nonce, OC_CHALLENGE_NONCE_LEN);
				f->used[at] = 1;
				f->nused++;
				r = 0;
			}
			break;
		}
		if (memcmp(f->nonces[at], nonce, OC_CHALLENGE_NONCE_LEN) == 0) {
			r = 1;
			break;
		}
	}
	(void)pthread_mutex_unlock(&f->lock);
	return r;
}

static int handle_challenge(void *app, const struct oc_http_request *req,
			    struct oc_http_response *resp)
{
	struct fake *f = app;
	struct oc_challenge c;
	json_t *in = NULL, *answer = NULL;
	const json_t *aud;
	char origin[OC_CHALLENGE_ORIGIN_MAX + 1];
	char *wire = NULL;
	int r;

	if (oc_http_request_json(req, &in, resp) != ONECARD_OK) {
		return 0;
	}
	aud = json_object_get(in, "audience");
	if (!json_is_string(aud) || json_object_size(in) != 1) {
		r = oc_http_reply_error(resp, 400, "invalid_request",
					"the body must be {audience}");
		goto out;
	}
	origin_copy(f, origin);
	r = oc_challenge_issue(f->keys, origin, json_string_value(aud), (int64_t)time(NULL),
			       LIFETIME_S, &wire, &c);
	if (r == ONECARD_ERR_INVALID_ARG) {
		r = oc_http_reply_error(resp, 400, "invalid_target", "not an audience");
		goto out;
	}
	if (r != ONECARD_OK) {
		goto out;
	}
	answer = json_pack("{s:s, s:s, s:s, s:I, s:s}", "challenge", wire, "origin", c.origin,
			   "audience", c.audience, "expires_at", (json_int_t)c.expires_at,
			   "context", "onecard-login-v1");
	r = answer != NULL ? oc_http_reply_json(resp, 200, answer) : ONECARD_ERR_NOMEM;
out:
	free(wire);
	json_decref(answer);
	json_decref(in);
	return r;
}

/* Standard base64 (x5c) to DER; 0 on success. */
static int decode_b64(const char *text, size_t len, unsigned char *out, size_t cap, size_t *out_len)
{
	EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
	int n = 0, m = 0, r = -1;

	*out_len = 0;
	if (ctx == NULL || len == 0 || len > DER_B64_MAX || (len / 4u) * 3u > cap) {
		goto out;
	}
	EVP_DecodeInit(ctx);
	if (EVP_DecodeUpdate(ctx, out, &n, (const unsigned char *)text, (int)len) < 0 ||
	    EVP_DecodeFinal(ctx, out + n, &m) != 1) {
		goto out;
	}
	*out_len = (size_t)n + (size_t)m;
	r = 0;
out:
	EVP_ENCODE_CTX_free(ctx);
	return r;
}

static int alg_of(const char *name, enum oc_proof_alg *alg)
{
	if (strcmp(name, "ES256") == 0) {
		*alg = OC_PROOF_ES256;
	} else if (strcmp(name, "RS256") == 0) {
		*alg = OC_PROOF_RS256;
	} else if (strcmp(name, "PS256") == 0) {
		*alg = OC_PROOF_PS256;
	} else if (strcmp(name, "SM2-SM3") == 0) {
		*alg = OC_PROOF_SM2_SM3;
	} else {
		return -1;
	}
	return 0;
}

/* Checks one proof. Returns NULL when it verifies, else the error code. */
static const char *check_proof(const json_t *p, const uint8_t *msg, size_t msg_len)
{
	const json_t *x5c = json_object_get(p, "x5c"), *alg = json_object_get(p, "alg"),
		     *sig = json_object_get(p, "sig"), *leaf = json_array_get(x5c, 0);
	unsigned char *der = malloc(DER_MAX);
	uint8_t sig_bytes[OC_PROOF_SIG_MAX];
	const unsigned char *q;
	size_t der_len = 0, sig_len = 0;
	enum oc_proof_alg a = OC_PROOF_ES256;
	X509 *cert = NULL;
	const char *why = "invalid_request";

	if (der == NULL) {
		why = "internal";
		goto out;
	}
	if (json_object_size(p) != 3 || !json_is_array(x5c) || !json_is_string(leaf) ||
	    !json_is_string(alg) || !json_is_string(sig) ||
	    alg_of(json_string_value(alg), &a) != 0 ||
	    oc_b64url_decode_public(json_string_value(sig), json_string_length(sig), sig_bytes,
				    sizeof(sig_bytes), &sig_len) != ONECARD_OK ||
	    decode_b64(json_string_value(leaf), json_string_length(leaf), der, DER_MAX, &der_len) !=
		    0) {
		goto out;
	}
	q = der;
	cert = d2i_X509(NULL, &q, (long)der_len);
	if (cert == NULL || q != der + der_len) {
		goto out;
	}
	why = "proof_invalid";
	if (oc_proof_verify(X509_get0_pubkey(cert), a, msg, msg_len, sig_bytes, sig_len) !=
	    ONECARD_OK) {
		goto out;
	}
	why = NULL;
out:
	ERR_clear_error();
	X509_free(cert);
	free(der);
	return why;
}

static int handle_login(void *app, const struct oc_http_request *req, struct oc_http_response *resp)
{
	struct fake *f = app;
	struct oc_challenge c;
	enum oc_challenge_refusal why_ch = OC_CHALLENGE_ACCEPTED;
	json_t *in = NULL, *answer = NULL;
	const json_t *ch, *proofs;
	const char *why = NULL;
	char origin[OC_CHALLENGE_ORIGIN_MAX + 1];
	char nonce[OC_CHALLENGE_NONCE_HEX_SIZE],
		token[sizeof("fake-") + OC_CHALLENGE_NONCE_HEX_SIZE];
	uint8_t *msg = NULL;
	size_t msg_len = 0, i;
	int r, seen;

	if (oc_http_request_json(req, &in, resp) != ONECARD_OK) {
		return 0;
	}
	ch = json_object_get(in, "challenge");
	proofs = json_object_get(in, "proofs");
	if (json_object_size(in) != 2 || !json_is_string(ch) || !json_is_array(proofs) ||
	    json_array_size(proofs) == 0 || json_array_size(proofs) > PROOFS_MAX) {
		r = oc_http_reply_error(resp, 400, "invalid_request",
					"the body must be {challenge, proofs}");
		goto out;
	}
	origin_copy(f, origin);
	r = oc_challenge_check(f->keys, json_string_value(ch), json_string_length(ch), origin,
			       (int64_t)time(NULL), &c, &why_ch);
	if (r != ONECARD_OK) {
		r = why_ch == OC_CHALLENGE_REFUSED_EXPIRED ||
				    why_ch == OC_CHALLENGE_REFUSED_NOT_YET_VALID
			    ? oc_http_reply_error(resp, 401, "challenge_expired",
						  oc_challenge_refusal_str(why_ch))
			    : oc_http_reply_error(resp, 401, "challenge_invalid",
						  oc_challenge_refusal_str(why_ch));
		goto out;
	}
	seen = nonce_use(f, c.nonce);
	if (seen != 0) {
		r = seen > 0 ? oc_http_reply_error(resp, 401, "challenge_replayed",
						   "the challenge was used before")
			     : oc_http_reply_error(resp, 500, "internal", "too many nonces");
		goto out;
	}
	r = oc_proof_message(&c, &msg, &msg_len);
	if (r != ONECARD_OK) {
		goto out;
	}
	for (i = 0; why == NULL && i < json_array_size(proofs); i++) {
		why = check_proof(json_array_get(proofs, i), msg, msg_len);
	}
	if (why != NULL) {
		r = oc_http_reply_error(resp, strcmp(why, "proof_invalid") == 0 ? 401 : 400, why,
					"a proof is malformed or does not verify");
		goto out;
	}
	r = oc_challenge_nonce_hex(&c, nonce);
	if (r != ONECARD_OK) {
		goto out;
	}
	(void)snprintf(token, sizeof(token), "fake-%s", nonce);
	answer = json_pack("{s:s, s:s, s:i, s:s, s:I}", "access_token", token, "token_type",
			   "Bearer", "expires_in", 300, "audience", c.audience, "proofs",
			   (json_int_t)json_array_size(proofs));
	r = answer != NULL ? oc_http_reply_json(resp, 200, answer) : ONECARD_ERR_NOMEM;
out:
	free(msg);
	json_decref(answer);
	json_decref(in);
	return r;
}

static int write_port(const char *path, uint16_t port)
{
	char tmp[PATH_MAX_BYTES];
	FILE *fp = NULL;
	int n = snprintf(tmp, sizeof(tmp), "%s.tmp", path), ok;

	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		return -1;
	}
	fp = fopen(tmp, "w");
	ok = fp != NULL && fprintf(fp, "%u\n", (unsigned)port) > 0;
	if (fp != NULL && fclose(fp) != 0) {
		ok = 0;
	}
	return ok && rename(tmp, path) == 0 ? 0 : -1;
}

static int fake_init(struct fake *f, const char *origin)
{
	uint8_t secret[OC_CHALLENGE_SECRET_MIN];
	int r = ONECARD_ERR_NOMEM;

	memset(f, 0, sizeof(*f));
	if (pthread_mutex_init(&f->lock, NULL) != 0) {
		return ONECARD_ERR_INTERNAL;
	}
	f->nonces = calloc(NONCES_MAX, sizeof(*f->nonces));
	f->used = calloc(NONCES_MAX, 1);
	if (f->nonces == NULL || f->used == NULL) {
		goto out;
	}
	r = ONECARD_ERR_CRYPTO;
	if (RAND_bytes(secret, (int)sizeof(secret)) != 1) {
		goto out;
	}
	r = oc_challenge_keys_new(&f->keys);
	if (r == ONECARD_OK) {
		r = oc_challenge_keys_add(f->keys, KID, secret, sizeof(secret));
	}
	if (r == ONECARD_OK && origin != NULL) {
		if (strlen(origin) > OC_CHALLENGE_ORIGIN_MAX) {
			r = ONECARD_ERR_TOO_LARGE;
		} else {
			memcpy(f->origin, origin, strlen(origin) + 1u);
		}
	}
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	return r;
}

static void fake_clear(struct fake *f)
{
	oc_challenge_keys_free(f->keys);
	free(f->nonces);
	free(f->used);
	(void)pthread_mutex_destroy(&f->lock);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"port-file", required_argument, NULL, 'p'},
		{"origin", required_argument, NULL, 'o'},
		{"body-max", required_argument, NULL, 'b'},
		{"threads", required_argument, NULL, 't'},
		{NULL, 0, NULL, 0},
	};
	static const struct oc_http_route routes[] = {
		{"POST", "/v1/challenge", handle_challenge},
		{"POST", "/v1/login", handle_login},
	};
	struct oc_http_config cfg;
	oc_http_server *srv = NULL;
	const char *port_file = NULL, *origin = NULL;
	uint64_t body_max = 0, threads = THREADS_DEFAULT;
	struct fake f;
	sigset_t stop;
	int c, sig = 0, status = TOOL_EXIT_USAGE, inited = 0;

	opterr = 0;
	for (;;) {
		c = getopt_long(argc, argv, ":", longopts, NULL);
		if (c == -1) {
			break;
		}
		if (c == 'p') {
			port_file = optarg;
		} else if (c == 'o') {
			origin = optarg;
		} else if (c == 'b' &&
			   tool_parse_u64(optarg, 1, OC_HTTP_BODY_MAX_LIMIT, &body_max) == 0) {
			continue;
		} else if (c != 't' ||
			   tool_parse_u64(optarg, 1, OC_HTTP_THREADS_MAX, &threads) != 0) {
			tool_error(PROG, "usage: fake-authd --port-file FILE [--origin O] "
					 "[--body-max N] [--threads N]");
			goto out;
		}
	}
	if (port_file == NULL || optind != argc) {
		tool_error(PROG, "usage: fake-authd --port-file FILE [--origin O] [--body-max N] "
				 "[--threads N]");
		goto out;
	}
	status = TOOL_EXIT_FAIL;
	/* Signals go to sigwait() below, not to the server's threads. */
	(void)sigemptyset(&stop);
	(void)sigaddset(&stop, SIGTERM);
	(void)sigaddset(&stop, SIGINT);
	if (pthread_sigmask(SIG_BLOCK, &stop, NULL) != 0 || fake_init(&f, origin) != ONECARD_OK) {
		tool_error(PROG, "cannot start");
		goto out;
	}
	inited = 1;
	memset(&cfg, 0, sizeof(cfg));
	cfg.threads = (unsigned)threads;
	cfg.body_max = (size_t)body_max;
	if (oc_http_server_new(&cfg, routes, sizeof(routes) / sizeof(routes[0]), &f, &srv) !=
		    ONECARD_OK ||
	    oc_http_server_start(srv) != ONECARD_OK) {
		tool_error(PROG, "cannot start the HTTP server");
		goto out;
	}
	if (origin == NULL && pthread_mutex_lock(&f.lock) == 0) {
		(void)snprintf(f.origin, sizeof(f.origin), "http://127.0.0.1:%u",
			       (unsigned)oc_http_server_port(srv));
		(void)pthread_mutex_unlock(&f.lock);
	}
	if (write_port(port_file, oc_http_server_port(srv)) != 0) {
		tool_error(PROG, "%s: cannot write the port", port_file);
		goto out;
	}
	if (sigwait(&stop, &sig) != 0) {
		goto out;
	}
	status = TOOL_EXIT_OK;
out:
	oc_http_server_free(srv);
	if (inited) {
		fake_clear(&f);
	}
	return status;
}
