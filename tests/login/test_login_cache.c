/*
 * The credential cache (pkcs11/login/cache.c, show.c): where it is; a
 * folder and a file only their owner may use, anything else refused and
 * left untouched; the atomic write (a new inode renamed into place, never
 * a file rewritten in place, no temporary file left); the version-1 layout
 * checked member by member, the SSO session's with it (its level, acr,
 * and the card only a card login has); merging logins (the session
 * follows the login, a password login's apart from a card login's);
 * tokens from the session beside them,
 * and the cached token handed out only while it lives; the klist-like
 * listing (never a token, never the session credential); and removal
 * that overwrites before it unlinks.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
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

#include "json_strict.h"
#include "login.h"

#define NOBODY	65534u /* a uid that is not ours, for the ownership cases */
#define NOW	1800000000
#define TOKEN_A "eyJhbGciOiJFUzI1NiJ9.eyJhdWQiOiJhIn0.c2lnLWE"
#define TOKEN_B "eyJhbGciOiJFUzI1NiJ9.eyJhdWQiOiJiIn0.c2lnLWI"
#define TOKEN_C "eyJhbGciOiJFUzI1NiJ9.eyJhdWQiOiJjIn0.c2lnLWM"
/* Session credentials: "ocs1_" and 32 random bytes in base64url. */
#define SESSION_A "ocs1_m-3bWS37Mqu1HV6RvEexXJYWTvI6j7OHrIprZX4AFQg"
#define SESSION_B "ocs1_ItL7K7ImOCerghtAOFqGuzxpQPPbxk6OS69ear_4uQY"
#define PATH_CAP  512u

struct fx {
	char root[PATH_CAP]; /* the temporary folder */
	char dir[PATH_CAP];  /* root/onecard: the cache folder */
	char file[PATH_CAP]; /* dir/ccache.json */
	struct oc_ccache_loc loc;
};

