/*
 * map_writer.c — ResultWriter's files (see map_writer.h for the layout).
 *
 * One file per status, opened when its first result arrives and written
 * through stdio's buffer; a JSON file is an array ("[" on open, "," between
 * results, "]" on finish), a JSONL file a result a line. What the files
 * hold follows WriterConfig.Transformation: NONE the whole child execution
 * record, COMPACT its output, FLATTEN its output with an array's elements
 * as separate results; a failed child is always its whole record, as AWS
 * does. Each file is a single part (AWS starts a new one every 5 GB).
 *
 * Durability: the files are synced (fsync) when the run finishes, before
 * manifest.json is written under a temporary name and renamed into place;
 * after a crash a folder without manifest.json is an unfinished run.
 *
 * Failure cases (States.ResultWriterFailed, naming the S3 key, the local
 * file and the system error): the folder cannot be created, a file cannot
 * be opened or written (disk full), a Prefix that would leave the bucket's
 * folder (a ".." segment or an absolute path).
 */
#include "engine/lang/jsonpath.h"
#include "engine/xalloc.h"
#include "states/map/map_reader.h"
#include "states/map/map_writer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { FILE_SUCCEEDED, FILE_FAILED, FILE_KINDS };

typedef struct result_file {
    FILE *f;
    char *name; /* "SUCCEEDED_0.json" */
    long long bytes;
    size_t entries;
} result_file;

struct map_writer {
    char *dir; /* the local folder */
    char *bucket;
    char *key_prefix; /* "PREFIX/MAPRUNID/" */
    char *map_run_arn;
    map_transformation transformation;
    bool jsonl;
    result_file files[FILE_KINDS];
};

static const char *const status_names[FILE_KINDS] = {"SUCCEEDED", "FAILED"};

/* ---- Failing ---- */

static bool fail(const map_writer *w, const char *file, sf_error *err)
{
    sf_error_set(err, SF_ERR_RESULT_WRITER_FAILED,
                 "Cannot write results to s3://%s/%s%s (%s/%s): %s", w->bucket, w->key_prefix, file,
                 w->dir, file, strerror(errno ? errno : EIO));
    return false;
}

/* mkdir -p */
static bool make_folder(char *path)
{
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        bool ok = mkdir(path, 0777) == 0 || errno == EEXIST;
        *p = saved;
        if (!ok || saved == '\0')
            return ok;
    }
}

/* ---- Opening ---- */

map_writer *map_writer_open(const char *exec_dir, const char *bucket, const char *key_prefix,
                            const char *map_run_arn, map_transformation transformation, bool jsonl,
                            sf_error *err)
{
    if (!bucket[0] || strchr(bucket, '/') || !map_key_stays_inside(key_prefix)) {
        sf_error_set(err, SF_ERR_RESULT_WRITER_FAILED,
                     "Cannot write results to s3://%s/%s: the bucket must be named without '/' "
                     "and the prefix must not start with '/' or hold a '..' segment",
                     bucket, key_prefix);
        return NULL;
    }
    map_writer *w = SF_NEW(map_writer);
    w->dir = sf_asprintf("%s/results/%s/%s", exec_dir, bucket, key_prefix);
    w->dir[strlen(w->dir) - 1] = '\0'; /* key_prefix ends in '/' */
    w->bucket = sf_strdup(bucket);
    w->key_prefix = sf_strdup(key_prefix);
    w->map_run_arn = sf_strdup(map_run_arn);
    w->transformation = transformation;
    w->jsonl = jsonl;
    errno = 0;
    if (!make_folder(w->dir)) {
        fail(w, "", err);
        map_writer_free(w);
        return NULL;
    }
    return w;
}

/* ---- Writing ---- */

static bool put(map_writer *w, result_file *rf, const char *text, sf_error *err)
{
    size_t n = strlen(text);
    errno = 0;
    if (fwrite(text, 1, n, rf->f) != n)
        return fail(w, rf->name, err);
    rf->bytes += (long long)n;
    return true;
}

