/*
 * json_util.h — small helpers over jansson used across layers.
 */
#ifndef SF_JSON_UTIL_H
#define SF_JSON_UTIL_H

#include <stdbool.h>
#include <jansson.h>

/* "object", "array", "string", "integer", "number", "boolean", "null". */
const char *sf_json_type_name(const json_t *v);

/* True for an integer, or a real with no fractional part (AWS accepts 3.0
 * where an integer is expected). Stores the value in *out. */
bool sf_json_as_integer(const json_t *v, long long *out);

/* Read a whole file into a malloc'd buffer (NUL-terminated). Returns NULL
 * and sets errno on failure. "-" reads standard input. */
char *sf_read_file(const char *path, size_t *len);

/* The absolute folder holding `path` (the realpath of its dirname),
 * malloc'd; NULL when it does not exist. Where a file's relative paths
 * resolve: a definition's programs, a resource map's entries. */
char *sf_folder_of(const char *path);

/* Parse JSON text of any kind (object, array, scalar). On failure returns NULL
 * and writes "line L, column C: message" to errbuf. Text nested deeper than
 * SF_JSON_DEPTH_LIMIT fails too (see sf_json_loadb). */
json_t *sf_json_parse(const char *text, size_t len, char *errbuf, size_t errlen);

/* json_loadb for a value the engine will hold (task results, items, values
 * read back): also fails, with json_error_stack_overflow and a message
 * naming the limit, when objects and arrays nest deeper than
 * SF_JSON_DEPTH_LIMIT (error->line is then -1 if jansson's own parser,
 * which stops at 2048, did not find it). */
json_t *sf_json_loadb(const char *text, size_t len, size_t flags, json_error_t *error);

/* Whether objects and arrays in v (borrowed) nest at most `limit` deep (a
 * scalar is 0 deep, [] and [1] 1, [[1]] 2). Stops descending past limit,
 * so it recurses at most limit + 1 frames whatever v holds. */
bool sf_json_depth_within(const json_t *v, int limit);

/* The JSON Pointer (malloc'd) of the first object or array in v nested
 * deeper than `limit`, or NULL when there is none. */
char *sf_json_too_deep_pointer(const json_t *v, int limit);

#endif
