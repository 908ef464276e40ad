/*
 * The credential cache (login.h, docs/login.md "Credential cache"), in the
 * way krb5 keeps a ccache: one file per user, in a folder only the user
 * may enter. The folder is opened once (no symlink), checked on the open
 * descriptor, and every file operation is relative to that descriptor, so
 * a path swapped under us cannot redirect a read or a write. A file or
 * folder that someone else owns, or that group or others may use, is
 * refused and never touched.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <onecard/error.h>

#include "json_strict.h"
#include "login.h"

#define TMP_RANDOM_BYTES 8u			/* random bytes in a temporary name */
#define TMP_NAME_MAX	 (NAME_MAX + 1u)	/* bytes of a temporary name, NUL included */
#define WIPE_CHUNK	 4096u			/* bytes zeroed per write when wiping */
#define CACHE_SUBDIR	 "/" OC_CCACHE_DIR_NAME /* under $XDG_RUNTIME_DIR, ~/.cache */
#define HOME_CACHE	 "/.cache"

/* ---- where ---------------------------------------------------------------- */

/* Sets loc from the file path: dir is everything before the last '/'. */
static int split_path(struct oc_ccache_loc *loc)
{
	char *slash = strrchr(loc->path, '/');
	size_t dir_len;

	if (slash == NULL || slash[1] == '\0') {
		return ONECARD_ERR_INVALID_ARG;
	}
	dir_len = (size_t)(slash - loc->path);
	if (dir_len == 0) {
		dir_len = 1; /* a file in "/" */
	}
	memcpy(loc->dir, loc->path, dir_len);
	loc->dir[dir_len] = '\0';
	loc->name = slash + 1;
	if (strcmp(loc->name, ".") == 0 || strcmp(loc->name, "..") == 0) {
		return ONECARD_ERR_INVALID_ARG;
	}
	return ONECARD_OK;
}

static bool usable(const char *v)
{
	return v != NULL && v[0] == '/';
}

int oc_ccache_locate_from(const char *ccache_env, const char *runtime_dir, const char *home,
			  struct oc_ccache_loc *out)
{
	int w;

	memset(out, 0, sizeof(*out));
	if (ccache_env != NULL && ccache_env[0] != '\0') {
		if (ccache_env[0] != '/') {
			return ONECARD_ERR_INVALID_ARG;
		}
		w = snprintf(out->path, sizeof(out->path), "%s", ccache_env);
	} else if (usable(runtime_dir)) {
		w = snprintf(out->path, sizeof(out->path),
			     "%s" CACHE_SUBDIR "/" OC_CCACHE_FILE_NAME, runtime_dir);
	} else if (usable(home)) {
		w = snprintf(out->path, sizeof(out->path),
			     "%s" HOME_CACHE CACHE_SUBDIR "/" OC_CCACHE_FILE_NAME, home);
		out->make_parent = true;
	} else {
		return ONECARD_ERR_NOT_FOUND;
	}
	if (w < 0 || (size_t)w >= sizeof(out->path)) {
		memset(out, 0, sizeof(*out));
		return ONECARD_ERR_TOO_LARGE;
	}
	if (split_path(out) != ONECARD_OK) {
		memset(out, 0, sizeof(*out));
		return ONECARD_ERR_INVALID_ARG;
	}
	return ONECARD_OK;
}

int oc_ccache_locate(struct oc_ccache_loc *out)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (!usable(home)) {
		pw = getpwuid(geteuid());
		home = pw != NULL ? pw->pw_dir : NULL;
	}
	return oc_ccache_locate_from(getenv(OC_CCACHE_ENV), getenv("XDG_RUNTIME_DIR"), home, out);
}

/* ---- the folder ---------------------------------------------------------- */

/* The folder's parent, ~/.cache: made 0700 when missing. */
static int make_parent(const char *dir)
{
	char parent[OC_CCACHE_PATH_MAX];
	const char *slash = strrchr(dir, '/');
	size_t n;

	if (slash == NULL || slash == dir) {
		return ONECARD_ERR_INVALID_ARG;
	}
	n = (size_t)(slash - dir);
	memcpy(parent, dir, n);
	parent[n] = '\0';
	if (mkdir(parent, 0700) != 0 && errno != EEXIST) {
		return ONECARD_ERR_IO;
	}
	return ONECARD_OK;
}

