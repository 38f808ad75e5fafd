/*
 * fuzz_input.c — the execution input against a fixed set of definitions
 * (tests/fuzz/definitions): the data flow end to end, as `stepfn run DEF
 * --input JSON` runs it, with Task states answered by the echo of
 * fuzz_common.h.
 *
 * Input: the first byte picks the definition (modulo their number), the
 * rest is the input's JSON text, checked as `run` checks it (JSON, at most
 * 256 KiB).
 */
#include "tests/fuzz/fuzz_common.h"
#include "engine/error.h"
#include "engine/json_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t count = sf_fuzz_definition_count();
    if (size < 1 || count == 0)
        return 0;
    size_t which = data[0] % count;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    char errbuf[256];
    json_t *input = sf_json_parse(text, len, errbuf, sizeof errbuf);
    if (!input)
        return 0;
    if (len <= SF_PAYLOAD_LIMIT_BYTES) {
        sf_definition *def = sf_fuzz_definition_compile(which);
        sf_fuzz_exec_run(def, input, NULL, SF_REPLAY_RESUME, NULL);
        sf_definition_free(def);
    }
    json_decref(input);
    return 0;
}
