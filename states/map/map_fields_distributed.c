/*
 * map_fields_distributed.c — the fields only a Distributed Map has:
 * ItemReader, ItemBatcher, ResultWriter and Label, compiled and checked
 * when the definition loads.
 *
 * Each problem is a diagnostic naming the state, the field and its JSON
 * Pointer:
 *   - ItemReader, ItemBatcher and ResultWriter in a Map whose
 *     ProcessorConfig.Mode is not DISTRIBUTED (AWS refuses them too);
 *   - ItemReader: a Resource other than arn:aws:states:::s3:getObject or
 *     s3:listObjectsV2, Parameters missing Bucket (or Key for getObject),
 *     a ReaderConfig whose InputType is missing (getObject), unknown or
 *     MANIFEST (S3 inventories are not supported), CSV settings on a
 *     non-CSV reader, CSVHeaderLocation GIVEN without CSVHeaders (or
 *     with duplicates), an unknown CSVDelimiter, MaxItems out of range;
 *   - ItemBatcher without MaxItemsPerBatch or MaxInputBytesPerBatch (either
 *     form), values out of range, a BatchInput that is not an object;
 *   - ResultWriter that is empty, a Resource other than s3:putObject, a
 *     Resource without Parameters.Bucket, an unknown Transformation or
 *     OutputType, OutputType JSONL without a file to write.
 * At load time (check_load) an ItemReader whose Bucket is written in the
 * definition and is not in the resource map gets a warning: the run will
 * fail unless this execution's own ResultWriter wrote that bucket.
 */
#include "engine/json_util.h"
#include "engine/invoke/resources.h"
#include "engine/xalloc.h"
#include "states/map/map.h"

#include <stdlib.h>
#include <string.h>

#define S3_ARN           "arn:aws:states:::s3:"
#define MAP_INTEGER_MAX  2147483647.0
#define READER_MAX_ITEMS 100000000.0
#define BATCH_MAX_BYTES  262144.0

/* ---- Small helpers ---- */

static void error_at(sf_compile_ctx *cc, const char *code, const char *base, const char *field,
                     const char *what)
{
    char *ptr = field ? sf_pointer_join(base, field) : sf_strdup(base);
    sf_diags_error(cc->diags, code, ptr, "State '%s': %s %s", cc->state->name, field ? field : "",
                   what);
    free(ptr);
}

/* Reject members of obj not listed in allowed (NULL-terminated). */
static void reject_unknown(sf_compile_ctx *cc, json_t *obj, const char *base, const char *what,
                           const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], key) != 0)
            i++;
        if (!allowed[i]) {
            char *ptr = sf_pointer_join(base, key);
            sf_diags_error(cc->diags, SF_DIAG_UNKNOWN_FIELD, ptr,
                           "State '%s': field '%s' is not allowed in %s", cc->state->name, key,
                           what);
            free(ptr);
        }
    }
}

/* The template compiler does not know the state: prefix its messages. */
static sf_template *compile_template_at(sf_compile_ctx *cc, json_t *value, const char *ptr,
                                        const char *label)
{
    sf_diags found = SF_DIAGS_INIT;
    sf_template *t = sf_template_compile(value, ptr, &found);
    for (size_t i = 0; i < found.count; i++) {
        const sf_diag *d = &found.items[i];
        sf_diags_add(cc->diags, d->severity, d->code, d->pointer, "State '%s', %s: %s",
                     cc->state->name, label, d->message);
    }
    if (!t && found.errors == 0)
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, ptr, "State '%s': %s is invalid", cc->state->name,
                       label);
    sf_diags_free(&found);
    return t;
}

/* A Parameters template that must be an object naming `required` fields
 * (each literal or as "field.$"). */
static sf_template *compile_parameters(sf_compile_ctx *cc, json_t *params, const char *base,
                                       const char *label, const char *const *required)
{
    char *ptr = sf_pointer_join(base, "Parameters");
    sf_template *t = NULL;
    if (!json_is_object(params)) {
        sf_diags_error(cc->diags, SF_DIAG_SCHEMA, params ? ptr : base,
                       "State '%s': %s.Parameters must be an object such as {\"Bucket\": "
                       "\"my-bucket\", ...}",
                       cc->state->name, label);
        free(ptr);
        return NULL;
    }
    for (size_t i = 0; required[i]; i++) {
        char dollar[32];
        snprintf(dollar, sizeof dollar, "%s.$", required[i]);
        if (!json_object_get(params, required[i]) && !json_object_get(params, dollar))
            sf_diags_error(cc->diags, SF_DIAG_MISSING_FIELD, ptr,
                           "State '%s': %s.Parameters needs \"%s\" (or \"%s\")", cc->state->name,
                           label, required[i], dollar);
    }
    t = compile_template_at(cc, params, ptr, label);
    free(ptr);
    return t;
}

