/*
 * test_report.c — reporting `stepfn test` results (see test_run.h).
 *
 * Text: one line per test, in the order of the files and of the tests in
 * each file ("PASS FILE > NAME (12 ms)", "FAIL FILE > NAME: first
 * failure", then each further failure on a line of its own, indented),
 * then the summary line "N passed, M failed". JSON: one object with the
 * same facts. Both on stdout.
 *
 * JUnit XML: <testsuites> holding one <testsuite> per test file, with a
 * <testcase classname="FILE" name="NAME" time="SECONDS"> per test and a
 * <failure message="first failure"> whose text lists every failure. Text
 * is escaped for XML attributes and content (& < > " ' and control
 * characters, which XML 1.0 cannot hold, as U+FFFD). The file is written
 * to a temporary name and renamed, so a reader never sees half of it; a
 * failure to write it is exit status 4.
 */
#include "engine/xalloc.h"
#include "tools/test_run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static double seconds_of(const test_run *t)
{
    return t->end_ns > t->start_ns ? (double)(t->end_ns - t->start_ns) / 1e9 : 0.0;
}

static long long ms_of(const test_run *t)
{
    return (long long)(seconds_of(t) * 1000.0 + 0.5);
}

static void print_text(const test_run *runs, size_t count, const sf_test_report_options *o)
{
    size_t passed = 0;
    for (size_t i = 0; i < count; i++) {
        const test_run *t = &runs[i];
        if (t->passed) {
            passed++;
            printf("PASS %s (%lld ms)\n", t->full_name, ms_of(t));
            continue;
        }
        printf("FAIL %s: %s\n", t->full_name, t->failure_count ? t->failures[0] : "failed");
        for (size_t k = 1; k < t->failure_count; k++)
            printf("     %s\n", t->failures[k]);
        if (o->store && t->exec_dir)
            printf("     execution %s in %s\n", t->exec_name, o->store);
    }
    printf("%zu passed, %zu failed\n", passed, count - passed);
}

static void print_json(const test_run *runs, size_t count, const sf_test_report_options *o)
{
    json_t *tests = json_array();
    size_t passed = 0;
    for (size_t i = 0; i < count; i++) {
        const test_run *t = &runs[i];
        json_t *failures = json_array();
        for (size_t k = 0; k < t->failure_count; k++)
            json_array_append_new(failures, json_string(t->failures[k]));
        json_t *r = json_pack("{s:s, s:s, s:s, s:I, s:o}", "file", t->source->path, "name",
                              t->spec->name, "result", t->passed ? "PASS" : "FAIL", "ms",
                              (json_int_t)ms_of(t), "failures", failures);
        if (o->store && t->exec_dir)
            json_object_set_new(r, "execution", json_string(t->exec_name));
        json_array_append_new(tests, r);
        passed += t->passed;
    }
    json_t *doc = json_pack("{s:I, s:I, s:o}", "passed", (json_int_t)passed, "failed",
                            (json_int_t)(count - passed), "tests", tests);
    if (o->store)
        json_object_set_new(doc, "store", json_string(o->store));
    json_dumpf(doc, stdout, JSON_INDENT(2));
    fputc('\n', stdout);
    json_decref(doc);
}

/* ---- JUnit ---- */

/* Write s escaped for XML text and attributes. Bytes below 0x20 other
 * than tab, newline and carriage return are not allowed in XML 1.0 at all,
 * not even as references: they become U+FFFD. */
static void xml_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&apos;", f);
            break;
        case '\n':
            fputs("&#10;", f);
            break;
        case '\r':
            fputs("&#13;", f);
            break;
        case '\t':
            fputs("&#9;", f);
            break;
        default:
            if (c < 0x20)
                fputs("\xEF\xBF\xBD", f);
            else
                fputc(c, f);
        }
    }
}

static void junit_case(FILE *f, const test_run *t)
{
    fputs("    <testcase classname=\"", f);
    xml_escaped(f, t->source->path);
    fputs("\" name=\"", f);
    xml_escaped(f, t->spec->name);
    fprintf(f, "\" time=\"%.3f\"", seconds_of(t));
    if (t->passed) {
        fputs("/>\n", f);
        return;
    }
    fputs(">\n      <failure message=\"", f);
    xml_escaped(f, t->failure_count ? t->failures[0] : "failed");
    fputs("\" type=\"AssertionError\">", f);
    for (size_t k = 0; k < t->failure_count; k++) {
        xml_escaped(f, t->failures[k]);
        fputs("\n", f);
    }
    fputs("</failure>\n    </testcase>\n", f);
}

static void junit_write(FILE *f, const test_run *runs, size_t count)
{
    size_t failed = 0;
    double total = 0;
    for (size_t i = 0; i < count; i++) {
        failed += !runs[i].passed;
        total += seconds_of(&runs[i]);
    }
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fprintf(f, "<testsuites name=\"stepfn test\" tests=\"%zu\" failures=\"%zu\" time=\"%.3f\">\n",
            count, failed, total);
    /* Runs are in file order: each file's tests are consecutive. */
    for (size_t i = 0; i < count;) {
        size_t j = i, suite_failed = 0;
        double suite_time = 0;
        for (; j < count && runs[j].source == runs[i].source; j++) {
            suite_failed += !runs[j].passed;
            suite_time += seconds_of(&runs[j]);
        }
        fputs("  <testsuite name=\"", f);
        xml_escaped(f, runs[i].source->path);
        fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" time=\"%.3f\">\n", j - i,
                suite_failed, suite_time);
        for (; i < j; i++)
            junit_case(f, &runs[i]);
        fputs("  </testsuite>\n", f);
    }
    fputs("</testsuites>\n", f);
}

static bool junit_save(const char *path, const test_run *runs, size_t count)
{
    char *tmp = sf_asprintf("%s.tmp-%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "stepfn test: --junit %s: %s\n", tmp, strerror(errno));
        free(tmp);
        return false;
    }
    junit_write(f, runs, count);
    bool ok = !ferror(f);
    ok = fclose(f) == 0 && ok;
    if (ok && rename(tmp, path) != 0)
        ok = false;
    if (!ok) {
        fprintf(stderr, "stepfn test: --junit %s: %s\n", path, strerror(errno));
        remove(tmp);
    }
    free(tmp);
    return ok;
}

int sf_test_report(const test_run *runs, size_t count, const sf_test_report_options *o)
{
    if (o->format == SF_FORMAT_JSON)
        print_json(runs, count, o);
    else
        print_text(runs, count, o);
    fflush(stdout);
    int status = SF_EXIT_OK;
    for (size_t i = 0; i < count; i++) {
        if (runs[i].store_error)
            status = SF_EXIT_STORE;
        else if (!runs[i].passed && status == SF_EXIT_OK)
            status = SF_EXIT_EXECUTION_FAILED;
    }
    if (o->junit && !junit_save(o->junit, runs, count))
        status = SF_EXIT_STORE;
    return status;
}
