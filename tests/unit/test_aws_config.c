/*
 * test_aws_config.c — engine/aws/aws_config: where credentials, region and
 * endpoints come from (environment, then the profile in the shared files,
 * then defaults), profiles by name in both files' spellings, service
 * sections with nested per-service endpoints, and malformed files refused
 * with FILE:LINE.
 *
 * Each test writes its files into a fresh temporary HOME and passes an
 * environment array of its own: nothing here reads the real environment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/aws/aws_config.h"
#include "engine/aws/aws_ini.h"
#include "engine/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct fixture {
    char home[64];
    char home_env[96];
    char *paths[8];
    size_t npaths;
} fixture;

static int setup(void **state)
{
    fixture *f = SF_NEW(fixture);
    strcpy(f->home, "/tmp/stepfn-aws-XXXXXX");
    assert_non_null(mkdtemp(f->home));
    snprintf(f->home_env, sizeof f->home_env, "HOME=%s", f->home);
    char *aws = sf_asprintf("%s/.aws", f->home);
    assert_int_equal(mkdir(aws, 0700), 0);
    free(aws);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < f->npaths; i++) {
        unlink(f->paths[i]);
        free(f->paths[i]);
    }
    char *aws = sf_asprintf("%s/.aws", f->home);
    rmdir(aws);
    free(aws);
    rmdir(f->home);
    free(f);
    return 0;
}

/* Write text to HOME/rel; the path is the fixture's (freed at teardown). */
static const char *write_file(fixture *f, const char *rel, const char *text)
{
    char *path = sf_asprintf("%s/%s", f->home, rel);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    f->paths[f->npaths++] = path;
    return path;
}

static void load_ok(sf_aws_config *cfg, const char *const *env)
{
    char *why = NULL;
    bool ok = sf_aws_config_load(cfg, env, &why);
    if (!ok)
        fail_msg("load failed: %s", why);
    assert_null(why);
}

static char *load_error(const char *const *env)
{
    sf_aws_config cfg;
    char *why = NULL;
    assert_false(sf_aws_config_load(&cfg, env, &why));
    assert_non_null(why);
    sf_aws_config_clear(&cfg);
    return why;
}

static void assert_endpoint(const sf_aws_config *cfg, const char *service, const char *want)
{
    char *url = sf_aws_config_endpoint(cfg, service);
    assert_string_equal(url, want);
    free(url);
}

static const char credentials_text[] = "[default]\n"
                                       "aws_access_key_id = FILEDEFAULT\n"
                                       "aws_secret_access_key = filesecret\n"
                                       "\n"
                                       "# a comment\n"
                                       "; another\n"
                                       "[dev]\n"
                                       "aws_access_key_id=DEVKEY\n"
                                       "aws_secret_access_key=devsecret\n"
                                       "aws_session_token = devtoken\n";

static const char config_text[] = "[default]\n"
                                  "region = eu-west-1\n"
                                  "\n"
                                  "[profile dev]\n"
                                  "region = ap-south-1\n"
                                  "endpoint_url = http://127.0.0.1:4566\n"
                                  "services = local\n"
                                  "\n"
                                  "[profile cfgonly]\n"
                                  "aws_access_key_id = CFGKEY\n"
                                  "aws_secret_access_key = cfgsecret\n"
                                  "\n"
                                  "[services local]\n"
                                  "dynamodb =\n"
                                  "  endpoint_url = http://127.0.0.1:8000\n"
                                  "s3 =\n"
                                  "\tendpoint_url = http://127.0.0.1:9000\n";

static void write_both(fixture *f)
{
    write_file(f, ".aws/credentials", credentials_text);
    write_file(f, ".aws/config", config_text);
}

/* ---- Credentials ---- */

