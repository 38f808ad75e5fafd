/*
 * aws_config.c — the AWS SDKs' rules for credentials, region and
 * endpoints (the rules themselves are listed in aws_config.h).
 *
 * Both shared files are read once, at load, whatever is later needed from
 * them: a run reads them once, and a malformed file is reported at once,
 * with its line, rather than by whichever task first needs a setting from
 * it. Lookups after that are in memory.
 */
#include "engine/aws/aws_config.h"
#include "engine/aws/aws_ini.h"
#include "engine/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- The environment ---- */

/* The value of NAME in envp, or NULL when unset or empty. */
static const char *env_get(const char *const *envp, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; envp && envp[i]; i++)
        if (strncmp(envp[i], name, n) == 0 && envp[i][n] == '=')
            return envp[i][n + 1] ? envp[i] + n + 1 : NULL;
    return NULL;
}

static bool is_true(const char *v)
{
    return v && strcasecmp(v, "true") == 0;
}

/* "~/x" with $HOME; other paths as they are; NULL when ~ has no HOME. */
static char *expand_home(const char *path, const char *home)
{
    if (strncmp(path, "~/", 2) != 0 && strcmp(path, "~") != 0)
        return sf_strdup(path);
    if (!home)
        return NULL;
    return sf_asprintf("%s%s", home, path + 1);
}

static char *file_path(const char *const *envp, const char *override, const char *name)
{
    const char *home = env_get(envp, "HOME");
    const char *given = env_get(envp, override);
    if (given)
        return expand_home(given, home);
    return home ? sf_asprintf("%s/.aws/%s", home, name) : NULL;
}

/* AWS_ENDPOINT_URL_DYNAMODB for "dynamodb", AWS_ENDPOINT_URL_API_GATEWAY for "api-gateway". */
static char *endpoint_env_name(const char *service)
{
    char *name = sf_asprintf("AWS_ENDPOINT_URL_%s", service);
    for (char *p = name + strlen("AWS_ENDPOINT_URL_"); *p; p++)
        *p = *p == '-' || *p == ' ' ? '_' : (char)toupper((unsigned char)*p);
    return name;
}

static char **copy_endpoint_env(const char *const *envp)
{
    size_t n = 0, prefix = strlen("AWS_ENDPOINT_URL_");
    for (size_t i = 0; envp && envp[i]; i++)
        n += strncmp(envp[i], "AWS_ENDPOINT_URL_", prefix) == 0;
    char **out = sf_calloc(n + 1, sizeof *out);
    n = 0;
    for (size_t i = 0; envp && envp[i]; i++)
        if (strncmp(envp[i], "AWS_ENDPOINT_URL_", prefix) == 0)
            out[n++] = sf_strdup(envp[i]);
    return out;
}

/* ---- The profile's sections ---- */

static const char *setting(json_t *section, const char *name)
{
    const char *v = json_string_value(json_object_get(section, name));
    return v && *v ? v : NULL;
}

/* [profile NAME] in the config file; the default profile may be [default]. */
static json_t *config_section(json_t *config, const char *profile)
{
    char *key = sf_asprintf("profile %s", profile);
    json_t *s = json_object_get(config, key);
    free(key);
    if (!s && strcmp(profile, "default") == 0)
        s = json_object_get(config, "default");
    return s;
}

static char *dup_or_null(const char *s)
{
    return s ? sf_strdup(s) : NULL;
}

/* A key or token goes into a request header: a control character (a line
 * break from a continued setting, say) would end the header early. */