int oc_ccache_dir_open(const struct oc_ccache_loc *loc, bool create, int *dirfd, const char **why)
{
	struct stat st;
	int fd = -1, saved_errno = 0, r = ONECARD_ERR_IO;

	*dirfd = -1;
	*why = "";
	fd = open(loc->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		if (mkdir(loc->dir, 0700) != 0 && errno == ENOENT && loc->make_parent &&
		    make_parent(loc->dir) == ONECARD_OK) {
			(void)mkdir(loc->dir, 0700);
		}
		fd = open(loc->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0) {
		saved_errno = errno;
		if (saved_errno == ENOENT) {
			r = ONECARD_ERR_NOT_FOUND;
			*why = "the cache folder does not exist";
		} else if (saved_errno == ELOOP || saved_errno == ENOTDIR) {
			r = ONECARD_ERR_INVALID_ARG;
			*why = "the cache folder is a symbolic link or not a folder";
		} else {
			*why = "the cache folder cannot be opened";
		}
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		saved_errno = errno;
		*why = "the cache folder cannot be examined";
		goto out;
	}
	r = ONECARD_ERR_INVALID_ARG;
	if (!S_ISDIR(st.st_mode)) {
		*why = "the cache folder is not a folder";
		goto out;
	}
	if (st.st_uid != geteuid()) {
		*why = "the cache folder belongs to another user";
		goto out;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		*why = "group or others may use the cache folder (chmod 700 it)";
		goto out;
	}
	*dirfd = fd;
	fd = -1;
	r = ONECARD_OK;
out:
	if (fd >= 0) {
		(void)close(fd);
	}
	errno = saved_errno;
	return r;
}

/* ---- the file ------------------------------------------------------------ */

/* The checks every cache file passes before it is read or removed. */
static int check_file(int fd, const char **why)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		*why = "the cache file cannot be examined";
		return ONECARD_ERR_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = "the cache file is not a regular file";
		return ONECARD_ERR_INVALID_ARG;
	}
	if (st.st_uid != geteuid()) {
		*why = "the cache file belongs to another user";
		return ONECARD_ERR_INVALID_ARG;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		*why = "group or others may use the cache file (chmod 600 it)";
		return ONECARD_ERR_INVALID_ARG;
	}
	if (st.st_size < 0 || (unsigned long long)st.st_size > OC_CCACHE_FILE_MAX) {
		*why = "the cache file is larger than 512 KiB";
		return ONECARD_ERR_TOO_LARGE;
	}
	return ONECARD_OK;
}

/* Opens name in the folder, no symlink followed, and checks it.
 * O_NONBLOCK: a FIFO put in the file's place must not hang the open
 * (check_file then refuses it); it changes nothing for a regular file. */
static int open_checked(int dirfd, const char *name, int flags, int *fd, const char **why)
{
	int r;

	*fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (*fd < 0) {
		if (errno == ENOENT) {
			*why = "there is no cache file";
			return ONECARD_ERR_NOT_FOUND;
		}
		if (errno == ELOOP) {
			*why = "the cache file is a symbolic link";
			return ONECARD_ERR_INVALID_ARG;
		}
		*why = "the cache file cannot be opened";
		return ONECARD_ERR_IO;
	}
	r = check_file(*fd, why);
	if (r != ONECARD_OK) {
		(void)close(*fd);
		*fd = -1;
	}
	return r;
}

