/*
 * A tiny authd for onecard-login's tests: plain sockets on 127.0.0.1:0,
 * one thread, one request per connection (Connection: close). By default
 * it follows docs/authd.md with the real challenge library: /v1/challenge
 * issues a challenge for origin http://127.0.0.1:PORT under a test MAC key,
 * /v1/login checks it (oc_challenge_check) and verifies every proof over
 * oc_proof_message() with the key of its x5c certificate (oc_proof_verify),
 * then answers a token. A test can replace the answer of a route, and
 * counts every connection, so that "no request was sent" is checkable.
 * Test code only.
 */
#ifndef ONECARD_TEST_FAKE_AUTHD_H
#define ONECARD_TEST_FAKE_AUTHD_H

#include <stdbool.h>
#include <stddef.h>

#define FAKE_TOKEN   "eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJwLTAwMDEifQ.c2ln"
#define FAKE_SUB     "p-0001"
#define FAKE_ENT     "91350100M000100Y43"
#define FAKE_CARD    "card-1"
#define FAKE_URL_MAX 64u

struct fake_authd;

/* Starts the server; fails the running cmocka test if it cannot. */
struct fake_authd *fake_authd_start(void);

/* Stops the thread, closes the socket, frees; NULL does nothing. */
void fake_authd_stop(struct fake_authd *fa);

/* "http://127.0.0.1:PORT": the URL (and origin) of the server. */
const char *fake_authd_url(const struct fake_authd *fa);
unsigned fake_authd_port(const struct fake_authd *fa);

/* Answers route ("/v1/login") with exactly this, instead of the default:
 * status, Content-Type (NULL: none), body. With stream true the body is
 * body_len bytes of 'x', sent without Content-Length, until the close. */
void fake_authd_override(struct fake_authd *fa, const char *route, int status, const char *type,
			 const char *body, size_t body_len, bool stream);

/* Answers route with a redirect (302, Location: target). */
void fake_authd_redirect(struct fake_authd *fa, const char *route, const char *target);

/* Back to the default behaviour for every route; counters to zero. */
void fake_authd_reset(struct fake_authd *fa);

/* Connections accepted, requests read, per route. */
size_t fake_authd_connections(struct fake_authd *fa);
size_t fake_authd_requests(struct fake_authd *fa, const char *route);

/* A copy of the last body received on route (free()), or NULL. */
char *fake_authd_last_body(struct fake_authd *fa, const char *route);

/* The last request's Content-Type header value on route (free()), or NULL. */
char *fake_authd_last_type(struct fake_authd *fa, const char *route);

/* Proofs the last default /v1/login verified, and its refusal ("" if
 * none). */
size_t fake_authd_proofs_verified(struct fake_authd *fa);
char *fake_authd_last_refusal(struct fake_authd *fa);

#endif /* ONECARD_TEST_FAKE_AUTHD_H */
