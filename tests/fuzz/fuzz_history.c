/*
 * fuzz_history.c — the history reader and what stands behind it: reading a
 * history.jsonl (torn, duplicated, reordered and corrupt lines), folding it
 * into the DescribeExecution summary, and continuing the execution from it
 * as `stepfn resume` and `stepfn replay [--from STATE]` do (the replay
 * matching of engine/store/replay.c), against one of the fixed definitions
 * of fuzz_common.h.
 *
 * Input: one flags byte, then the file's bytes.
 *   bit 0     re-seal: give every line ending in '}' the checksum it should
 *             have. A fuzzer cannot forge CRC-32s, so without this nearly
 *             every mutated line would be dropped at the checksum and the
 *             event parsing behind it never reached; with bit 0 clear the
 *             checksum check itself is what is exercised.
 *   bits 1-2  0 or 3: resume; 1: replay (redrive); 2: replay --from the
 *             last state entered at the top level.
 *   bits 3-7  the definition (modulo their number).
 * As the CLI does, resume continues only a RUNNING execution and replay
 * only a FAILED, TIMED_OUT or ABORTED one.
 */
#include "tests/fuzz/fuzz_common.h"
#include "engine/store/crc32.h"
#include "engine/store/history.h"
#include "engine/store/history_check.h"
#include "engine/store/summary.h"
#include "engine/json_text.h"
#include "engine/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CRC_MEMBER     ",\"crc\":\""
#define CRC_SUFFIX_LEN 18 /* ,"crc":"xxxxxxxx"} */

/* One line (without its newline) with its checksum made right. */
static void seal_line(sf_text *out, const char *line, size_t len)
{
    if (len == 0 || line[len - 1] != '}') {
        sf_text_put(out, line, len);
        return;
    }
    size_t body = len - 1; /* without the closing brace */
    if (len >= CRC_SUFFIX_LEN && memcmp(line + len - CRC_SUFFIX_LEN, CRC_MEMBER, 8) == 0)
        body = len - CRC_SUFFIX_LEN;
    char crc[CRC_SUFFIX_LEN + 1];
    snprintf(crc, sizeof crc, CRC_MEMBER "%08x\"}", (unsigned)sf_crc32(0, line, body));
    sf_text_put(out, line, body);
    sf_text_put(out, crc, CRC_SUFFIX_LEN);
}

static void seal_all(sf_text *out, const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        seal_line(out, p, n);
        if (nl)
            sf_text_put(out, "\n", 1);
        p += n + (nl ? 1 : 0);
    }
}

/* The state last entered at the top level (no "scope"), for --from. */
static const char *last_top_entered(json_t *events)
{
    const char *name = NULL;
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev)
    {
        json_t *d = json_object_get(ev, "stateEnteredEventDetails");
        json_t *n = json_object_get(d, "name");
        if (json_is_string(n) && !json_object_get(ev, "scope"))
            name = json_string_value(n);
    }
    return name ? name : "Start";
}

static void continue_run(json_t *events, const sf_summary *s, unsigned flags)
{
    unsigned mode_bits = (flags >> 1) & 3;
    sf_replay_mode mode = mode_bits == 1   ? SF_REPLAY_REDRIVE
                          : mode_bits == 2 ? SF_REPLAY_FROM
                                           : SF_REPLAY_RESUME;
    const char *st = s->status ? s->status : "";
    bool running = strcmp(st, "RUNNING") == 0;
    bool ended_badly =
        strcmp(st, "FAILED") == 0 || strcmp(st, "TIMED_OUT") == 0 || strcmp(st, "ABORTED") == 0;
    size_t count = sf_fuzz_definition_count();
    if (count == 0 || (mode == SF_REPLAY_RESUME ? !running : !ended_badly))
        return;
    sf_definition *def = sf_fuzz_definition_compile((flags >> 3) % count);
    sf_fuzz_exec_run(def, NULL, events, mode,
                     mode == SF_REPLAY_FROM ? last_top_entered(events) : NULL);
    sf_definition_free(def);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned flags = data[0];
    sf_text text = {0};
    if (flags & 1)
        seal_all(&text, (const char *)data + 1, size - 1);
    else
        sf_text_put(&text, (const char *)data + 1, size - 1);
    char *path = sf_fuzz_file_write("history.jsonl", text.data ? text.data : "", text.len);
    sf_text_free(&text);
    if (!path)
        return 0;
    char *err = NULL, *notes = NULL;
    size_t dropped = 0;
    json_t *events = sf_history_read(path, &dropped, &notes, &err);
    free(err);
    free(notes);
    /* As the CLI does: describe shows a damaged history, resume and replay
     * refuse it (a torn last line alone is a crash, not damage). */
    char *damage = NULL;
    if (events) {
        size_t torn = dropped > 0 && sf_history_ends_torn(path) ? 1 : 0;
        damage = sf_history_damage(events, dropped - torn);
    }
    if (events) {
        sf_summary s;
        sf_summary_init(&s);
        size_t i;
        json_t *ev;
        json_array_foreach(events, i, ev) sf_summary_apply(&s, ev);
        json_t *described = sf_summary_describe(&s);
        json_decref(described);
        if (!damage)
            continue_run(events, &s, flags);
        sf_summary_free(&s);
        json_decref(events);
    }
    free(damage);
    unlink(path); /* sf_fuzz_exec_run removes it too; this is for the other cases */
    free(path);
    return 0;
}
