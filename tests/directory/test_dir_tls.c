/*
 * No plaintext simple bind over TCP. A fake LDAP server on 127.0.0.1
 * records every byte the library sends it; whether it refuses StartTLS,
 * accepts it and then hangs up in the TLS handshake, or is reached over
 * ldaps://, the library must fail with ONECARD_ERR_DIRECTORY and must
 * never have sent a BindRequest, nor the password. The same for a
 * person's password (oc_dir_check_password, and the bind it makes on a
 * connection of its own: dir_ldap_check_bind): UNAVAILABLE, never sent.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <onecard/error.h>

#include "dir_int.h"
#include "directory.h"

#define PASSWORD     "Sup3r-Secret-Bind-Password"
#define PERSON_PW    "Person-Secret-Password-42"
#define CAPTURE_MAX  65536u
#define CONNS_MAX    4
#define IDLE_SECONDS 3

enum fake_mode {
	REFUSE_STARTTLS, /* answer the StartTLS request with protocolError */
	ACCEPT_STARTTLS, /* answer success, then hang up on the TLS handshake */
	SILENT,		 /* answer nothing; read until the client goes */
};

struct fake {
	int listen_fd;
	int port;
	enum fake_mode mode;
	pthread_t thread;
	int conns;
	unsigned char capture[CONNS_MAX][CAPTURE_MAX];
	size_t captured[CONNS_MAX];
};

/* The length of the BER element at p (n bytes), or 0 if incomplete. */
static size_t ber_element_len(const unsigned char *p, size_t n)
{
	size_t len = 0, i, octets;

	if (n < 2) {
		return 0;
	}
	if (p[1] < 0x80) {
		return 2u + p[1] <= n ? 2u + p[1] : 0;
	}
	octets = p[1] & 0x7fu;
	if (octets == 0 || octets > 4 || n < 2 + octets) {
		return 0;
	}
	for (i = 0; i < octets; i++) {
		len = (len << 8) | p[2 + i];
	}
	return 2 + octets + len <= n ? 2 + octets + len : 0;
}

/* The protocolOp tag of an LDAPMessage: SEQUENCE { INTEGER id, op }. */
static int op_tag(const unsigned char *msg, size_t len, int *msgid)
{
	size_t hdr = msg[1] < 0x80 ? 2u : 2u + (msg[1] & 0x7fu);

	if (len < hdr + 3 || msg[hdr] != 0x02 || msg[hdr + 1] != 1) {
		return -1;
	}
	*msgid = msg[hdr + 2];
	return msg[hdr + 3];
}

static void send_extended_response(int fd, int msgid, int result)
{
	/* LDAPMessage { id, ExtendedResponse [APPLICATION 24] { result,
	 * matchedDN "", diagnosticMessage "" } } */
	unsigned char resp[] = {0x30, 0x0c, 0x02, 0x01, (unsigned char)msgid,
				0x78, 0x07, 0x0a, 0x01, (unsigned char)result,
				0x04, 0x00, 0x04, 0x00};

	(void)!write(fd, resp, sizeof(resp));
}

static void serve_one(struct fake *f, int fd, int idx)
{
	struct pollfd pfd;
	size_t *n = &f->captured[idx], elem;
	unsigned char *buf = f->capture[idx];
	ssize_t got;
	int answered = 0, tag, msgid = 0;

	pfd.fd = fd;
	pfd.events = POLLIN;
	while (*n < CAPTURE_MAX) {
		pfd.revents = 0;
		if (poll(&pfd, 1, IDLE_SECONDS * 1000) <= 0) {
			break;
		}
		got = read(fd, buf + *n, CAPTURE_MAX - *n);
		if (got <= 0) {
			break;
		}
		*n += (size_t)got;
		if (answered || f->mode == SILENT) {
			if (answered && f->mode == ACCEPT_STARTTLS) {
				break; /* the ClientHello: hang up */
			}
			continue;
		}
		elem = ber_element_len(buf, *n);
		if (elem == 0) {
			continue;
		}
		tag = op_tag(buf, elem, &msgid);
		if (tag == 0x77) { /* ExtendedRequest: StartTLS */
			send_extended_response(fd, msgid, f->mode == REFUSE_STARTTLS ? 2 : 0);
			answered = 1;
		}
	}
}

static void *serve(void *arg)
{
	struct fake *f = arg;
	struct pollfd pfd;
	int fd;

	pfd.fd = f->listen_fd;
	pfd.events = POLLIN;
	while (f->conns < CONNS_MAX) {
		pfd.revents = 0;
		if (poll(&pfd, 1, IDLE_SECONDS * 1000) <= 0) {
			break;
		}
		fd = accept(f->listen_fd, NULL, NULL);
		if (fd < 0) {
			break;
		}
		serve_one(f, fd, f->conns);
		f->conns++;
		(void)close(fd);
	}
	return NULL;
}

static struct fake *fake_start(enum fake_mode mode)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	assert_non_null(f);
	f->mode = mode;
	f->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(f->listen_fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0;
	assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->listen_fd, 4), 0);
	assert_int_equal(getsockname(f->listen_fd, (struct sockaddr *)&sa, &sl), 0);
	f->port = ntohs(sa.sin_port);
	assert_int_equal(pthread_create(&f->thread, NULL, serve, f), 0);
	return f;
}

static int contains(const unsigned char *buf, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; n <= len && i <= len - n; i++) {
		if (memcmp(buf + i, needle, n) == 0) {
			return 1;
		}
	}
	return 0;
}

/* Stops the server and checks what it received: no BindRequest in any
 * LDAP message, and the password nowhere. Returns the number of
 * connections. */
