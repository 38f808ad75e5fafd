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

/* Parse JSON text of any kind (object, array, scalar). On failure returns NULL
 * and writes "line L, column C: message" to errbuf. */
json_t *sf_json_parse(const char *text, size_t len, char *errbuf, size_t errlen);

#endif
