/*
 * definition.h — a state machine definition, loaded, validated and compiled.
 *
 * Loading and validation are one pass: compiling a field is where it is
 * checked, so there is one place that knows what a field means. Every
 * problem is added to an sf_diags and compilation goes on, so `stepfn
 * validate` reports all problems at once. A definition with any error
 * diagnostic is never run.
 *
 * The engine knows no particular state type: it is handed a table of
 * sf_state_type (states/registry.c) and compiles the fields common to all
 * types itself (Type, Next, End, Comment, InputPath, OutputPath, Parameters,
 * ResultSelector, ResultPath, Retry, Catch, Assign), as far as the type's
 * `common_fields` mask allows them; the type compiles the rest.
 *
 * Ownership: an sf_definition owns its JSON document and every compiled
 * piece. States and machines borrow from it and live as long as it does.
 */
#ifndef SF_DEFINITION_H
#define SF_DEFINITION_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "engine/diag.h"
#include "engine/lang/jsonpath.h"
#include "engine/lang/template.h"

typedef struct sf_state sf_state;
typedef struct sf_machine sf_machine;
typedef struct sf_definition sf_definition;
typedef struct sf_state_type sf_state_type;
typedef struct sf_compile_ctx sf_compile_ctx;

/* A Retry rule. */
typedef struct sf_retrier {
    char **errors; /* ErrorEquals */
    size_t error_count;
    double interval_seconds;  /* IntervalSeconds, default 1 */
    int max_attempts;         /* MaxAttempts, default 3; 0 = never retry */
    double backoff_rate;      /* BackoffRate, default 2.0 */
    double max_delay_seconds; /* MaxDelaySeconds, 0 = none */
    bool jitter_full;         /* JitterStrategy FULL */
} sf_retrier;

/* A Catch rule. */
typedef struct sf_catcher {
    char **errors;
    size_t error_count;
    sf_state *next;
    sf_path *result_path; /* NULL when ResultPath is absent ("$") or null */
    bool result_path_null;
    sf_template *assign; /* Assign, evaluated with $ = the error output */
} sf_catcher;

struct sf_state {
    char *name;
    char *pointer; /* JSON Pointer of the state object, e.g. "/States/Hello" */
    json_t *json;  /* borrowed from the definition document */
    const sf_state_type *type;
    sf_machine *machine; /* the machine this state belongs to */
    size_t order;        /* its place in machine->states */
    char *entered_event; /* "<Type>StateEntered", made once for the hot path */
    char *exited_event;  /* "<Type>StateExited" */
    /* The fixed middle of this state's entry and exit history lines (see
     * sf_history_io_head), made once for the hot path. */
    char *entered_head;
    char *exited_head;
    size_t entered_head_len, exited_head_len;
    char *next_member; /* ,"next":"<this state>" for the exits that lead here */
    size_t next_member_len;

    sf_state *next; /* resolved Next, NULL when End (or terminal type) */
    bool end;

    /* Data flow; a NULL path means the field is absent (default "$"). */
    sf_path *input_path;
    bool input_path_null; /* "InputPath": null -> effective input {} */
    sf_path *output_path;
    bool output_path_null;
    sf_template *parameters;
    sf_template *result_selector;
    sf_template *assign; /* Assign: workflow variables set when the state succeeds */
    sf_path *result_path;
    bool result_path_null; /* "ResultPath": null -> output is the input */

    sf_retrier *retriers;
    size_t retrier_count;
    sf_catcher *catchers;
    size_t catcher_count;

    void *impl; /* type-specific compiled form, owned via type->free_impl */
};

struct sf_machine {
    sf_state **states; /* in definition order */
    size_t state_count;
    sf_state *start;
    char *pointer; /* "" for the top level, "/States/P/Branches/0" for a branch */
    json_t *json;  /* borrowed */
    sf_definition *definition;
    sf_machine *parent; /* NULL at the top level */
    /* The states by name, for sf_machine_find_state: an open-addressing
     * table of by_name_mask + 1 slots (a power of two, at least twice the
     * states), NULL for an empty slot. Validating a machine of 200,000
     * states looks a name up per transition; so does a replay per state. */
    sf_state **by_name;
    size_t by_name_mask;
};

