/*
 * api_machines.c — state machine actions: Create, Describe, List, Delete,
 * Update, ValidateStateMachineDefinition and TestState.
 *
 * A state machine is a folder STORE/state-machines/NAME holding
 * definition.json (the text as sent) and meta.json. Creation makes the
 * folder under a temporary name and renames it into place once both files
 * are written, so a crash never leaves a state machine without its
 * definition. A definition is compiled with the engine's validator before
 * anything is written: InvalidDefinition names the first error and its
 * JSON Pointer. Deleting removes the folder; executions already started
 * keep their own copy of the definition and run on.
 */
#include "tools/serve/api_internal.h"
#include "engine/definition.h"
#include "engine/json_alloc.h"
#include "engine/json_util.h"
#include "engine/store/store.h"
#include "engine/timestamp.h"
#include "engine/xalloc.h"
#include "states/states.h"
#include "tools/test_state.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* AWS: a definition is at most 1,048,576 characters. */
#define SF_API_MAX_DEFINITION (1024 * 1024)

const struct sf_state_type *const *api_types(const sf_api *api)
{
    return api->cfg.types ? api->cfg.types : sf_state_types;
}

char *machine_arn(const char *name)
{
    return sf_asprintf(SF_API_ARN_PREFIX "stateMachine:%s", name);
}

/* arn:aws:states:REGION:ACCOUNT:stateMachine:NAME[#CASE]; any region and
 * account are read, as a client configured for another region sends them. */
static const char *arn_resource(const char *arn, const char *kind)
{
    if (strncmp(arn, "arn:aws:states:", 15) != 0)
        return NULL;
    const char *p = arn + 15;
    for (int colons = 0; colons < 2; colons++) { /* region, account */
        p = strchr(p, ':');
        if (!p)
            return NULL;
        p++;
    }
    size_t k = strlen(kind);
    if (strncmp(p, kind, k) != 0 || p[k] != ':')
        return NULL;
    return p + k + 1;
}

char *arn_machine_name(api_call *call, const char *arn, char **test_case)
{
    if (test_case)
        *test_case = NULL;
    const char *rest = arn_resource(arn, "stateMachine");
    if (!rest) {
        api_fail(call, "InvalidArn",
                 "Invalid Arn: 'Resource type not valid in this context: %.200s'", arn);
        return NULL;
    }
    const char *hash = strchr(rest, '#');
    char *name = hash ? sf_strndup(rest, (size_t)(hash - rest)) : sf_strdup(rest);
    if (!sf_store_valid_name(name) || (hash && (!test_case || !hash[1]))) {
        api_fail(call, "InvalidArn", "Invalid Arn: '%.200s'", arn);
        free(name);
        return NULL;
    }
    if (hash)
        *test_case = sf_strdup(hash + 1);
    return name;
}

char *arn_execution_name(api_call *call, const char *arn, char **machine)
{
    const char *rest = arn_resource(arn, "execution");
    const char *colon = rest ? strchr(rest, ':') : NULL;
    if (!colon) {
        api_fail(call, "InvalidArn",
                 "Invalid Arn: 'Resource type not valid in this context: %.200s'", arn);
        return NULL;
    }
    char *sm = sf_strndup(rest, (size_t)(colon - rest));
    char *name = sf_strdup(colon + 1);
    if (!sf_store_valid_name(sm) || !sf_store_valid_name(name)) {
        api_fail(call, "InvalidArn", "Invalid Arn: '%.200s'", arn);
        free(sm);
        free(name);
        return NULL;
    }
    *machine = sm;
    return name;
}

static char *machines_root(const sf_api *api)
{
    return sf_asprintf("%s/state-machines", api->cfg.store);
}

char *machine_dir(sf_api *api, api_call *call, const char *name)
{
    char *dir = sf_asprintf("%s/state-machines/%s", api->cfg.store, name);
    struct stat st;
    char *def = sf_asprintf("%s/definition.json", dir);
    bool ok = stat(def, &st) == 0;
    free(def);
    if (!ok) {
        api_fail(call, "StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", name);
        free(dir);
        return NULL;
    }
    return dir;
}

char *machine_definition(const char *dir, size_t *len)
{
    char *path = sf_asprintf("%s/definition.json", dir);
    char *text = sf_read_file(path, len);
    free(path);
    return text;
}

