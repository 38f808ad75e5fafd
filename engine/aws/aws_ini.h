/*
 * aws_ini.h — the file format of ~/.aws/credentials and ~/.aws/config.
 *
 * What the AWS CLI and SDKs read: "[section]" headers, "name = value"
 * settings at the start of a line, comment lines starting with '#' or ';',
 * and indented lines under a setting. Under a setting with an empty value
 * the indented lines are sub-settings ("dynamodb =" then
 * "  endpoint_url = http://..." in a [services NAME] section); under one
 * with a value they continue that value on a new line.
 *
 * The result is a JSON object (a new reference): section name → {name →
 * string, or name → {sub-name → string} for nested settings}. Runs of
 * white space inside a section name become one space ("[profile   dev]"
 * is "profile dev"). A section or setting given twice: the later one wins,
 * settings of repeated sections merge.
 *
 * Failure cases: a line that is none of the above is refused with
 * "PATH:LINE: what was wrong" in *why (the caller frees it): a header
 * without its ']', an empty section name, a setting before any section, a
 * line without '=', an indented line with nothing above it to belong to. A
 * file that does not exist is not an error (NULL, *why NULL): every AWS
 * tool runs without one. Other read errors name the file and the reason.
 */
#ifndef SF_AWS_INI_H
#define SF_AWS_INI_H

#include <stddef.h>
#include <jansson.h>

/* Parse text (len bytes, need not be NUL-terminated); path is for messages. */
json_t *sf_aws_ini_parse(const char *text, size_t len, const char *path, char **why);
/* Read and parse the file at path; NULL with *why NULL when it does not exist. */
json_t *sf_aws_ini_load(const char *path, char **why);

#endif