/* out = a + b, failing the test if it does not fit. */
static void join(char out[PATH_CAP], const char *a, const char *b)
{
	int w = snprintf(out, PATH_CAP, "%s%s", a, b);

	assert_true(w > 0 && (size_t)w < PATH_CAP);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");

	if (f == NULL) {
		return -1;
	}
	(void)snprintf(f->root, sizeof(f->root), "%s/onecard-ccache-XXXXXX",
		       tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(f->root) == NULL) {
		free(f);
		return -1;
	}
	join(f->dir, f->root, "/onecard");
	join(f->file, f->dir, "/ccache.json");
	if (oc_ccache_locate_from(f->file, NULL, NULL, &f->loc) != ONECARD_OK) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	(void)nftw(f->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* The cache folder, made and opened. */
static int open_dir(struct fx *f)
{
	const char *why = NULL;
	int fd = -1;

	assert_int_equal(oc_ccache_dir_open(&f->loc, true, &fd, &why), ONECARD_OK);
	assert_true(fd >= 0);
	return fd;
}

static struct oc_login_url url_of(const char *text)
{
	struct oc_login_url u;

	assert_int_equal(oc_login_url_parse(text, &u, NULL), ONECARD_OK);
	return u;
}

static struct oc_login_token token_of(const char *token, const char *sub, const char *card,
				      const char *agency)
{
	struct oc_login_token t;

	memset(&t, 0, sizeof(t));
	t.access_token = strdup(token);
	assert_non_null(t.access_token);
	t.expires_in = 300;
	(void)snprintf(t.sub, sizeof(t.sub), "%s", sub);
	(void)snprintf(t.ent, sizeof(t.ent), "91350100M000100Y43");
	(void)snprintf(t.card, sizeof(t.card), "%s", card);
	t.agencies = json_array();
	assert_non_null(t.agencies);
	assert_int_equal(json_array_append_new(t.agencies, json_string(agency)), 0);
	return t;
}

/* t with the SSO session credential, 28800 s long, 1800 s idle. */
static void with_session(struct oc_login_token *t, const char *credential)
{
	(void)snprintf(t->session.credential, sizeof(t->session.credential), "%s", credential);
	t->session.expires_in = 28800;
	t->session.idle_timeout = 1800;
}

/* A one-token cache document. */
static json_t *doc_with(const char *audience, const char *token, int64_t issued_at)
{
	struct oc_login_url u = url_of("http://127.0.0.1:8443");
	struct oc_login_token t = token_of(token, "p-0001", "card-1", "customs");
	json_t *root = NULL;
	bool replaced = true;

	assert_int_equal(oc_ccache_put(&root, &u, audience, &t, issued_at, &replaced), ONECARD_OK);
	assert_false(replaced);
	oc_login_token_clear(&t);
	return root;
}

static void write_text(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static char *read_text(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = calloc(1, 1u << 20);
	size_t n;

	assert_non_null(fp);
	assert_non_null(buf);
	n = fread(buf, 1, (1u << 20) - 1, fp);
	buf[n] = '\0';
	(void)fclose(fp);
	return buf;
}

/* The entries of a folder other than "." and "..". */
static size_t entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	for (;;) {
		e = readdir(d);
		if (e == NULL) {
			break;
		}
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			n++;
		}
	}
	(void)closedir(d);
	return n;
}

/* ---- where ----------------------------------------------------------------- */

static void location(void **state)
{
	struct oc_ccache_loc loc;
	char long_path[OC_CCACHE_PATH_MAX + 8];

	(void)state;
	assert_int_equal(oc_ccache_locate_from("/x/y/cc.json", "/run/user/1000", "/home/u", &loc),
			 ONECARD_OK);
	assert_string_equal(loc.path, "/x/y/cc.json");
	assert_string_equal(loc.dir, "/x/y");
	assert_string_equal(loc.name, "cc.json");
	assert_false(loc.make_parent);
	assert_int_equal(oc_ccache_locate_from(NULL, "/run/user/1000", "/home/u", &loc),
			 ONECARD_OK);
	assert_string_equal(loc.path, "/run/user/1000/onecard/ccache.json");
	assert_string_equal(loc.dir, "/run/user/1000/onecard");
	assert_string_equal(loc.name, "ccache.json");
	/* An empty $ONECARD_CCACHE is unset; a relative $XDG_RUNTIME_DIR is
	 * ignored, as the XDG spec says. */
	assert_int_equal(oc_ccache_locate_from("", "run/user", "/home/u", &loc), ONECARD_OK);
	assert_string_equal(loc.path, "/home/u/.cache/onecard/ccache.json");
	assert_string_equal(loc.dir, "/home/u/.cache/onecard");
	assert_true(loc.make_parent);
	assert_int_equal(oc_ccache_locate_from(NULL, NULL, NULL, &loc), ONECARD_ERR_NOT_FOUND);
	assert_int_equal(oc_ccache_locate_from(NULL, "", "home", &loc), ONECARD_ERR_NOT_FOUND);
	/* $ONECARD_CCACHE must name a file by an absolute path. */
	assert_int_equal(oc_ccache_locate_from("cc.json", NULL, "/home/u", &loc),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_ccache_locate_from("/x/y/", NULL, "/home/u", &loc),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_ccache_locate_from("/x/..", NULL, "/home/u", &loc),
			 ONECARD_ERR_INVALID_ARG);
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	assert_int_equal(oc_ccache_locate_from(long_path, NULL, NULL, &loc), ONECARD_ERR_TOO_LARGE);
	assert_string_equal(loc.path, "");
	/* A file in "/" has "/" as its folder. */
	assert_int_equal(oc_ccache_locate_from("/cc.json", NULL, NULL, &loc), ONECARD_OK);
	assert_string_equal(loc.dir, "/");
}

/* ---- the folder ------------------------------------------------------------ */

static void folder_made_private(void **state)
{
	struct fx *f = *state;
	struct stat st;
	const char *why = NULL;
	mode_t old = umask(0);
	int fd = -1;

	/* Missing: not made unless asked. */
	assert_int_equal(oc_ccache_dir_open(&f->loc, false, &fd, &why), ONECARD_ERR_NOT_FOUND);
	assert_int_equal(fd, -1);
	fd = open_dir(f);
	(void)umask(old);
	assert_int_equal(stat(f->dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(close(fd), 0);
	/* Made again: it is there, and fine. */
	fd = open_dir(f);
	assert_int_equal(close(fd), 0);
}

static void folder_parent_made(void **state)
{
	struct fx *f = *state;
	struct oc_ccache_loc loc;
	struct stat st;
	char path[PATH_CAP];
	const char *why = NULL;
	int fd = -1;

	assert_int_equal(oc_ccache_locate_from(NULL, NULL, f->root, &loc), ONECARD_OK);
	assert_int_equal(oc_ccache_dir_open(&loc, true, &fd, &why), ONECARD_OK);
	(void)close(fd);
	join(path, f->root, "/.cache");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);
	join(path, f->root, "/.cache/onecard");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
}

static void folder_refused(void **state)
{
	static const mode_t wide[] = {0701, 0710, 0750, 0755, 0777, 01777, 0702};
	struct fx *f = *state;
	char target[PATH_CAP];
	const char *why = NULL;
	size_t i;
	int fd = -1;

	assert_int_equal(mkdir(f->dir, 0700), 0);
	for (i = 0; i < sizeof(wide) / sizeof(wide[0]); i++) {
		assert_int_equal(chmod(f->dir, wide[i]), 0);
		assert_int_equal(oc_ccache_dir_open(&f->loc, true, &fd, &why),
				 ONECARD_ERR_INVALID_ARG);
		assert_int_equal(fd, -1);
		assert_non_null(strstr(why, "group or others"));
	}
	assert_int_equal(chmod(f->dir, 0700), 0);
	/* Someone else's folder (only root can make one to test with). */
	if (geteuid() == 0) {
		assert_int_equal(chown(f->dir, NOBODY, NOBODY), 0);
		assert_int_equal(oc_ccache_dir_open(&f->loc, true, &fd, &why),
				 ONECARD_ERR_INVALID_ARG);
		assert_non_null(strstr(why, "another user"));
		assert_int_equal(chown(f->dir, 0, 0), 0);
	}
	/* A symbolic link in the folder's place, even to a good folder. */
	join(target, f->root, "/real");
	assert_int_equal(rename(f->dir, target), 0);
	assert_int_equal(symlink(target, f->dir), 0);
	assert_int_equal(oc_ccache_dir_open(&f->loc, true, &fd, &why), ONECARD_ERR_INVALID_ARG);
	assert_non_null(strstr(why, "symbolic link"));
	/* A file in the folder's place. */
	assert_int_equal(unlink(f->dir), 0);
	write_text(f->dir, "x", 0600);
	assert_int_equal(oc_ccache_dir_open(&f->loc, true, &fd, &why), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(fd, -1);
}

/* ---- the file -------------------------------------------------------------- */

static void write_then_read(void **state)
{
	struct fx *f = *state;
	json_t *root = doc_with("provincial-portal", TOKEN_A, NOW), *back = NULL;
	const char *why = NULL;
	struct stat st;
	mode_t old;
	int dirfd = open_dir(f);

	assert_int_equal(oc_ccache_read(dirfd, f->loc.name, &back, &why), ONECARD_ERR_NOT_FOUND);
	/* Whatever the umask, the file is 0600. */
	old = umask(0);
	assert_int_equal(oc_ccache_write(dirfd, f->loc.name, root), ONECARD_OK);
	(void)umask(old);
	assert_int_equal(stat(f->file, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, geteuid());
	old = umask(0277);
	assert_int_equal(oc_ccache_write(dirfd, f->loc.name, root), ONECARD_OK);
	(void)umask(old);
	assert_int_equal(stat(f->file, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(oc_ccache_read(dirfd, f->loc.name, &back, &why), ONECARD_OK);
	assert_true(json_equal(root, back));
	/* No temporary file left behind. */
	assert_int_equal(entries(f->dir), 1);
	json_decref(back);
	json_decref(root);
	(void)close(dirfd);
}

/* A new inode is renamed into place: a reader holding the old file (here a
 * hard link to it) still sees the old cache whole, never a mix. */
static void write_is_atomic(void **state)
{
	struct fx *f = *state;
	json_t *one = doc_with("provincial-portal", TOKEN_A, NOW);
	json_t *two = doc_with("provincial-portal", TOKEN_B, NOW + 1), *back = NULL, *empty;
	char old_link[PATH_CAP], *before, *old_text;
	const char *why = NULL;
	struct stat a, b;
	int dirfd = open_dir(f);

	assert_int_equal(oc_ccache_write(dirfd, f->loc.name, one), ONECARD_OK);
	before = read_text(f->file);
	join(old_link, f->root, "/old");
	assert_int_equal(link(f->file, old_link), 0);
	assert_int_equal(stat(f->file, &a), 0);
	assert_int_equal(oc_ccache_write(dirfd, f->loc.name, two), ONECARD_OK);
	assert_int_equal(stat(f->file, &b), 0);
	assert_true(a.st_ino != b.st_ino);
	old_text = read_text(old_link);
	assert_string_equal(old_text, before);
	assert_int_equal(oc_ccache_read(dirfd, f->loc.name, &back, &why), ONECARD_OK);
	assert_true(json_equal(back, two));
	assert_int_equal(entries(f->dir), 1);
	/* A symbolic link in the file's place is replaced, its target untouched. */
	assert_int_equal(unlink(f->file), 0);
	assert_int_equal(symlink(old_link, f->file), 0);
	assert_int_equal(oc_ccache_write(dirfd, f->loc.name, one), ONECARD_OK);
	assert_int_equal(lstat(f->file, &b), 0);
	assert_true(S_ISREG(b.st_mode));
	free(old_text);
	old_text = read_text(old_link);
	assert_string_equal(old_text, before);
	/* An invalid document is not written, and leaves nothing behind. */
	empty = json_object();
	assert_non_null(empty);
	assert_int_equal(oc_ccache_write(dirfd, f->loc.name, empty), ONECARD_ERR_BAD_FORMAT);
	json_decref(empty);
	assert_int_equal(entries(f->dir), 1);
	free(before);
	free(old_text);
	json_decref(back);
	json_decref(one);
	json_decref(two);
	(void)close(dirfd);
}

static void file_refused(void **state)
{
	static const mode_t wide[] = {0640, 0604, 0660, 0644, 0666, 0610, 0601};
	struct fx *f = *state;
	json_t *root = doc_with("provincial-portal", TOKEN_A, NOW), *back = NULL;
	char *text, *after, target[PATH_CAP];
	const char *why = NULL;
	bool removed = true;
	size_t i;
	int dirfd = open_dir(f);

	assert_int_equal(oc_ccache_write(dirfd, f->loc.name, root), ONECARD_OK);
	text = read_text(f->file);
	for (i = 0; i < sizeof(wide) / sizeof(wide[0]); i++) {
		assert_int_equal(chmod(f->file, wide[i]), 0);
		back = (json_t *)&back;
		assert_int_equal(oc_ccache_read(dirfd, f->loc.name, &back, &why),
				 ONECARD_ERR_INVALID_ARG);
		assert_null(back);
		assert_non_null(strstr(why, "group or others"));
		/* --logout refuses it too, and leaves it as it was. */
		assert_int_equal(oc_ccache_remove(dirfd, f->loc.name, &removed, &why),
				 ONECARD_ERR_INVALID_ARG);
		assert_false(removed);
		after = read_text(f->file);
		assert_string_equal(after, text);
		free(after);
	}
	assert_int_equal(chmod(f->file, 0600), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(f->file, NOBODY, NOBODY), 0);
		assert_int_equal(oc_ccache_read(dirfd, f->loc.name, &back, &why),
				 ONECARD_ERR_INVALID_ARG);
		assert_non_null(strstr(why, "another user"));
		assert_int_equal(oc_ccache_remove(dirfd, f->loc.name, &removed, &why),
				 ONECARD_ERR_INVALID_ARG);
		after = read_text(f->file);
		assert_string_equal(after, text);
		free(after);
		assert_int_equal(chown(f->file, 0, 0), 0);
	}
	/* A symbolic link to a good cache file. */
	join(target, f->root, "/elsewhere.json");
	assert_int_equal(rename(f->file, target), 0);
	assert_int_equal(symlink(target, f->file), 0);
	assert_int_equal(oc_ccache_read(dirfd, f->loc.name, &back, &why), ONECARD_ERR_INVALID_ARG);
	assert_non_null(strstr(why, "symbolic link"));
	assert_int_equal(oc_ccache_remove(dirfd, f->loc.name, &removed, &why),
			 ONECARD_ERR_INVALID_ARG);
	after = read_text(target);
	assert_string_equal(after, text);
	free(after);
	/* A FIFO does not hang the read; it is refused. */
	assert_int_equal(unlink(f->file), 0);
	assert_int_equal(mkfifo(f->file, 0600), 0);
	assert_int_equal(oc_ccache_read(dirfd, f->loc.name, &back, &why), ONECARD_ERR_INVALID_ARG);
	assert_non_null(strstr(why, "regular"));
	assert_int_equal(unlink(f->file), 0);
	free(text);
	json_decref(root);
	(void)close(dirfd);
}

static void layout_checked(void **state)
{
	static const char *const bad[] = {
		"",
		"[]",
		"{}",
		"not json",
		/* version */
		"{\"version\":2,\"authd\":\"a\",\"origin\":\"o\",\"session\":null,\"tokens\":{}}",
		("{\"version\":\"1\",\"authd\":\"a\",\"origin\":\"o\",\"session\":null,\"tokens\":{"
		 "}"
		 "}"),
		/* members: each there, nothing else, no duplicate */
		"{\"authd\":\"a\",\"origin\":\"o\",\"session\":null,\"tokens\":{}}",
		"{\"version\":1,\"origin\":\"o\",\"session\":null,\"tokens\":{}}",
		"{\"version\":1,\"authd\":\"a\",\"session\":null,\"tokens\":{}}",
		"{\"version\":1,\"authd\":\"a\",\"origin\":\"o\",\"tokens\":{}}",
		"{\"version\":1,\"authd\":\"a\",\"origin\":\"o\",\"session\":null}",
		("{\"version\":1,\"authd\":\"a\",\"origin\":\"o\",\"session\":null,\"tokens\":{},"
		 "\"x\":1}"),
		("{\"version\":1,\"version\":1,\"authd\":\"a\",\"origin\":\"o\",\"session\":null,"
		 "\"tokens\":{}}"),
		/* types */
		"{\"version\":1,\"authd\":\"\",\"origin\":\"o\",\"session\":null,\"tokens\":{}}",
		"{\"version\":1,\"authd\":\"a\",\"origin\":1,\"session\":null,\"tokens\":{}}",
		"{\"version\":1,\"authd\":\"a\",\"origin\":\"o\",\"session\":\"s\",\"tokens\":{}}",
		"{\"version\":1,\"authd\":\"a\",\"origin\":\"o\",\"session\":null,\"tokens\":[]}",
		/* token entries */
		("{\"version\":1,\"authd\":\"a\",\"origin\":\"o\",\"session\":null,"
		 "\"tokens\":{\"Bad\":{}}}"),
		("{\"version\":1,\"authd\":\"a\",\"origin\":\"o\",\"session\":null,"
		 "\"tokens\":{\"a\":1}}"),
		("{\"version\":1,\"authd\":\"a\",\"origin\":\"o\",\"session\":null,"
		 "\"tokens\":{\"a\":{\"access_token\":\"t\"}}}"),
	};
	/* The session's members, one at a time made wrong. */
	static const struct {
		const char *name;
		const char *value; /* raw JSON; NULL: removed */
	} bad_session[] = {
		{"refresh_token", NULL},
		{"refresh_token", "\"\""},
		{"refresh_token", "1"},
		{"refresh_token", "\"ocs2_m-3bWS37Mqu1HV6RvEexXJYWTvI6j7OHrIprZX4AFQg\""},
		{"refresh_token", "\"ocs1_m-3bWS37Mqu1HV6RvEexXJYWTvI6j7OHrIprZX4AFQ\""},
		{"refresh_token", "\"ocs1_m-3bWS37Mqu1HV6RvEexXJYWTvI6j7OHrIprZX4AFQgg\""},
		{"refresh_token", "\"ocs1_m-3bWS37Mqu1HV6RvEexXJYWTvI6j7OHrIprZX4AFQh\""},
		{"refresh_token", "\"ocs1_m+3bWS37Mqu1HV6RvEexXJYWTvI6j7OHrIprZX4AFQg\""},
		{"refresh_token", "\"" TOKEN_A "\""},
		{"issued_at", NULL},
		{"issued_at", "0"},
		{"exp", "\"2\""},
		{"idle_timeout", "0"},
		{"idle_timeout", "2592001"},
		{"last_used", NULL},
		{"sub", "\"\""},
		{"ent", NULL},
		{"card", "7"},
		{"card", "\"\""}, /* a card login's session names its card */
		{"extra", "1"},
		{"acr", "\"\""},
		{"acr", "1"},
		{"acr", "null"},
		{"acr", "\"card-card-card-card-card-card-car\""}, /* 33 bytes */
		/* a password login's session names no card */
		{"acr", "\"pwd-otp\""},
	};
	static const char good[] =
		"{\"version\":1,\"authd\":\"a\",\"origin\":\"o\",\"session\":{\"refresh_token\":"
		"\"" SESSION_A "\",\"issued_at\":1,\"exp\":3,\"idle_timeout\":2592000,"
		"\"last_used\":2,\"sub\":\"s\",\"ent\":\"e\",\"card\":\"c\"},"
		"\"tokens\":{\"a\":{\"access_token\":\"t\",\"token_type\":\"Bearer\","
		"\"issued_at\":1,\"exp\":2,\"sub\":\"s\",\"ent\":\"e\",\"card\":\"c\","
		"\"agencies\":[]}}}";
	/* Sessions with their level: a card login's, and a password
	 * login's with no card (its tokens name none either). */
	static const struct {
		const char *text, *acr, *card;
	} good_too[] = {
		{"{\"version\":1,\"authd\":\"a\",\"origin\":\"o\",\"session\":{\"refresh_token\":"
		 "\"" SESSION_A "\",\"acr\":\"card\",\"issued_at\":1,\"exp\":3,\"idle_timeout\":1,"
		 "\"last_used\":2,\"sub\":\"s\",\"ent\":\"e\",\"card\":\"c\"},\"tokens\":{}}",
		 "card", "c"},
		{"{\"version\":1,\"authd\":\"a\",\"origin\":\"o\",\"session\":{\"refresh_token\":"
		 "\"" SESSION_A "\",\"acr\":\"pwd-otp\",\"issued_at\":1,\"exp\":3,"
		 "\"idle_timeout\":1,\"last_used\":2,\"sub\":\"s\",\"ent\":\"e\",\"card\":\"\"},"
		 "\"tokens\":{\"a\":{\"access_token\":\"t\",\"token_type\":\"Bearer\","
		 "\"issued_at\":1,\"exp\":2,\"sub\":\"s\",\"ent\":\"e\",\"card\":\"\","
		 "\"agencies\":[]}}}",
		 "pwd-otp", ""},
	};
	struct fx *f = *state;
	struct oc_ccache_session sess;
	json_t *back = NULL, *doc, *v;
	const char *why = NULL;
	char *text;
	size_t i;
	int dirfd = open_dir(f);

	write_text(f->file, good, 0600);
	assert_int_equal(oc_ccache_read(dirfd, f->loc.name, &back, &why), ONECARD_OK);
	assert_int_equal(oc_ccache_session_get(back, &sess), ONECARD_OK);
	assert_string_equal(sess.credential, SESSION_A);
	assert_int_equal(sess.issued_at, 1);
	assert_int_equal(sess.exp, 3);
	assert_int_equal(sess.idle_timeout, 2592000);
	assert_int_equal(sess.last_used, 2);
	assert_string_equal(sess.sub, "s");
	assert_string_equal(sess.ent, "e");
	assert_string_equal(sess.card, "c");
	/* A cache written before the level was recorded: a card login. */
	assert_string_equal(sess.acr, OC_LOGIN_ACR_CARD);
	json_decref(back);
	for (i = 0; i < sizeof(good_too) / sizeof(good_too[0]); i++) {
		print_message("%s\n", good_too[i].text);
		write_text(f->file, good_too[i].text, 0600);
		assert_int_equal(oc_ccache_read(dirfd, f->loc.name, &back, &why), ONECARD_OK);
		assert_int_equal(oc_ccache_session_get(back, &sess), ONECARD_OK);
		assert_string_equal(sess.acr, good_too[i].acr);
		assert_string_equal(sess.card, good_too[i].card);
		json_decref(back);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("%s\n", bad[i]);
		write_text(f->file, bad[i], 0600);
		back = (json_t *)&back;
		assert_int_equal(oc_ccache_read(dirfd, f->loc.name, &back, &why),
				 ONECARD_ERR_BAD_FORMAT);
		assert_null(back);
		assert_true(strlen(why) > 0);
	}
	for (i = 0; i < sizeof(bad_session) / sizeof(bad_session[0]); i++) {
		assert_int_equal(oc_json_parse_object(good, strlen(good), &doc), ONECARD_OK);
		if (bad_session[i].value == NULL) {
			assert_int_equal(json_object_del(json_object_get(doc, "session"),
							 bad_session[i].name),
					 0);
		} else {
			v = json_loads(bad_session[i].value, JSON_DECODE_ANY, NULL);
			assert_non_null(v);
			assert_int_equal(json_object_set_new(json_object_get(doc, "session"),
							     bad_session[i].name, v),
					 0);
		}
		assert_int_equal(oc_json_dump(doc, 0, &text), ONECARD_OK);
		json_decref(doc);
		print_message("%s\n", text);
		write_text(f->file, text, 0600);
		free(text);
		back = (json_t *)&back;
		assert_int_equal(oc_ccache_read(dirfd, f->loc.name, &back, &why),
				 ONECARD_ERR_BAD_FORMAT);
		assert_null(back);
		assert_string_equal(why, "the cache's session is not valid");
	}
	(void)close(dirfd);
}

static void file_too_large(void **state)
{
	struct fx *f = *state;
	json_t *back = NULL;
	const char *why = NULL;
	bool removed = false;
	int dirfd = open_dir(f), fd;

	fd = open(f->file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)OC_CCACHE_FILE_MAX + 1), 0);
	(void)close(fd);
	assert_int_equal(oc_ccache_read(dirfd, f->loc.name, &back, &why), ONECARD_ERR_TOO_LARGE);
	/* Still ours to remove. */
	assert_int_equal(oc_ccache_remove(dirfd, f->loc.name, &removed, &why), ONECARD_OK);
	assert_true(removed);
	assert_int_equal(access(f->file, F_OK), -1);
	(void)close(dirfd);
}

/* ---- removal --------------------------------------------------------------- */

static void remove_overwrites(void **state)
{
	struct fx *f = *state;
	json_t *root = doc_with("provincial-portal", TOKEN_A, NOW);
	char peek[PATH_CAP], left[PATH_CAP], stray[PATH_CAP], *text;
	const char *why = NULL;
	bool removed = false;
	struct stat st;
	size_t i;
	int dirfd = open_dir(f);

	assert_int_equal(oc_ccache_write(dirfd, f->loc.name, root), ONECARD_OK);
	/* A second name for the inode shows what removal did to the bytes. */
	join(peek, f->root, "/peek");
	assert_int_equal(link(f->file, peek), 0);
	/* A temporary file a killed write left behind, and one that is not. */
	join(left, f->dir, "/.ccache.json.0123456789abcdef");
	write_text(left, "{\"access_token\":\"" TOKEN_B "\"}", 0600);
	join(stray, f->dir, "/notes.txt");
	write_text(stray, "keep me", 0600);
	assert_int_equal(oc_ccache_remove(dirfd, f->loc.name, &removed, &why), ONECARD_OK);
	assert_true(removed);
	assert_int_equal(access(f->file, F_OK), -1);
	assert_int_equal(access(left, F_OK), -1);
	assert_int_equal(access(stray, F_OK), 0);
	/* The bytes were zeroed before the unlink. */
	assert_int_equal(stat(peek, &st), 0);
	assert_true(st.st_size > 0);
	text = read_text(peek);
	for (i = 0; i < (size_t)st.st_size; i++) {
		assert_int_equal(text[i], 0);
	}
	free(text);
	/* Nothing left: removal is a no-op. */
	assert_int_equal(oc_ccache_remove(dirfd, f->loc.name, &removed, &why), ONECARD_OK);
	assert_false(removed);
	json_decref(root);
	(void)close(dirfd);
}

/* ---- merging logins ---------------------------------------------------------- */

static void put_merges_and_replaces(void **state)
{
	struct oc_login_url u = url_of("http://127.0.0.1:8443");
	struct oc_login_url other = url_of("https://authd.example");
	struct oc_login_token a = token_of(TOKEN_A, "p-0001", "card-1", "customs");
	struct oc_login_token b = token_of(TOKEN_B, "p-0001", "card-1", "border");
	struct oc_login_token c = token_of(TOKEN_B, "p-0002", "card-2", "border");
	json_t *root = NULL, *tokens, *e;
	bool replaced = true;

	(void)state;
	assert_int_equal(oc_ccache_put(&root, &u, "provincial-portal", &a, NOW, &replaced),
			 ONECARD_OK);
	assert_false(replaced);
	assert_string_equal(json_string_value(json_object_get(root, "origin")),
			    "http://127.0.0.1:8443");
	assert_true(json_is_null(json_object_get(root, "session")));
	e = json_object_get(json_object_get(root, "tokens"), "provincial-portal");
	assert_string_equal(json_string_value(json_object_get(e, "access_token")), TOKEN_A);
	assert_int_equal(json_integer_value(json_object_get(e, "exp")), NOW + 300);
	assert_int_equal(json_integer_value(json_object_get(e, "issued_at")), NOW);
	/* Same authd, person and card: the audiences add up; a login that
	 * opens a session brings it into the cache. */
	with_session(&b, SESSION_A);
	assert_int_equal(oc_ccache_put(&root, &u, "city-a-inspection", &b, NOW + 5, &replaced),
			 ONECARD_OK);
	assert_false(replaced);
	tokens = json_object_get(root, "tokens");
	assert_int_equal(json_object_size(tokens), 2);
	e = json_object_get(root, "session");
	assert_string_equal(json_string_value(json_object_get(e, "refresh_token")), SESSION_A);
	assert_int_equal(json_integer_value(json_object_get(e, "issued_at")), NOW + 5);
	assert_int_equal(json_integer_value(json_object_get(e, "last_used")), NOW + 5);
	assert_int_equal(json_integer_value(json_object_get(e, "exp")), NOW + 5 + 28800);
	assert_int_equal(json_integer_value(json_object_get(e, "idle_timeout")), 1800);
	assert_string_equal(json_string_value(json_object_get(e, "sub")), "p-0001");
	assert_string_equal(json_string_value(json_object_get(e, "card")), "card-1");
	assert_string_equal(json_string_value(json_object_get(e, "ent")), "91350100M000100Y43");
	/* Same audience again: its entry is replaced, and the session is
	 * the newest login's. */
	with_session(&b, SESSION_B);
	assert_int_equal(oc_ccache_put(&root, &u, "provincial-portal", &b, NOW + 9, &replaced),
			 ONECARD_OK);
	tokens = json_object_get(root, "tokens");
	assert_int_equal(json_object_size(tokens), 2);
	e = json_object_get(tokens, "provincial-portal");
	assert_string_equal(json_string_value(json_object_get(e, "access_token")), TOKEN_B);
	assert_string_equal(json_string_value(json_object_get(json_object_get(root, "session"),
							      "refresh_token")),
			    SESSION_B);
	/* A login that opened none leaves none: the old credential is not
	 * kept beside tokens of a newer login. */
	assert_int_equal(oc_ccache_put(&root, &u, "provincial-portal", &a, NOW + 9, &replaced),
			 ONECARD_OK);
	assert_true(json_is_null(json_object_get(root, "session")));
	assert_int_equal(oc_ccache_put(&root, &u, "provincial-portal", &b, NOW + 9, &replaced),
			 ONECARD_OK);
	/* Another person or card: the whole cache is replaced, session too. */
	assert_int_equal(oc_ccache_put(&root, &u, "provincial-portal", &c, NOW + 10, &replaced),
			 ONECARD_OK);
	assert_true(replaced);
	assert_int_equal(json_object_size(json_object_get(root, "tokens")), 1);
	assert_true(json_is_null(json_object_get(root, "session")));
	/* Another authd: replaced too. */
	assert_int_equal(oc_ccache_put(&root, &other, "provincial-portal", &c, NOW + 11, &replaced),
			 ONECARD_OK);
	assert_true(replaced);
	assert_string_equal(json_string_value(json_object_get(root, "authd")),
			    "https://authd.example");
	/* Bad arguments change nothing. */
	assert_int_equal(oc_ccache_put(&root, &u, "Bad", &c, NOW, &replaced),
			 ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_ccache_put(&root, &u, "a", &c, 0, &replaced), ONECARD_ERR_INVALID_ARG);
	c.session.expires_in = OC_LOGIN_SESSION_LIFETIME_MAX + 1;
	assert_int_equal(oc_ccache_put(&root, &u, "a", &c, NOW, &replaced),
			 ONECARD_ERR_INVALID_ARG);
	assert_string_equal(json_string_value(json_object_get(root, "authd")),
			    "https://authd.example");
	json_decref(root);
	oc_login_token_clear(&a);
	oc_login_token_clear(&b);
	oc_login_token_clear(&c);
}

/* A password login's token: no card, no agency, the level recorded. */
static struct oc_login_token password_token(const char *token, const char *session)
{
	struct oc_login_token t = token_of(token, "p-0001", "", "none");

	json_array_clear(t.agencies);
	(void)snprintf(t.acr, sizeof(t.acr), "%s", OC_LOGIN_ACR_PWD_OTP);
	if (session != NULL) {
		with_session(&t, session);
	}
	return t;
}

/* The password login's session (acr pwd-otp, no card) beside the card
 * login's: each replaces the other, never mixed in one cache. */
static void put_password_login(void **state)
{
	struct oc_login_url u = url_of("http://127.0.0.1:8443");
	struct oc_login_token p = password_token(TOKEN_A, SESSION_A);
	struct oc_login_token g = token_of(TOKEN_C, "", "", "none");
	struct oc_login_token c = token_of(TOKEN_B, "p-0001", "card-1", "customs");
	struct oc_login_token odd = password_token(TOKEN_B, SESSION_B);
	struct oc_ccache_session s;
	json_t *root = NULL, *e, *before;
	const char *why = NULL;
	bool replaced = true;

	(void)state;
	json_array_clear(g.agencies);
	assert_int_equal(oc_ccache_put(&root, &u, "city-a-info", &p, NOW, &replaced), ONECARD_OK);
	assert_false(replaced);
	e = json_object_get(root, "session");
	assert_string_equal(json_string_value(json_object_get(e, "acr")), "pwd-otp");
	assert_string_equal(json_string_value(json_object_get(e, "card")), "");
	assert_int_equal(oc_ccache_session_get(root, &s), ONECARD_OK);
	assert_string_equal(s.acr, OC_LOGIN_ACR_PWD_OTP);
	assert_string_equal(s.card, "");
	assert_string_equal(s.sub, "p-0001");
	assert_string_equal(s.credential, SESSION_A);
	e = json_object_get(json_object_get(root, "tokens"), "city-a-info");
	assert_string_equal(json_string_value(json_object_get(e, "card")), "");
	assert_int_equal(json_array_size(json_object_get(e, "agencies")), 0);
	/* A token of that session takes its person and no card. */
	assert_int_equal(oc_ccache_put_grant(&root, "city-b-info", &g, NOW + 60), ONECARD_OK);
	assert_int_equal(oc_ccache_validate(root, &why), ONECARD_OK);
	e = json_object_get(json_object_get(root, "tokens"), "city-b-info");
	assert_string_equal(json_string_value(json_object_get(e, "sub")), "p-0001");
	assert_string_equal(json_string_value(json_object_get(e, "card")), "");
	/* A second password login of the same person adds up. */
	assert_int_equal(oc_ccache_put(&root, &u, "city-c-info", &p, NOW + 70, &replaced),
			 ONECARD_OK);
	assert_false(replaced);
	assert_int_equal(json_object_size(json_object_get(root, "tokens")), 3);
	/* The card login of the same person replaces the whole: its tokens
	 * and session are of another level. */
	with_session(&c, SESSION_B);
	assert_int_equal(oc_ccache_put(&root, &u, "provincial-portal", &c, NOW + 80, &replaced),
			 ONECARD_OK);
	assert_true(replaced);
	assert_int_equal(json_object_size(json_object_get(root, "tokens")), 1);
	assert_int_equal(oc_ccache_session_get(root, &s), ONECARD_OK);
	assert_string_equal(s.acr, OC_LOGIN_ACR_CARD);
	assert_string_equal(s.card, "card-1");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(root, "session"), "acr")),
		"card");
	/* And a password login replaces the card login's. */
	assert_int_equal(oc_ccache_put(&root, &u, "city-a-info", &p, NOW + 90, &replaced),
			 ONECARD_OK);
	assert_true(replaced);
	assert_int_equal(oc_ccache_session_get(root, &s), ONECARD_OK);
	assert_string_equal(s.acr, OC_LOGIN_ACR_PWD_OTP);
	assert_null(json_object_get(json_object_get(root, "tokens"), "provincial-portal"));
	/* A password login naming a card, or a card login naming none, is
	 * refused: the cache stays as it was. */
	before = json_deep_copy(root);
	assert_non_null(before);
	(void)snprintf(odd.card, sizeof(odd.card), "card-1");
	assert_int_equal(oc_ccache_put(&root, &u, "city-a-info", &odd, NOW + 95, &replaced),
			 ONECARD_ERR_INVALID_ARG);
	odd.card[0] = '\0';
	odd.acr[0] = '\0';
	assert_int_equal(oc_ccache_put(&root, &u, "city-a-info", &odd, NOW + 95, &replaced),
			 ONECARD_ERR_INVALID_ARG);
	assert_true(json_equal(root, before));
	json_decref(before);
	json_decref(root);
	oc_login_token_clear(&p);
	oc_login_token_clear(&g);
	oc_login_token_clear(&c);
	oc_login_token_clear(&odd);
}