struct sf_definition {
    json_t *json; /* owned */
    sf_machine *top;
    double timeout_seconds; /* TimeoutSeconds; 0 = none */
    const sf_state_type *const *types;
    /* All nested machines (branches, item processors), for freeing. */
    sf_machine **machines;
    size_t machine_count;
    /* How it will run, from sf_definition_parse_ex (NULL otherwise): the
     * folder relative task paths resolve against (owned), and the
     * --resources map (borrowed: it must outlive the definition). */
    char *base_dir;
    const struct sf_resources *resources;
    /* The test case a run mocks Task states from (borrowed), or NULL:
     * a mocked state needs no program or map entry. */
    const struct sf_mock_case *mock_case;
};

/* What sf_definition_parse_ex knows about where the definition will run. */
typedef struct sf_load_options {
    const char *base_dir;                 /* the definition's folder; NULL: the working directory */
    const struct sf_resources *resources; /* the --resources map, or NULL */
    const struct sf_mock_case *mock_case; /* the --mock-config test case, or NULL */
} sf_load_options;

/* Parse JSON text (file contents) and compile it. JSON syntax errors become
 * a diagnostic with line and column. Returns NULL when the text is not JSON;
 * otherwise a definition that is only runnable if diags->errors == 0.
 * `origin` names the source in messages (a file path). */
sf_definition *sf_definition_parse(const char *text, size_t len, const char *origin,
                                   const sf_state_type *const *types, sf_diags *diags);
/* Read a file and sf_definition_parse it; unreadable files are a diagnostic. */
sf_definition *sf_definition_load(const char *path, const sf_state_type *const *types,
                                  sf_diags *diags);
/* Compile an already parsed document (steals doc). */
sf_definition *sf_definition_compile(json_t *doc, const sf_state_type *const *types,
                                     sf_diags *diags);
/* sf_definition_parse for running: also records opts in the definition
 * and runs each state type's check_load, so what depends on the folder and
 * the resource map (a missing program, a function missing from the map) is
 * a diagnostic before anything runs. */
sf_definition *sf_definition_parse_ex(const char *text, size_t len, const char *origin,
                                      const sf_state_type *const *types,
                                      const sf_load_options *opts, sf_diags *diags);
void sf_definition_free(sf_definition *def);

sf_state *sf_machine_find_state(const sf_machine *m, const char *name);

/* ---- For state types compiling their own fields ---- */

struct sf_compile_ctx {
    sf_definition *definition;
    sf_diags *diags;
    sf_state *state;                        /* the state being compiled */
    struct sf_transition_list *transitions; /* engine-private: targets to resolve */
};

/* Compile a nested machine (a Parallel branch, a Map ItemProcessor) found at
 * pointer. It is validated as a whole state machine of its own: its
 * transitions may not leave it. Returns NULL (and adds diagnostics) when obj is
 * not an object. */
sf_machine *sf_compile_machine(sf_compile_ctx *cc, json_t *obj, const char *pointer);

/* Ask the engine to resolve a transition target named `name` within the
 * state's machine once all states exist, storing it in *slot. A missing
 * target is reported as MISSING_TRANSITION_TARGET at pointer. The edge also
 * counts for reachability. */
void sf_compile_transition(sf_compile_ctx *cc, const char *name, const char *pointer,
                           sf_state **slot);

/* Compile a path field; adds a diagnostic and returns NULL on error. */
sf_path *sf_compile_path(sf_compile_ctx *cc, json_t *value, const char *field, unsigned flags);
/* Compile a payload template field. */
sf_template *sf_compile_template(sf_compile_ctx *cc, json_t *value, const char *field);
/* The JSON Pointer of a field of the current state (malloc'd). */
char *sf_compile_field_pointer(sf_compile_ctx *cc, const char *field);

#endif
