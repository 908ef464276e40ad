/*
 * PIN sources for programs (pin_source.h). Every buffer that held PIN
 * bytes is wiped with OPENSSL_cleanse before it is released or reused.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <onecard/error.h>

#include "pin_source.h"

#define TTY_PATH       "/dev/tty"
#define LINE_MAX_BYTES 1024u /* bytes of one answer at the prompt */

/* Copies line[0..n) into pin[cap] as a C string, or says why not. */
static int take_line(const char *line, size_t n, char *pin, size_t cap, size_t *len)
{
	if (n > 0 && line[n - 1] == '\r') {
		n--;
	}
	if (n == 0 || memchr(line, '\0', n) != NULL) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	if (n >= cap) {
		return ONECARD_ERR_TOO_LARGE;
	}
	memcpy(pin, line, n);
	pin[n] = '\0';
	*len = n;
	return ONECARD_OK;
}

int oc_pin_from_file(const char *path, char *pin, size_t cap, size_t *len)
{
	char buf[OC_PIN_FILE_MAX];
	struct stat st;
	const char *nl;
	size_t got = 0;
	ssize_t n;
	int fd = -1, saved_errno = 0;
	int r = ONECARD_ERR_INVALID_ARG;

	*len = 0;
	if (path == NULL || pin == NULL || cap == 0) {
		return ONECARD_ERR_INVALID_ARG;
	}
	pin[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		saved_errno = errno;
		r = ONECARD_ERR_IO;
		goto out;
	}
	/* Checked on the open file, so that it is the file that is read. */
	if (fstat(fd, &st) != 0) {
		saved_errno = errno;
		r = ONECARD_ERR_IO;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	while (got < sizeof(buf)) {
		n = read(fd, buf + got, sizeof(buf) - got);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			saved_errno = errno;
			r = ONECARD_ERR_IO;
			goto out;
		}
		if (n == 0) {
			break;
		}
		got += (size_t)n;
		if (memchr(buf, '\n', got) != NULL) {
			break;
		}
	}
	nl = memchr(buf, '\n', got);
	if (nl == NULL && got == sizeof(buf)) {
		r = ONECARD_ERR_TOO_LARGE;
		goto out;
	}
	r = take_line(buf, nl != NULL ? (size_t)(nl - buf) : got, pin, cap, len);
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	if (fd >= 0) {
		(void)close(fd);
	}
	if (r != ONECARD_OK) {
		OPENSSL_cleanse(pin, cap);
		*len = 0;
	}
	errno = saved_errno;
	return r;
}

int oc_pin_from_env(const char *name, char *pin, size_t cap, size_t *len)
{
	const char *v;
	int r;

	*len = 0;
	if (name == NULL || pin == NULL || cap == 0) {
		return ONECARD_ERR_INVALID_ARG;
	}
	pin[0] = '\0';
	v = getenv(name);
	if (v == NULL) {
		return ONECARD_ERR_NOT_FOUND;
	}
	r = take_line(v, strlen(v), pin, cap, len);
	/* The environment's own copy cannot be wiped (getenv's string is
	 * not ours to write); at least no child inherits it. */
	(void)unsetenv(name);
	if (r != ONECARD_OK) {
		OPENSSL_cleanse(pin, cap);
		*len = 0;
	}
	return r;
}

/* ---- the prompt ---------------------------------------------------------- */

static volatile sig_atomic_t caught_signal;

static void on_signal(int sig)
{
	caught_signal = sig;
}

static const int prompt_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};
#define PROMPT_SIGNALS (sizeof(prompt_signals) / sizeof(prompt_signals[0]))

