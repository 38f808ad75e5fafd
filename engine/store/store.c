/*
 * store.c — see store.h for the layout.
 *
 * Failure cases: an unwritable store or a full disk fails creation with a
 * message naming the path and the system error; nothing is left behind under
 * the final name (the temporary folder is removed). A stray temporary folder
 * (".tmp-*", left by a crash between mkdir and rename) is ignored by list.
 * Something else than a folder where the store, its executions folder or an
 * execution's folder should be (a file left there, a typo in --store) is
 * reported by every command the same way, by sf_store_check, naming the
 * path and what is there instead.
 */
#include "engine/store/store.h"
#include "engine/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

char *sf_store_resolve(const char *explicit_dir)
{
    if (explicit_dir && *explicit_dir)
        return sf_strdup(explicit_dir);
    const char *env = getenv("STEPFN_STORE");
    if (env && *env)
        return sf_strdup(env);
    return sf_strdup(".stepfn");
}

bool sf_store_valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 80)
        return false;
    for (const char *p = name; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok)
            return false;
    }
    return true;
}

void sf_store_new_uuid(char out[37])
{
    unsigned char b[16];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
        /* getrandom cannot fail for 16 bytes once the pool is ready; fall
         * back to /dev/urandom-free entropy rather than abort. */
        for (size_t i = 0; i < sizeof b; i++)
            b[i] = (unsigned char)(rand() ^ (getpid() >> (i % 8)));
    }
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

static int mkdir_p(const char *path)
{
    char *copy = sf_strdup(path);
    for (char *p = copy + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0755) != 0 && errno != EEXIST) {
            free(copy);
            return -1;
        }
        *p = '/';
    }
    int rc = mkdir(copy, 0755) != 0 && errno != EEXIST ? -1 : 0;
    free(copy);
    return rc;
}

static int write_file_synced(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int saved = w < 0 ? errno : ENOSPC;
            close(fd);
            errno = saved;
            return -1;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return close(fd);
}

char *sf_store_file(const char *exec_dir, const char *file)
{
    return sf_asprintf("%s/%s", exec_dir, file);
}

static void remove_tmp_dir(const char *tmp)
{
    static const char *const files[] = {"definition.json", "lock"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *path = sf_store_file(tmp, files[i]);
        unlink(path);
        free(path);
    }
    rmdir(tmp);
}

static const char *file_kind(mode_t mode)
{
    return S_ISREG(mode)                    ? "a regular file"
           : S_ISLNK(mode)                  ? "a symbolic link"
           : S_ISFIFO(mode)                 ? "a named pipe"
           : S_ISSOCK(mode)                 ? "a socket"
           : S_ISCHR(mode) || S_ISBLK(mode) ? "a device"
                                            : "not a folder";
}

int sf_store_check(const char *store, const char *name, char **err)
{
    char *levels[3] = {sf_strdup(store), sf_asprintf("%s/executions", store),
                       name ? sf_asprintf("%s/executions/%s", store, name) : NULL};
    char *why[3] = {
        sf_strdup("the store must be a folder"),
        sf_strdup("the store keeps its executions in a folder of that name"),
        sf_asprintf("the store keeps execution '%s' in a folder of that name", name ? name : "")};
    int rc = 0;
    for (size_t i = 0; i < 3 && levels[i] && rc == 0; i++) {
        struct stat st;
        if (stat(levels[i], &st) != 0) {
            if (errno == ENOENT)
                break; /* made when needed; nothing below it exists */
            *err =
                sf_asprintf("%s: cannot look at it: %s (%s)", levels[i], strerror(errno), why[i]);
            rc = -1;
        } else if (!S_ISDIR(st.st_mode)) {
            *err = sf_asprintf("%s is %s, not a folder: %s (move it away, or give --store "
                               "another folder)",
                               levels[i], file_kind(st.st_mode), why[i]);
            rc = -1;
        }
    }
    for (size_t i = 0; i < 3; i++) {
        free(levels[i]);
        free(why[i]);
    }
    return rc;
}

