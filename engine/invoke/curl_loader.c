/*
 * curl_loader.c — dlopen libcurl.so.4 on first use (see curl_loader.h).
 *
 * RTLD_NOW resolves every libcurl symbol at load time, so a broken install
 * fails here, with a message, rather than at the first call; RTLD_LOCAL keeps
 * libcurl's dependencies out of the global namespace. dlopen reference-counts
 * the library, so a second client (another loop) gets the same copy. The
 * handle is never dlclosed (see the header).
 */
#include "engine/invoke/curl_loader.h"
#include "engine/xalloc.h"

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

/* Overridable at build time (-DSF_CURL_LIBRARY=...) to test the failure. */
#ifndef SF_CURL_LIBRARY
#define SF_CURL_LIBRARY "libcurl.so.4"
#endif

/* Each table slot and the libcurl symbol that fills it. */
static const struct {
    size_t offset;
    const char *symbol;
} slots[] = {
    {offsetof(sf_curl_api, global_init), "curl_global_init"},
    {offsetof(sf_curl_api, global_cleanup), "curl_global_cleanup"},
    {offsetof(sf_curl_api, multi_init), "curl_multi_init"},
    {offsetof(sf_curl_api, multi_setopt), "curl_multi_setopt"},
    {offsetof(sf_curl_api, multi_cleanup), "curl_multi_cleanup"},
    {offsetof(sf_curl_api, multi_socket_action), "curl_multi_socket_action"},
    {offsetof(sf_curl_api, multi_info_read), "curl_multi_info_read"},
    {offsetof(sf_curl_api, multi_assign), "curl_multi_assign"},
    {offsetof(sf_curl_api, multi_add_handle), "curl_multi_add_handle"},
    {offsetof(sf_curl_api, multi_remove_handle), "curl_multi_remove_handle"},
    {offsetof(sf_curl_api, easy_init), "curl_easy_init"},
    {offsetof(sf_curl_api, easy_setopt), "curl_easy_setopt"},
    {offsetof(sf_curl_api, easy_getinfo), "curl_easy_getinfo"},
    {offsetof(sf_curl_api, easy_cleanup), "curl_easy_cleanup"},
    {offsetof(sf_curl_api, easy_strerror), "curl_easy_strerror"},
    {offsetof(sf_curl_api, slist_append), "curl_slist_append"},
    {offsetof(sf_curl_api, slist_free_all), "curl_slist_free_all"},
    {offsetof(sf_curl_api, version_info), "curl_version_info"},
};

static char *load_failure(const char *reason)
{
    return sf_asprintf(SF_CURL_LIBRARY " could not be loaded: %s; HTTP tasks need libcurl "
                                       "(install libcurl4, or the package that provides %s)",
                       reason ? reason : "unknown error", SF_CURL_LIBRARY);
}

bool sf_curl_load(sf_curl_api *api, char **why)
{
    void *lib = dlopen(SF_CURL_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        *why = load_failure(dlerror());
        return false;
    }
    for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++) {
        void *fn = dlsym(lib, slots[i].symbol);
        if (!fn) {
            *why = load_failure(dlerror());
            dlclose(lib);
            return false;
        }
        /* POSIX guarantees a data pointer from dlsym converts to a function
         * pointer; memcpy says so without a cast the compiler warns about. */
        memcpy((char *)api + slots[i].offset, &fn, sizeof fn);
    }
    return true;
}