json_t *machine_meta(const char *dir)
{
    char *path = sf_asprintf("%s/meta.json", dir);
    json_t *meta = json_load_file(path, 0, NULL);
    free(path);
    if (!json_is_object(meta)) {
        json_decref(meta);
        meta = json_object();
    }
    return meta;
}

/* Compile a definition as the server would run it: false with
 * InvalidDefinition recorded (or the diagnostics left in *diags when given,
 * for ValidateStateMachineDefinition). */
static bool check_definition(sf_api *api, api_call *call, const char *text, sf_diags *diags)
{
    size_t len = strlen(text);
    if (len > SF_API_MAX_DEFINITION) {
        api_fail(call, "InvalidDefinition",
                 "Invalid State Machine Definition: the definition is "
                 "%zu characters; the limit is %d",
                 len, SF_API_MAX_DEFINITION);
        return false;
    }
    sf_diags own = SF_DIAGS_INIT;
    sf_diags *d = diags ? diags : &own;
    sf_load_options load = {.resources = api->cfg.resources};
    sf_definition *def = sf_definition_parse_ex(text, len, "definition", api_types(api), &load, d);
    bool ok = def && d->errors == 0;
    sf_definition_free(def);
    if (!ok && !diags) {
        const sf_diag *first = NULL;
        for (size_t i = 0; i < d->count && !first; i++)
            if (d->items[i].severity == SF_DIAG_ERROR)
                first = &d->items[i];
        api_fail(call, "InvalidDefinition", "Invalid State Machine Definition: '%s at %s: %s'",
                 first ? first->code : "SCHEMA_VALIDATION_FAILED",
                 first && first->pointer[0] ? first->pointer : "/",
                 first ? first->message : "the definition is not valid");
    }
    sf_diags_free(&own);
    return ok;
}

static int write_meta(const char *dir, json_t *meta, char **err)
{
    char *text = sf_json_dumps(meta, JSON_INDENT(2));
    int rc = sf_store_write_file(dir, "meta.json", text, strlen(text), err);
    free(text);
    return rc;
}

static json_t *existing_or_conflict(sf_api *api, api_call *call, const char *name,
                                    const char *definition)
{
    char *dir = machine_dir(api, call, name);
    if (!dir)
        return NULL;
    size_t len;
    char *text = machine_definition(dir, &len);
    json_t *meta = machine_meta(dir);
    json_t *resp = NULL;
    /* AWS: creating again with the same definition is idempotent. */
    if (text && strcmp(text, definition) == 0) {
        resp = json_object();
        json_object_set_new(
            resp, "stateMachineArn",
            json_string(json_string_value(json_object_get(meta, "stateMachineArn"))));
        json_object_set_new(
            resp, "creationDate",
            epoch_seconds(json_integer_value(json_object_get(meta, "creationDate"))));
    } else {
        api_fail(call, "StateMachineAlreadyExists", "State Machine Already Exists: '%s'",
                 json_string_value(json_object_get(meta, "stateMachineArn")));
    }
    json_decref(meta);
    free(text);
    free(dir);
    return resp;
}

json_t *api_create_state_machine(sf_api *api, api_call *call)
{
    const char *name = req_string(call, "name", true);
    const char *definition = req_string(call, "definition", true);
    const char *role = req_string(call, "roleArn", false);
    const char *type = req_string(call, "type", false);
    if (api_failed(call))
        return NULL;
    if (!sf_store_valid_name(name)) {
        api_fail(call, "InvalidName", "Invalid Name: '%.100s'", name);
        return NULL;
    }
    if (type && strcmp(type, "STANDARD") != 0 && strcmp(type, "EXPRESS") != 0) {
        api_fail(call, "ValidationException",
                 "1 validation error detected: Value '%.40s' at 'type' failed to satisfy "
                 "constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]",
                 type);
        return NULL;
    }
    if (!check_definition(api, call, definition, NULL))
        return NULL;
    char *root = machines_root(api);
    mkdir(api->cfg.store, 0777);
    mkdir(root, 0777);
    char *dir = sf_asprintf("%s/%s", root, name);
    char *tmp = sf_asprintf("%s/.creating-%s-%d", root, name, (int)getpid());
    char *arn = machine_arn(name);
    json_t *resp = NULL;
    struct stat st;
    int64_t now = sf_now_ms();
    char *err = NULL;
    if (stat(dir, &st) == 0) {
        resp = existing_or_conflict(api, call, name, definition);
    } else if (mkdir(tmp, 0777) != 0 && errno != EEXIST) {
        api_fail(call, "InternalFailure", "cannot create %s: %s", tmp, strerror(errno));
    } else {
        json_t *meta = json_pack("{s:s, s:s, s:s, s:s?, s:I, s:I}", "name", name, "stateMachineArn",
                                 arn, "type", type ? type : "STANDARD", "roleArn", role,
                                 "creationDate", (json_int_t)now, "updateDate", (json_int_t)now);
        if (sf_store_write_file(tmp, "definition.json", definition, strlen(definition), &err) !=
                0 ||
            write_meta(tmp, meta, &err) != 0) {
            api_fail(call, "InternalFailure", "%s", err);
        } else if (rename(tmp, dir) != 0) {
            api_fail(call, "StateMachineAlreadyExists", "State Machine Already Exists: '%s'", arn);
        } else {
            resp =
                json_pack("{s:s, s:o}", "stateMachineArn", arn, "creationDate", epoch_seconds(now));
        }
        json_decref(meta);
        free(err);
        if (!resp) { /* leave nothing half-made */
            char *p = sf_asprintf("%s/definition.json", tmp);
            unlink(p);
            free(p);
            p = sf_asprintf("%s/meta.json", tmp);
            unlink(p);
            free(p);
            rmdir(tmp);
        }
    }
    free(arn);
    free(tmp);
    free(dir);
    free(root);
    return resp;
}

