/*
 * intrinsic_math.c — States.MathAdd, States.MathRandom, States.UUID.
 *
 * MathAdd adds two int32 values. A fractional operand is rounded to the
 * nearest integer, halves toward positive infinity (Java's Math.round:
 * recorded on AWS, -1.5 + -1.51 = -3 and 1.6 + 2.7 = 5). An operand or a sum
 * outside int32 fails, as on AWS.
 *
 * MathRandom(start, end[, seed]) returns an integer in [start, end). Unlike
 * MathAdd, AWS truncates fractional bounds (1.6..5.4 can give 1; 1.4..1.6
 * fails), and start must be below end. With a seed the result is
 * deterministic: it is java.util.Random(seed).nextInt(end - start) + start,
 * our best guess at AWS's generator (only "same seed, same number" is
 * verified). Without one it comes from getrandom(2).
 *
 * UUID is a version 4 UUID from getrandom(2). If the kernel cannot supply
 * random bytes the call fails rather than return a predictable value.
 */
#include "engine/lang/intrinsic_internal.h"
#include "engine/xalloc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

static bool random_bytes(void *out, size_t n)
{
    unsigned char *p = out;
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += got;
        n -= (size_t)got;
    }
    return true;
}

/* ---- States.MathAdd ---------------------------------------------------- */

static bool rounded_int32(const json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
    } else if (json_is_real(v)) {
        double x = json_real_value(v), whole = floor(x);
        double rounded = x - whole >= 0.5 ? whole + 1 : whole; /* exact, unlike floor(x + 0.5) */
        if (!(rounded >= INT32_MIN && rounded <= INT32_MAX))
            return false;
        *out = (int64_t)rounded;
    } else {
        return false;
    }
    return *out >= INT32_MIN && *out <= INT32_MAX;
}

json_t *intrinsic_math_add(const intrinsic_call *call, json_t *const *args, size_t count,
                           char **detail)
{
    (void)count;
    int64_t a, b;
    if (!rounded_int32(args[0], &a) || !rounded_int32(args[1], &b))
        return intrinsic_invalid_arguments(call, detail);
    int64_t sum = a + b;
    if (sum < INT32_MIN || sum > INT32_MAX)
        return intrinsic_invalid_arguments(call, detail);
    return json_integer(sum);
}

/* ---- States.MathRandom ------------------------------------------------- */

/* java.util.Random: a 48-bit linear congruential generator. */
typedef struct java_random {
    uint64_t seed;
} java_random;

#define JAVA_RANDOM_MULTIPLIER 0x5DEECE66DULL
#define JAVA_RANDOM_MASK       ((1ULL << 48) - 1)

static void java_random_seed(java_random *r, int64_t seed)
{
    r->seed = ((uint64_t)seed ^ JAVA_RANDOM_MULTIPLIER) & JAVA_RANDOM_MASK;
}

static int32_t java_random_next(java_random *r, int bits)
{
    r->seed = (r->seed * JAVA_RANDOM_MULTIPLIER + 0xB) & JAVA_RANDOM_MASK;
    return (int32_t)(uint32_t)(r->seed >> (48 - bits));
}

/* Random.nextInt(bound), bound > 0: rejection keeps it uniform. */
static int32_t java_random_next_int(java_random *r, int32_t bound)
{
    int32_t value = java_random_next(r, 31);
    int32_t m = bound - 1;
    if ((bound & m) == 0)
        return (int32_t)(((int64_t)bound * value) >> 31);
    for (int32_t u = value;; u = java_random_next(r, 31)) {
        value = u % bound;
        if ((int64_t)u - value + m <= INT32_MAX) /* Java: no int overflow */
            return value;
    }
}

static int64_t seeded_random(int64_t seed, int32_t start, int32_t end)
{
    java_random r;
    java_random_seed(&r, seed);
    int64_t range = (int64_t)end - start;
    if (range <= INT32_MAX)
        return start + java_random_next_int(&r, (int32_t)range);
    for (;;) { /* a range wider than int32: draw until one falls inside */
        int32_t v = java_random_next(&r, 32);
        if (v >= start && v < end)
            return v;
    }
}

static bool unseeded_random(int32_t start, int32_t end, int64_t *out)
{
    uint64_t range = (uint64_t)((int64_t)end - start), draw;
    uint64_t limit = UINT64_MAX - UINT64_MAX % range; /* reject the uneven tail */
    do {
        if (!random_bytes(&draw, sizeof draw))
            return false;
    } while (draw >= limit);
    *out = start + (int64_t)(draw % range);
    return true;
}

static bool seed_value(const json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return true;
    }
    if (json_is_real(v) && fabs(json_real_value(v)) < 9.2e18) {
        *out = (int64_t)json_real_value(v); /* truncates, as Java's (long) */
        return true;
    }
    return false;
}

json_t *intrinsic_math_random(const intrinsic_call *call, json_t *const *args, size_t count,
                              char **detail)
{
    int32_t start, end;
    int64_t seed = 0, result;
    if (!intrinsic_number_to_int32(args[0], &start) || !intrinsic_number_to_int32(args[1], &end) ||
        start >= end || (count == 3 && !seed_value(args[2], &seed)))
        return intrinsic_invalid_arguments(call, detail);
    if (count == 3) {
        result = seeded_random(seed, start, end);
    } else if (!unseeded_random(start, end, &result)) {
        *detail = sf_asprintf("States.MathRandom could not read random bytes: %s", strerror(errno));
        return NULL;
    }
    return json_integer(result);
}

/* ---- States.UUID ------------------------------------------------------- */

json_t *intrinsic_uuid(const intrinsic_call *call, json_t *const *args, size_t count, char **detail)
{
    (void)call;
    (void)args;
    (void)count;
    unsigned char b[16];
    if (!random_bytes(b, sizeof b)) {
        *detail = sf_asprintf("States.UUID could not read random bytes: %s", strerror(errno));
        return NULL;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    char text[37];
    snprintf(text, sizeof text,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
    return json_string(text);
}