static void put_bounded(void **state)
{
	struct oc_login_url u = url_of("http://127.0.0.1:8443");
	struct oc_login_token t = token_of(TOKEN_A, "p-0001", "card-1", "customs");
	json_t *root = NULL;
	char aud[32];
	bool replaced = false;
	size_t i;

	(void)state;
	/* Full of live tokens: the 65th audience is refused. */
	for (i = 0; i < OC_CCACHE_AUDIENCES_MAX; i++) {
		(void)snprintf(aud, sizeof(aud), "module-%zu", i);
		assert_int_equal(oc_ccache_put(&root, &u, aud, &t, NOW, &replaced), ONECARD_OK);
	}
	assert_int_equal(oc_ccache_put(&root, &u, "one-more", &t, NOW + 10, &replaced),
			 ONECARD_ERR_TOO_LARGE);
	/* An audience already there is still renewed. */
	assert_int_equal(oc_ccache_put(&root, &u, "module-3", &t, NOW + 10, &replaced), ONECARD_OK);
	/* Once they have expired, they make room. */
	assert_int_equal(oc_ccache_put(&root, &u, "one-more", &t, NOW + 300, &replaced),
			 ONECARD_OK);
	assert_int_equal(json_object_size(json_object_get(root, "tokens")), 2);
	assert_non_null(json_object_get(json_object_get(root, "tokens"), "module-3"));
	json_decref(root);
	oc_login_token_clear(&t);
}

