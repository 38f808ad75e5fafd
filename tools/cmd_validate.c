/*
 * cmd_validate.c — `stepfn validate DEF...`: every problem of every file,
 * each with the JSON Pointer of the element at fault.
 */
#include "states/states.h"
#include "tools/cli.h"

#include <stdio.h>

static const char validate_help[] =
    "usage: stepfn validate [--] DEF...\n"
    "\n"
    "Checks each definition against the Amazon States Language rules and prints\n"
    "every problem found on stderr, as FILE: error: /json/pointer: message [CODE],\n"
    "and one line per file on stdout: FILE: valid, or FILE: invalid (N error(s)).\n"
    "\n" SF_CLI_HELP_END_OF_OPTIONS "\n"
    "Exit status: 0 all valid, 3 any definition invalid, 2 usage error.\n";

int sf_cmd_validate(int argc, char **argv)
{
    sf_args a;
    sf_args_init(&a, argc, argv);
    char **files = argv; /* the operands, gathered in place (argv outlives us) */
    int count = 0, invalid = 0;
    for (; a.i < argc; a.i++) {
        if (sf_args_end_of_options(&a))
            continue;
        if (sf_args_is_help(&a)) {
            fputs(validate_help, stdout);
            return SF_EXIT_OK;
        }
        if (sf_args_unknown_option(&a))
            return sf_cli_usage_error("validate", "unknown option '%s'", argv[a.i]);
        files[count++] = argv[a.i];
    }
    if (!count)
        return sf_cli_usage_error("validate", "give at least one definition file");
    for (int i = 0; i < count; i++) {
        sf_diags diags = SF_DIAGS_INIT;
        sf_definition *def = sf_definition_load(files[i], sf_state_types, &diags);
        sf_cli_print_diags(stderr, files[i], &diags);
        if (!def || diags.errors) {
            invalid++;
            printf("%s: invalid (%zu error(s))\n", files[i], diags.errors ? diags.errors : 1);
        } else {
            printf("%s: valid\n", files[i]);
        }
        sf_definition_free(def);
        sf_diags_free(&diags);
    }
    return invalid ? SF_EXIT_INVALID_DEFINITION : SF_EXIT_OK;
}
