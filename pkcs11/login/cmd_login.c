/*
 * onecard-login's login (docs/login.md, DESIGN.md "Card login protocol"):
 *
 *   1. check the authd URL (its origin is what the card signs), the
 *      audience and the credential cache folder;
 *   2. pick the card, check it holds certificates, take the PIN once and
 *      log in: a wrong PIN ends here, before any request is sent;
 *   3. POST /v1/challenge, sign the proof message with the key of every
 *      certificate that has one, log out of the card;
 *   4. POST /v1/login, keep the token and the SSO session it opened
 *      (docs/sso.md) in the cache, print the token on stdout.
 *
 * Everything that can be refused without the card or the network is
 * refused first, so that a typo never costs a PIN try.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include <onecard/error.h>

#include "cli_line.h"
#include "pin_source.h"
#include "prog.h"

#define PROMPT_BYTES   (OC_CARD_LABEL_LEN + 32u)
#define CARD_URI_BYTES (32u + 3u * (OC_CARD_LABEL_LEN + OC_CARD_SERIAL_LEN))

/* What a login holds, freed at the one exit. */
struct login {
	struct prog_login pl;
	struct oc_p11_uri *uri;
	struct oc_card_ctx *ctx;
	struct oc_card *card;
	struct oc_card_session *session;
	struct oc_card_certs *certs;
	struct oc_login_http *http;
	struct oc_login_challenge challenge;
	struct oc_login_proof proofs[OC_LOGIN_PROOFS_MAX];
	size_t nproofs;
	struct oc_login_token token;
};

/* ---- card ---------------------------------------------------------------- */

static int exit_for_card(int err)
{
	switch (err) {
	case ONECARD_ERR_CARD_ABSENT:
		return OC_LOGIN_EXIT_CARD_ABSENT;
	case ONECARD_ERR_PIN_INCORRECT:
		return OC_LOGIN_EXIT_PIN_INCORRECT;
	case ONECARD_ERR_PIN_LOCKED:
		return OC_LOGIN_EXIT_PIN_LOCKED;
	case ONECARD_ERR_KEY_MISSING:
		return OC_LOGIN_EXIT_NO_CERT;
	default:
		return OC_LOGIN_EXIT_OTHER;
	}
}

static int open_module(const struct login_opts *o, struct login *l)
{
	int r = oc_card_ctx_new(o->module, &l->ctx);

	switch (r) {
	case ONECARD_OK:
		return OC_LOGIN_EXIT_OK;
	case ONECARD_ERR_NOT_FOUND:
		prog_error("no PKCS#11 module: give --module PATH or set ONECARD_PKCS11_MODULE");
		return OC_LOGIN_EXIT_OTHER;
	case ONECARD_ERR_INVALID_ARG:
		prog_error("the PKCS#11 module must be given by an absolute path");
		return OC_LOGIN_EXIT_USAGE;
	default:
		prog_error("cannot load the PKCS#11 module: %s", onecard_strerror(r));
		return OC_LOGIN_EXIT_OTHER;
	}
}

/* Prints one line per card present: its label and a URI naming it. */
static void list_cards(const struct oc_card_info *infos, size_t n)
{
	char uri[CARD_URI_BYTES], label[OC_CARD_LABEL_LEN + 1];
	size_t i, pos;

	for (i = 0; i < n; i++) {
		pos = 0;
		if (oc_p11_uri_append(uri, sizeof(uri), &pos, "token",
				      (const uint8_t *)infos[i].label,
				      strlen(infos[i].label)) != ONECARD_OK ||
		    oc_p11_uri_append(uri, sizeof(uri), &pos, "serial",
				      (const uint8_t *)infos[i].serial,
				      strlen(infos[i].serial)) != ONECARD_OK) {
			uri[0] = '\0';
		}
		oc_cli_sanitize(infos[i].label, label, sizeof(label));
		fprintf(stderr, "  %s  (%s)\n", uri, label);
	}
}