/* The index of s in names (NULL-terminated), or -1. */
static int name_index(const char *s, const char *const *names)
{
    for (int i = 0; s && names[i]; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

/* ---- ItemReader ---- */

static void compile_csv_headers(sf_compile_ctx *cc, map_reader_config *r, json_t *headers,
                                const char *base)
{
    char *ptr = sf_pointer_join(base, "CSVHeaders");
    size_t n = json_array_size(headers);
    bool ok = json_is_array(headers) && n > 0;
    for (size_t i = 0; ok && i < n; i++) {
        const char *h = json_string_value(json_array_get(headers, i));
        ok = h != NULL;
        for (size_t j = 0; ok && j < i; j++)
            if (strcmp(h, json_string_value(json_array_get(headers, j))) == 0) {
                sf_diags_error(cc->diags, SF_DIAG_INVALID_VALUE, ptr,
                               "State '%s': CSVHeaders names \"%s\" twice", cc->state->name, h);
                free(ptr);
                return;
            }
    }
    if (!ok) {
        sf_diags_error(cc->diags, SF_DIAG_INVALID_VALUE, ptr,
                       "State '%s': CSVHeaders must be a non-empty array of strings",
                       cc->state->name);
        free(ptr);
        return;
    }
    r->csv_headers = sf_calloc(n, sizeof *r->csv_headers);
    r->csv_header_count = n;
    for (size_t i = 0; i < n; i++)
        r->csv_headers[i] = sf_strdup(json_string_value(json_array_get(headers, i)));
    free(ptr);
}

static void compile_csv_config(sf_compile_ctx *cc, map_reader_config *r, json_t *config,
                               const char *base)
{
    static const char *const locations[] = {"FIRST_ROW", "GIVEN", NULL};
    static const char *const delimiters[] = {"COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB", NULL};
    static const char delimiter_chars[] = ",|; \t";
    json_t *location = json_object_get(config, "CSVHeaderLocation");
    json_t *headers = json_object_get(config, "CSVHeaders");
    json_t *delimiter = json_object_get(config, "CSVDelimiter");
    int loc = location ? name_index(json_string_value(location), locations) : 0;
    if (loc < 0)
        error_at(cc, SF_DIAG_INVALID_VALUE, base, "CSVHeaderLocation",
                 "must be \"FIRST_ROW\" or \"GIVEN\"");
    else if (loc == 1 && !headers)
        error_at(cc, SF_DIAG_MISSING_FIELD, base, "CSVHeaderLocation",
                 "GIVEN needs CSVHeaders, the column names");
    else if (loc == 0 && headers)
        error_at(cc, SF_DIAG_SCHEMA, base, "CSVHeaders",
                 "is only allowed with CSVHeaderLocation GIVEN (FIRST_ROW reads them from the "
                 "file)");
    else if (loc == 1)
        compile_csv_headers(cc, r, headers, base);
    int d = delimiter ? name_index(json_string_value(delimiter), delimiters) : 0;
    if (d < 0)
        error_at(cc, SF_DIAG_INVALID_VALUE, base, "CSVDelimiter",
                 "must be one of \"COMMA\", \"PIPE\", \"SEMICOLON\", \"SPACE\", \"TAB\"");
    r->csv_delimiter = delimiter_chars[d < 0 ? 0 : d];
}

static void compile_reader_config(sf_compile_ctx *cc, map_reader_config *r, json_t *config,
                                  const char *base, bool get_object)
{
    static const char *const allowed[] = {
        "InputType", "CSVHeaderLocation", "CSVHeaders", "CSVDelimiter",
        "MaxItems",  "MaxItemsPath",      NULL};
    static const char *const types[] = {"JSON", "JSONL", "CSV", "MANIFEST", NULL};
    char *ptr = sf_pointer_join(base, "ReaderConfig");
    if (config && !json_is_object(config)) {
        error_at(cc, SF_DIAG_SCHEMA, base, "ReaderConfig", "must be an object");
        config = NULL;
    }
    if (config)
        reject_unknown(cc, config, ptr, "ReaderConfig", allowed);
    json_t *input_type = json_object_get(config, "InputType");
    int t = input_type ? name_index(json_string_value(input_type), types) : -2;
    if (get_object && t == -2)
        error_at(cc, SF_DIAG_MISSING_FIELD, config ? ptr : base, config ? NULL : "ReaderConfig",
                 "needs InputType (\"JSON\", \"JSONL\" or \"CSV\") to read an object");
    else if (!get_object && t != -2)
        error_at(cc, SF_DIAG_SCHEMA, ptr, "InputType",
                 "is for s3:getObject; s3:listObjectsV2 lists objects");
    else if (t == -1)
        error_at(cc, SF_DIAG_INVALID_VALUE, ptr, "InputType",
                 "must be \"JSON\", \"JSONL\", \"CSV\" or \"MANIFEST\"");
    else if (t == 3)
        error_at(cc, SF_DIAG_UNSUPPORTED, ptr, "InputType",
                 "MANIFEST (an S3 inventory) is not supported; list the objects with "
                 "s3:listObjectsV2 instead");
    r->type = get_object ? (t == 1   ? MAP_INPUT_JSONL
                            : t == 2 ? MAP_INPUT_CSV
                                     : MAP_INPUT_JSON)
                         : MAP_INPUT_LISTING;
    r->csv_delimiter = ',';
    if (r->type == MAP_INPUT_CSV)
        compile_csv_config(cc, r, config, ptr);
    else if (json_object_get(config, "CSVHeaderLocation") ||
             json_object_get(config, "CSVHeaders") || json_object_get(config, "CSVDelimiter"))
        error_at(cc, SF_DIAG_SCHEMA, ptr, NULL, "CSV settings need InputType CSV");
    map_compile_number(cc, config, ptr, "MaxItems", true, 0, READER_MAX_ITEMS, &r->max_items);
    free(ptr);
}

static map_reader_config *compile_reader(sf_compile_ctx *cc, json_t *reader, const char *ptr)
{
    static const char *const allowed[] = {"Resource", "Parameters", "ReaderConfig", NULL};
    static const char *const object_fields[] = {"Bucket", "Key", NULL};
    static const char *const listing_fields[] = {"Bucket", NULL};
    if (!json_is_object(reader)) {
        error_at(cc, SF_DIAG_SCHEMA, ptr, NULL, "ItemReader must be an object");
        return NULL;
    }
    reject_unknown(cc, reader, ptr, "ItemReader", allowed);
    const char *resource = json_string_value(json_object_get(reader, "Resource"));
    bool get_object = resource && strcmp(resource, S3_ARN "getObject") == 0;
    bool listing = resource && strcmp(resource, S3_ARN "listObjectsV2") == 0;
    if (!get_object && !listing) {
        error_at(cc, resource ? SF_DIAG_UNSUPPORTED : SF_DIAG_MISSING_FIELD, ptr, "Resource",
                 "must be \"arn:aws:states:::s3:getObject\" (a JSON, JSON Lines or CSV file) or "
                 "\"arn:aws:states:::s3:listObjectsV2\" (the objects under a prefix)");
        return NULL;
    }
    map_reader_config *r = SF_NEW(map_reader_config);
    r->parameters = compile_parameters(cc, json_object_get(reader, "Parameters"), ptr, "ItemReader",
                                       get_object ? object_fields : listing_fields);
    compile_reader_config(cc, r, json_object_get(reader, "ReaderConfig"), ptr, get_object);
    return r;
}

/* ---- ItemBatcher ---- */

static map_batcher_config *compile_batcher(sf_compile_ctx *cc, json_t *batcher, const char *ptr)
{
    static const char *const allowed[] = {
        "MaxItemsPerBatch",          "MaxItemsPerBatchPath", "MaxInputBytesPerBatch",
        "MaxInputBytesPerBatchPath", "BatchInput",           NULL};
    if (!json_is_object(batcher)) {
        error_at(cc, SF_DIAG_SCHEMA, ptr, NULL, "ItemBatcher must be an object");
        return NULL;
    }
    reject_unknown(cc, batcher, ptr, "ItemBatcher", allowed);
    map_batcher_config *b = SF_NEW(map_batcher_config);
    map_compile_number(cc, batcher, ptr, "MaxItemsPerBatch", true, 1, MAP_INTEGER_MAX,
                       &b->max_items);
    map_compile_number(cc, batcher, ptr, "MaxInputBytesPerBatch", true, 1, BATCH_MAX_BYTES,
                       &b->max_bytes);
    if (!b->max_items.given && !b->max_bytes.given &&
        !json_object_get(batcher, "MaxItemsPerBatch") &&
        !json_object_get(batcher, "MaxInputBytesPerBatch"))
        error_at(cc, SF_DIAG_MISSING_FIELD, ptr, NULL,
                 "ItemBatcher needs MaxItemsPerBatch or MaxInputBytesPerBatch (or their Path "
                 "forms)");
    json_t *batch_input = json_object_get(batcher, "BatchInput");
    char *bptr = sf_pointer_join(ptr, "BatchInput");
    if (batch_input && !json_is_object(batch_input))
        error_at(cc, SF_DIAG_SCHEMA, bptr, NULL, "BatchInput must be an object");
    else if (batch_input)
        b->batch_input = compile_template_at(cc, batch_input, bptr, "ItemBatcher.BatchInput");
    free(bptr);
    return b;
}

/* ---- ResultWriter ---- */

static void compile_writer_config(sf_compile_ctx *cc, map_writer_config *w, json_t *config,
                                  const char *base)
{
    static const char *const allowed[] = {"Transformation", "OutputType", NULL};
    static const char *const transformations[] = {"NONE", "COMPACT", "FLATTEN", NULL};
    static const char *const output_types[] = {"JSON", "JSONL", NULL};
    char *ptr = sf_pointer_join(base, "WriterConfig");
    /* AWS: files hold whole records by default, the state output outputs. */
    w->transformation = w->parameters ? MAP_TRANSFORM_NONE : MAP_TRANSFORM_COMPACT;
    if (config && !json_is_object(config))
        error_at(cc, SF_DIAG_SCHEMA, ptr, NULL, "WriterConfig must be an object");
    else if (config)
        reject_unknown(cc, config, ptr, "WriterConfig", allowed);
    json_t *t = json_object_get(config, "Transformation");
    json_t *o = json_object_get(config, "OutputType");
    int ti = t ? name_index(json_string_value(t), transformations) : (int)w->transformation;
    int oi = o ? name_index(json_string_value(o), output_types) : 0;
    if (ti < 0)
        error_at(cc, SF_DIAG_INVALID_VALUE, ptr, "Transformation",
                 "must be \"NONE\", \"COMPACT\" or \"FLATTEN\"");
    if (oi < 0)
        error_at(cc, SF_DIAG_INVALID_VALUE, ptr, "OutputType", "must be \"JSON\" or \"JSONL\"");
    else if (oi == 1 && !w->parameters)
        error_at(cc, SF_DIAG_SCHEMA, ptr, "OutputType",
                 "JSONL needs Resource and Parameters: a file to write the lines to");
    w->transformation = ti < 0 ? MAP_TRANSFORM_NONE : (map_transformation)ti;
    w->jsonl = oi == 1;
    free(ptr);
}

static map_writer_config *compile_writer(sf_compile_ctx *cc, json_t *writer, const char *ptr)
{
    static const char *const allowed[] = {"Resource", "Parameters", "WriterConfig", NULL};
    static const char *const required[] = {"Bucket", NULL};
    if (!json_is_object(writer) || json_object_size(writer) == 0) {
        error_at(cc, SF_DIAG_SCHEMA, ptr, NULL,
                 "ResultWriter must be an object with Resource and Parameters, WriterConfig, "
                 "or all three");
        return NULL;
    }
    reject_unknown(cc, writer, ptr, "ResultWriter", allowed);
    json_t *resource = json_object_get(writer, "Resource");
    json_t *params = json_object_get(writer, "Parameters");
    map_writer_config *w = SF_NEW(map_writer_config);
    const char *r = json_string_value(resource);
    if (resource && (!r || strcmp(r, S3_ARN "putObject") != 0))
        error_at(cc, SF_DIAG_UNSUPPORTED, ptr, "Resource",
                 "must be \"arn:aws:states:::s3:putObject\"");
    else if (resource || params)
        w->parameters = compile_parameters(cc, params, ptr, "ResultWriter", required);
    if (params && !resource)
        error_at(cc, SF_DIAG_MISSING_FIELD, ptr, "Resource",
                 "is needed with Parameters: \"arn:aws:states:::s3:putObject\"");
    compile_writer_config(cc, w, json_object_get(writer, "WriterConfig"), ptr);
    return w;
}

/* ---- The state ---- */

static void check_label(sf_compile_ctx *cc)
{
    json_t *label = json_object_get(cc->state->json, "Label");
    if (label && (!json_is_string(label) || strlen(json_string_value(label)) > 40)) {
        char *ptr = sf_compile_field_pointer(cc, "Label");
        sf_diags_error(cc->diags, SF_DIAG_INVALID_VALUE, ptr,
                       "State '%s': Label must be a string of at most 40 characters",
                       cc->state->name);
        free(ptr);
    }
}

void map_compile_distributed(sf_compile_ctx *cc, map_impl *m)
{
    static const char *const fields[] = {"ItemReader", "ItemBatcher", "ResultWriter"};
    check_label(cc);
    m->label = json_string_value(json_object_get(cc->state->json, "Label"));
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        json_t *v = json_object_get(cc->state->json, fields[i]);
        if (!v)
            continue;
        char *ptr = sf_compile_field_pointer(cc, fields[i]);
        if (!m->distributed)
            sf_diags_error(cc->diags, SF_DIAG_SCHEMA, ptr,
                           "State '%s': %s needs a Distributed Map: set "
                           "ItemProcessor.ProcessorConfig.Mode to \"DISTRIBUTED\"",
                           cc->state->name, fields[i]);
        else if (i == 0)
            m->reader = compile_reader(cc, v, ptr);
        else if (i == 1)
            m->batcher = compile_batcher(cc, v, ptr);
        else
            m->writer = compile_writer(cc, v, ptr);
        free(ptr);
    }
    if (m->reader && m->items_path)
        sf_diags_warn(cc->diags, SF_DIAG_SCHEMA, cc->state->pointer,
                      "State '%s': ItemsPath is ignored: the items come from ItemReader",
                      cc->state->name);
}

void map_distributed_fields_free(map_impl *m)
{
    if (m->reader) {
        sf_template_free(m->reader->parameters);
        for (size_t i = 0; i < m->reader->csv_header_count; i++)
            free(m->reader->csv_headers[i]);
        free(m->reader->csv_headers);
        sf_path_free(m->reader->max_items.path);
        free(m->reader);
    }
    if (m->batcher) {
        sf_path_free(m->batcher->max_items.path);
        sf_path_free(m->batcher->max_bytes.path);
        sf_template_free(m->batcher->batch_input);
        free(m->batcher);
    }
    if (m->writer) {
        sf_template_free(m->writer->parameters);
        free(m->writer);
    }
}

/* ---- Load-time checks ---- */

void map_check_load(sf_compile_ctx *cc)
{
    const map_impl *m = cc->state->impl;
    json_t *params = json_object_get(json_object_get(cc->state->json, "ItemReader"), "Parameters");
    const char *bucket = json_string_value(json_object_get(params, "Bucket"));
    if (!m || !m->reader || !bucket)
        return; /* no reader, or a bucket known only at run time */
    const char *key = json_string_value(json_object_get(params, "Key"));
    const char *prefix = json_string_value(json_object_get(params, "Prefix"));
    const char *rest;
    const sf_resources *map = cc->definition->resources;
    if (sf_resources_find_folder(map, bucket, key ? key : prefix ? prefix : "", &rest))
        return;
    char *ptr = sf_pointer_join(cc->state->pointer, "ItemReader/Parameters/Bucket");
    sf_diags_warn(cc->diags, SF_DIAG_INVALID_VALUE, ptr,
                  "State '%s': bucket '%s' is not in the resource map%s%s; add an entry such as "
                  "\"s3://%s\": {\"folder\": \"local/folder\"} (reading will fail unless this "
                  "execution's ResultWriter writes that bucket)",
                  cc->state->name, bucket, map ? " " : "", map ? map->path : " (no --resources)",
                  bucket);
    free(ptr);
}
