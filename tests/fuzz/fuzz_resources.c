/*
 * fuzz_resources.c — the resource map of `stepfn run --resources MAP.json`:
 * loading and checking it (sf_resources_load, as the CLI does, from a
 * file), looking functions and S3 folders up in it, and compiling a
 * definition whose Tasks resolve through it (the Task type's load checks).
 *
 * Input: the map file's bytes. Each entry's own name is looked up as a
 * function and as a folder, so the lookups meet names the map really has.
 */
#include "tests/fuzz/fuzz_common.h"
#include "engine/invoke/resources.h"
#include "states/states.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Tasks of every kind that goes through the map. */
static const char tasks_definition[] =
    "{\"StartAt\":\"A\",\"States\":{"
    "\"A\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:lambda:us-east-1:123456789012:function:"
    "f\",\"Next\":\"B\"},"
    "\"B\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::lambda:invoke\","
    "\"Parameters\":{\"FunctionName\":\"f:prod\",\"Payload.$\":\"$\"},\"Next\":\"C\"},"
    "\"C\":{\"Type\":\"Task\",\"Resource\":\"summary\",\"Next\":\"D\"},"
    "\"D\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::http:invoke\","
    "\"Parameters\":{\"ApiEndpoint\":\"http://127.0.0.1:1/x\",\"Method\":\"GET\","
    "\"Authentication\":{\"ConnectionArn\":"
    "\"arn:aws:events:us-east-1:123456789012:connection/api/1\"}},\"Next\":\"E\"},"
    "\"E\":{\"Type\":\"Map\",\"ItemReader\":{\"Resource\":\"arn:aws:states:::s3:getObject\","
    "\"ReaderConfig\":{\"InputType\":\"JSON\"},"
    "\"Parameters\":{\"Bucket\":\"lab-data\",\"Key\":\"items.json\"}},"
    "\"ItemProcessor\":{\"ProcessorConfig\":{\"Mode\":\"DISTRIBUTED\","
    "\"ExecutionType\":\"STANDARD\"},"
    "\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}},\"End\":true}}}";

static void lookups(const sf_resources *map, const char *name)
{
    const char *rest = NULL;
    (void)sf_resources_find(map, name);
    (void)sf_resources_find_function(map, name);
    char *fn = sf_lambda_function_name(name);
    free(fn);
    const char *slash = strchr(name, '/');
    (void)sf_resources_find_folder(map, "lab-data", slash ? slash + 1 : name, &rest);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *path = sf_fuzz_file_write("resources.json", data, size);
    if (!path)
        return 0;
    char *err = NULL;
    sf_resources *map = sf_resources_load(path, &err);
    free(err);
    unlink(path);
    free(path);
    if (!map)
        return 0;
    for (size_t i = 0; i < map->count; i++)
        lookups(map, map->entries[i].name);
    lookups(map, "arn:aws:lambda:us-east-1:123456789012:function:f:prod");
    sf_diags diags = SF_DIAGS_INIT;
    sf_load_options load = {.base_dir = sf_fuzz_dir(), .resources = map};
    sf_definition *def = sf_definition_parse_ex(tasks_definition, strlen(tasks_definition),
                                                "fuzz.asl.json", sf_state_types, &load, &diags);
    sf_definition_free(def);
    sf_diags_free(&diags);
    sf_resources_free(map);
    return 0;
}
