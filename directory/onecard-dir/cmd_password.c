/*
 * onecard-dir set-password --person ID: sets a person's directory
 * password (oc_dir_set_password). The password comes from stdin, never
 * from the command line: typed twice without echo when stdin is a
 * terminal (the prompt of pin_source.h, on /dev/tty), else one line read
 * from stdin (its "\n" or "\r\n" dropped; nothing may follow it).
 * Every buffer that held the password is wiped before the command ends.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <onecard/error.h>

#include "cli.h"
#include "pin_source.h"

#define CMD "set-password"

/* Bytes read from stdin at most: the longest password, "\r\n", and one
 * more to see that there is more. */
#define STDIN_CAP (OC_DIR_PASSWORD_MAX + 3u)
/* The prompt's buffer: one byte over the maximum, so that a password
 * too long is the policy's to refuse, with its sentence. */
#define PROMPT_CAP	(OC_DIR_PASSWORD_MAX + 2u)
#define PROMPT_TEXT_MAX (OC_DIR_PERSON_ID_MAX + 64u)
#define PW_BUF_CAP	STDIN_CAP

enum { OPT_PERSON = 'p' };

static const struct option longopts[] = {
	{"person", required_argument, NULL, OPT_PERSON},
	CLI_CONN_LONGOPTS,
	{NULL, 0, NULL, 0},
};

/*
 * One line from fd 0 into pw[STDIN_CAP] (not NUL-terminated), *len bytes.
 * ONECARD_OK; ONECARD_ERR_TOO_LARGE (the line is over
 * OC_DIR_PASSWORD_MAX bytes); ONECARD_ERR_BAD_FORMAT (empty, or more
 * after the line); ONECARD_ERR_IO (errno set).
 */