int oc_ccache_read(int dirfd, const char *name, json_t **root, const char **why)
{
	char *buf = NULL;
	json_t *doc = NULL;
	size_t got = 0;
	ssize_t n;
	int fd = -1, r;

	*root = NULL;
	*why = "";
	r = open_checked(dirfd, name, O_RDONLY, &fd, why);
	if (r != ONECARD_OK) {
		return r;
	}
	buf = malloc(OC_CCACHE_FILE_MAX + 1u);
	if (buf == NULL) {
		r = ONECARD_ERR_NOMEM;
		*why = "out of memory";
		goto out;
	}
	/* One byte more than allowed, so that a file that grew is seen. */
	while (got <= OC_CCACHE_FILE_MAX) {
		n = read(fd, buf + got, OC_CCACHE_FILE_MAX + 1u - got);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			r = ONECARD_ERR_IO;
			*why = "the cache file cannot be read";
			goto out;
		}
		if (n == 0) {
			break;
		}
		got += (size_t)n;
	}
	if (got > OC_CCACHE_FILE_MAX) {
		r = ONECARD_ERR_TOO_LARGE;
		*why = "the cache file is larger than 512 KiB";
		goto out;
	}
	r = oc_json_parse_object(buf, got, &doc);
	if (r != ONECARD_OK) {
		*why = "the cache file is not a JSON object (or has duplicate members)";
		goto out;
	}
	r = oc_ccache_validate(doc, why);
	if (r != ONECARD_OK) {
		goto out;
	}
	*root = doc;
	doc = NULL;
out:
	json_decref(doc);
	if (buf != NULL) {
		OPENSSL_cleanse(buf, OC_CCACHE_FILE_MAX + 1u);
		free(buf);
	}
	if (fd >= 0) {
		(void)close(fd);
	}
	return r;
}

static int write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return ONECARD_ERR_IO;
		}
		p += n;
		len -= (size_t)n;
	}
	return ONECARD_OK;
}

/* Overwrites the first size bytes of fd with zeros and syncs them. */
static int wipe_fd(int fd, off_t size)
{
	static const char zeros[WIPE_CHUNK];
	size_t chunk;

	if (lseek(fd, 0, SEEK_SET) != 0) {
		return ONECARD_ERR_IO;
	}
	while (size > 0) {
		chunk = (unsigned long long)size < sizeof(zeros) ? (size_t)size : sizeof(zeros);
		if (write_all(fd, zeros, chunk) != ONECARD_OK) {
			return ONECARD_ERR_IO;
		}
		size -= (off_t)chunk;
	}
	return fsync(fd) == 0 ? ONECARD_OK : ONECARD_ERR_IO;
}

/* ".NAME." followed by 16 random hex digits. */
static int temp_name(const char *name, char out[TMP_NAME_MAX])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char rnd[TMP_RANDOM_BYTES];
	char hex[2u * TMP_RANDOM_BYTES + 1u];
	size_t i;
	int w;

	if (RAND_bytes(rnd, (int)sizeof(rnd)) != 1) {
		return ONECARD_ERR_CRYPTO;
	}
	for (i = 0; i < sizeof(rnd); i++) {
		hex[2u * i] = digits[rnd[i] >> 4];
		hex[2u * i + 1u] = digits[rnd[i] & 0x0f];
	}
	hex[sizeof(hex) - 1u] = '\0';
	w = snprintf(out, TMP_NAME_MAX, ".%s.%s", name, hex);
	if (w < 0 || (size_t)w >= TMP_NAME_MAX) {
		return ONECARD_ERR_TOO_LARGE;
	}
	return ONECARD_OK;
}

