/*
 * Fetching authd's public documents over HTTP(S): the module verifier's
 * only contact with the network, and the one file that calls libcurl
 * (jwks_fetch.c). Two documents are fetched this way: the JWKS, and the
 * module list of GET /v1/modules (the demands of a module).
 *
 * A source is one URL checked once: https, or http to a loopback host
 * only (a document fetched in the clear from elsewhere could be anyone's).
 * A fetch is one GET with its scheme as the only protocol, no redirects,
 * TLS peer and host name verified, timeouts, and the answer cut off past
 * the document's named maximum. Only a 200 served as JSON counts.
 */
#ifndef ONECARD_JWKS_FETCH_H
#define ONECARD_JWKS_FETCH_H

#include <stddef.h>
#include <stdint.h>

/* What a source fetches: decides the Accept header, the media types
 * taken, the size limit and the words of the reasons. */
enum oc_fetch_doc {
	OC_FETCH_JWKS,	      /* a JWKS, at most ONECARD_MODULE_FETCH_MAX_LEN */
	OC_FETCH_MODULE_LIST, /* GET /v1/modules, at most ONECARD_MODULE_LIST_MAX_LEN */
};

struct oc_fetch_source;

/* One answer: its body (NUL-terminated, len bytes without the NUL) and
 * its Cache-Control lifetime in seconds (-1: none given). */
struct oc_fetch_answer {
	char *body;
	size_t len;
	int64_t lifetime;
};

/* Checks url (see above; at most ONECARD_MODULE_URL_MAX bytes, printable
 * ASCII, no user info, no fragment) and keeps a copy with ca_file (NULL:
 * the system's trust store) and the timeout (seconds for one whole
 * fetch). Starts libcurl once per process. Returns ONECARD_OK and *out,
 * ONECARD_ERR_INVALID_ARG, ONECARD_ERR_NOMEM or ONECARD_ERR_INTERNAL. */
int oc_fetch_source_new(enum oc_fetch_doc doc, const char *url, const char *ca_file,
			unsigned timeout_s, struct oc_fetch_source **out);

void oc_fetch_source_free(struct oc_fetch_source *src);

/* GETs the document. Returns ONECARD_OK and fills *answer (the caller
 * clears it with oc_fetch_answer_clear), or, with *answer empty:
 * ONECARD_ERR_IO (no answer, or not 200), ONECARD_ERR_TOO_LARGE,
 * ONECARD_ERR_BAD_FORMAT (not served as JSON), ONECARD_ERR_NOMEM,
 * ONECARD_ERR_INTERNAL. *reason is a fixed sentence either way, naming
 * the document. Safe to call from several threads (each call has its own
 * connection). */
int oc_fetch(const struct oc_fetch_source *src, struct oc_fetch_answer *answer,
	     const char **reason);

/* Frees the body and empties the answer; NULL does nothing. */
void oc_fetch_answer_clear(struct oc_fetch_answer *answer);

#endif
