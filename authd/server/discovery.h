/*
 * Discovery (docs/discovery.md): the public metadata a portal, a
 * module's verifier or an off-the-shelf relying party reads before it
 * talks to authd. Both answers are functions of the configuration and
 * the policy alone, never of a request or a snapshot.
 */
#ifndef ONECARD_AUTHD_DISCOVERY_H
#define ONECARD_AUTHD_DISCOVERY_H
#include "http.h"

/* GET /v1/modules: {"modules": [{"id", "platform", "acr", "agencies",
 * "token_lifetime"}, ...]}, sorted by id. app is the struct authd. */
int discovery_modules(void *app, const struct oc_http_request *req, struct oc_http_response *resp);

/* GET /.well-known/openid-configuration: issuer, jwks_uri, onecard's own
 * endpoints; only what authd serves today. app is the struct authd. */
int discovery_openid_configuration(void *app, const struct oc_http_request *req,
				   struct oc_http_response *resp);

#endif