/* ---- tokens from the session ------------------------------------------------------ */

static void grant_tokens(void **state)
{
	struct oc_login_url u = url_of("http://127.0.0.1:8443");
	struct oc_login_token login = token_of(TOKEN_A, "p-0001", "card-1", "customs");
	/* /v1/token names no sub, ent or card. */
	struct oc_login_token g = token_of(TOKEN_C, "", "", "maritime");
	struct oc_ccache_session s;
	json_t *root = NULL, *e;
	const char *why = NULL;
	bool replaced = false;

	(void)state;
	/* No session: nothing to put the token beside. */
	assert_int_equal(oc_ccache_put(&root, &u, "provincial-portal", &login, NOW, &replaced),
			 ONECARD_OK);
	assert_int_equal(oc_ccache_session_get(root, &s), ONECARD_ERR_NOT_FOUND);
	assert_null(s.credential);
	assert_int_equal(oc_ccache_put_grant(&root, "city-a-maritime", &g, NOW + 60),
			 ONECARD_ERR_NOT_FOUND);
	assert_null(json_object_get(json_object_get(root, "tokens"), "city-a-maritime"));
	/* With one, the token joins the login's with the session's identity. */
	with_session(&login, SESSION_A);
	assert_int_equal(oc_ccache_put(&root, &u, "provincial-portal", &login, NOW, &replaced),
			 ONECARD_OK);
	assert_int_equal(oc_ccache_put_grant(&root, "city-a-maritime", &g, NOW + 60), ONECARD_OK);
	assert_int_equal(oc_ccache_validate(root, &why), ONECARD_OK);
	assert_int_equal(json_object_size(json_object_get(root, "tokens")), 2);
	e = json_object_get(json_object_get(root, "tokens"), "city-a-maritime");
	assert_string_equal(json_string_value(json_object_get(e, "access_token")), TOKEN_C);
	assert_string_equal(json_string_value(json_object_get(e, "sub")), "p-0001");
	assert_string_equal(json_string_value(json_object_get(e, "card")), "card-1");
	assert_string_equal(json_string_value(json_object_get(e, "ent")), "91350100M000100Y43");
	assert_string_equal(json_string_value(json_array_get(json_object_get(e, "agencies"), 0)),
			    "maritime");
	assert_int_equal(json_integer_value(json_object_get(e, "issued_at")), NOW + 60);
	assert_int_equal(json_integer_value(json_object_get(e, "exp")), NOW + 360);
	/* The session was used: its last use moves, nothing else. */
	assert_int_equal(oc_ccache_session_get(root, &s), ONECARD_OK);
	assert_int_equal(s.last_used, NOW + 60);
	assert_int_equal(s.issued_at, NOW);
	assert_int_equal(s.exp, NOW + 28800);
	assert_string_equal(s.credential, SESSION_A);
	/* An answer with no agency is a token all the same. */
	json_array_clear(g.agencies);
	assert_int_equal(oc_ccache_put_grant(&root, "city-a-info", &g, NOW + 61), ONECARD_OK);
	assert_int_equal(oc_ccache_validate(root, &why), ONECARD_OK);
	/* Handed out while it lives 30 s more, not after. */
	assert_string_equal(oc_ccache_token_get(root, "city-a-maritime", NOW + 329, 30), TOKEN_C);
	assert_null(oc_ccache_token_get(root, "city-a-maritime", NOW + 330, 30));
	assert_null(oc_ccache_token_get(root, "city-a-maritime", NOW + 400, 0));
	assert_string_equal(oc_ccache_token_get(root, "provincial-portal", NOW, 0), TOKEN_A);
	assert_null(oc_ccache_token_get(root, "city-b-maritime", NOW, 0));
	assert_null(oc_ccache_token_get(root, "Bad", NOW, 0));
	assert_null(oc_ccache_token_get(root, "provincial-portal", NOW, -1));
	assert_null(oc_ccache_token_get(root, "provincial-portal", INT64_MAX, 30));
	/* Bad arguments change nothing. */
	assert_int_equal(oc_ccache_put_grant(&root, "Bad", &g, NOW), ONECARD_ERR_INVALID_ARG);
	assert_int_equal(oc_ccache_put_grant(&root, "a", &g, 0), ONECARD_ERR_INVALID_ARG);
	g.expires_in = OC_LOGIN_LIFETIME_MAX + 1;
	assert_int_equal(oc_ccache_put_grant(&root, "a", &g, NOW), ONECARD_ERR_INVALID_ARG);
	assert_null(json_object_get(json_object_get(root, "tokens"), "a"));
	json_decref(root);
	oc_login_token_clear(&login);
	oc_login_token_clear(&g);
	/* The credential was wiped with the token. */
	assert_int_equal(login.session.credential[0], 0);
	assert_int_equal(login.session.credential[OC_LOGIN_SESSION_CRED_LEN - 1], 0);
}

