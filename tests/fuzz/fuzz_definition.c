/*
 * fuzz_definition.c — a state machine definition: JSON parse, validation and
 * compilation, as `stepfn validate` (sf_definition_parse) and then
 * `stepfn run` (sf_definition_parse_ex, whose state types' load checks look
 * at the definition's folder) do it.
 *
 * The input is the definition's text. Nothing runs: the execution targets
 * (fuzz_input.c, fuzz_history.c) do that.
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
    return 0;
}