json_t *api_describe_state_machine(sf_api *api, api_call *call)
{
    const char *arn = req_string(call, "stateMachineArn", true);
    if (api_failed(call))
        return NULL;
    char *name = arn_machine_name(call, arn, NULL);
    char *dir = name ? machine_dir(api, call, name) : NULL;
    json_t *resp = NULL;
    if (dir) {
        size_t len;
        char *text = machine_definition(dir, &len);
        json_t *meta = machine_meta(dir);
        const char *role = json_string_value(json_object_get(meta, "roleArn"));
        const char *type = json_string_value(json_object_get(meta, "type"));
        char *sm_arn = machine_arn(name);
        resp = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "stateMachineArn", sm_arn, "name",
                         name, "status", "ACTIVE", "definition", text ? text : "", "roleArn",
                         role ? role : "arn:aws:iam::123456789012:role/stepfn", "type",
                         type ? type : "STANDARD", "creationDate",
                         epoch_seconds(json_integer_value(json_object_get(meta, "creationDate"))));
        free(sm_arn);
        json_decref(meta);
        free(text);
    }
    free(dir);
    free(name);
    return resp;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

json_t *api_list_state_machines(sf_api *api, api_call *call)
{
    int64_t max = req_int(call, "maxResults", 100, 0, 1000);
    size_t start = req_page_start(call);
    if (api_failed(call))
        return NULL;
    if (max == 0)
        max = 100;
    char *root = machines_root(api);
    DIR *d = opendir(root);
    char **names = NULL;
    size_t count = 0, cap = 0;
    for (struct dirent *ent; d && (ent = readdir(d));) {
        if (!sf_store_valid_name(ent->d_name))
            continue; /* ".", "..", folders being created */
        if (count == cap) {
            cap = cap ? cap * 2 : 16;
            names = sf_realloc(names, cap * sizeof *names);
        }
        names[count++] = sf_strdup(ent->d_name);
    }
    if (d)
        closedir(d);
    if (count)
        qsort(names, count, sizeof *names, by_name);
    json_t *list = json_array();
    size_t i = start;
    for (; i < count && json_array_size(list) < (size_t)max; i++) {
        char *dir = sf_asprintf("%s/%s", root, names[i]);
        json_t *meta = machine_meta(dir);
        const char *type = json_string_value(json_object_get(meta, "type"));
        char *arn = machine_arn(names[i]);
        json_array_append_new(
            list,
            json_pack("{s:s, s:s, s:s, s:o}", "stateMachineArn", arn, "name", names[i], "type",
                      type ? type : "STANDARD", "creationDate",
                      epoch_seconds(json_integer_value(json_object_get(meta, "creationDate")))));
        free(arn);
        json_decref(meta);
        free(dir);
    }
    json_t *resp = json_pack("{s:o}", "stateMachines", list);
    resp_page_token(resp, i, count);
    for (size_t k = 0; k < count; k++)
        free(names[k]);
    free(names);
    free(root);
    return resp;
}