static void grant_bounded(void **state)
{
	struct oc_login_url u = url_of("http://127.0.0.1:8443");
	struct oc_login_token login = token_of(TOKEN_A, "p-0001", "card-1", "customs");
	struct oc_login_token g = token_of(TOKEN_C, "", "", "customs");
	json_t *root = NULL;
	char aud[32];
	bool replaced = false;
	size_t i;

	(void)state;
	with_session(&login, SESSION_A);
	assert_int_equal(oc_ccache_put(&root, &u, "module-0", &login, NOW, &replaced), ONECARD_OK);
	for (i = 1; i < OC_CCACHE_AUDIENCES_MAX; i++) {
		(void)snprintf(aud, sizeof(aud), "module-%zu", i);
		assert_int_equal(oc_ccache_put_grant(&root, aud, &g, NOW), ONECARD_OK);
	}
	assert_int_equal(oc_ccache_put_grant(&root, "one-more", &g, NOW + 10),
			 ONECARD_ERR_TOO_LARGE);
	assert_int_equal(oc_ccache_put_grant(&root, "module-3", &g, NOW + 10), ONECARD_OK);
	assert_int_equal(oc_ccache_put_grant(&root, "one-more", &g, NOW + 300), ONECARD_OK);
	assert_int_equal(json_object_size(json_object_get(root, "tokens")), 2);
	json_decref(root);
	oc_login_token_clear(&login);
	oc_login_token_clear(&g);
}