static bool header_safe(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; s && *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

/* The key pair of one source, all or nothing. where names the source. */
static bool take_keys(sf_aws_config *cfg, const char *id, const char *secret, const char *token,
                      const char *where, const char *id_name, const char *secret_name, char **why)
{
    if (!id && !secret)
        return true;
    if (!id || !secret) {
        *why = sf_asprintf("%s has %s but no %s; give both", where, id ? id_name : secret_name,
                           id ? secret_name : id_name);
        return false;
    }
    if (!header_safe(id) || !header_safe(secret) || !header_safe(token)) {
        *why = sf_asprintf("%s: the access key, secret key or session token has a line break "
                           "or another control character",
                           where);
        return false;
    }
    cfg->access_key_id = sf_strdup(id);
    cfg->secret_access_key = sf_strdup(secret);
    cfg->session_token = dup_or_null(token);
    cfg->credentials_from = sf_strdup(where);
    return true;
}

static bool profile_keys(sf_aws_config *cfg, json_t *section, const char *where, char **why)
{
    return take_keys(cfg, setting(section, "aws_access_key_id"),
                     setting(section, "aws_secret_access_key"),
                     setting(section, "aws_session_token"), where, "aws_access_key_id",
                     "aws_secret_access_key", why);
}

static bool resolve_credentials(sf_aws_config *cfg, const char *const *envp, json_t *creds_section,
                                json_t *config_section_, char **why)
{
    if (!take_keys(cfg, env_get(envp, "AWS_ACCESS_KEY_ID"), env_get(envp, "AWS_SECRET_ACCESS_KEY"),
                   env_get(envp, "AWS_SESSION_TOKEN"), "the environment", "AWS_ACCESS_KEY_ID",
                   "AWS_SECRET_ACCESS_KEY", why))
        return false;
    bool ok = true;
    if (!cfg->access_key_id && creds_section) {
        char *where = sf_asprintf("%s [%s]", cfg->credentials_path, cfg->profile);
        ok = profile_keys(cfg, creds_section, where, why);
        free(where);
    }
    if (ok && !cfg->access_key_id && config_section_) {
        char *where = sf_asprintf("%s [profile %s]", cfg->config_path, cfg->profile);
        ok = profile_keys(cfg, config_section_, where, why);
        free(where);
    }
    return ok;
}

/* The [services NAME] section's nested "<service> = / endpoint_url = URL". */
static json_t *service_endpoints_of(json_t *config, json_t *profile_section)
{
    json_t *out = json_object();
    const char *services = setting(profile_section, "services");
    if (!services)
        return out;
    char *key = sf_asprintf("services %s", services);
    json_t *section = json_object_get(config, key);
    free(key);
    const char *service;
    json_t *nested;
    json_object_foreach(section, service, nested)
    {
        const char *url = setting(nested, "endpoint_url");
        if (url)
            json_object_set_new(out, service, json_string(url));
    }
    return out;
}

/* ---- Loading ---- */

static bool read_files(sf_aws_config *cfg, json_t **creds, json_t **config, char **why)
{
    *creds = *config = NULL;
    if (cfg->credentials_path) {
        *creds = sf_aws_ini_load(cfg->credentials_path, why);
        if (*why)
            return false;
    }
    if (cfg->config_path) {
        *config = sf_aws_ini_load(cfg->config_path, why);
        if (*why)
            return false;
    }
    return true;
}

static void pick_region(sf_aws_config *cfg, const char *const *envp, json_t *profile_section)
{
    const char *r = env_get(envp, "AWS_REGION");
    if (!r)
        r = env_get(envp, "AWS_DEFAULT_REGION");
    if (!r)
        r = setting(profile_section, "region");
    cfg->region = sf_strdup(r ? r : SF_AWS_DEFAULT_REGION);
}

static void pick_endpoints(sf_aws_config *cfg, const char *const *envp, json_t *config,
                           json_t *profile_section)
{
    cfg->ignore_configured_endpoints =
        is_true(env_get(envp, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) ||
        is_true(setting(profile_section, "ignore_configured_endpoint_urls"));
    const char *global = env_get(envp, "AWS_ENDPOINT_URL");
    cfg->endpoint_url_from_env = global != NULL;
    if (!global)
        global = setting(profile_section, "endpoint_url");
    cfg->endpoint_url = dup_or_null(global);
    cfg->service_endpoints = service_endpoints_of(config, profile_section);
    cfg->endpoint_env = copy_endpoint_env(envp);
}

bool sf_aws_config_load(sf_aws_config *cfg, const char *const *envp, char **why)
{
    memset(cfg, 0, sizeof *cfg);
    *why = NULL;
    const char *profile = env_get(envp, "AWS_PROFILE");
    const char *profile_var = "AWS_PROFILE";
    if (!profile) {
        profile = env_get(envp, "AWS_DEFAULT_PROFILE");
        profile_var = "AWS_DEFAULT_PROFILE";
    }
    cfg->profile = sf_strdup(profile ? profile : "default");
    cfg->credentials_path = file_path(envp, "AWS_SHARED_CREDENTIALS_FILE", "credentials");
    cfg->config_path = file_path(envp, "AWS_CONFIG_FILE", "config");
    json_t *creds, *config;
    bool ok = read_files(cfg, &creds, &config, why);
    json_t *creds_section = ok ? json_object_get(creds, cfg->profile) : NULL;
    json_t *config_sect = ok ? config_section(config, cfg->profile) : NULL;
    if (ok && profile && !creds_section && !config_sect) {
        *why = sf_asprintf("the profile '%s' (%s) is in neither %s nor %s", cfg->profile,
                           profile_var, cfg->credentials_path ? cfg->credentials_path : "(no file)",
                           cfg->config_path ? cfg->config_path : "(no file)");
        ok = false;
    }
    ok = ok && resolve_credentials(cfg, envp, creds_section, config_sect, why);
    if (ok) {
        pick_region(cfg, envp, config_sect);
        pick_endpoints(cfg, envp, config, config_sect);
    }
    json_decref(creds);
    json_decref(config);
    if (!ok)
        sf_aws_config_clear(cfg);
    return ok;
}

static void strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

void sf_aws_config_clear(sf_aws_config *cfg)
{
    free(cfg->profile);
    free(cfg->credentials_path);
    free(cfg->config_path);
    free(cfg->region);
    free(cfg->access_key_id);
    free(cfg->secret_access_key);
    free(cfg->session_token);
    free(cfg->credentials_from);
    free(cfg->endpoint_url);
    json_decref(cfg->service_endpoints);
    strv_free(cfg->endpoint_env);
    memset(cfg, 0, sizeof *cfg);
}

/* ---- Questions ---- */

char *sf_aws_config_endpoint(const sf_aws_config *cfg, const char *service)
{
    return sf_aws_config_endpoint_at(cfg, service, service);
}

char *sf_aws_config_endpoint_at(const sf_aws_config *cfg, const char *service,
                                const char *host_prefix)
{
    if (!cfg->ignore_configured_endpoints) {
        char *name = endpoint_env_name(service);
        const char *v = env_get((const char *const *)cfg->endpoint_env, name);
        free(name);
        if (v)
            return sf_strdup(v);
        /* AWS_ENDPOINT_URL beats the config file's service-specific entry;
         * the profile's own endpoint_url comes after it. */
        if (cfg->endpoint_url && cfg->endpoint_url_from_env)
            return sf_strdup(cfg->endpoint_url);
        const char *s = json_string_value(json_object_get(cfg->service_endpoints, service));
        if (s)
            return sf_strdup(s);
        if (cfg->endpoint_url)
            return sf_strdup(cfg->endpoint_url);
    }
    return sf_asprintf("https://%s.%s.amazonaws.com", host_prefix, cfg->region);
}

bool sf_aws_config_require_credentials(const sf_aws_config *cfg, char **why)
{
    if (cfg->access_key_id)
        return true;
    *why = sf_asprintf("no AWS credentials found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or "
                       "AWS_PROFILE (profile '%s' has no aws_access_key_id in %s or %s)",
                       cfg->profile, cfg->credentials_path ? cfg->credentials_path : "(no file)",
                       cfg->config_path ? cfg->config_path : "(no file)");
    return false;
}