static void environment_credentials_win_over_every_file(void **state)
{
    fixture *f = *state;
    write_both(f);
    const char *env[] = {f->home_env,
                         "AWS_ACCESS_KEY_ID=ENVKEY",
                         "AWS_SECRET_ACCESS_KEY=envsecret",
                         "AWS_SESSION_TOKEN=envtoken",
                         "AWS_PROFILE=dev",
                         NULL};
    sf_aws_config cfg;
    load_ok(&cfg, env);
    assert_string_equal(cfg.access_key_id, "ENVKEY");
    assert_string_equal(cfg.secret_access_key, "envsecret");
    assert_string_equal(cfg.session_token, "envtoken");
    assert_string_equal(cfg.credentials_from, "the environment");
    assert_string_equal(cfg.profile, "dev");
    assert_string_equal(cfg.region, "ap-south-1"); /* the profile still gives the region */
    sf_aws_config_clear(&cfg);
}

static void default_profile_from_the_credentials_file(void **state)
{
    fixture *f = *state;
    write_both(f);
    const char *env[] = {f->home_env, NULL};
    sf_aws_config cfg;
    load_ok(&cfg, env);
    assert_string_equal(cfg.profile, "default");
    assert_string_equal(cfg.access_key_id, "FILEDEFAULT");
    assert_string_equal(cfg.secret_access_key, "filesecret");
    assert_null(cfg.session_token);
    char *where = sf_asprintf("%s/.aws/credentials [default]", f->home);
    assert_string_equal(cfg.credentials_from, where);
    free(where);
    assert_string_equal(cfg.region, "eu-west-1");
    sf_aws_config_clear(&cfg);
}

static void aws_profile_picks_the_named_sections_of_both_files(void **state)
{
    fixture *f = *state;
    write_both(f);
    const char *env[] = {f->home_env, "AWS_PROFILE=dev", NULL};
    sf_aws_config cfg;
    load_ok(&cfg, env);
    assert_string_equal(cfg.access_key_id, "DEVKEY");
    assert_string_equal(cfg.session_token, "devtoken");
    assert_string_equal(cfg.region, "ap-south-1");
    sf_aws_config_clear(&cfg);
}

static void credentials_may_sit_in_the_config_file(void **state)
{
    fixture *f = *state;
    write_both(f);
    const char *env[] = {f->home_env, "AWS_PROFILE=cfgonly", NULL};
    sf_aws_config cfg;
    load_ok(&cfg, env);
    assert_string_equal(cfg.access_key_id, "CFGKEY");
    assert_string_equal(cfg.secret_access_key, "cfgsecret");
    assert_string_equal(cfg.region, "us-east-1"); /* nothing says otherwise */
    sf_aws_config_clear(&cfg);
}

static void the_credentials_file_wins_over_the_config_file(void **state)
{
    fixture *f = *state;
    write_file(f, ".aws/credentials", "[both]\naws_access_key_id = A\naws_secret_access_key = a\n");
    write_file(f, ".aws/config",
               "[profile both]\naws_access_key_id = B\naws_secret_access_key = b\n");
    const char *env[] = {f->home_env, "AWS_PROFILE=both", NULL};
    sf_aws_config cfg;
    load_ok(&cfg, env);
    assert_string_equal(cfg.access_key_id, "A");
    sf_aws_config_clear(&cfg);
}

static void aws_default_profile_is_read_when_aws_profile_is_not(void **state)
{
    fixture *f = *state;
    write_both(f);
    const char *env[] = {f->home_env, "AWS_DEFAULT_PROFILE=dev", NULL};
    sf_aws_config cfg;
    load_ok(&cfg, env);
    assert_string_equal(cfg.profile, "dev");
    assert_string_equal(cfg.access_key_id, "DEVKEY");
    sf_aws_config_clear(&cfg);
}