char *sf_store_create_execution(const char *store, const char *name, const char *def_text,
                                size_t def_len, bool *exists, int *lock, char **err)
{
    *exists = false;
    *lock = -1;
    char *root = sf_asprintf("%s/executions", store);
    char *final = sf_asprintf("%s/%s", root, name);
    char *tmp = sf_asprintf("%s/.tmp-%s-%ld", root, name, (long)getpid());
    char *def_path = NULL;
    struct stat st;
    if (sf_store_check(store, name, err) != 0)
        goto fail;
    if (mkdir_p(root) != 0) {
        *err = sf_asprintf("%s: cannot create the store folder: %s", root, strerror(errno));
        goto fail;
    }
    if (stat(final, &st) == 0) {
        *exists = true;
        *err = sf_asprintf("an execution named '%s' already exists in the store %s", name, store);
        goto fail;
    }
    if (mkdir(tmp, 0755) != 0) {
        *err = sf_asprintf("%s: cannot create the execution folder: %s", tmp, strerror(errno));
        goto fail;
    }
    def_path = sf_store_file(tmp, "definition.json");
    if (write_file_synced(def_path, def_text, def_len) != 0) {
        *err = sf_asprintf("%s: cannot write: %s", def_path, strerror(errno));
        remove_tmp_dir(tmp);
        goto fail;
    }
    /* The lock is on the open file, not its name: it holds across the
     * rename below. Nobody else can know the temporary folder: not busy. */
    bool busy;
    *lock = sf_store_lock(tmp, &busy, err);
    if (*lock < 0) {
        remove_tmp_dir(tmp);
        goto fail;
    }
    /* rename(2) onto an existing non-empty folder fails, which is what makes
     * two processes racing for one name safe: exactly one wins. */
    if (rename(tmp, final) != 0) {
        *exists = errno == EEXIST || errno == ENOTEMPTY;
        *err = *exists ? sf_asprintf("an execution named '%s' already exists in the store %s", name,
                                     store)
                       : sf_asprintf("%s: cannot create: %s", final, strerror(errno));
        close(*lock);
        *lock = -1;
        remove_tmp_dir(tmp);
        goto fail;
    }
    free(def_path);
    free(tmp);
    free(root);
    return final;
fail:
    free(def_path);
    free(tmp);
    free(root);
    free(final);
    return NULL;
}

char *sf_store_execution_dir(const char *store, const char *name, bool *broken, char **err)
{
    if (broken)
        *broken = false;
    if (!sf_store_valid_name(name)) {
        *err = sf_asprintf("'%s' is not a valid execution name (1-80 letters, digits, '-' or "
                           "'_')",
                           name);
        return NULL;
    }
    if (sf_store_check(store, name, err) != 0) {
        if (broken)
            *broken = true;
        return NULL;
    }
    char *dir = sf_asprintf("%s/executions/%s", store, name);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        *err = sf_asprintf("no execution named '%s' in the store %s", name, store);
        free(dir);
        return NULL;
    }
    return dir;
}

char **sf_store_list(const char *store, size_t *count, char **err)
{
    if (sf_store_check(store, NULL, err) != 0)
        return NULL;
    char *root = sf_asprintf("%s/executions", store);
    *count = 0;
    DIR *d = opendir(root);
    if (!d) {
        if (errno == ENOENT) { /* an empty store is not an error */
            free(root);
            return sf_calloc(1, sizeof(char *));
        }
        *err = sf_asprintf("%s: cannot list: %s", root, strerror(errno));
        free(root);
        return NULL;
    }
    size_t cap = 16;
    char **names = sf_calloc(cap, sizeof *names);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || !sf_store_valid_name(e->d_name))
            continue;
        if (*count + 1 >= cap) {
            cap *= 2;
            names = sf_realloc(names, cap * sizeof *names);
        }
        names[(*count)++] = sf_strdup(e->d_name);
    }
    closedir(d);
    free(root);
    return names;
}

void sf_store_list_free(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

int sf_store_lock(const char *exec_dir, bool *busy, char **err)
{
    *busy = false;
    char *path = sf_store_file(exec_dir, "lock");
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        *err = sf_asprintf("%s: cannot open the lock file: %s", path, strerror(errno));
        free(path);
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char pid[32] = "";
        ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0'; /* the file holds "PID\n" */
        *busy = errno == EWOULDBLOCK;
        *err = *busy ? sf_asprintf("%s is being run by another process (pid %s)", exec_dir,
                                   pid[0] ? pid : "?")
                     : sf_asprintf("%s: cannot lock: %s", path, strerror(errno));
        close(fd);
        free(path);
        return -1;
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
        /* the pid is only for messages; the lock itself is held */
    }
    free(path);
    return fd;
}

int sf_store_write_file(const char *exec_dir, const char *file, const char *data, size_t len,
                        char **err)
{
    char *final = sf_store_file(exec_dir, file);
    char *tmp = sf_asprintf("%s.tmp-%ld", final, (long)getpid());
    int rc = write_file_synced(tmp, data, len);
    if (rc == 0)
        rc = rename(tmp, final);
    if (rc != 0) {
        *err = sf_asprintf("%s: cannot write: %s", final, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    free(final);
    return rc;
}