/* ---- the listing --------------------------------------------------------------- */

static void show_lists_without_tokens(void **state)
{
	static const char want[] =
		"Credential cache: /run/user/0/onecard/ccache.json\n"
		"authd: http://127.0.0.1:8443\n"
		"origin: http://127.0.0.1:8443\n"
		"session: none\n"
		"\n"
		"audience: city-a-inspection\n"
		"  subject:    p-0001\n"
		"  enterprise: 91350100M000100Y43\n"
		"  card:       card-1\n"
		"  agencies:   border, inspection-quarantine\n"
		"  issued:     2027-01-15 08:00:00 UTC\n"
		"  expires:    2027-01-15 08:05:00 UTC (expired)\n"
		"\n"
		"audience: provincial-portal\n"
		"  subject:    p-0001\n"
		"  enterprise: 91350100M000100Y43\n"
		"  card:       card-1\n"
		"  agencies:   customs\n"
		"  issued:     2027-01-15 08:10:00 UTC\n"
		"  expires:    2027-01-15 08:15:00 UTC (valid, 4 min 30 s left)\n";
	struct oc_login_url u = url_of("http://127.0.0.1:8443");
	struct oc_login_token a = token_of(TOKEN_A, "p-0001", "card-1", "customs");
	struct oc_login_token b = token_of(TOKEN_B, "p-0001", "card-1", "border");
	json_t *root = NULL;
	char *out = NULL;
	size_t len = 0;
	bool replaced = false;
	FILE *mem;

	(void)state;
	assert_int_equal(json_array_append_new(b.agencies, json_string("inspection-quarantine")),
			 0);
	/* 1800000000 is 2027-01-15 08:00:00 UTC. */
	assert_int_equal(oc_ccache_put(&root, &u, "provincial-portal", &a, NOW + 600, &replaced),
			 ONECARD_OK);
	assert_int_equal(oc_ccache_put(&root, &u, "city-a-inspection", &b, NOW, &replaced),
			 ONECARD_OK);
	mem = open_memstream(&out, &len);
	assert_non_null(mem);
	assert_int_equal(oc_ccache_show(root, "/run/user/0/onecard/ccache.json", NOW + 630, mem),
			 ONECARD_OK);
	assert_int_equal(fclose(mem), 0);
	assert_string_equal(out, want);
	assert_null(strstr(out, TOKEN_A));
	assert_null(strstr(out, TOKEN_B));
	assert_null(strstr(out, "eyJ"));
	free(out);
	json_decref(root);
	oc_login_token_clear(&a);
	oc_login_token_clear(&b);
}