static void file_locations_follow_the_override_variables(void **state)
{
    fixture *f = *state;
    const char *creds = write_file(f, "creds.ini",
                                   "[x]\naws_access_key_id = OVR\n"
                                   "aws_secret_access_key = s\n");
    const char *conf = write_file(f, "conf.ini", "[profile x]\nregion = sa-east-1\n");
    char *c_env = sf_asprintf("AWS_SHARED_CREDENTIALS_FILE=%s", creds);
    char *f_env = sf_asprintf("AWS_CONFIG_FILE=%s", conf);
    const char *env[] = {f->home_env, c_env, f_env, "AWS_PROFILE=x", NULL};
    sf_aws_config cfg;
    load_ok(&cfg, env);
    assert_string_equal(cfg.access_key_id, "OVR");
    assert_string_equal(cfg.region, "sa-east-1");
    assert_string_equal(cfg.config_path, conf);
    sf_aws_config_clear(&cfg);
    free(c_env);
    free(f_env);
}

static void a_tilde_in_an_override_means_home(void **state)
{
    fixture *f = *state;
    write_file(f, "elsewhere", "[default]\naws_access_key_id = T\naws_secret_access_key = t\n");
    const char *env[] = {f->home_env, "AWS_SHARED_CREDENTIALS_FILE=~/elsewhere", NULL};
    sf_aws_config cfg;
    load_ok(&cfg, env);
    assert_string_equal(cfg.access_key_id, "T");
    sf_aws_config_clear(&cfg);
}

static void no_files_and_no_variables_is_not_an_error_until_a_call_needs_keys(void **state)
{
    fixture *f = *state;
    const char *env[] = {f->home_env, NULL};
    sf_aws_config cfg;
    load_ok(&cfg, env);
    assert_null(cfg.access_key_id);
    assert_string_equal(cfg.region, "us-east-1");
    char *why = NULL;
    assert_false(sf_aws_config_require_credentials(&cfg, &why));
    assert_non_null(strstr(why, "no AWS credentials found: set "
                                "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE"));
    assert_non_null(strstr(why, "/.aws/credentials"));
    free(why);
    sf_aws_config_clear(&cfg);
}

static void credentials_found_satisfy_a_call(void **state)
{
    (void)state;
    const char *env[] = {"AWS_ACCESS_KEY_ID=K", "AWS_SECRET_ACCESS_KEY=S", NULL};
    sf_aws_config cfg;
    load_ok(&cfg, env); /* no HOME at all: no files */
    assert_null(cfg.credentials_path);
    char *why = NULL;
    assert_true(sf_aws_config_require_credentials(&cfg, &why));
    assert_null(why);
    sf_aws_config_clear(&cfg);
}

static void empty_variables_count_as_unset(void **state)
{
    fixture *f = *state;
    write_both(f);
    const char *env[] = {f->home_env,   "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=",
                         "AWS_REGION=", "AWS_PROFILE=",       NULL};
    sf_aws_config cfg;
    load_ok(&cfg, env);
    assert_string_equal(cfg.access_key_id, "FILEDEFAULT");
    assert_string_equal(cfg.region, "eu-west-1");
    sf_aws_config_clear(&cfg);
}

static void half_a_key_pair_in_the_environment_is_refused(void **state)
{
    (void)state;
    const char *env[] = {"AWS_ACCESS_KEY_ID=K", NULL};
    char *why = load_error(env);
    assert_string_equal(why, "the environment has AWS_ACCESS_KEY_ID but no "
                             "AWS_SECRET_ACCESS_KEY; give both");
    free(why);
}

static void half_a_key_pair_in_a_profile_is_refused(void **state)
{
    fixture *f = *state;
    write_file(f, ".aws/credentials", "[default]\naws_secret_access_key = s\n");
    const char *env[] = {f->home_env, NULL};
    char *why = load_error(env);
    char *want = sf_asprintf("%s/.aws/credentials [default] has aws_secret_access_key but no "
                             "aws_access_key_id; give both",
                             f->home);
    assert_string_equal(why, want);
    free(want);
    free(why);
}