static int fake_finish(struct fake *f, int parse_ldap)
{
	size_t off, elem;
	int i, tag, msgid, conns;

	assert_int_equal(pthread_join(f->thread, NULL), 0);
	(void)close(f->listen_fd);
	for (i = 0; i < f->conns; i++) {
		assert_false(contains(f->capture[i], f->captured[i], PASSWORD));
		assert_false(contains(f->capture[i], f->captured[i], PERSON_PW));
		if (!parse_ldap) {
			continue;
		}
		/* The first message is the StartTLS request. */
		assert_true(f->captured[i] > 0);
		for (off = 0; off < f->captured[i]; off += elem) {
			elem = ber_element_len(f->capture[i] + off, f->captured[i] - off);
			if (elem == 0) {
				break; /* TLS bytes after an accepted StartTLS */
			}
			tag = op_tag(f->capture[i] + off, elem, &msgid);
			if (off == 0) {
				assert_int_equal(tag, 0x77);
			}
			assert_int_not_equal(tag, 0x60); /* BindRequest */
			if (f->mode == ACCEPT_STARTTLS) {
				break; /* what follows is TLS */
			}
		}
	}
	conns = f->conns;
	free(f);
	return conns;
}

static void try_connect(const char *scheme, int port)
{
	char uri[64];
	struct oc_dir *dir = NULL;

	(void)snprintf(uri, sizeof(uri), "%s://127.0.0.1:%d", scheme, port);
	assert_int_equal(oc_dir_new(uri, "dc=onecard,dc=test", "cn=admin,dc=onecard,dc=test",
				    PASSWORD, strlen(PASSWORD), &dir),
			 ONECARD_OK);
	assert_int_equal(oc_dir_ping(dir), ONECARD_ERR_DIRECTORY);
	assert_string_not_equal(oc_dir_diagnostic(dir), "");
	oc_dir_free(dir);
	/* oc_dir_open() as well. */
	assert_int_equal(oc_dir_open(uri, "dc=onecard,dc=test", "cn=admin,dc=onecard,dc=test",
				     PASSWORD, strlen(PASSWORD), &dir),
			 ONECARD_ERR_DIRECTORY);
	assert_null(dir);
}

static void starttls_refused(void **state)
{
	struct fake *f = fake_start(REFUSE_STARTTLS);

	(void)state;
	try_connect("ldap", f->port);
	assert_true(fake_finish(f, 1) >= 2);
}

static void starttls_then_hangup(void **state)
{
	struct fake *f = fake_start(ACCEPT_STARTTLS);

	(void)state;
	try_connect("ldap", f->port);
	assert_true(fake_finish(f, 1) >= 2);
}

static void ldaps_hangup(void **state)
{
	struct fake *f = fake_start(SILENT);

	(void)state;
	/* The client speaks TLS first; the fake never answers, so the
	 * handshake times out (OC_DIR_TIMEOUT_SECONDS) or is cut off. */
	try_connect("ldaps", f->port);
	assert_true(fake_finish(f, 0) >= 1);
}

/* A person's password over ldap:// to a server without TLS: the
 * library's answer is UNAVAILABLE (never WRONG, never OK), and neither
 * password went out. */
static void check_password_without_tls(void **state)
{
	char uri[64];
	struct oc_dir *dir = NULL;
	struct oc_dir_pw_owner owner;
	struct fake *f = fake_start(REFUSE_STARTTLS);

	(void)state;
	(void)snprintf(uri, sizeof(uri), "ldap://127.0.0.1:%d", f->port);
	assert_int_equal(oc_dir_new(uri, "dc=onecard,dc=test", "cn=admin,dc=onecard,dc=test",
				    PASSWORD, strlen(PASSWORD), &dir),
			 ONECARD_OK);
	assert_int_equal(
		oc_dir_check_password(dir, "someone", PERSON_PW, strlen(PERSON_PW), &owner),
		OC_DIR_PW_UNAVAILABLE);
	assert_string_not_equal(oc_dir_diagnostic(dir), "");
	assert_int_equal(oc_dir_set_password(dir, "someone", PERSON_PW, strlen(PERSON_PW), NULL),
			 ONECARD_ERR_DIRECTORY);
	oc_dir_free(dir);
	assert_true(fake_finish(f, 1) >= 2);
}

/* The person's bind itself, on its new connection: StartTLS refused,
 * no BindRequest, the connection's answer DIRECTORY (not PASSPHRASE). */
static void person_bind_without_tls(void **state)
{
	char uri[64];
	struct dir_conn *conn = NULL;
	struct fake *f = fake_start(REFUSE_STARTTLS);

	(void)state;
	(void)snprintf(uri, sizeof(uri), "ldap://127.0.0.1:%d", f->port);
	assert_int_equal(
		dir_conn_new(uri, "cn=admin,dc=onecard,dc=test", PASSWORD, strlen(PASSWORD), &conn),
		ONECARD_OK);
	assert_int_equal(dir_ldap_check_bind(conn, "uid=someone,ou=people,dc=onecard,dc=test",
					     PERSON_PW, strlen(PERSON_PW)),
			 ONECARD_ERR_DIRECTORY);
	assert_non_null(strstr(dir_conn_diag(conn), "StartTLS"));
	dir_conn_free(conn);
	assert_true(fake_finish(f, 1) >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(starttls_refused),
		cmocka_unit_test(starttls_then_hangup),
		cmocka_unit_test(ldaps_hangup),
		cmocka_unit_test(check_password_without_tls),
		cmocka_unit_test(person_bind_without_tls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