static bool open_file(map_writer *w, int kind, sf_error *err)
{
    result_file *rf = &w->files[kind];
    rf->name = sf_asprintf("%s_0.%s", status_names[kind], w->jsonl ? "jsonl" : "json");
    char *path = sf_asprintf("%s/%s", w->dir, rf->name);
    errno = 0;
    rf->f = fopen(path, "wb");
    free(path);
    if (!rf->f)
        return fail(w, rf->name, err);
    return w->jsonl || put(w, rf, "[", err);
}

static bool write_entry(map_writer *w, int kind, json_t *value, sf_error *err)
{
    result_file *rf = &w->files[kind];
    if (!rf->f && !open_file(w, kind, err))
        return false;
    char *text = sf_json_compact(value);
    bool ok = (w->jsonl || rf->entries == 0 || put(w, rf, ",", err)) && put(w, rf, text, err) &&
              (!w->jsonl || put(w, rf, "\n", err));
    free(text);
    rf->entries++;
    return ok;
}

bool map_writer_add(map_writer *w, bool succeeded, json_t *record, json_t *output, sf_error *err)
{
    bool ok;
    if (!succeeded || w->transformation == MAP_TRANSFORM_NONE || !output) {
        ok = write_entry(w, succeeded ? FILE_SUCCEEDED : FILE_FAILED, record, err);
    } else if (w->transformation == MAP_TRANSFORM_FLATTEN && json_is_array(output)) {
        size_t i;
        json_t *v;
        ok = true;
        json_array_foreach(output, i, v) if (ok) ok = write_entry(w, FILE_SUCCEEDED, v, err);
    } else {
        ok = write_entry(w, FILE_SUCCEEDED, output, err);
    }
    json_decref(record);
    return ok;
}

/* ---- Finishing ---- */

static bool close_file(map_writer *w, result_file *rf, sf_error *err)
{
    if (!rf->f)
        return true;
    bool ok = w->jsonl || put(w, rf, "]", err);
    errno = 0;
    ok = ok && fflush(rf->f) == 0 && fsync(fileno(rf->f)) == 0;
    ok = (fclose(rf->f) == 0) && ok;
    rf->f = NULL;
    if (!ok && !sf_error_is_set(err))
        fail(w, rf->name, err);
    return ok;
}

static json_t *manifest(const map_writer *w)
{
    json_t *files = json_pack("{s:[],s:[],s:[]}", "FAILED", "PENDING", "SUCCEEDED");
    for (int kind = 0; kind < FILE_KINDS; kind++) {
        const result_file *rf = &w->files[kind];
        if (!rf->name)
            continue;
        char *key = sf_asprintf("%s%s", w->key_prefix, rf->name);
        json_array_append_new(json_object_get(files, status_names[kind]),
                              json_pack("{s:s,s:I}", "Key", key, "Size", (json_int_t)rf->bytes));
        free(key);
    }
    return json_pack("{s:s,s:s,s:o}", "DestinationBucket", w->bucket, "MapRunArn", w->map_run_arn,
                     "ResultFiles", files);
}

static bool write_manifest(map_writer *w, sf_error *err)
{
    char *tmp = sf_asprintf("%s/.manifest.json.tmp", w->dir);
    char *path = sf_asprintf("%s/manifest.json", w->dir);
    json_t *m = manifest(w);
    char *text = sf_json_compact(m);
    json_decref(m);
    errno = 0;
    FILE *f = fopen(tmp, "wb");
    bool ok = f && fputs(text, f) >= 0 && fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = (f && fclose(f) == 0) && ok;
    ok = ok && rename(tmp, path) == 0;
    if (!ok) {
        unlink(tmp);
        fail(w, "manifest.json", err);
    }
    free(text);
    free(path);
    free(tmp);
    return ok;
}

bool map_writer_finish(map_writer *w, sf_error *err)
{
    bool ok = true;
    for (int kind = 0; kind < FILE_KINDS && ok; kind++)
        ok = close_file(w, &w->files[kind], err);
    return ok && write_manifest(w, err);
}

void map_writer_free(map_writer *w)
{
    if (!w)
        return;
    for (int kind = 0; kind < FILE_KINDS; kind++) {
        if (w->files[kind].f)
            fclose(w->files[kind].f);
        free(w->files[kind].name);
    }
    free(w->dir);
    free(w->bucket);
    free(w->key_prefix);
    free(w->map_run_arn);
    free(w);
}
