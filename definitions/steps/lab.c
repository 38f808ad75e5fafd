/*
 * lab.c — the helpers of lab.h.
 *
 * What can go wrong, and what the step then reports:
 *   - the event is not JSON: Lab.BadEvent (stepfn always sends JSON, so
 *     this means the program was run by hand);
 *   - a variable of the resource map is missing: Lab.Config, naming it;
 *   - a file cannot be read or written: Lab.Io, naming the file and errno;
 *   - a table line is not a JSON object with a "pk": Lab.TableCorrupt,
 *     naming the line. The table is never rewritten from a partial read.
 * Writes go to a dot-file first and are renamed (or linked) into place, so
 * a step killed at any point leaves the previous table, or no message at
 * all, never half of one.
 */
#include "lab.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- The Lambda-style contract ---- */

static char *read_all(int fd, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n + 1 >= cap)
            buf = realloc(buf, cap *= 2);
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

json_t *lab_read_event(void)
{
    size_t len;
    char *text = read_all(0, &len);
    json_error_t jerr;
    json_t *event = json_loadb(text, len, JSON_DECODE_ANY, &jerr);
    free(text);
    if (!event)
        lab_fail("Lab.BadEvent", "the event on stdin is not JSON: %s", jerr.text);
    return event;
}

/* The fewest significant digits that read back as exactly v. */
static int digits_needed(double v)
{
    char buf[64];
    for (int p = 1; p < 17; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            return p;
    }
    return 17;
}

static int max_digits(const json_t *v)
{
    int most = 1, n;
    size_t i;
    const char *key;
    json_t *x;
    if (json_is_real(v))
        return digits_needed(json_real_value(v));
    if (json_is_array(v)) {
        json_array_foreach(v, i, x)
        {
            if ((n = max_digits(x)) > most)
                most = n;
        }
    }
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, x)
        {
            if ((n = max_digits(x)) > most)
                most = n;
        }
    }
    return most;
}

/* One precision for the whole document: jansson has no per-number one, and
 * %.Ng with N at least what a number needs still prints it shortest. */
char *lab_dumps(const json_t *value, size_t flags)
{
    return json_dumps(value, flags | JSON_ENCODE_ANY | JSON_REAL_PRECISION(max_digits(value)));
}

void lab_reply(json_t *result)
{
    char *text = lab_dumps(result, JSON_COMPACT);
    json_decref(result);
    fputs(text, stdout);
    fputc('\n', stdout);
    fflush(stdout);
    free(text);
}

void lab_fail(const char *type, const char *fmt, ...)
{
    char message[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    json_t *error = json_pack("{s:s, s:s}", "errorType", type, "errorMessage", message);
    char *text = json_dumps(error, JSON_COMPACT);
    json_decref(error);
    fflush(stdout);
    printf("%s\n", text);
    free(text);
    exit(1);
}

const char *lab_env(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v)
        lab_fail("Lab.Config", "%s is not set; give it in the resource map's \"env\"", name);
    return v;
}

const char *lab_field(const json_t *event, const char *name)
{
    const char *v = json_string_value(json_object_get(event, name));
    if (!v)
        lab_fail("Lab.BadEvent", "the event needs a string field \"%s\"", name);
    return v;
}

/* ---- Files ---- */

char *lab_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = malloc(n);
    snprintf(path, n, "%s/%s", dir, name);
    return path;
}

void lab_mkdirs(const char *dir)
{
    char *path = strdup(dir);
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            lab_fail("Lab.Io", "cannot create the folder %s: %s", path, strerror(errno));
        *p = c;
        if (c == '\0')
            break;
    }
    free(path);
}

char *lab_read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        int saved = S_ISDIR(st.st_mode) ? EISDIR : errno;
        close(fd);
        errno = saved;
        return NULL;
    }
    char *data = read_all(fd, len);
    close(fd);
    return data;
}

static char *parent_of(const char *path)
{
    char *dir = strdup(path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir)
        *slash = '\0';
    else
        strcpy(dir, slash ? "/" : ".");
    return dir;
}

