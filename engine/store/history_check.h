/*
 * history_check.h — is a history what the engine wrote? A check of the
 * events sf_history_read returned, for the commands that act on them.
 *
 * A crash leaves at most one bad line, the last, cut short before its
 * newline (a torn write): reading drops it and resuming cuts it off; that
 * is normal. Anything else means the file was changed after it was
 * written (edited by hand, a bad disk block): a complete line that fails
 * its checksum, an event missing in the middle, events out of order,
 * events after the execution's end. `resume` and `replay` refuse to act on
 * such a history; `describe`, `history` and `graph` show what reads well,
 * with a warning.
 */
#ifndef SF_HISTORY_CHECK_H
#define SF_HISTORY_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

/* Does the file at path end in the middle of a line (a torn last write)?
 * False for an empty file or one that cannot be read. */
bool sf_history_ends_torn(const char *path);

/* What is wrong with a history, as a sentence (malloc'd), or NULL when
 * nothing is: events (borrowed) as sf_history_read returned them, and
 * corrupted_lines the lines it dropped that were complete (its count of
 * dropped lines, less one when sf_history_ends_torn). */
char *sf_history_damage(const json_t *events, size_t corrupted_lines);

#endif
