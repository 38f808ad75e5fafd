/*
 * aws_config.h — where AWS calls get their credentials, region and
 * endpoint, by the rules every AWS SDK and the AWS CLI follow.
 *
 * Credentials, first found wins:
 *   1. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN)
 *   2. the profile's aws_access_key_id / aws_secret_access_key /
 *      aws_session_token in the credentials file ([NAME] sections)
 *   3. the same settings in the config file ([profile NAME] sections;
 *      the default profile is [default])
 * The profile is AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default".
 * The files are AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials)
 * and AWS_CONFIG_FILE (default ~/.aws/config); "~/" means $HOME.
 *
 * Region: AWS_REGION, else AWS_DEFAULT_REGION, else the profile's
 * `region` in the config file, else us-east-1 (the region stepfn records
 * in its events).
 *
 * Endpoint of a service (its identifier, as "dynamodb" or "s3"), first
 * found wins:
 *   1. AWS_ENDPOINT_URL_<SERVICE> (upper case, '-' and ' ' as '_')
 *   2. AWS_ENDPOINT_URL
 *   3. in the config file, the profile's `services = NAME` names a
 *      [services NAME] section whose nested setting
 *      "<service> =\n  endpoint_url = URL" gives it
 *   4. the profile's own `endpoint_url`
 *   5. https://<service>.<region>.amazonaws.com (the endpoint prefix in
 *      place of <service> when it differs: sf_aws_config_endpoint_at)
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true (or the profile's
 * ignore_configured_endpoint_urls = true) skips 1–4.
 *
 * An environment variable set to the empty string counts as unset. The
 * environment is a parameter (a NULL-terminated "NAME=value" array, as
 * environ), never read with getenv, so every rule can be unit-tested.
 *
 * Failure cases (sf_aws_config_load returns false, *why says it): a
 * malformed file, with its path and line (aws_ini.h); AWS_ACCESS_KEY_ID
 * without AWS_SECRET_ACCESS_KEY or the reverse, and the same in a
 * profile; a key or token with a control character in it (a continued
 * setting's line break), which could not go into a header; a profile
 * named by AWS_PROFILE that is in neither file. Having
 * no credentials at all is not a load error: only a call that needs them
 * fails, through sf_aws_config_require_credentials.
 *
 * Ownership: the config owns every string in it; sf_aws_config_clear
 * frees them. sf_aws_config_endpoint returns a string the caller frees.
 */
#ifndef SF_AWS_CONFIG_H
#define SF_AWS_CONFIG_H

#include <stdbool.h>
#include <jansson.h>

#define SF_AWS_DEFAULT_REGION "us-east-1"

typedef struct sf_aws_config {
    char *profile;          /* the profile in use */
    char *credentials_path; /* the files consulted (NULL: no HOME and no override) */
    char *config_path;
    char *region;        /* never NULL after a successful load */
    char *access_key_id; /* NULL when no credentials were found */
    char *secret_access_key;
    char *session_token;        /* NULL when none */
    char *credentials_from;     /* where they came from, for messages */
    char *endpoint_url;         /* AWS_ENDPOINT_URL, else the profile's endpoint_url; or NULL */
    bool endpoint_url_from_env; /* it is AWS_ENDPOINT_URL (beats [services NAME]) */
    bool ignore_configured_endpoints;
    json_t *service_endpoints; /* {"dynamodb": "http://..."} from [services NAME] */
    char **endpoint_env;       /* the AWS_ENDPOINT_URL_<SERVICE>=URL entries of the environment */
} sf_aws_config;

/* Resolve everything from envp (borrowed) and the files it points at.
 * False with *why (the caller frees it) on the failures above; the config
 * is then empty but may be cleared. */
bool sf_aws_config_load(sf_aws_config *cfg, const char *const *envp, char **why);
void sf_aws_config_clear(sf_aws_config *cfg);

/* The endpoint URL for a service identifier such as "dynamodb" (owned by
 * the caller), by the rules above. */
char *sf_aws_config_endpoint(const sf_aws_config *cfg, const char *service);
/* The same for a service whose identifier (as in AWS_ENDPOINT_URL_<ID> and
 * the [services] section: "eventbridge", "sfn", "cloudwatch_logs") is not
 * its endpoint's host prefix ("events", "states", "logs"): rule 5 uses
 * host_prefix. */
char *sf_aws_config_endpoint_at(const sf_aws_config *cfg, const char *service,
                                const char *host_prefix);

/* True when credentials were found; else false with *why (owned by the
 * caller) saying how to provide them. */
bool sf_aws_config_require_credentials(const sf_aws_config *cfg, char **why);

#endif