int oc_ccache_write(int dirfd, const char *name, const json_t *root)
{
	char tmp[TMP_NAME_MAX];
	const char *why = "";
	char *text = NULL;
	size_t len = 0;
	int fd = -1, saved_errno = 0, r;

	r = oc_ccache_validate(root, &why);
	if (r != ONECARD_OK) {
		return r;
	}
	r = oc_json_dump(root, JSON_INDENT(1), &text);
	if (r != ONECARD_OK) {
		return r;
	}
	len = strlen(text);
	r = temp_name(name, tmp);
	if (r != ONECARD_OK) {
		goto out;
	}
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
		    0600);
	if (fd < 0) {
		saved_errno = errno;
		r = ONECARD_ERR_IO;
		goto out;
	}
	r = ONECARD_ERR_IO;
	/* 0600 whatever the umask made of it. */
	if (fchmod(fd, 0600) != 0 || write_all(fd, text, len) != ONECARD_OK ||
	    write_all(fd, "\n", 1) != ONECARD_OK || fsync(fd) != 0) {
		saved_errno = errno;
		goto fail;
	}
	if (close(fd) != 0) {
		saved_errno = errno;
		fd = openat(dirfd, tmp, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		goto fail;
	}
	fd = -1;
	if (renameat(dirfd, tmp, dirfd, name) != 0) {
		saved_errno = errno;
		fd = openat(dirfd, tmp, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		goto fail;
	}
	/* The rename itself is durable once the folder is synced. */
	if (fsync(dirfd) != 0) {
		saved_errno = errno;
		goto out;
	}
	r = ONECARD_OK;
	goto out;
fail:
	if (fd >= 0) {
		(void)wipe_fd(fd, (off_t)(len + 1u));
	}
	(void)unlinkat(dirfd, tmp, 0);
out:
	if (fd >= 0) {
		(void)close(fd);
	}
	if (text != NULL) {
		OPENSSL_cleanse(text, len);
		free(text);
	}
	errno = saved_errno;
	return r;
}

/* Wipes and unlinks one file of the folder, after the checks. */
static int remove_one(int dirfd, const char *name, bool *removed, const char **why)
{
	struct stat st;
	int fd = -1, saved_errno = 0, r;

	*removed = false;
	r = open_checked(dirfd, name, O_RDWR, &fd, why);
	if (r == ONECARD_ERR_NOT_FOUND) {
		return ONECARD_OK;
	}
	/* A file too large to be a cache is still ours to remove: the size
	 * is the last thing check_file looks at. */
	if (r == ONECARD_ERR_TOO_LARGE) {
		fd = openat(dirfd, name, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		r = fd >= 0 ? ONECARD_OK : ONECARD_ERR_IO;
	}
	if (r != ONECARD_OK) {
		return r;
	}
	if (fstat(fd, &st) != 0 || wipe_fd(fd, st.st_size) != ONECARD_OK) {
		saved_errno = errno;
		*why = "the cache file cannot be overwritten";
		r = ONECARD_ERR_IO;
		goto out;
	}
	if (unlinkat(dirfd, name, 0) != 0) {
		saved_errno = errno;
		*why = "the cache file cannot be removed";
		r = ONECARD_ERR_IO;
		goto out;
	}
	*removed = true;
	r = ONECARD_OK;
out:
	(void)close(fd);
	errno = saved_errno;
	return r;
}

/* Whether entry is a temporary file of oc_ccache_write for name. */
static bool is_temp_of(const char *entry, const char *name)
{
	size_t n = strlen(name);

	return entry[0] == '.' && strncmp(entry + 1, name, n) == 0 && entry[n + 1] == '.' &&
	       strlen(entry + n + 2) == 2u * TMP_RANDOM_BYTES;
}

int oc_ccache_remove(int dirfd, const char *name, bool *removed, const char **why)
{
	char tmp[TMP_NAME_MAX];
	struct dirent *e;
	DIR *d = NULL;
	bool gone = false;
	int fd, r;

	*removed = false;
	*why = "";
	r = remove_one(dirfd, name, removed, why);
	if (r != ONECARD_OK) {
		return r;
	}
	/* Left-overs of a write that was killed half-way. */
	fd = dup(dirfd);
	if (fd < 0) {
		return ONECARD_OK;
	}
	d = fdopendir(fd);
	if (d == NULL) {
		(void)close(fd);
		return ONECARD_OK;
	}
	rewinddir(d);
	for (;;) {
		e = readdir(d);
		if (e == NULL) {
			break;
		}
		if (!is_temp_of(e->d_name, name) || strlen(e->d_name) >= sizeof(tmp)) {
			continue;
		}
		memcpy(tmp, e->d_name, strlen(e->d_name) + 1u);
		(void)remove_one(dirfd, tmp, &gone, why);
	}
	*why = "";
	(void)closedir(d);
	return ONECARD_OK;
}

/* ---- the document -------------------------------------------------------- */

static bool string_of(const json_t *o, const char *name, size_t max)
{
	const json_t *v = json_object_get(o, name);

	return json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) <= max;
}

/* A string member of 0..max bytes: a card id, "" when no card took part. */
static bool card_of(const json_t *o, const char *name, size_t max)
{
	const json_t *v = json_object_get(o, name);

	return json_is_string(v) && json_string_length(v) <= max;
}

static bool time_of(const json_t *o, const char *name)
{
	const json_t *v = json_object_get(o, name);

	return json_is_integer(v) && json_integer_value(v) > 0;
}

/* One token entry: exactly the members below, each of its type. */
static int validate_entry(const json_t *e, const char **why)
{
	static const char *const members[] = {
		"access_token", "token_type", "issued_at", "exp", "sub", "ent", "card", "agencies"};
	const json_t *a, *v;
	const char *key;
	size_t i, found = 0;

	*why = "a token entry of the cache is not valid";
	if (!json_is_object(e)) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	json_object_foreach ((json_t *)e, key, v) {
		for (i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
			if (strcmp(key, members[i]) == 0) {
				found++;
				break;
			}
		}
		if (i == sizeof(members) / sizeof(members[0])) {
			return ONECARD_ERR_BAD_FORMAT;
		}
	}
	if (found != sizeof(members) / sizeof(members[0]) ||
	    !string_of(e, "access_token", OC_LOGIN_TOKEN_MAX) ||
	    !string_of(e, "token_type", OC_LOGIN_FIELD_MAX) || !time_of(e, "issued_at") ||
	    !time_of(e, "exp") || !string_of(e, "sub", OC_LOGIN_FIELD_MAX) ||
	    !string_of(e, "ent", OC_LOGIN_FIELD_MAX) || !card_of(e, "card", OC_LOGIN_FIELD_MAX)) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	a = json_object_get(e, "agencies");
	if (!json_is_array(a) || json_array_size(a) > OC_LOGIN_AGENCIES_MAX) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	json_array_foreach (a, i, v) {
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    json_string_length(v) > OC_LOGIN_FIELD_MAX) {
			return ONECARD_ERR_BAD_FORMAT;
		}
	}
	*why = "";
	return ONECARD_OK;
}

