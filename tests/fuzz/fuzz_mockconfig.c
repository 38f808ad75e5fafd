/*
 * fuzz_mockconfig.c — Step Functions Local's MockConfigFile as `stepfn
 * test` (and `--mock-config`) read it: parsing and checking it
 * (sf_mock_config_parse), looking up every test case of every state
 * machine it names (sf_mock_config_case) and one it does not, checking each
 * case against a fixed definition (sf_mock_case_check: Task states at the
 * top, in a Parallel branch and in a Map, and a Pass state), and answering
 * invocations from it (sf_mock_run_next) as an execution would.
 *
 * Input: the MockConfigFile's bytes. The state names looked up are the
 * fixed definition's; the seeds name them, so the fuzzer keeps them.
 */
#include "tests/fuzz/fuzz_common.h"
#include "engine/mock/mock_config.h"
#include "states/states.h"

#include <stdlib.h>
#include <string.h>

static const char definition_text[] =
    "{\"StartAt\":\"A\",\"States\":{"
    "\"A\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::sqs:sendMessage\",\"Next\":\"P\"},"
    "\"P\":{\"Type\":\"Parallel\",\"Branches\":[{\"StartAt\":\"B\",\"States\":{"
    "\"B\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::dynamodb:putItem\",\"End\":true}}}],"
    "\"Next\":\"M\"},"
    "\"M\":{\"Type\":\"Map\",\"ItemProcessor\":{\"StartAt\":\"C\",\"States\":{"
    "\"C\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::ecs:runTask.sync\",\"End\":true}}},"
    "\"Next\":\"Pass\"},"
    "\"Pass\":{\"Type\":\"Pass\",\"End\":true}}}";

static const char *const state_names[] = {"A", "B", "C", "Pass", "Nope", NULL};

static void exercise_case(const sf_mock_case *c, const sf_definition *def)
{
    char *err = NULL;
    (void)sf_mock_case_check(c, def, &err);
    free(err);
    (void)sf_mock_case_name(c);
    sf_mock_run *run = sf_mock_run_new(c);
    for (int round = 0; round < 4; round++)
        for (size_t i = 0; state_names[i]; i++) {
            sf_mock_response r;
            int64_t invocation = -1;
            if (sf_mock_case_has(c, state_names[i]) !=
                sf_mock_run_next(run, state_names[i], &r, &invocation))
                abort(); /* a mocked state must always have an answer */
        }
    sf_mock_run_free(run);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *err = NULL;
    sf_mock_config *m = sf_mock_config_parse((const char *)data, size, "mock.json", &err);
    free(err);
    if (!m)
        return 0;
    sf_diags diags = SF_DIAGS_INIT;
    sf_definition *def = sf_definition_parse(definition_text, strlen(definition_text), "fixed",
                                             sf_state_types, &diags);
    if (!def || diags.errors)
        abort(); /* the fixed definition is a setup error */
    const char **machines = sf_mock_config_machines(m);
    for (size_t i = 0; machines && machines[i]; i++) {
        const char **cases = sf_mock_config_cases(m, machines[i]);
        for (size_t k = 0; cases && cases[k]; k++) {
            const sf_mock_case *c = sf_mock_config_case(m, machines[i], cases[k], &err);
            if (!c)
                abort(); /* a case the config lists must be found */
            exercise_case(c, def);
        }
        free(cases);
        (void)sf_mock_config_case(m, machines[i], "no such case", &err);
        free(err);
        err = NULL;
    }
    free(machines);
    sf_definition_free(def);
    sf_diags_free(&diags);
    sf_mock_config_free(m);
    return 0;
}