static int write_all(int fd, const char *s, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, s, len);
		if (n < 0 && errno == EINTR && caught_signal == 0) {
			continue;
		}
		if (n <= 0) {
			return -1;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads one line from fd into line[cap] without its newline. */
static int read_line(int fd, char *line, size_t cap, size_t *len)
{
	size_t n = 0;
	int too_long = 0;
	ssize_t got;
	char c;

	*len = 0;
	for (;;) {
		got = read(fd, &c, 1);
		if (got < 0 && errno == EINTR && caught_signal == 0) {
			continue;
		}
		if (got < 0) {
			return errno == EINTR ? ONECARD_ERR_CANCELLED : ONECARD_ERR_IO;
		}
		if (got == 0) {
			return ONECARD_ERR_CANCELLED; /* end of input */
		}
		if (c == '\n') {
			break;
		}
		if (n + 1 < cap) {
			line[n++] = c;
		} else {
			too_long = 1; /* read on to the end of the line */
		}
	}
	if (too_long) {
		return ONECARD_ERR_TOO_LARGE;
	}
	*len = n;
	return ONECARD_OK;
}

int oc_pin_prompt(const char *prompt, char *pin, size_t cap, size_t *len)
{
	struct sigaction sa, old_sa[PROMPT_SIGNALS];
	struct termios old_tio, tio;
	char line[LINE_MAX_BYTES];
	size_t i, n = 0;
	int fd = -1, tio_set = 0, sig;
	int r = ONECARD_ERR_INVALID_ARG;

	*len = 0;
	if (prompt == NULL || pin == NULL || cap == 0 || strlen(prompt) > OC_PIN_PROMPT_MAX) {
		return ONECARD_ERR_INVALID_ARG;
	}
	pin[0] = '\0';
	fd = open(TTY_PATH, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || tcgetattr(fd, &old_tio) != 0) {
		if (fd >= 0) {
			(void)close(fd);
		}
		return ONECARD_ERR_CANCELLED; /* no terminal to ask on */
	}
	/* No SA_RESTART: a signal must interrupt the read, so that echo is
	 * switched back on before the signal takes its course. */
	caught_signal = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	(void)sigemptyset(&sa.sa_mask);
	for (i = 0; i < PROMPT_SIGNALS; i++) {
		(void)sigaction(prompt_signals[i], &sa, &old_sa[i]);
	}
	tio = old_tio;
	tio.c_lflag &= ~(tcflag_t)ECHO;
	tio.c_lflag |= ECHONL;
	if (tcsetattr(fd, TCSAFLUSH, &tio) != 0) {
		r = ONECARD_ERR_IO;
		goto out;
	}
	tio_set = 1;
	if (write_all(fd, prompt, strlen(prompt)) != 0) {
		r = caught_signal != 0 ? ONECARD_ERR_CANCELLED : ONECARD_ERR_IO;
		goto out;
	}
	r = read_line(fd, line, sizeof(line), &n);
	if (r == ONECARD_OK && n == 0) {
		r = ONECARD_ERR_CANCELLED;
	}
	if (r == ONECARD_OK) {
		r = take_line(line, n, pin, cap, len);
	}
out:
	OPENSSL_cleanse(line, sizeof(line));
	if (tio_set) {
		(void)tcsetattr(fd, TCSAFLUSH, &old_tio);
	}
	for (i = 0; i < PROMPT_SIGNALS; i++) {
		(void)sigaction(prompt_signals[i], &old_sa[i], NULL);
	}
	(void)close(fd);
	sig = caught_signal;
	if (r != ONECARD_OK) {
		OPENSSL_cleanse(pin, cap);
		*len = 0;
	}
	if (sig != 0) {
		/* The terminal is back as it was: now let the signal act. */
		(void)raise(sig);
		if (r == ONECARD_OK) {
			OPENSSL_cleanse(pin, cap);
			*len = 0;
		}
		r = ONECARD_ERR_CANCELLED;
	}
	return r;
}

/* The file a pin-source names: "file:" followed by an absolute path
 * ("file:///x" or "file:/x"), or an absolute path. Nothing else (RFC 7512
 * leaves the form open; onecard reads files only, never runs commands). */
static const char *pin_source_path(const char *src)
{
	if (strncmp(src, "file://", 7) == 0) {
		src += 7;
	} else if (strncmp(src, "file:", 5) == 0) {
		src += 5;
	}
	return src[0] == '/' ? src : NULL;
}

int oc_pin_obtain(const char *pin_file, const char *pin_source, const char *prompt, char *pin,
		  size_t cap, size_t *len, const char **from)
{
	const char *path;

	*len = 0;
	*from = "";
	if (pin_file != NULL) {
		*from = "PIN file";
		return oc_pin_from_file(pin_file, pin, cap, len);
	}
	if (pin_source != NULL) {
		*from = "pin-source";
		path = pin_source_path(pin_source);
		if (path == NULL) {
			return ONECARD_ERR_INVALID_ARG;
		}
		return oc_pin_from_file(path, pin, cap, len);
	}
	if (getenv(OC_PIN_ENV) != NULL) {
		*from = OC_PIN_ENV;
		return oc_pin_from_env(OC_PIN_ENV, pin, cap, len);
	}
	*from = "prompt";
	return oc_pin_prompt(prompt, pin, cap, len);
}