/* The session's card against its level: "" for a password login (no
 * card took part), a card id for any other. */
static bool session_card_ok(const json_t *o)
{
	const char *acr = json_string_value(json_object_get(o, "acr"));
	const json_t *card = json_object_get(o, "card");

	if (acr != NULL && strcmp(acr, OC_LOGIN_ACR_PWD_OTP) == 0) {
		return json_is_string(card) && json_string_length(card) == 0;
	}
	return string_of(o, "card", OC_LOGIN_FIELD_MAX);
}

/* The session: exactly the members below, each of its type; "acr" may be
 * missing (a cache written before it was recorded: a card login). */
static int validate_session(const json_t *o, const char **why)
{
	static const char *const members[] = {"refresh_token", "issued_at", "exp", "idle_timeout",
					      "last_used",     "sub",	    "ent", "card"};
	const json_t *v;
	size_t i, want = sizeof(members) / sizeof(members[0]);

	*why = "the cache's session is not valid";
	if (json_object_get(o, "acr") != NULL) {
		if (!string_of(o, "acr", OC_LOGIN_ACR_MAX)) {
			return ONECARD_ERR_BAD_FORMAT;
		}
		want++;
	}
	if (json_object_size(o) != want) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	for (i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		if (json_object_get(o, members[i]) == NULL) {
			return ONECARD_ERR_BAD_FORMAT;
		}
	}
	v = json_object_get(o, "refresh_token");
	if (!json_is_string(v) ||
	    !oc_login_session_credential_ok(json_string_value(v), json_string_length(v))) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	v = json_object_get(o, "idle_timeout");
	if (!time_of(o, "issued_at") || !time_of(o, "exp") || !time_of(o, "last_used") ||
	    !json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > OC_LOGIN_SESSION_LIFETIME_MAX ||
	    !string_of(o, "sub", OC_LOGIN_FIELD_MAX) || !string_of(o, "ent", OC_LOGIN_FIELD_MAX) ||
	    !session_card_ok(o)) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	*why = "";
	return ONECARD_OK;
}

