/*
 * resources.h — the resource map given by `stepfn run --resources MAP.json`:
 * what Lambda functions (and EventBridge connections) mean on this machine.
 *
 *   {
 *     "arn:aws:lambda:us-east-1:123456789012:function:s3-processor":
 *         { "exec": ["steps/s3-processor", "--table", "data"],
 *           "env": { "TABLE_DIR": "lab/table" }, "timeout": 30 },
 *     "summary": { "url": "http://127.0.0.1:8081/summary" },
 *     "arn:aws:events:us-east-1:123456789012:connection/api/1":
 *         { "headers": { "Authorization": "Bearer local" },
 *           "query": { "api_key": "k" } },
 *     "s3://lab-data": { "folder": "lab/bucket" },
 *     "s3://lab-data/archive/": { "folder": "/mnt/archive" }
 *   }
 *
 * An entry is a function (exactly one of "exec" or "url"), a connection
 * (only "headers" and/or "query", used by http:invoke's
 * Authentication.ConnectionArn) or a folder (only "folder": what an S3
 * bucket, or a key prefix in it, is on this machine; the key is named
 * "s3://BUCKET[/PREFIX]" or "arn:aws:s3:::BUCKET[/PREFIX]"). Fields:
 *   exec     argv as an array of strings (a single string is argv[0] alone).
 *            No shell is involved. argv[0] with a '/' is a path; a relative
 *            one resolves against the map file's folder, which is also the
 *            program's working directory. A bare name is looked up in PATH.
 *   env      extra environment variables (strings), on top of the minimal
 *            environment every step program gets (see invoke_process.h).
 *   url      the input is POSTed there as JSON; the JSON response is the
 *            result.
 *   headers  request headers for url entries and connections.
 *   query    query parameters for connections.
 *   timeout  seconds; the task's TimeoutSeconds when the state has none.
 *   folder   a local folder; relative to the map file's folder. Object KEY
 *            of the bucket is the file folder/KEY (the key less the entry's
 *            PREFIX, when it has one).
 *
 * Loading checks the structure (unknown fields, wrong types) and names the
 * file and the JSON Pointer of the bad element. Whether an exec program
 * exists is checked when a definition that uses the entry is compiled.
 *
 * Ownership: an sf_resources owns every string and JSON value in it; entries
 * are borrowed from it and live as long as it does.
 */
#ifndef SF_RESOURCES_H
#define SF_RESOURCES_H

#include <stddef.h>
#include <jansson.h>

typedef struct sf_resource {
    char *name;             /* the map key */
    char **argv;            /* exec entries: NULL-terminated; NULL otherwise */
    char **env;             /* "NAME=value", NULL-terminated (never NULL) */
    char *url;              /* url entries; NULL otherwise */
    json_t *headers;        /* object of strings, or NULL */
    json_t *query;          /* object of strings, or NULL */
    double timeout_seconds; /* 0: none */
    char *folder;           /* folder entries: absolute path; NULL otherwise */
    char *folder_as_given;  /* the "folder" value as written, for messages */
} sf_resource;

typedef struct sf_resources {
    char *path;     /* the map file, as given */
    char *base_dir; /* absolute folder of the map file */
    sf_resource *entries;
    size_t count;
} sf_resources;

/* Read and check a map file. NULL with *err (malloc'd) when the file is
 * unreadable, not JSON, or not a valid map. */
sf_resources *sf_resources_load(const char *path, char **err);
/* Check a parsed map (doc is borrowed); base_dir resolves relative paths. */
sf_resources *sf_resources_from_json(json_t *doc, const char *origin, const char *base_dir,
                                     char **err);
void sf_resources_free(sf_resources *r);

/* The entry under exactly this key, or NULL. */
const sf_resource *sf_resources_find(const sf_resources *r, const char *key);
/* A Lambda function by any name AWS accepts for it: a full ARN (with or
 * without a version or alias qualifier), a partial ARN
 * ("123456789012:function:name"), or the bare name. Tries the exact key,
 * then keys naming the same function. NULL when no entry matches. */
const sf_resource *sf_resources_find_function(const sf_resources *r, const char *name);

/* The folder entry standing for object `key` of `bucket`: the entry whose
 * "s3://BUCKET[/PREFIX]" (or "arn:aws:s3:::...") name is the longest one
 * that bucket/key starts with. *rest is set to the part of key below the
 * entry's prefix. NULL when no folder entry matches. */
const sf_resource *sf_resources_find_folder(const sf_resources *r, const char *bucket,
                                            const char *key, const char **rest);

/* The function name inside a Lambda ARN, partial ARN or name ("name" for
 * "arn:aws:lambda:us-east-1:1:function:name:prod"). Malloc'd. */
char *sf_lambda_function_name(const char *arn_or_name);

#endif