static int read_stdin_line(char *pw, size_t *len)
{
	const char *nl;
	size_t n = 0, line;
	ssize_t got;
	char extra;
	int r = ONECARD_ERR_INTERNAL, saved = 0;

	*len = 0;
	while (n < STDIN_CAP) {
		got = read(STDIN_FILENO, pw + n, STDIN_CAP - n);
		if (got < 0 && errno == EINTR) {
			continue;
		}
		if (got < 0) {
			saved = errno;
			r = ONECARD_ERR_IO;
			goto out;
		}
		if (got == 0) {
			break;
		}
		n += (size_t)got;
	}
	nl = memchr(pw, '\n', n);
	if (nl == NULL && n == STDIN_CAP) {
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	line = nl != NULL ? (size_t)(nl - pw) : n;
	if (nl != NULL) {
		/* Nothing may follow the one line. */
		if (n > line + 1) {
			r = ONECARD_ERR_BAD_FORMAT;
			goto out;
		}
		if (n == STDIN_CAP) {
			got = read(STDIN_FILENO, &extra, 1);
			if (got != 0) {
				r = ONECARD_ERR_BAD_FORMAT;
				goto out;
			}
		}
	}
	if (line > 0 && pw[line - 1] == '\r') {
		line--;
	}
	if (line == 0) {
		r = ONECARD_ERR_BAD_FORMAT;
		goto out;
	}
	if (line > OC_DIR_PASSWORD_MAX) {
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	*len = line;
	r = ONECARD_OK;
out:
	if (r != ONECARD_OK) {
		OPENSSL_cleanse(pw, STDIN_CAP);
		*len = 0;
		errno = saved;
	}
	return r;
}

/* Reports a refusal by the password rules; returns the exit status. */
static int refused(enum oc_dir_pw_refusal why)
{
	cli_error(CMD ": password refused: %s", oc_dir_pw_refusal_str(why));
	return CLI_EXIT_REFUSED;
}

/*
 * Asks twice on the terminal, checking the rules after the first answer
 * so that a refused password is not typed twice. Returns an exit status;
 * CLI_EXIT_OK with pw[*len].
 */
static int prompt_twice(const char *person, char *pw, size_t *len)
{
	char again[PROMPT_CAP], prompt[PROMPT_TEXT_MAX];
	enum oc_dir_pw_refusal why = OC_DIR_PW_REFUSED_NONE;
	size_t again_len = 0;
	int r, ex = CLI_EXIT_OTHER;

	*len = 0;
	r = snprintf(prompt, sizeof(prompt), "New directory password for %s: ", person);
	if (r < 0 || (size_t)r >= sizeof(prompt)) {
		cli_error(CMD ": the prompt does not fit");
		return CLI_EXIT_OTHER;
	}
	r = oc_pin_prompt(prompt, pw, PROMPT_CAP, len);
	if (r == ONECARD_OK) {
		r = oc_dir_password_acceptable(person, pw, *len, &why);
		if (r != ONECARD_OK) {
			ex = refused(why);
			goto out;
		}
		r = oc_pin_prompt("Type it again: ", again, sizeof(again), &again_len);
	}
	if (r == ONECARD_ERR_TOO_LARGE) {
		ex = refused(OC_DIR_PW_REFUSED_TOO_LONG);
		goto out;
	}
	if (r == ONECARD_ERR_BAD_FORMAT) {
		ex = refused(OC_DIR_PW_REFUSED_CONTROL_CHAR);
		goto out;
	}
	if (r != ONECARD_OK) {
		cli_error(CMD ": no password typed (cancelled, or no terminal)");
		ex = CLI_EXIT_OTHER;
		goto out;
	}
	if (again_len != *len || CRYPTO_memcmp(again, pw, *len) != 0) {
		cli_error(CMD ": the two passwords typed differ; nothing was changed");
		ex = CLI_EXIT_USAGE;
		goto out;
	}
	ex = CLI_EXIT_OK;
out:
	OPENSSL_cleanse(again, sizeof(again));
	if (ex != CLI_EXIT_OK) {
		OPENSSL_cleanse(pw, PW_BUF_CAP);
		*len = 0;
	}
	return ex;
}

/* The password from stdin; returns an exit status, CLI_EXIT_OK with
 * pw[*len]. */
static int read_password(const char *person, char *pw, size_t *len)
{
	int r, saved;

	if (isatty(STDIN_FILENO)) {
		return prompt_twice(person, pw, len);
	}
	r = read_stdin_line(pw, len);
	saved = errno;
	switch (r) {
	case ONECARD_OK:
		return CLI_EXIT_OK;
	case ONECARD_ERR_TOO_LARGE:
		return refused(OC_DIR_PW_REFUSED_TOO_LONG);
	case ONECARD_ERR_BAD_FORMAT:
		cli_error(CMD ": stdin must hold the password as one non-empty line, and "
			      "nothing else");
		return CLI_EXIT_USAGE;
	default:
		cli_error(CMD ": cannot read stdin: %s", strerror(saved));
		return CLI_EXIT_OTHER;
	}
}

int cmd_set_password(int argc, char *argv[], const struct cli_conn *global)
{
	struct cli_conn conn = *global;
	struct oc_dir *dir = NULL;
	enum oc_dir_pw_refusal why = OC_DIR_PW_REFUSED_NONE;
	const char *person = NULL;
	char pw[PW_BUF_CAP], clean[OC_DIR_PERSON_ID_MAX + 1];
	size_t len = 0;
	int c, r, ex = CLI_EXIT_OTHER;

	memset(pw, 0, sizeof(pw));
	opterr = 0; /* getopt must not echo what it was given */
	for (;;) {
		c = getopt_long(argc, argv, ":", longopts, NULL);
		if (c == -1) {
			break;
		}
		if (cli_conn_option(&conn, c, optarg)) {
			continue;
		}
		if (c == OPT_PERSON) {
			person = optarg;
		} else {
			return cli_option_error(CMD);
		}
	}
	if (optind != argc) {
		/* Also where a password given as an argument ends up: refused,
		 * and not echoed. */
		return cli_option_error(CMD);
	}
	if (person == NULL) {
		cli_error(CMD ": --person is required");
		return CLI_EXIT_USAGE;
	}
	if (!oc_dir_person_id_valid(person)) {
		cli_error(CMD ": --person is not a person id (1 to 64 of A-Z a-z 0-9 . _ -)");
		return CLI_EXIT_USAGE;
	}
	ex = read_password(person, pw, &len);
	if (ex != CLI_EXIT_OK) {
		goto out;
	}
	/* The rules that need no directory, before connecting. */
	r = oc_dir_password_acceptable(person, pw, len, &why);
	if (r != ONECARD_OK) {
		ex = refused(why);
		goto out;
	}
	ex = cli_connect(CMD, &conn, &dir);
	if (ex != CLI_EXIT_OK) {
		goto out;
	}
	r = oc_dir_set_password(dir, person, pw, len, &why);
	OPENSSL_cleanse(pw, sizeof(pw));
	switch (r) {
	case ONECARD_OK:
		cli_sanitize(person, clean, sizeof(clean));
		printf("password set for person %s\n", clean);
		ex = cli_finish_output(CMD);
		break;
	case ONECARD_ERR_INVALID_ARG:
		ex = refused(why);
		break;
	case ONECARD_ERR_NOT_FOUND:
		cli_error(CMD ": person not found");
		ex = CLI_EXIT_NOT_FOUND;
		break;
	default:
		ex = cli_fail(CMD, "the directory failed", r, dir);
		break;
	}
out:
	OPENSSL_cleanse(pw, sizeof(pw));
	oc_dir_free(dir);
	return ex;
}