int oc_ccache_validate(const json_t *root, const char **why)
{
	static const char *const members[] = {"version", "authd", "origin", "session", "tokens"};
	const json_t *v, *tokens;
	const char *key;
	size_t i;

	*why = "the cache file is not a onecard credential cache of version 1";
	if (!json_is_object(root)) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	if (json_object_size(root) != sizeof(members) / sizeof(members[0])) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	for (i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		if (json_object_get(root, members[i]) == NULL) {
			return ONECARD_ERR_BAD_FORMAT;
		}
	}
	v = json_object_get(root, "version");
	if (!json_is_integer(v) || json_integer_value(v) != OC_CCACHE_VERSION) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	if (!string_of(root, "authd", OC_LOGIN_URL_MAX) ||
	    !string_of(root, "origin", OC_CHALLENGE_ORIGIN_MAX)) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	/* The SSO session (docs/sso.md): null, or what a login opened. */
	v = json_object_get(root, "session");
	if (!json_is_null(v) && !json_is_object(v)) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	if (json_is_object(v) && validate_session(v, why) != ONECARD_OK) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	*why = "the cache file is not a onecard credential cache of version 1";
	tokens = json_object_get(root, "tokens");
	if (!json_is_object(tokens) || json_object_size(tokens) > OC_CCACHE_AUDIENCES_MAX) {
		return ONECARD_ERR_BAD_FORMAT;
	}
	json_object_foreach ((json_t *)tokens, key, v) {
		if (!oc_login_audience_ok(key)) {
			*why = "the cache file names a bad audience";
			return ONECARD_ERR_BAD_FORMAT;
		}
		if (validate_entry(v, why) != ONECARD_OK) {
			return ONECARD_ERR_BAD_FORMAT;
		}
	}
	*why = "";
	return ONECARD_OK;
}

/* Whether root holds credentials of this origin, subject and card. */
static bool same_identity(const json_t *root, const struct oc_login_url *url,
			  const struct oc_login_token *tok)
{
	const json_t *tokens, *e;
	const char *key, *s;

	if (root == NULL) {
		return false;
	}
	s = json_string_value(json_object_get(root, "origin"));
	if (s == NULL || strcmp(s, url->origin) != 0) {
		return false;
	}
	tokens = json_object_get(root, "tokens");
	json_object_foreach ((json_t *)tokens, key, e) {
		s = json_string_value(json_object_get(e, "sub"));
		if (s == NULL || strcmp(s, tok->sub) != 0) {
			return false;
		}
		s = json_string_value(json_object_get(e, "card"));
		if (s == NULL || strcmp(s, tok->card) != 0) {
			return false;
		}
	}
	return true;
}

/* Drops the entries whose exp has passed. The iterator moves on before
 * an entry is deleted, as json_object_foreach_safe does. */
static int drop_expired(json_t *tokens, int64_t now)
{
	void *it = json_object_iter(tokens), *next;
	const char *key;

	while (it != NULL) {
		next = json_object_iter_next(tokens, it);
		key = json_object_iter_key(it);
		if ((int64_t)json_integer_value(
			    json_object_get(json_object_iter_value(it), "exp")) <= now) {
			if (json_object_del(tokens, key) != 0) {
				return ONECARD_ERR_INTERNAL;
			}
		}
		it = next;
	}
	return ONECARD_OK;
}

static json_t *new_entry(const struct oc_login_token *tok, int64_t issued_at)
{
	json_t *e = json_object(), *agencies = json_deep_copy(tok->agencies);

	if (e == NULL || agencies == NULL ||
	    json_object_set_new(e, "access_token", json_string(tok->access_token)) != 0 ||
	    json_object_set_new(e, "token_type", json_string("Bearer")) != 0 ||
	    json_object_set_new(e, "issued_at", json_integer((json_int_t)issued_at)) != 0 ||
	    json_object_set_new(e, "exp",
				json_integer((json_int_t)(issued_at + tok->expires_in))) != 0 ||
	    json_object_set_new(e, "sub", json_string(tok->sub)) != 0 ||
	    json_object_set_new(e, "ent", json_string(tok->ent)) != 0 ||
	    json_object_set_new(e, "card", json_string(tok->card)) != 0 ||
	    json_object_set(e, "agencies", agencies) != 0) {
		json_decref(e);
		e = NULL;
	}
	json_decref(agencies);
	return e;
}

/* The session a login opened, as the cache keeps it; json null when the
 * login opened none. */
