/*
 * map_storage.c — what an S3 bucket and key are on this machine.
 *
 * A Distributed Map names its data as AWS does (Bucket, Key, Prefix). The
 * resource map says which local folder stands for a bucket, or for a key
 * prefix in it ("s3://lab-data": {"folder": "lab/bucket"}); the object is
 * the file under that folder named by the rest of the key. A bucket the map
 * does not name may be one this execution's own ResultWriter wrote
 * (STORE/executions/NAME/results/BUCKET), so a state can read back what an
 * earlier Map wrote, as it would on S3.
 *
 * Failure cases (States.ItemReaderFailed, the cause naming the bucket and
 * what to add to the map): a bucket in neither place; an empty bucket name
 * or one with '/'; a key that would leave the bucket's folder (an absolute
 * path or a ".." segment), which S3 would take literally but a file system
 * would not.
 */
#include "engine/xalloc.h"
#include "states/map/map_reader.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

bool map_key_stays_inside(const char *key)
{
    if (key[0] == '/')
        return false;
    for (const char *p = key; *p;) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return false;
        p += n + (end != NULL);
    }
    return true;
}

static char *join_path(const char *folder, const char *rest)
{
    return rest[0] ? sf_asprintf("%s/%s", folder, rest) : sf_strdup(folder);
}

static bool from_resource_map(const sf_resources *map, const char *bucket, const char *key,
                              map_object *out)
{
    const char *rest;
    const sf_resource *e = sf_resources_find_folder(map, bucket, key, &rest);
    if (!e)
        return false;
    out->path = join_path(e->folder, rest);
    out->folder = sf_strdup(e->folder);
    out->key_base = sf_strndup(key, (size_t)(rest - key));
    char *given = join_path(e->folder_as_given, rest);
    out->shown = sf_asprintf("s3://%s/%s (%s)", bucket, key, given);
    free(given);
    return true;
}

static bool from_results(const char *exec_dir, const char *bucket, const char *key, map_object *out)
{
    struct stat st;
    char *folder = exec_dir ? sf_asprintf("%s/results/%s", exec_dir, bucket) : NULL;
    bool found = folder && stat(folder, &st) == 0 && S_ISDIR(st.st_mode);
    if (found) {
        out->path = join_path(folder, key);
        out->folder = sf_strdup(folder);
        out->key_base = sf_strdup("");
        out->shown = sf_asprintf("s3://%s/%s (results/%s/%s in the execution's folder)", bucket,
                                 key, bucket, key);
    }
    free(folder);
    return found;
}

bool map_object_resolve(const sf_resources *map, const char *exec_dir, const char *bucket,
                        const char *key, map_object *out, sf_error *err)
{
    memset(out, 0, sizeof *out);
    if (!bucket[0] || strchr(bucket, '/')) {
        sf_error_set(err, SF_ERR_ITEM_READER_FAILED,
                     "The bucket name '%s' is not valid: a bucket is named without '/'", bucket);
        return false;
    }
    if (!map_key_stays_inside(key)) {
        sf_error_set(err, SF_ERR_ITEM_READER_FAILED,
                     "The key '%s' of bucket '%s' cannot be read here: it would leave the "
                     "bucket's folder (an absolute path or a '..' segment)",
                     key, bucket);
        return false;
    }
    if (!from_resource_map(map, bucket, key, out) && !from_results(exec_dir, bucket, key, out)) {
        sf_error_set(err, SF_ERR_ITEM_READER_FAILED,
                     "The bucket '%s' is not in the resource map%s%s; add an entry such as "
                     "\"s3://%s\": {\"folder\": \"local/folder\"}",
                     bucket, map ? " " : "", map ? map->path : " (no --resources was given)",
                     bucket);
        return false;
    }
    out->bucket = sf_strdup(bucket);
    out->key = sf_strdup(key);
    return true;
}

void map_object_clear(map_object *o)
{
    free(o->bucket);
    free(o->key);
    free(o->path);
    free(o->folder);
    free(o->key_base);
    free(o->shown);
    memset(o, 0, sizeof *o);
}
