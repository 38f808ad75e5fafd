/*
 * test_run.h — what `stepfn test` knows of each test file and each test
 * while it runs, how a finished execution is held against the test's
 * expectations (test_check.c), and how the results are reported
 * (test_report.c: a line per test and a summary, or JSON, and JUnit XML).
 *
 * Ownership: a test_source owns what it loaded (the parsed file, the
 * definition text, the resource map, the mock config); a test_run borrows
 * its source and spec, and owns its compiled definition, names and
 * failure messages. The execution itself belongs to the runner
 * (tools/runner.h), which frees it.
 */
#ifndef SF_TEST_RUN_H
#define SF_TEST_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "engine/exec.h"
#include "tools/cli.h"
#include "tools/test_file.h"

struct sf_runner;
struct sf_resources;

typedef struct test_source {
    char *path; /* the test file, as found (borrowed from the file list) */
    char *default_name;
    sf_test_file *file;
    char *def_path; /* the definition, relative to the working directory */
    char *def_text;
    size_t def_len;
    char *def_folder; /* its folder, resolved: where exec: paths resolve */
    char *machine;    /* the state machine's name (mock config lookup, ARNs) */
    struct sf_resources *resources;
    sf_mock_config *mocks;
    bool broken; /* its definition did not compile: said once, not per test */
} test_source;

/* --timeout's timer, and how many of the runs it watches are still going. */
typedef struct test_clock {
    uv_timer_t timer;
    struct test_run *runs;
    size_t count, live;
    double seconds;
} test_clock;

typedef struct test_run {
    test_source *source;
    const sf_test_spec *spec;
    char *full_name; /* "FILE > NAME": what --filter matches */
    sf_definition *def;
    const sf_mock_case *mock_case; /* borrowed from the source's mocks */
    sf_time_scale scale;
    struct sf_runner *runner;
    char exec_name[81];
    char *exec_dir;
    sf_exec *exec; /* the runner's */
    uint64_t start_ns, end_ns;
    char *store_error; /* the execution could not be created or recorded */
    test_clock *clock; /* NULL without --timeout */
    bool cut_off;      /* aborted by --timeout */
    /* Results, set by sf_test_run_evaluate. */
    bool passed;
    char **failures; /* one message per expectation that did not hold */
    size_t failure_count;
} test_run;

/* Compare the finished execution of t with its expectations: sets passed
 * and failures. Reads the execution's history from the store. */
void sf_test_run_evaluate(test_run *t);
void sf_test_run_free(test_run *t);

typedef struct sf_test_report_options {
    sf_format format;
    const char *junit; /* write JUnit XML here, or NULL */
    const char *store; /* the kept store (named in failures), or NULL */
} sf_test_report_options;

/* Print the results (stdout) and write the JUnit file. Returns the exit
 * status: 4 when a test could not be recorded or the JUnit file not
 * written, 1 when a test failed, else 0. */
int sf_test_report(const test_run *runs, size_t count, const sf_test_report_options *o);

#endif