static void a_named_profile_that_is_nowhere_is_refused(void **state)
{
    fixture *f = *state;
    write_both(f);
    const char *env[] = {f->home_env, "AWS_PROFILE=nosuch", NULL};
    char *why = load_error(env);
    char *want = sf_asprintf("the profile 'nosuch' (AWS_PROFILE) is in neither "
                             "%s/.aws/credentials nor %s/.aws/config",
                             f->home, f->home);
    assert_string_equal(why, want);
    free(want);
    free(why);
}

static void keys_with_line_breaks_are_refused(void **state)
{
    fixture *f = *state;
    /* a continued setting's value spans lines: it cannot become a header */
    write_file(f, ".aws/credentials",
               "[default]\naws_access_key_id = K\n"
               "aws_secret_access_key = s\naws_session_token = a\n  b\n");
    const char *env[] = {f->home_env, NULL};
    char *why = load_error(env);
    char *want = sf_asprintf("%s/.aws/credentials [default]: the access key, secret key or "
                             "session token has a line break or another control character",
                             f->home);
    assert_string_equal(why, want);
    free(want);
    free(why);
}

/* ---- Region ---- */

static void region_from_aws_region_then_aws_default_region_then_profile(void **state)
{
    fixture *f = *state;
    write_both(f);
    sf_aws_config cfg;
    const char *both[] = {f->home_env, "AWS_REGION=us-west-2", "AWS_DEFAULT_REGION=eu-north-1",
                          NULL};
    load_ok(&cfg, both);
    assert_string_equal(cfg.region, "us-west-2");
    sf_aws_config_clear(&cfg);
    const char *dflt[] = {f->home_env, "AWS_DEFAULT_REGION=eu-north-1", NULL};
    load_ok(&cfg, dflt);
    assert_string_equal(cfg.region, "eu-north-1");
    sf_aws_config_clear(&cfg);
    const char *none[] = {f->home_env, NULL};
    load_ok(&cfg, none);
    assert_string_equal(cfg.region, "eu-west-1");
    sf_aws_config_clear(&cfg);
}

static void profile_default_may_be_spelled_profile_default(void **state)
{
    fixture *f = *state;
    write_file(f, ".aws/config", "[profile default]\nregion = ca-central-1\n");
    const char *env[] = {f->home_env, NULL};
    sf_aws_config cfg;
    load_ok(&cfg, env);
    assert_string_equal(cfg.region, "ca-central-1");
    sf_aws_config_clear(&cfg);
}

static void a_config_profile_needs_the_profile_prefix(void **state)
{
    fixture *f = *state;
    /* [dev] in the config file is not the profile dev (only [default] goes
     * without the prefix), so the profile is found in neither file. */
    write_file(f, ".aws/config", "[dev]\nregion = ap-south-1\n");
    const char *env[] = {f->home_env, "AWS_PROFILE=dev", NULL};
    char *why = load_error(env);
    assert_non_null(strstr(why, "the profile 'dev' (AWS_PROFILE) is in neither"));
    free(why);
}

/* ---- Endpoints ---- */

static void endpoint_defaults_to_the_service_in_the_region(void **state)
{
    (void)state;
    const char *env[] = {"AWS_REGION=eu-central-1", NULL};
    sf_aws_config cfg;
    load_ok(&cfg, env);
    assert_endpoint(&cfg, "dynamodb", "https://dynamodb.eu-central-1.amazonaws.com");
    assert_endpoint(&cfg, "s3", "https://s3.eu-central-1.amazonaws.com");
    sf_aws_config_clear(&cfg);
}

static void a_service_id_and_its_host_prefix_may_differ(void **state)
{
    (void)state;
    const char *env[] = {"AWS_REGION=eu-west-3",
                         "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=http://127.0.0.1:7", NULL};
    sf_aws_config cfg;
    load_ok(&cfg, env);
    char *url = sf_aws_config_endpoint_at(&cfg, "eventbridge", "events");
    assert_string_equal(url, "https://events.eu-west-3.amazonaws.com");
    free(url);
    url = sf_aws_config_endpoint_at(&cfg, "cloudwatch_logs", "logs");
    assert_string_equal(url, "http://127.0.0.1:7");
    free(url);
    sf_aws_config_clear(&cfg);
}