/* The card: the one --card names, else the only one present. */
static int pick_card(const struct login_opts *o, struct login *l)
{
	enum oc_p11_uri_refusal why = OC_P11_URI_REFUSED_NONE;
	struct oc_card_info *infos = NULL;
	size_t count = 0;
	int r;

	if (o->card != NULL) {
		r = oc_p11_uri_parse(o->card, strlen(o->card), &l->uri, &why);
		if (r != ONECARD_OK) {
			prog_error("--card: %s", oc_p11_uri_refusal_str(why));
			return OC_LOGIN_EXIT_USAGE;
		}
	}
	r = open_module(o, l);
	if (r != OC_LOGIN_EXIT_OK) {
		return r;
	}
	if (l->uri == NULL) {
		r = oc_card_list(l->ctx, &infos, &count);
		if (r != ONECARD_OK) {
			prog_error("cannot list the cards: %s", onecard_strerror(r));
			return exit_for_card(r);
		}
		if (count > 1) {
			prog_error("%zu cards are present; name one with --card URI:", count);
			list_cards(infos, count);
			free(infos);
			return OC_LOGIN_EXIT_USAGE;
		}
		free(infos);
	}
	r = oc_card_open(l->ctx, l->uri, &l->card);
	if (r == ONECARD_ERR_CARD_ABSENT) {
		prog_error(l->uri != NULL ? "no card present matches --card"
					  : "no card present: insert the card");
		return OC_LOGIN_EXIT_CARD_ABSENT;
	}
	if (r == ONECARD_ERR_INVALID_ARG) {
		prog_error("--card matches more than one card, or its module-path is not the "
			   "module loaded");
		return OC_LOGIN_EXIT_USAGE;
	}
	if (r != ONECARD_OK) {
		prog_error("cannot open the card: %s", onecard_strerror(r));
		return exit_for_card(r);
	}
	return OC_LOGIN_EXIT_OK;
}

static int pin_source_error(const char *from, int err, int saved_errno)
{
	switch (err) {
	case ONECARD_ERR_INVALID_ARG:
		prog_error("%s refused: not a regular file, or readable or writable by group or "
			   "others (chmod 600 it); a pin-source must be a file path",
			   from);
		return OC_LOGIN_EXIT_USAGE;
	case ONECARD_ERR_IO:
		prog_error("cannot read the %s: %s", from, strerror(saved_errno));
		return OC_LOGIN_EXIT_OTHER;
	case ONECARD_ERR_CANCELLED:
		prog_error("no PIN given (no terminal to ask on, or cancelled); use --pin-file or "
			   "ONECARD_PIN");
		return OC_LOGIN_EXIT_OTHER;
	case ONECARD_ERR_BAD_FORMAT:
		prog_error("the PIN from the %s is empty or holds a NUL byte", from);
		return OC_LOGIN_EXIT_USAGE;
	case ONECARD_ERR_TOO_LARGE:
		prog_error("the PIN from the %s is longer than %u bytes", from, OC_CARD_PIN_MAX);
		return OC_LOGIN_EXIT_USAGE;
	default:
		prog_error("cannot get the PIN: %s", onecard_strerror(err));
		return OC_LOGIN_EXIT_OTHER;
	}
}

/* What the card says about the tries left, for the message. */
static const char *tries_left(struct oc_card *card)
{
	struct oc_card_info info;

	if (oc_card_get_info(card, &info) != ONECARD_OK) {
		return "";
	}
	if ((info.pin_flags & OC_CARD_PIN_FINAL_TRY) != 0) {
		return " (final try left: one more wrong PIN locks the card)";
	}
	if ((info.pin_flags & OC_CARD_PIN_COUNT_LOW) != 0) {
		return " (the card reports its retry count low)";
	}
	return "";
}

/* Takes the PIN once and logs in; the PIN is wiped before this returns. */
static int card_login(const struct login_opts *o, struct login *l)
{
	char pin[OC_CARD_PIN_MAX + 1];
	char prompt[PROMPT_BYTES], label[OC_CARD_LABEL_LEN + 1];
	struct oc_card_info info;
	const char *from = "";
	size_t len = 0;
	int r, saved_errno;

	if (oc_card_get_info(l->card, &info) != ONECARD_OK) {
		memset(&info, 0, sizeof(info));
	}
	if ((info.pin_flags & OC_CARD_PIN_LOCKED) != 0) {
		prog_error("PIN locked: the card refuses every PIN until it is unblocked");
		return OC_LOGIN_EXIT_PIN_LOCKED;
	}
	oc_cli_sanitize(info.label, label, sizeof(label));
	(void)snprintf(prompt, sizeof(prompt), "PIN for card '%s': ", label);
	r = oc_pin_obtain(o->pin_file, oc_p11_uri_get(l->uri, OC_P11_URI_PIN_SOURCE), prompt, pin,
			  sizeof(pin), &len, &from);
	saved_errno = errno;
	if (r != ONECARD_OK) {
		OPENSSL_cleanse(pin, sizeof(pin));
		return pin_source_error(from, r, saved_errno);
	}
	r = oc_card_session_open(l->card, pin, len, &l->session);
	OPENSSL_cleanse(pin, sizeof(pin)); /* done by the library; kept as a rule */
	switch (r) {
	case ONECARD_OK:
		return OC_LOGIN_EXIT_OK;
	case ONECARD_ERR_PIN_INCORRECT:
		prog_error("PIN incorrect%s; nothing was sent to authd", tries_left(l->card));
		break;
	case ONECARD_ERR_PIN_LOCKED:
		prog_error("PIN locked: the card refuses every PIN until it is unblocked");
		break;
	case ONECARD_ERR_CARD_ABSENT:
		prog_error("the card was removed");
		break;
	default:
		prog_error("cannot log in to the card: %s", onecard_strerror(r));
		break;
	}
	return exit_for_card(r);
}

