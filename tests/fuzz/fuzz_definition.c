/*
 * fuzz_definition.c — a state machine definition: JSON parse, validation and
 * compilation, as `stepfn validate` (sf_definition_parse) and then
 * `stepfn run` (sf_definition_parse_ex, whose state types' load checks look
 * at the definition's folder) do it.
 *
 * The input is the definition's text. A definition that compiles is then
 * also run once, with the input {} and the echo Task of fuzz_common.h: the
 * execution targets fuzz the input and the history against fixed
 * definitions, this one every state type's run against definitions no
 * test wrote.
 */
#include "tests/fuzz/fuzz_common.h"
#include "states/states.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sf_diags diags = SF_DIAGS_INIT;
    sf_definition *def =
        sf_definition_parse((const char *)data, size, "fuzz.asl.json", sf_state_types, &diags);
    bool valid = def && diags.errors == 0;
    sf_definition_free(def);
    sf_diags_free(&diags);
    if (!valid)
        return 0;
    /* Valid as a document: compile it for running too. The scratch folder
     * stands for the definition's folder, so exec: paths resolve against a
     * folder that holds nothing. */
    sf_diags run_diags = SF_DIAGS_INIT;
    sf_load_options load = {.base_dir = sf_fuzz_dir(), .resources = NULL};
    def = sf_definition_parse_ex((const char *)data, size, "fuzz.asl.json", sf_state_types, &load,
                                 &run_diags);
    sf_definition_free(def);
    sf_diags_free(&run_diags);
    sf_diags echo_diags = SF_DIAGS_INIT;
    def = sf_definition_parse((const char *)data, size, "fuzz.asl.json", sf_fuzz_state_types(),
                              &echo_diags);
    if (def && echo_diags.errors == 0) {
        json_t *input = json_object();
        sf_fuzz_exec_run(def, input, NULL, SF_REPLAY_RESUME, NULL);
        json_decref(input);
    }
    sf_definition_free(def);
    sf_diags_free(&echo_diags);
    return 0;
}
