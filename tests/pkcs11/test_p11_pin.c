/*
 * PIN sources (pkcs11/pin_source.h): a PIN file is refused unless only
 * its owner may read and write it; its first line is the PIN; the
 * environment variable is removed once read; a pin-source must be a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <onecard/error.h>

#include "pin_source.h"

#define PIN_CAP 64u

struct dir {
	char path[256];
	char file[300];
};

static int setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));
	const char *tmp = getenv("TMPDIR");

	if (d == NULL) {
		return -1;
	}
	(void)snprintf(d->path, sizeof(d->path), "%s/onecard-pin-XXXXXX",
		       tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(d->path) == NULL) {
		free(d);
		return -1;
	}
	(void)snprintf(d->file, sizeof(d->file), "%s/pin", d->path);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dir *d = *state;

	(void)unlink(d->file);
	(void)rmdir(d->path);
	free(d);
	return 0;
}

/* Writes content (len bytes) to the file with the given mode. */
static const char *pin_file(void **state, const void *content, size_t len, mode_t mode)
{
	struct dir *d = *state;
	int fd;

	(void)unlink(d->file);
	fd = open(d->file, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	/* chmod after creation: the umask must not decide the test. */
	assert_int_equal(chmod(d->file, mode), 0);
	return d->file;
}

static void reads_first_line(void **state)
{
	char pin[PIN_CAP];
	size_t len = 99;

	assert_int_equal(oc_pin_from_file(pin_file(state, "1234\nsecond\n", 12, 0600), pin,
					  sizeof(pin), &len),
			 ONECARD_OK);
	assert_string_equal(pin, "1234");
	assert_int_equal(len, 4);
	/* CRLF, no final newline, owner read-only. */
	assert_int_equal(
		oc_pin_from_file(pin_file(state, "56 78\r\n", 7, 0400), pin, sizeof(pin), &len),
		ONECARD_OK);
	assert_string_equal(pin, "56 78");
	assert_int_equal(oc_pin_from_file(pin_file(state, "abcd", 4, 0600), pin, sizeof(pin), &len),
			 ONECARD_OK);
	assert_string_equal(pin, "abcd");
}

static void refuses_group_or_world_access(void **state)
{
	static const mode_t bad[] = {0640, 0604, 0620, 0602, 0660, 0644, 0666, 0610, 0601};
	char pin[PIN_CAP];
	size_t i, len = 99;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(pin, 'x', sizeof(pin));
		assert_int_equal(oc_pin_from_file(pin_file(state, "1234\n", 5, bad[i]), pin,
						  sizeof(pin), &len),
				 ONECARD_ERR_INVALID_ARG);
		assert_int_equal(len, 0);
		assert_int_equal(pin[0], 0); /* nothing of the PIN left */
	}
}

static void refuses_non_files_and_bad_content(void **state)
{
	struct dir *d = *state;
	char pin[PIN_CAP], big[PIN_CAP + 8];
	size_t len = 99;

	/* A directory (even a private one) is not a PIN file. */
	assert_int_equal(chmod(d->path, 0700), 0);
	assert_int_equal(oc_pin_from_file(d->path, pin, sizeof(pin), &len),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_pin_from_file("/nonexistent/onecard/pin", pin, sizeof(pin), &len),
			 ONECARD_ERR_IO);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(
		oc_pin_from_file(pin_file(state, "\nx\n", 3, 0600), pin, sizeof(pin), &len),
		ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(oc_pin_from_file(pin_file(state, "", 0, 0600), pin, sizeof(pin), &len),
			 ONECARD_ERR_BAD_FORMAT);
	assert_int_equal(oc_pin_from_file(pin_file(state,
						   "12\0"
						   "34\n",
						   6, 0600),
					  pin, sizeof(pin), &len),
			 ONECARD_ERR_BAD_FORMAT);
	memset(big, '7', sizeof(big));
	assert_int_equal(
		oc_pin_from_file(pin_file(state, big, sizeof(big), 0600), pin, sizeof(pin), &len),
		ONECARD_ERR_TOO_LARGE);
	assert_int_equal(len, 0);
}

static void env_is_read_once(void **state)
{
	char pin[PIN_CAP];
	size_t len = 0;

	(void)state;
	assert_int_equal(setenv("ONECARD_TEST_PIN", "2468", 1), 0);
	assert_int_equal(oc_pin_from_env("ONECARD_TEST_PIN", pin, sizeof(pin), &len), ONECARD_OK);
	assert_string_equal(pin, "2468");
	assert_null(getenv("ONECARD_TEST_PIN")); /* no child inherits it */
	assert_int_equal(oc_pin_from_env("ONECARD_TEST_PIN", pin, sizeof(pin), &len),
			 ONECARD_ERR_NOT_FOUND);
	assert_int_equal(setenv("ONECARD_TEST_PIN", "", 1), 0);
	assert_int_equal(oc_pin_from_env("ONECARD_TEST_PIN", pin, sizeof(pin), &len),
			 ONECARD_ERR_BAD_FORMAT);
}

static void obtain_order_and_pin_source(void **state)
{
	char pin[PIN_CAP], uri_source[320];
	const char *from = NULL;
	const char *path;
	size_t len = 0;

	path = pin_file(state, "1111\n", 5, 0600);
	assert_int_equal(setenv(OC_PIN_ENV, "2222", 1), 0);
	/* An explicit file wins over the environment. */
	assert_int_equal(oc_pin_obtain(path, NULL, "PIN: ", pin, sizeof(pin), &len, &from),
			 ONECARD_OK);
	assert_string_equal(pin, "1111");
	assert_string_equal(from, "PIN file");
	/* pin-source as file: URI, file:/// URI, or a path. */
	(void)snprintf(uri_source, sizeof(uri_source), "file:%s", path);
	assert_int_equal(oc_pin_obtain(NULL, uri_source, "PIN: ", pin, sizeof(pin), &len, &from),
			 ONECARD_OK);
	assert_string_equal(from, "pin-source");
	(void)snprintf(uri_source, sizeof(uri_source), "file://%s", path);
	assert_int_equal(oc_pin_obtain(NULL, uri_source, "PIN: ", pin, sizeof(pin), &len, &from),
			 ONECARD_OK);
	assert_int_equal(oc_pin_obtain(NULL, path, "PIN: ", pin, sizeof(pin), &len, &from),
			 ONECARD_OK);
	/* Never a command, never a relative path. */
	assert_int_equal(
		oc_pin_obtain(NULL, "|/bin/echo 1234", "PIN: ", pin, sizeof(pin), &len, &from),
		ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_pin_obtain(NULL, "file:pin", "PIN: ", pin, sizeof(pin), &len, &from),
			 ONECARD_ERR_INVALID_ARG);
	/* A group-readable pin-source is refused like a PIN file. */
	path = pin_file(state, "1111\n", 5, 0640);
	assert_int_equal(oc_pin_obtain(NULL, path, "PIN: ", pin, sizeof(pin), &len, &from),
			 ONECARD_ERR_INVALID_ARG);
	/* Then the environment. */
	assert_int_equal(oc_pin_obtain(NULL, NULL, "PIN: ", pin, sizeof(pin), &len, &from),
			 ONECARD_OK);
	assert_string_equal(pin, "2222");
	assert_string_equal(from, OC_PIN_ENV);
	assert_null(getenv(OC_PIN_ENV));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(reads_first_line, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_group_or_world_access, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_non_files_and_bad_content, setup, teardown),
		cmocka_unit_test_setup_teardown(env_is_read_once, setup, teardown),
		cmocka_unit_test_setup_teardown(obtain_order_and_pin_source, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
