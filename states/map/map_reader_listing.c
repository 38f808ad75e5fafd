/*
 * map_reader_listing.c — items from s3:listObjectsV2: one per file under
 * the bucket's folder whose key starts with Prefix, in key order, shaped as
 * the Distributed Map gets them from S3:
 *
 *   {"Etag": "\"<md5>\"", "Key": "data/a.csv", "LastModified": 1668699881,
 *    "Size": 34910, "StorageClass": "STANDARD"}
 *
 * The key of a file is its path below the folder (with the entry's PREFIX
 * in front, when the resource map entry is for a prefix). S3 lists keys in
 * UTF-8 byte order, so the names are collected and sorted first: memory
 * holds every matching name (not the files), which is small next to the
 * items themselves. The rest of each item (size, time, Etag) is read only
 * when the item is. Directories are walked recursively, but a symbolic
 * link to a directory is not followed (it could loop); links to files are.
 *
 * Etag is the MD5 of the file's content, as S3 gives for an object put in
 * one piece; files over 64 MiB get a stand-in made from size and time with
 * a "-1" suffix, the shape of a multipart Etag, rather than being read.
 * LastModified is in whole seconds.
 *
 * Failure cases (States.ItemReaderFailed naming the bucket, prefix and
 * local folder): the bucket's folder does not exist or cannot be read; a
 * file disappears or cannot be read before its item is made. A prefix that
 * names nothing is not an error: the Map has no items, as on S3.
 */
#include "engine/lang/hash.h"
#include "engine/json_util.h"
#include "engine/xalloc.h"
#include "states/map/map_reader.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ETAG_MAX_BYTES (64 * 1024 * 1024)

typedef struct listing_reader {
    map_reader base;
    char *folder;
    char *key_base;
    char **names; /* paths below folder, sorted */
    size_t count, capacity, next;
} listing_reader;

/* ---- Collecting the names ---- */

static void add_name(listing_reader *r, char *name)
{
    if (r->count == r->capacity) {
        r->capacity = r->capacity ? 2 * r->capacity : 64;
        r->names = sf_realloc(r->names, r->capacity * sizeof *r->names);
    }
    r->names[r->count++] = name;
}

/* Whether a folder `rel` (ending in '/') can hold keys starting with want. */
static bool may_hold(const char *rel, const char *want)
{
    size_t a = strlen(rel), b = strlen(want);
    return strncmp(rel, want, a < b ? a : b) == 0;
}

static bool walk(listing_reader *r, const char *dir, const char *rel, const char *want);

static bool visit(listing_reader *r, const char *dir, const char *rel, const char *name,
                  const char *want)
{
    char *path = sf_asprintf("%s/%s", dir, name);
    char *sub = sf_asprintf("%s%s", rel, name);
    struct stat st;
    bool ok = true;
    if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        char *sub_dir = sf_asprintf("%s/", sub);
        if (may_hold(sub_dir, want))
            ok = walk(r, path, sub_dir, want);
        free(sub_dir);
    } else if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
               strncmp(sub, want, strlen(want)) == 0) {
        add_name(r, sub);
        sub = NULL;
    }
    free(sub);
    free(path);
    return ok;
}

static bool walk(listing_reader *r, const char *dir, const char *rel, const char *want)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT && rel[0] != '\0'; /* a prefix naming nothing */
    struct dirent *e;
    bool ok = true;
    while (ok && (e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            ok = visit(r, dir, rel, e->d_name, want);
    closedir(d);
    return ok;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- Items ---- */

static char *etag_of(const char *path, const struct stat *st)
{
    size_t len;
    char *data = st->st_size <= ETAG_MAX_BYTES ? sf_read_file(path, &len) : NULL;
    char *hex, *etag;
    if (data) {
        hex = sf_hash_hex(SF_HASH_MD5, data, len);
        etag = sf_asprintf("\"%s\"", hex);
    } else {
        char *stamp = sf_asprintf("%lld:%lld:%lld", (long long)st->st_size,
                                  (long long)st->st_mtim.tv_sec, (long long)st->st_mtim.tv_nsec);
        hex = sf_hash_hex(SF_HASH_MD5, stamp, strlen(stamp));
        etag = sf_asprintf("\"%s-1\"", hex);
        free(stamp);
    }
    free(hex);
    free(data);
    return etag;
}

static json_t *object_item(listing_reader *r, const char *name, sf_error *err)
{
    char *path = sf_asprintf("%s/%s", r->folder, name);
    struct stat st;
    json_t *item = NULL;
    if (stat(path, &st) != 0) {
        map_reader_fail(&r->base, err, "the file %s%s: %s", r->key_base, name, strerror(errno));
    } else {
        char *etag = etag_of(path, &st);
        char *key = sf_asprintf("%s%s", r->key_base, name);
        item = json_pack("{s:s,s:s,s:I,s:I,s:s}", "Etag", etag, "Key", key, "LastModified",
                         (json_int_t)st.st_mtim.tv_sec, "Size", (json_int_t)st.st_size,
                         "StorageClass", "STANDARD");
        if (!item)
            map_reader_fail(&r->base, err, "the file name '%s' is not valid UTF-8", name);
        free(key);
        free(etag);
    }
    free(path);
    return item;
}

static int listing_next(map_reader *base, json_t **item, sf_error *err)
{
    listing_reader *r = (listing_reader *)base;
    if (r->next >= r->count)
        return 0;
    const char *name = r->names[r->next++];
    if (!item)
        return 1;
    *item = object_item(r, name, err);
    return *item ? 1 : -1;
}

static void listing_free(map_reader *base)
{
    listing_reader *r = (listing_reader *)base;
    for (size_t i = 0; i < r->count; i++)
        free(r->names[i]);
    free(r->names);
    free(r->folder);
    free(r->key_base);
    free(r);
}

static const map_reader_ops listing_ops = {listing_next, listing_free};

map_reader *map_reader_listing_open(const map_object *o, sf_error *err)
{
    listing_reader *r = SF_NEW(listing_reader);
    r->base.ops = &listing_ops;
    r->base.origin = sf_strdup(o->shown);
    r->folder = sf_strdup(o->folder);
    r->key_base = sf_strdup(o->key_base);
    const char *want = o->key + strlen(o->key_base); /* the prefix below the folder */
    const char *slash = strrchr(want, '/');
    char *start_rel = sf_strndup(want, slash ? (size_t)(slash - want) + 1 : 0);
    char *start = start_rel[0] ? sf_asprintf("%s/%s", r->folder, start_rel) : sf_strdup(r->folder);
    bool ok = walk(r, start, start_rel, want);
    if (!ok)
        map_reader_fail(&r->base, err, "cannot list the folder %s: %s", start, strerror(errno));
    free(start);
    free(start_rel);
    if (!ok) {
        map_reader_free(&r->base);
        return NULL;
    }
    if (r->count > 1)
        qsort(r->names, r->count, sizeof *r->names, compare_names);
    return &r->base;
}