static void service_specific_variable_beats_the_global_one(void **state)
{
    (void)state;
    const char *env[] = {"AWS_ENDPOINT_URL=http://127.0.0.1:1000",
                         "AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:2000",
                         "AWS_ENDPOINT_URL_API_GATEWAY=http://127.0.0.1:3000", NULL};
    sf_aws_config cfg;
    load_ok(&cfg, env);
    assert_endpoint(&cfg, "dynamodb", "http://127.0.0.1:2000");
    assert_endpoint(&cfg, "s3", "http://127.0.0.1:1000");
    assert_endpoint(&cfg, "api-gateway", "http://127.0.0.1:3000");
    sf_aws_config_clear(&cfg);
}

static void services_section_gives_per_service_endpoints(void **state)
{
    fixture *f = *state;
    write_both(f);
    const char *env[] = {f->home_env, "AWS_PROFILE=dev", NULL};
    sf_aws_config cfg;
    load_ok(&cfg, env);
    assert_endpoint(&cfg, "dynamodb", "http://127.0.0.1:8000");
    assert_endpoint(&cfg, "s3", "http://127.0.0.1:9000");
    assert_endpoint(&cfg, "sqs", "http://127.0.0.1:4566"); /* the profile's endpoint_url */
    sf_aws_config_clear(&cfg);
}

static void environment_endpoints_beat_the_config_file(void **state)
{
    fixture *f = *state;
    write_both(f);
    const char *specific[] = {f->home_env, "AWS_PROFILE=dev",
                              "AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:7000", NULL};
    sf_aws_config cfg;
    load_ok(&cfg, specific);
    assert_endpoint(&cfg, "dynamodb", "http://127.0.0.1:7000");
    assert_endpoint(&cfg, "s3", "http://127.0.0.1:9000");
    sf_aws_config_clear(&cfg);
    const char *global[] = {f->home_env, "AWS_PROFILE=dev",
                            "AWS_ENDPOINT_URL=http://127.0.0.1:6000", NULL};
    load_ok(&cfg, global);
    assert_endpoint(&cfg, "dynamodb", "http://127.0.0.1:6000");
    assert_endpoint(&cfg, "sqs", "http://127.0.0.1:6000");
    sf_aws_config_clear(&cfg);
}

static void ignore_configured_endpoint_urls_restores_the_defaults(void **state)
{
    fixture *f = *state;
    write_both(f);
    const char *env[] = {f->home_env, "AWS_PROFILE=dev", "AWS_ENDPOINT_URL_DYNAMODB=http://x:1",
                         "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true", NULL};
    sf_aws_config cfg;
    load_ok(&cfg, env);
    assert_endpoint(&cfg, "dynamodb", "https://dynamodb.ap-south-1.amazonaws.com");
    sf_aws_config_clear(&cfg);
}

/* ---- The file format ---- */

static void ini_nested_settings_continuations_and_repeated_sections(void **state)
{
    (void)state;
    const char text[] = "[profile   a]\r\n"
                        "x = 1\n"
                        "multi = first\n"
                        "  second\n"
                        "nested =\n"
                        "  k = v\n"
                        "  k2 = v2\n"
                        "[profile a]\n"
                        "y = 2\n"
                        "x = 3\n";
    char *why = NULL;
    json_t *root = sf_aws_ini_parse(text, strlen(text), "f", &why);
    assert_null(why);
    json_t *a = json_object_get(root, "profile a");
    assert_string_equal(json_string_value(json_object_get(a, "x")), "3");
    assert_string_equal(json_string_value(json_object_get(a, "y")), "2");
    assert_string_equal(json_string_value(json_object_get(a, "multi")), "first\nsecond");
    json_t *nested = json_object_get(a, "nested");
    assert_string_equal(json_string_value(json_object_get(nested, "k2")), "v2");
    json_decref(root);
}