/* The session: who, when, until when; never the credential. */
static void show_lists_session(void **state)
{
	static const char want[] =
		"Credential cache: /x\n"
		"authd: http://127.0.0.1:8443\n"
		"origin: http://127.0.0.1:8443\n"
		"session: present (its credential is never shown)\n"
		"  login:      card (acr card)\n"
		"  subject:    p-0001\n"
		"  enterprise: 91350100M000100Y43\n"
		"  card:       card-1\n"
		"  opened:     2027-01-15 08:00:00 UTC\n"
		"  last used:  2027-01-15 08:10:00 UTC\n"
		"  expires:    2027-01-15 16:00:00 UTC (valid, 470 min 0 s left)\n"
		"  idle until: 2027-01-15 08:40:00 UTC (valid, 30 min 0 s left)\n"
		"  idle limit: 30 min 0 s without use\n"
		"\n"
		"audience: city-a-maritime\n"
		"  subject:    p-0001\n"
		"  enterprise: 91350100M000100Y43\n"
		"  card:       card-1\n"
		"  agencies:   maritime\n"
		"  issued:     2027-01-15 08:10:00 UTC\n"
		"  expires:    2027-01-15 08:15:00 UTC (valid, 5 min 0 s left)\n"
		"\n"
		"audience: provincial-portal\n"
		"  subject:    p-0001\n"
		"  enterprise: 91350100M000100Y43\n"
		"  card:       card-1\n"
		"  agencies:   customs\n"
		"  issued:     2027-01-15 08:00:00 UTC\n"
		"  expires:    2027-01-15 08:05:00 UTC (expired)\n";
	struct oc_login_url u = url_of("http://127.0.0.1:8443");
	struct oc_login_token a = token_of(TOKEN_A, "p-0001", "card-1", "customs");
	struct oc_login_token g = token_of(TOKEN_C, "", "", "maritime");
	json_t *root = NULL;
	char *out = NULL;
	size_t len = 0;
	bool replaced = false;
	FILE *mem;

	(void)state;
	with_session(&a, SESSION_A);
	assert_int_equal(oc_ccache_put(&root, &u, "provincial-portal", &a, NOW, &replaced),
			 ONECARD_OK);
	assert_int_equal(oc_ccache_put_grant(&root, "city-a-maritime", &g, NOW + 600), ONECARD_OK);
	mem = open_memstream(&out, &len);
	assert_non_null(mem);
	assert_int_equal(oc_ccache_show(root, "/x", NOW + 600, mem), ONECARD_OK);
	assert_int_equal(fclose(mem), 0);
	assert_string_equal(out, want);
	assert_null(strstr(out, "ocs1_"));
	assert_null(strstr(out, &SESSION_A[10]));
	free(out);
	/* Past the idle timeout, and past the end. */
	mem = open_memstream(&out, &len);
	assert_non_null(mem);
	assert_int_equal(oc_ccache_show(root, "/x", NOW + 600 + 1800, mem), ONECARD_OK);
	assert_int_equal(fclose(mem), 0);
	assert_non_null(strstr(out, "  idle until: 2027-01-15 08:40:00 UTC (ended)\n"));
	free(out);
	mem = open_memstream(&out, &len);
	assert_non_null(mem);
	assert_int_equal(oc_ccache_show(root, "/x", NOW + 28800, mem), ONECARD_OK);
	assert_int_equal(fclose(mem), 0);
	assert_non_null(strstr(out, "  expires:    2027-01-15 16:00:00 UTC (ended)\n"));
	free(out);
	json_decref(root);
	oc_login_token_clear(&a);
	oc_login_token_clear(&g);
}