/* A step killed while writing (its Map or Parallel was stopped, its task
 * timed out) leaves its temporary file behind; the next writer in the same
 * folder removes those whose process is gone, so the folder holds only real
 * data. */
static void remove_stale_temps(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        long pid;
        if (sscanf(e->d_name, ".tmp-%ld-", &pid) != 1 || pid <= 0)
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* its writer still runs */
        char *path = lab_join(dir, e->d_name);
        unlink(path);
        free(path);
    }
    closedir(d);
}

/* Write data to a new dot-file in dir; returns its path (malloc'd). */
static char *write_temp(const char *dir, const char *data, size_t len)
{
    lab_mkdirs(dir);
    remove_stale_temps(dir);
    char name[64];
    snprintf(name, sizeof name, ".tmp-%ld-XXXXXX", (long)getpid());
    char *path = lab_join(dir, name);
    int fd = mkstemp(path);
    if (fd < 0)
        lab_fail("Lab.Io", "cannot create a file in %s: %s", dir, strerror(errno));
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            lab_fail("Lab.Io", "cannot write %s: %s", path, strerror(errno));
        done += (size_t)w;
    }
    if (fchmod(fd, 0644) != 0 || close(fd) != 0)
        lab_fail("Lab.Io", "cannot write %s: %s", path, strerror(errno));
    return path;
}

void lab_write_file(const char *path, const char *data, size_t len)
{
    char *dir = parent_of(path);
    char *tmp = write_temp(dir, data, len);
    if (rename(tmp, path) != 0)
        lab_fail("Lab.Io", "cannot write %s: %s", path, strerror(errno));
    free(tmp);
    free(dir);
}

/* The highest NUMBER of the NUMBER.suffix files in dir (0 when none). */
static long highest_number(const char *dir, const char *suffix)
{
    long highest = 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t slen = strlen(suffix);
    struct dirent *de;
    while ((de = readdir(d))) {
        char *end;
        long n = strtol(de->d_name, &end, 10);
        if (end != de->d_name && strlen(end) == slen && strcmp(end, suffix) == 0 && n > highest)
            highest = n;
    }
    closedir(d);
    return highest;
}

long lab_write_numbered(const char *dir, const char *suffix, int width, const char *data,
                        size_t len)
{
    char *tmp = write_temp(dir, data, len);
    long n = highest_number(dir, suffix);
    for (;;) {
        char name[64];
        snprintf(name, sizeof name, "%0*ld%s", width, ++n, suffix);
        char *path = lab_join(dir, name);
        int rc = link(tmp, path); /* unlike rename, never replaces a file */
        int saved = errno;
        free(path);
        if (rc == 0)
            break;
        if (saved != EEXIST)
            lab_fail("Lab.Io", "cannot add a file to %s: %s", dir, strerror(saved));
    }
    unlink(tmp);
    free(tmp);
    return n;
}

/* ---- Buckets ---- */

void lab_check_key(const char *key)
{
    bool ok = *key && *key != '/';
    for (const char *seg = key; ok && *seg;) {
        size_t n = strcspn(seg, "/");
        ok = n > 0 && !(n == 1 && seg[0] == '.') && !(n == 2 && seg[0] == '.' && seg[1] == '.');
        seg += n + (seg[n] == '/');
        if (seg[-1] == '/' && !*seg)
            ok = false; /* a trailing slash: a folder, not an object */
    }
    if (!ok)
        lab_fail("Lab.BadKey", "the object key \"%s\" does not name a file inside the bucket", key);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

static void list_below(const char *dir, const char *prefix, json_t *keys)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char *path = lab_join(dir, de->d_name);
        char *key = *prefix ? lab_join(prefix, de->d_name) : strdup(de->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            list_below(path, key, keys);
        else
            json_array_append_new(keys, json_string(key));
        free(key);
        free(path);
    }
    closedir(d);
}

