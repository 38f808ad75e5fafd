/*
 * diag.h — diagnostics found while loading and validating a definition.
 *
 * Validation reports every problem at once, so problems are collected here
 * rather than returned one at a time. Each carries an AWS-style code (the
 * codes of ValidateStateMachineDefinition: SCHEMA_VALIDATION_FAILED,
 * MISSING_TRANSITION_TARGET, ...), the JSON Pointer (RFC 6901) of the
 * definition element at fault, and a message that names the state and field.
 */
#ifndef SF_DIAG_H
#define SF_DIAG_H

#include <stddef.h>

typedef enum sf_severity { SF_DIAG_ERROR, SF_DIAG_WARNING } sf_severity;

typedef struct sf_diag {
    sf_severity severity;
    char *code;    /* e.g. "SCHEMA_VALIDATION_FAILED" */
    char *pointer; /* JSON Pointer into the definition, "" for the root */
    char *message;
} sf_diag;

typedef struct sf_diags {
    sf_diag *items;
    size_t count;
    size_t capacity;
    size_t errors; /* number of items with SF_DIAG_ERROR */
} sf_diags;

#define SF_DIAGS_INIT {NULL, 0, 0, 0}

void sf_diags_add(sf_diags *d, sf_severity sev, const char *code, const char *pointer,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
#define sf_diags_error(d, code, ptr, ...) sf_diags_add((d), SF_DIAG_ERROR, (code), (ptr), __VA_ARGS__)
#define sf_diags_warn(d, code, ptr, ...) sf_diags_add((d), SF_DIAG_WARNING, (code), (ptr), __VA_ARGS__)
void sf_diags_free(sf_diags *d);

/* Codes used across the project. */
#define SF_DIAG_SCHEMA "SCHEMA_VALIDATION_FAILED"
#define SF_DIAG_INVALID_JSON "INVALID_JSON_DESCRIPTION"
#define SF_DIAG_MISSING_TARGET "MISSING_TRANSITION_TARGET"
#define SF_DIAG_UNREACHABLE "UNREACHABLE_STATE"
#define SF_DIAG_DUPLICATE_STATE "DUPLICATE_STATE_NAME"
#define SF_DIAG_INVALID_PATH "INVALID_JSON_PATH"
#define SF_DIAG_INVALID_INTRINSIC "INVALID_INTRINSIC_FUNCTION"
#define SF_DIAG_MISSING_FIELD "MISSING_REQUIRED_FIELD"
#define SF_DIAG_UNKNOWN_FIELD "UNKNOWN_FIELD"
#define SF_DIAG_INVALID_VALUE "INVALID_FIELD_VALUE"
#define SF_DIAG_UNSUPPORTED "UNSUPPORTED_FEATURE"

/* Build a JSON Pointer: base + "/" + escaped token ("~" -> "~0", "/" -> "~1").
 * Returns a malloc'd string. */
char *sf_pointer_join(const char *base, const char *token);
char *sf_pointer_join_index(const char *base, size_t index);

#endif