/* ---- authd --------------------------------------------------------------- */

/* POSTs body to route; OC_LOGIN_EXIT_OK with a 200 JSON *reply. */
static int post(struct login *l, const char *route, const char *body, struct oc_login_reply *reply)
{
	int r;

	r = prog_send(l->pl.http, &l->pl.url, route, body, strlen(body), false, reply);
	if (r != OC_LOGIN_EXIT_OK) {
		return r;
	}
	if (!prog_answered(reply)) {
		return prog_refused(reply, route);
	}
	return OC_LOGIN_EXIT_OK;
}

/* One note per certificate that will not prove, naming it and saying why. */
static void note_left_out(const struct oc_card_certs *certs, bool rsa_pss)
{
	const struct oc_card_cert *c;
	const char *why;
	size_t i;

	for (i = 0; i < oc_card_certs_count(certs); i++) {
		c = oc_card_certs_get0(certs, i);
		why = oc_login_unusable(c, rsa_pss);
		if (why != NULL) {
			prog_error("note: certificate '%s' left out: %s", oc_card_cert_label(c),
				   why);
		}
	}
}

/* POST /v1/challenge, then the proofs: every pick signs the message. */
static int challenge_and_sign(const struct login_opts *o, struct login *l)
{
	struct oc_login_pick picks[OC_LOGIN_PROOFS_MAX];
	struct oc_login_reply reply = {0, false, NULL, 0, 0};
	const char *why = "";
	char *body = NULL;
	uint8_t *msg = NULL;
	size_t msg_len = 0, n = 0, skipped = 0;
	int r;

	r = oc_card_certs_read(l->card, l->session, &l->certs);
	if (r != ONECARD_OK) {
		prog_error("cannot read the certificates: %s", onecard_strerror(r));
		r = exit_for_card(r);
		goto out;
	}
	r = oc_login_pick(l->certs, o->rsa_pss, picks, &n, &skipped);
	if (r == ONECARD_ERR_TOO_LARGE) {
		prog_error("the card holds more than %u certificates with keys; authd takes at "
			   "most %u",
			   OC_LOGIN_PROOFS_MAX, OC_LOGIN_PROOFS_MAX);
		r = OC_LOGIN_EXIT_OTHER;
		goto out;
	}
	if (r != ONECARD_OK) {
		prog_error("no certificate on the card has its private key (or a key onecard can "
			   "sign with)");
		r = OC_LOGIN_EXIT_NO_CERT;
		goto out;
	}
	if (skipped > 0) {
		note_left_out(l->certs, o->rsa_pss);
	}
	r = oc_login_challenge_request(o->audience, &body);
	if (r != ONECARD_OK) {
		prog_error("cannot build the request: %s", onecard_strerror(r));
		r = OC_LOGIN_EXIT_OTHER;
		goto out;
	}
	r = post(l, ROUTE_CHALLENGE, body, &reply);
	if (r != OC_LOGIN_EXIT_OK) {
		goto out;
	}
	r = oc_login_challenge_parse(reply.body, reply.len, o->audience, &l->challenge, &why);
	if (r != ONECARD_OK) {
		prog_error("%s", why);
		r = OC_LOGIN_EXIT_BAD_ANSWER;
		goto out;
	}
	/* The origin signed is the one connected to, never authd's word
	 * for it (docs/authd.md): a relayed challenge must fail (P4). */
	if (l->challenge.origin[0] != '\0' && strcmp(l->challenge.origin, l->pl.url.origin) != 0) {
		prog_error("note: authd names its origin %s, but this login is to %s; authd "
			   "will refuse it unless that is its origin",
			   l->challenge.origin, l->pl.url.origin);
	}
	r = oc_proof_message_build(l->pl.url.origin, strlen(l->pl.url.origin), o->audience,
				   strlen(o->audience), l->challenge.wire, l->challenge.wire_len,
				   &msg, &msg_len);
	if (r != ONECARD_OK) {
		prog_error("cannot build the proof message: %s", onecard_strerror(r));
		r = OC_LOGIN_EXIT_OTHER;
		goto out;
	}
	r = oc_login_sign(l->session, picks, n, msg, msg_len, l->proofs);
	/* One login, N signatures, log out (P5). */
	oc_card_session_close(l->session);
	l->session = NULL;
	if (r == ONECARD_ERR_KEY_MISSING) {
		prog_error("a certificate's private key is not on the card, or is not the "
			   "certificate's key");
		r = OC_LOGIN_EXIT_NO_CERT;
		goto out;
	}
	if (r != ONECARD_OK) {
		prog_error("the card did not sign: %s", onecard_strerror(r));
		r = exit_for_card(r);
		goto out;
	}
	l->nproofs = n;
	r = OC_LOGIN_EXIT_OK;
out:
	oc_login_reply_clear(&reply);
	free(body);
	free(msg);
	return r;
}