json_t *api_delete_state_machine(sf_api *api, api_call *call)
{
    const char *arn = req_string(call, "stateMachineArn", true);
    if (api_failed(call))
        return NULL;
    char *name = arn_machine_name(call, arn, NULL);
    if (!name)
        return NULL;
    /* Renamed away first, so it disappears at once and whole. */
    char *dir = sf_asprintf("%s/state-machines/%s", api->cfg.store, name);
    char *gone =
        sf_asprintf("%s/state-machines/.deleting-%s-%d", api->cfg.store, name, (int)getpid());
    if (rename(dir, gone) == 0) {
        const char *files[] = {"definition.json", "meta.json"};
        for (size_t i = 0; i < 2; i++) {
            char *p = sf_asprintf("%s/%s", gone, files[i]);
            unlink(p);
            free(p);
        }
        rmdir(gone);
    }
    /* AWS answers a delete of a missing state machine with success too. */
    free(gone);
    free(dir);
    free(name);
    return json_object();
}

json_t *api_update_state_machine(sf_api *api, api_call *call)
{
    const char *arn = req_string(call, "stateMachineArn", true);
    const char *definition = req_string(call, "definition", false);
    const char *role = req_string(call, "roleArn", false);
    if (api_failed(call))
        return NULL;
    char *name = arn_machine_name(call, arn, NULL);
    char *dir = name ? machine_dir(api, call, name) : NULL;
    json_t *resp = NULL;
    if (dir && !definition && !role)
        api_fail(call, "MissingRequiredParameter",
                 "Either the definition or the roleArn must be given");
    if (dir && !api_failed(call) &&
        (!definition || check_definition(api, call, definition, NULL))) {
        char *err = NULL;
        json_t *meta = machine_meta(dir);
        int64_t now = sf_now_ms();
        json_object_set_new(meta, "updateDate", json_integer(now));
        if (role)
            json_object_set_new(meta, "roleArn", json_string(role));
        if ((definition && sf_store_write_file(dir, "definition.json", definition,
                                               strlen(definition), &err) != 0) ||
            write_meta(dir, meta, &err) != 0)
            api_fail(call, "InternalFailure", "%s", err);
        else
            resp = json_pack("{s:o}", "updateDate", epoch_seconds(now));
        free(err);
        json_decref(meta);
    }
    free(dir);
    free(name);
    return resp;
}

json_t *api_validate_definition(sf_api *api, api_call *call)
{
    const char *definition = req_string(call, "definition", true);
    req_string(call, "type", false);
    if (api_failed(call))
        return NULL;
    sf_diags diags = SF_DIAGS_INIT;
    bool ok = check_definition(api, call, definition, &diags);
    if (api_failed(call)) { /* over the size limit */
        sf_diags_free(&diags);
        return NULL;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < diags.count; i++) {
        const sf_diag *d = &diags.items[i];
        json_array_append_new(list,
                              json_pack("{s:s, s:s, s:s, s:s}", "severity",
                                        d->severity == SF_DIAG_ERROR ? "ERROR" : "WARNING", "code",
                                        d->code, "message", d->message, "location", d->pointer));
    }
    sf_diags_free(&diags);
    return json_pack("{s:s, s:o, s:b}", "result", ok ? "OK" : "FAIL", "diagnostics", list,
                     "truncated", 0);
}

/* TestState runs on a loop of its own, so the server answers nothing else
 * while it runs; its Wait and Retry delays are scaled to nothing, so that
 * is the time of the state's own work (a Task's program or HTTP call). */
json_t *api_test_state(sf_api *api, api_call *call)
{
    if (api->cfg.no_test_state) {
        api_fail(call, "UnknownOperationException", "TestState is not served here");
        return NULL;
    }
    sf_test_state_env env = {.origin = "definition", .resources = api->cfg.resources};
    sf_test_state_error err = SF_TEST_STATE_ERROR_INIT;
    json_t *resp = sf_test_state_run(call->request, &env, &err);
    if (!resp) {
        if (err.fault == SF_TEST_STATE_INVALID_DEFINITION && err.diags.count) {
            const sf_diag *d = &err.diags.items[0];
            api_fail(call, "InvalidDefinition", "Invalid State Machine Definition: '%s at %s: %s'",
                     d->code, d->pointer[0] ? d->pointer : "/", d->message);
        } else {
            api_fail(call, err.type ? err.type : "InternalFailure", "%s",
                     err.message ? err.message : "TestState failed");
        }
    }
    sf_test_state_error_clear(&err);
    return resp;
}
