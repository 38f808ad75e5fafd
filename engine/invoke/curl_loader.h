/*
 * curl_loader.h — libcurl, loaded when the first HTTP task runs.
 *
 * stepfn is not linked against libcurl: loading it and the ~35 libraries it
 * pulls in (GnuTLS, libtasn1, nghttp2, ...) cost a one-Pass run more than
 * 90% of its start-up, for executions that mostly never make an HTTP call.
 * Instead sf_curl_load dlopens libcurl.so.4 (the soname of every libcurl
 * since 7.16) and fills a table of the functions invoke_http.c uses.
 *
 * The table is a value its caller owns (the HTTP client keeps one); the
 * library itself is never unloaded, since libcurl's TLS backends register
 * process-wide state that must outlive any one client.
 *
 * Failure: when the library or one of its functions is missing, sf_curl_load
 * returns false and a message naming the library, the loader's reason and
 * the package to install; the HTTP client then fails every request with it.
 */
#ifndef SF_CURL_LOADER_H
#define SF_CURL_LOADER_H

#include <curl/curl.h>
#include <stdbool.h>

typedef struct sf_curl_api {
    CURLcode (*global_init)(long flags);
    void (*global_cleanup)(void);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_setopt)(CURLM *multi, CURLMoption option, ...);
    CURLMcode (*multi_cleanup)(CURLM *multi);
    CURLMcode (*multi_socket_action)(CURLM *multi, curl_socket_t fd, int ev_bitmask,
                                     int *running_handles);
    CURLMsg *(*multi_info_read)(CURLM *multi, int *msgs_in_queue);
    CURLMcode (*multi_assign)(CURLM *multi, curl_socket_t fd, void *sockp);
    CURLMcode (*multi_add_handle)(CURLM *multi, CURL *easy);
    CURLMcode (*multi_remove_handle)(CURLM *multi, CURL *easy);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *easy, CURLoption option, ...);
    CURLcode (*easy_getinfo)(CURL *easy, CURLINFO info, ...);
    void (*easy_cleanup)(CURL *easy);
    const char *(*easy_strerror)(CURLcode code);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *string);
    void (*slist_free_all)(struct curl_slist *list);
    curl_version_info_data *(*version_info)(CURLversion age);
} sf_curl_api;

/* Fill *api from libcurl.so.4. False and *why (the caller frees it) when
 * the library or a function is missing; *api is then unusable. */
bool sf_curl_load(sf_curl_api *api, char **why);

#endif
