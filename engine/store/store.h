/*
 * store.h — the on-disk store of executions.
 *
 *   STORE/executions/NAME/definition.json   the definition as run
 *   STORE/executions/NAME/history.jsonl     the event log (history.h)
 *
 * The store folder is --store DIR, else $STEPFN_STORE, else ./.stepfn.
 * Creating an execution is all-or-nothing: the folder is made under a
 * temporary name, the definition written and synced into it, and only then
 * is it renamed to NAME, so a crash or a full disk never leaves a half
 * execution that `list` would show.
 */
#ifndef SF_STORE_H
#define SF_STORE_H

#include <stdbool.h>
#include <stddef.h>

/* The store folder to use: explicit if given, else $STEPFN_STORE, else
 * ".stepfn". Returns a malloc'd string. */
char *sf_store_resolve(const char *explicit_dir);

/* AWS naming rule for executions: 1-80 characters of letters, digits, '-' and
 * '_'. */
bool sf_store_valid_name(const char *name);

/* A random UUID v4 text (37 bytes incl. NUL) for unnamed executions. */
void sf_store_new_uuid(char out[37]);

/* Create STORE/executions/NAME with definition.json holding def_text,
 * locked for this process (*lock: as sf_store_lock returns) before it
 * appears under its name, so that no other process (a `resume` of the whole
 * store) can take a new execution between its creation and its first event.
 * Returns the execution folder (malloc'd), or NULL with *err set; *exists is
 * set when the name is already used. */
char *sf_store_create_execution(const char *store, const char *name, const char *def_text,
                                size_t def_len, bool *exists, int *lock, char **err);

/* Check that whatever exists of STORE, STORE/executions and
 * STORE/executions/NAME (name may be NULL) is a folder. Returns 0, or -1
 * with *err naming the path and what it is instead ("... is a regular
 * file, not a folder") or why it cannot be looked at: a store error. */
int sf_store_check(const char *store, const char *name, char **err);
/* Folder of an existing execution, or NULL with *err: *broken (may be NULL)
 * is set when the store itself is at fault (sf_store_check), left false
 * when there is simply no such execution. */
char *sf_store_execution_dir(const char *store, const char *name, bool *broken, char **err);

/* Lock an execution folder for this process (flock on its "lock" file,
 * which also holds the owner's pid for messages). The lock belongs to the
 * open descriptor returned: closing it, or the process dying in any way,
 * releases it, so a lock left by a killed process is never mistaken for a
 * live one. Returns -1 with *err (and *busy when another live process holds
 * it). */
int sf_store_lock(const char *exec_dir, bool *busy, char **err);

/* Write a file in an execution folder atomically (temporary file, fsync,
 * rename). Returns 0 or -1 with *err. */
int sf_store_write_file(const char *exec_dir, const char *file, const char *data, size_t len,
                        char **err);

/* Path of a file in an execution folder (malloc'd). */
char *sf_store_file(const char *exec_dir, const char *file);

/* Names of all executions in the store (malloc'd array of malloc'd
 * strings); NULL with *err when the store or its executions folder cannot
 * be listed or is not a folder. An entry that is not a folder is listed
 * too, so that reading it reports what is wrong with it. */
char **sf_store_list(const char *store, size_t *count, char **err);
void sf_store_list_free(char **names, size_t count);

#endif