static json_t *new_session(const struct oc_login_token *tok, int64_t issued_at)
{
	const struct oc_login_session *s = &tok->session;
	const char *acr = tok->acr[0] != '\0' ? tok->acr : OC_LOGIN_ACR_CARD;
	json_t *o;

	if (s->credential[0] == '\0') {
		return json_null();
	}
	o = json_object();
	if (o == NULL || json_object_set_new(o, "refresh_token", json_string(s->credential)) != 0 ||
	    json_object_set_new(o, "acr", json_string(acr)) != 0 ||
	    json_object_set_new(o, "issued_at", json_integer((json_int_t)issued_at)) != 0 ||
	    json_object_set_new(o, "exp", json_integer((json_int_t)(issued_at + s->expires_in))) !=
		    0 ||
	    json_object_set_new(o, "idle_timeout", json_integer((json_int_t)s->idle_timeout)) !=
		    0 ||
	    json_object_set_new(o, "last_used", json_integer((json_int_t)issued_at)) != 0 ||
	    json_object_set_new(o, "sub", json_string(tok->sub)) != 0 ||
	    json_object_set_new(o, "ent", json_string(tok->ent)) != 0 ||
	    json_object_set_new(o, "card", json_string(tok->card)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Sets tokens[audience] = e, making room among expired entries first
 * when the cache is full. */
static int set_entry(json_t *tokens, const char *audience, json_t *e, int64_t now)
{
	int r;

	if (json_object_get(tokens, audience) == NULL &&
	    json_object_size(tokens) >= OC_CCACHE_AUDIENCES_MAX) {
		r = drop_expired(tokens, now);
		if (r != ONECARD_OK) {
			return r;
		}
		if (json_object_size(tokens) >= OC_CCACHE_AUDIENCES_MAX) {
			return ONECARD_ERR_TOO_LARGE;
		}
	}
	return json_object_set(tokens, audience, e) == 0 ? ONECARD_OK : ONECARD_ERR_NOMEM;
}

int oc_ccache_put(json_t **root, const struct oc_login_url *url, const char *audience,
		  const struct oc_login_token *tok, int64_t issued_at, bool *replaced)
{
	json_t *doc = NULL, *tokens, *e = NULL;
	const char *why = "";
	int r = ONECARD_ERR_NOMEM;

	*replaced = false;
	if (root == NULL || url == NULL || tok == NULL || tok->access_token == NULL ||
	    !oc_login_audience_ok(audience) || issued_at <= 0 ||
	    issued_at > INT64_MAX - OC_LOGIN_SESSION_LIFETIME_MAX ||
	    tok->expires_in > OC_LOGIN_SESSION_LIFETIME_MAX ||
	    tok->session.expires_in > OC_LOGIN_SESSION_LIFETIME_MAX) {
		return ONECARD_ERR_INVALID_ARG;
	}
	if (same_identity(*root, url, tok)) {
		doc = json_deep_copy(*root);
		if (doc == NULL) {
			goto out;
		}
	} else {
		*replaced = *root != NULL;
		doc = json_object();
		if (doc == NULL || json_object_set_new(doc, "version", json_integer(1)) != 0 ||
		    json_object_set_new(doc, "session", json_null()) != 0 ||
		    json_object_set_new(doc, "tokens", json_object()) != 0) {
			goto out;
		}
	}
	if (json_object_set_new(doc, "authd", json_string(url->base)) != 0 ||
	    json_object_set_new(doc, "origin", json_string(url->origin)) != 0 ||
	    json_object_set_new(doc, "session", new_session(tok, issued_at)) != 0) {
		goto out;
	}
	e = new_entry(tok, issued_at);
	tokens = json_object_get(doc, "tokens");
	if (e == NULL || tokens == NULL) {
		goto out;
	}
	r = set_entry(tokens, audience, e, issued_at);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = oc_ccache_validate(doc, &why);
	if (r != ONECARD_OK) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	json_decref(*root);
	*root = doc;
	doc = NULL;
	r = ONECARD_OK;
out:
	json_decref(e);
	json_decref(doc);
	return r;
}

/* ---- the session and what it gives --------------------------------------- */

static int64_t integer_of(const json_t *o, const char *name)
{
	return (int64_t)json_integer_value(json_object_get(o, name));
}

int oc_ccache_session_get(const json_t *root, struct oc_ccache_session *out)
{
	const json_t *s = json_object_get(root, "session");

	memset(out, 0, sizeof(*out));
	if (!json_is_object(s)) {
		return ONECARD_ERR_NOT_FOUND;
	}
	out->credential = json_string_value(json_object_get(s, "refresh_token"));
	out->acr = json_string_value(json_object_get(s, "acr"));
	if (out->acr == NULL) {
		out->acr = OC_LOGIN_ACR_CARD;
	}
	out->issued_at = integer_of(s, "issued_at");
	out->exp = integer_of(s, "exp");
	out->idle_timeout = integer_of(s, "idle_timeout");
	out->last_used = integer_of(s, "last_used");
	out->sub = json_string_value(json_object_get(s, "sub"));
	out->ent = json_string_value(json_object_get(s, "ent"));
	out->card = json_string_value(json_object_get(s, "card"));
	if (out->credential == NULL || out->sub == NULL || out->ent == NULL || out->card == NULL) {
		memset(out, 0, sizeof(*out));
		return ONECARD_ERR_NOT_FOUND; /* not a validated document */
	}
	return ONECARD_OK;
}

const char *oc_ccache_token_get(const json_t *root, const char *audience, int64_t now,
				int64_t min_left)
{
	const json_t *e;

	if (!oc_login_audience_ok(audience) || min_left < 0 || now > INT64_MAX - min_left) {
		return NULL;
	}
	e = json_object_get(json_object_get(root, "tokens"), audience);
	if (!json_is_object(e) || integer_of(e, "exp") <= now + min_left) {
		return NULL;
	}
	return json_string_value(json_object_get(e, "access_token"));
}

int oc_ccache_put_grant(json_t **root, const char *audience, const struct oc_login_token *tok,
			int64_t issued_at)
{
	struct oc_ccache_session s;
	struct oc_login_token who;
	json_t *doc = NULL, *e = NULL;
	const char *why = "";
	int r;

	if (root == NULL || *root == NULL || tok == NULL || tok->access_token == NULL ||
	    tok->agencies == NULL || !oc_login_audience_ok(audience) || issued_at <= 0 ||
	    issued_at > INT64_MAX - OC_LOGIN_LIFETIME_MAX ||
	    tok->expires_in > OC_LOGIN_LIFETIME_MAX) {
		return ONECARD_ERR_INVALID_ARG;
	}
	r = oc_ccache_session_get(*root, &s);
	if (r != ONECARD_OK) {
		return r;
	}
	/* The entry names whom the session names: /v1/token does not say. */
	memset(&who, 0, sizeof(who));
	who.access_token = tok->access_token;
	who.expires_in = tok->expires_in;
	who.agencies = tok->agencies;
	if (strlen(s.sub) > OC_LOGIN_FIELD_MAX || strlen(s.ent) > OC_LOGIN_FIELD_MAX ||
	    strlen(s.card) > OC_LOGIN_FIELD_MAX) {
		return ONECARD_ERR_INVALID_ARG;
	}
	memcpy(who.sub, s.sub, strlen(s.sub) + 1u);
	memcpy(who.ent, s.ent, strlen(s.ent) + 1u);
	memcpy(who.card, s.card, strlen(s.card) + 1u);
	r = ONECARD_ERR_NOMEM;
	doc = json_deep_copy(*root);
	e = new_entry(&who, issued_at);
	if (doc == NULL || e == NULL) {
		goto out;
	}
	if (json_object_set_new(json_object_get(doc, "session"), "last_used",
				json_integer((json_int_t)issued_at)) != 0) {
		goto out;
	}
	r = set_entry(json_object_get(doc, "tokens"), audience, e, issued_at);
	if (r != ONECARD_OK) {
		goto out;
	}
	r = oc_ccache_validate(doc, &why);
	if (r != ONECARD_OK) {
		r = ONECARD_ERR_INVALID_ARG;
		goto out;
	}
	json_decref(*root);
	*root = doc;
	doc = NULL;
	r = ONECARD_OK;
out:
	json_decref(e);
	json_decref(doc);
	return r;
}