/* A password login's session says so; no card, no agency. */
static void show_lists_password_session(void **state)
{
	static const char want[] =
		"Credential cache: /x\n"
		"authd: http://127.0.0.1:8443\n"
		"origin: http://127.0.0.1:8443\n"
		"session: present (its credential is never shown)\n"
		"  login:      password and TOTP code (acr pwd-otp); modules that need a card "
		"refuse it\n"
		"  subject:    p-0001\n"
		"  enterprise: 91350100M000100Y43\n"
		"  card:       (none)\n"
		"  opened:     2027-01-15 08:00:00 UTC\n"
		"  last used:  2027-01-15 08:00:00 UTC\n"
		"  expires:    2027-01-15 16:00:00 UTC (valid, 480 min 0 s left)\n"
		"  idle until: 2027-01-15 08:30:00 UTC (valid, 30 min 0 s left)\n"
		"  idle limit: 30 min 0 s without use\n"
		"\n"
		"audience: city-a-info\n"
		"  subject:    p-0001\n"
		"  enterprise: 91350100M000100Y43\n"
		"  card:       (none)\n"
		"  agencies:   (none)\n"
		"  issued:     2027-01-15 08:00:00 UTC\n"
		"  expires:    2027-01-15 08:05:00 UTC (valid, 5 min 0 s left)\n";
	struct oc_login_url u = url_of("http://127.0.0.1:8443");
	struct oc_login_token p = password_token(TOKEN_A, SESSION_A);
	json_t *root = NULL;
	char *out = NULL;
	size_t len = 0;
	bool replaced = false;
	FILE *mem;

	(void)state;
	assert_int_equal(oc_ccache_put(&root, &u, "city-a-info", &p, NOW, &replaced), ONECARD_OK);
	mem = open_memstream(&out, &len);
	assert_non_null(mem);
	assert_int_equal(oc_ccache_show(root, "/x", NOW, mem), ONECARD_OK);
	assert_int_equal(fclose(mem), 0);
	assert_string_equal(out, want);
	assert_null(strstr(out, "ocs1_"));
	assert_null(strstr(out, "eyJ"));
	free(out);
	json_decref(root);
	oc_login_token_clear(&p);
}

/* Strings from the file cannot drive the terminal. */
static void show_sanitizes(void **state)
{
	struct oc_login_url u = url_of("http://127.0.0.1:8443");
	struct oc_login_token t = token_of(TOKEN_A, "p\x1b[31m-0001\n", "card\r1", "cust\x7foms");
	json_t *root = NULL;
	char *out = NULL;
	size_t len = 0;
	bool replaced = false;
	FILE *mem;

	(void)state;
	assert_int_equal(oc_ccache_put(&root, &u, "a", &t, NOW, &replaced), ONECARD_OK);
	assert_int_equal(json_object_set_new(root, "tokens", json_object()), 0);
	mem = open_memstream(&out, &len);
	assert_non_null(mem);
	assert_int_equal(oc_ccache_show(root, "/x", NOW, mem), ONECARD_OK);
	assert_int_equal(fclose(mem), 0);
	assert_non_null(strstr(out, "(no tokens)"));
	free(out);
	json_decref(root);
	root = NULL;
	assert_int_equal(oc_ccache_put(&root, &u, "a", &t, NOW, &replaced), ONECARD_OK);
	mem = open_memstream(&out, &len);
	assert_non_null(mem);
	assert_int_equal(oc_ccache_show(root, "/x", NOW, mem), ONECARD_OK);
	assert_int_equal(fclose(mem), 0);
	assert_null(strchr(out, '\x1b'));
	assert_null(strchr(out, '\r'));
	assert_null(strchr(out, '\x7f'));
	assert_non_null(strstr(out, "  subject:    p?[31m-0001?\n"));
	assert_non_null(strstr(out, "  card:       card?1\n"));
	assert_non_null(strstr(out, "  agencies:   cust?oms\n"));
	free(out);
	json_decref(root);
	oc_login_token_clear(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(location),
		cmocka_unit_test_setup_teardown(folder_made_private, setup, teardown),
		cmocka_unit_test_setup_teardown(folder_parent_made, setup, teardown),
		cmocka_unit_test_setup_teardown(folder_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(write_then_read, setup, teardown),
		cmocka_unit_test_setup_teardown(write_is_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(file_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(layout_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(file_too_large, setup, teardown),
		cmocka_unit_test_setup_teardown(remove_overwrites, setup, teardown),
		cmocka_unit_test(put_merges_and_replaces),
		cmocka_unit_test(put_password_login),
		cmocka_unit_test(put_bounded),
		cmocka_unit_test(grant_tokens),
		cmocka_unit_test(grant_bounded),
		cmocka_unit_test(show_lists_without_tokens),
		cmocka_unit_test(show_lists_session),
		cmocka_unit_test(show_lists_password_session),
		cmocka_unit_test(show_sanitizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