/* POST /v1/login with the proofs; the token into l->token. */
static int send_login(const struct login_opts *o, struct login *l)
{
	struct oc_login_reply reply = {0, false, NULL, 0, 0};
	const char *why = "";
	char *body = NULL;
	int r;

	r = oc_login_request_build(l->challenge.text, l->proofs, l->nproofs, &body);
	if (r != ONECARD_OK) {
		prog_error("cannot build the login request: %s", onecard_strerror(r));
		r = OC_LOGIN_EXIT_OTHER;
		goto out;
	}
	r = post(l, ROUTE_LOGIN, body, &reply);
	if (r != OC_LOGIN_EXIT_OK) {
		goto out;
	}
	r = oc_login_token_parse(reply.body, reply.len, o->audience, &l->token, &why);
	if (r != ONECARD_OK) {
		prog_error("%s", why);
		r = r == ONECARD_ERR_NOMEM ? OC_LOGIN_EXIT_OTHER : OC_LOGIN_EXIT_BAD_ANSWER;
		goto out;
	}
	r = OC_LOGIN_EXIT_OK;
out:
	oc_login_reply_clear(&reply);
	free(body);
	return r;
}

/* ---- the whole ----------------------------------------------------------- */

static void login_free(struct login *l)
{
	oc_login_token_clear(&l->token);
	oc_login_proofs_clear(l->proofs, l->nproofs);
	oc_card_session_close(l->session);
	oc_card_certs_free(l->certs);
	oc_card_free(l->card);
	oc_card_ctx_free(l->ctx);
	oc_p11_uri_free(l->uri);
	prog_login_close(&l->pl);
	OPENSSL_cleanse(l, sizeof(*l));
}

int cmd_login(const struct login_opts *o)
{
	struct login *l = NULL;
	struct oc_card_certs *visible = NULL;
	int64_t issued_at;
	int r;

	/* 1. Everything that needs neither card nor network. */
	l = calloc(1, sizeof(*l));
	if (l == NULL) {
		prog_error("out of memory");
		return OC_LOGIN_EXIT_OTHER;
	}
	l->pl.dirfd = -1;
	r = prog_login_open(o, &l->pl);
	if (r != OC_LOGIN_EXIT_OK) {
		goto out;
	}

	/* 2. The card: certificates first (public objects), then the PIN. */
	r = pick_card(o, l);
	if (r != OC_LOGIN_EXIT_OK) {
		goto out;
	}
	r = oc_card_certs_read(l->card, NULL, &visible);
	if (r != ONECARD_OK) {
		prog_error("cannot read the certificates: %s", onecard_strerror(r));
		r = exit_for_card(r);
		goto out;
	}
	if (oc_card_certs_count(visible) == 0) {
		prog_error("the card holds no certificate");
		r = OC_LOGIN_EXIT_NO_CERT;
		goto out;
	}
	r = card_login(o, l);
	if (r != OC_LOGIN_EXIT_OK) {
		goto out;
	}

	/* 3. and 4. authd. */
	r = challenge_and_sign(o, l);
	if (r != OC_LOGIN_EXIT_OK) {
		goto out;
	}
	/* Taken before the request leaves: the token cannot be younger. */
	issued_at = (int64_t)time(NULL);
	r = send_login(o, l);
	if (r != OC_LOGIN_EXIT_OK) {
		goto out;
	}
	r = prog_login_keep(o, &l->pl, &l->token, issued_at);
out:
	oc_card_certs_free(visible);
	login_free(l);
	free(l);
	return r;
}
