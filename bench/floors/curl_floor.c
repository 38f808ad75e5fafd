/*
 * curl_floor.c — the floor for HTTP tasks: N GET requests to URL with
 * libcurl's easy interface, one handle per worker so every worker keeps one
 * keep-alive connection, CONCURRENCY workers (threads) at once.
 *
 * Usage: curl_floor URL N [CONCURRENCY]
 * Prints one JSON line: {"n", "concurrency", "seconds", "us_per_op"}.
 *
 * The response body is read and dropped: this is the least an HTTP task can
 * cost against the same server. Exits 1 if any request failed or was not
 * answered 2xx.
 */
#define _POSIX_C_SOURCE 200809L
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct worker {
    pthread_t thread;
    const char *url;
    long requests;
    long failures;
} worker;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t drop_body(char *data, size_t size, size_t nmemb, void *user)
{
    (void)data;
    (void)user;
    return size * nmemb;
}

static void *run_worker(void *arg)
{
    worker *w = arg;
    CURL *curl = curl_easy_init();
    if (!curl) {
        w->failures = w->requests;
        return NULL;
    }
    curl_easy_setopt(curl, CURLOPT_URL, w->url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, drop_body);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    for (long i = 0; i < w->requests; i++) {
        long code = 0;
        if (curl_easy_perform(curl) != CURLE_OK ||
            curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK || code < 200 ||
            code > 299)
            w->failures++;
    }
    curl_easy_cleanup(curl);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: curl_floor URL N [CONCURRENCY]\n");
        return 2;
    }
    long n = atol(argv[2]);
    long concurrency = argc > 3 ? atol(argv[3]) : 1;
    if (n < 1 || concurrency < 1 || concurrency > n) {
        fprintf(stderr, "curl_floor: need 1 <= CONCURRENCY <= N\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    worker *workers = calloc((size_t)concurrency, sizeof *workers);
    double start = now_seconds();
    for (long i = 0; i < concurrency; i++) {
        workers[i].url = argv[1];
        workers[i].requests = n / concurrency + (i < n % concurrency);
        pthread_create(&workers[i].thread, NULL, run_worker, &workers[i]);
    }
    long failures = 0;
    for (long i = 0; i < concurrency; i++) {
        pthread_join(workers[i].thread, NULL);
        failures += workers[i].failures;
    }
    double seconds = now_seconds() - start;
    printf("{\"n\": %ld, \"concurrency\": %ld, \"seconds\": %.6f, \"us_per_op\": %.3f}\n", n,
           concurrency, seconds, seconds * 1e6 / (double)n);
    if (failures)
        fprintf(stderr, "curl_floor: %ld request(s) failed\n", failures);
    free(workers);
    curl_global_cleanup();
    return failures ? 1 : 0;
}