json_t *lab_list_keys(const char *dir)
{
    json_t *keys = json_array();
    list_below(dir, "", keys);
    size_t n = json_array_size(keys);
    json_t **v = malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(keys, i));
    qsort(v, n, sizeof *v, compare_strings);
    json_array_clear(keys);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(keys, v[i]);
    free(v);
    return keys;
}

/* ---- Tables ---- */

static void table_load(lab_table *t, const char *text)
{
    int line = 0;
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        line++;
        if (n > 0) {
            json_error_t jerr;
            json_t *item = json_loadb(p, n, 0, &jerr);
            const char *pk = json_string_value(json_object_get(item, "pk"));
            if (!pk)
                lab_fail("Lab.TableCorrupt", "%s:%d: not a JSON object with a \"pk\" string",
                         t->path, line);
            json_object_set_new(t->items, pk, item);
        }
        p += n + (p[n] == '\n');
    }
}

void lab_table_open(lab_table *t, const char *path)
{
    t->path = strdup(path);
    t->items = json_object();
    char *dir = parent_of(path);
    lab_mkdirs(dir);
    free(dir);
    char lock[4096];
    snprintf(lock, sizeof lock, "%s.lock", path);
    t->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (t->lock_fd < 0 || flock(t->lock_fd, LOCK_EX) != 0)
        lab_fail("Lab.Io", "cannot lock the table %s: %s", lock, strerror(errno));
    size_t len;
    char *text = lab_read_file(path, &len);
    if (!text && errno != ENOENT)
        lab_fail("Lab.Io", "cannot read the table %s: %s", path, strerror(errno));
    if (text)
        table_load(t, text);
    free(text);
}

json_t *lab_table_get(const lab_table *t, const char *pk)
{
    return json_object_get(t->items, pk);
}

void lab_table_put(lab_table *t, json_t *item)
{
    const char *pk = json_string_value(json_object_get(item, "pk"));
    if (!pk)
        lab_fail("Lab.Bug", "an item without a \"pk\" string cannot be stored");
    json_object_set_new(t->items, pk, item);
}

void lab_table_delete(lab_table *t, const char *pk)
{
    json_object_del(t->items, pk);
}

static int compare_pk(const void *a, const void *b)
{
    const char *x = json_string_value(json_object_get(*(json_t *const *)a, "pk"));
    const char *y = json_string_value(json_object_get(*(json_t *const *)b, "pk"));
    return strcmp(x, y);
}

json_t *lab_table_sorted(const lab_table *t)
{
    size_t n = json_object_size(t->items), i = 0;
    json_t **v = malloc((n ? n : 1) * sizeof *v);
    const char *pk;
    json_t *item;
    json_object_foreach(t->items, pk, item)
    {
        v[i++] = item;
    }
    qsort(v, n, sizeof *v, compare_pk);
    json_t *sorted = json_array();
    for (i = 0; i < n; i++)
        json_array_append(sorted, v[i]);
    free(v);
    return sorted;
}

void lab_table_commit(lab_table *t)
{
    json_t *sorted = lab_table_sorted(t);
    size_t len = 0, cap = 4096, i;
    char *text = malloc(cap);
    json_t *item;
    json_array_foreach(sorted, i, item)
    {
        char *line = lab_dumps(item, 0);
        size_t n = strlen(line);
        while (len + n + 2 > cap)
            text = realloc(text, cap *= 2);
        memcpy(text + len, line, n);
        len += n;
        text[len++] = '\n';
        free(line);
    }
    json_decref(sorted);
    lab_write_file(t->path, text, len);
    free(text);
}

void lab_table_close(lab_table *t)
{
    close(t->lock_fd); /* releases the lock */
    json_decref(t->items);
    free(t->path);
    t->items = NULL;
    t->path = NULL;
}

/* ---- Queues ---- */

char *lab_queue_dir(const char *queue_url)
{
    const char *slash = strrchr(queue_url, '/');
    const char *name = slash ? slash + 1 : queue_url;
    if (!*name || name[0] == '.')
        lab_fail("Lab.BadEvent", "the QueueUrl \"%s\" does not end with a queue name", queue_url);
    return lab_join(lab_env("QUEUE_DIR"), name);
}