static void assert_malformed(fixture *f, const char *text, const char *want_suffix)
{
    const char *path = write_file(f, ".aws/config", text);
    const char *env[] = {f->home_env, NULL};
    char *why = load_error(env);
    char *want = sf_asprintf("%s:%s", path, want_suffix);
    assert_string_equal(why, want);
    free(want);
    free(why);
    unlink(path);
    free(f->paths[--f->npaths]);
}

static void malformed_files_are_refused_with_file_and_line(void **state)
{
    fixture *f = *state;
    assert_malformed(f, "[default\nregion = x\n",
                     "1: a section header needs a closing ']', as in [profile dev]");
    assert_malformed(f, "# top\n[default]\nregion\n", "3: expected 'name = value'");
    assert_malformed(f, "region = x\n", "1: a setting before any [section] header");
    assert_malformed(f, "[default]\n  endpoint_url = x\n",
                     "2: an indented line with no setting above it to belong to");
    assert_malformed(f, "[ ]\n", "1: the section name is empty");
    assert_malformed(f, "[default]\n= x\n", "2: a setting needs a name before '='");
    assert_malformed(f, "[services s]\ndynamodb =\n  endpoint_url\n", "3: expected 'name = value'");
}

static void a_malformed_credentials_file_is_refused_too(void **state)
{
    fixture *f = *state;
    const char *path = write_file(f, ".aws/credentials", "[default]\naws_access_key_id\n");
    const char *env[] = {f->home_env, "AWS_ACCESS_KEY_ID=K", "AWS_SECRET_ACCESS_KEY=S", NULL};
    char *why = load_error(env);
    char *want = sf_asprintf("%s:2: expected 'name = value'", path);
    assert_string_equal(why, want);
    free(want);
    free(why);
}

static void an_unreadable_path_is_named(void **state)
{
    fixture *f = *state;
    char *dir_env = sf_asprintf("AWS_CONFIG_FILE=%s", f->home); /* a directory */
    const char *env[] = {f->home_env, dir_env, NULL};
    char *why = load_error(env);
    assert_non_null(strstr(why, f->home));
    assert_non_null(strstr(why, "Is a directory"));
    free(why);
    free(dir_env);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(environment_credentials_win_over_every_file),
        T(default_profile_from_the_credentials_file),
        T(aws_profile_picks_the_named_sections_of_both_files),
        T(credentials_may_sit_in_the_config_file),
        T(the_credentials_file_wins_over_the_config_file),
        T(aws_default_profile_is_read_when_aws_profile_is_not),
        T(file_locations_follow_the_override_variables),
        T(a_tilde_in_an_override_means_home),
        T(no_files_and_no_variables_is_not_an_error_until_a_call_needs_keys),
        T(credentials_found_satisfy_a_call),
        T(empty_variables_count_as_unset),
        T(half_a_key_pair_in_the_environment_is_refused),
        T(half_a_key_pair_in_a_profile_is_refused),
        T(a_named_profile_that_is_nowhere_is_refused),
        T(keys_with_line_breaks_are_refused),
        T(region_from_aws_region_then_aws_default_region_then_profile),
        T(profile_default_may_be_spelled_profile_default),
        T(a_config_profile_needs_the_profile_prefix),
        T(endpoint_defaults_to_the_service_in_the_region),
        T(a_service_id_and_its_host_prefix_may_differ),
        T(service_specific_variable_beats_the_global_one),
        T(services_section_gives_per_service_endpoints),
        T(environment_endpoints_beat_the_config_file),
        T(ignore_configured_endpoint_urls_restores_the_defaults),
        T(ini_nested_settings_continuations_and_repeated_sections),
        T(malformed_files_are_refused_with_file_and_line),
        T(a_malformed_credentials_file_is_refused_too),
        T(an_unreadable_path_is_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
