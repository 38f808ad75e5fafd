/*
 * hash.h — the message digests States.Hash offers: MD5 (RFC 1321), SHA-1,
 * SHA-256, SHA-384 and SHA-512 (FIPS 180-4).
 *
 * One-shot only: States.Hash hashes at most 10,000 characters, so there is no
 * need for a streaming interface. These digests are for checksums and keys
 * in workflow data, not for protecting secrets (no constant-time promises).
 *
 * Ownership: sf_hash_hex returns a malloc'd string; the caller frees it.
 */
#ifndef SF_HASH_H
#define SF_HASH_H

#include <stdbool.h>
#include <stddef.h>

typedef enum sf_hash_algorithm {
    SF_HASH_MD5,
    SF_HASH_SHA1,
    SF_HASH_SHA256,
    SF_HASH_SHA384,
    SF_HASH_SHA512,
} sf_hash_algorithm;

/* The longest digest, in bytes (SHA-512). */
#define SF_HASH_MAX_DIGEST 64

/* Look up an algorithm by the exact name States.Hash accepts: "MD5",
 * "SHA-1", "SHA-256", "SHA-384", "SHA-512" (case-sensitive, as AWS). */
bool sf_hash_from_name(const char *name, sf_hash_algorithm *alg);

size_t sf_hash_digest_size(sf_hash_algorithm alg);

/* Write the digest of data[0..len) to digest (sf_hash_digest_size bytes). */
void sf_hash_digest(sf_hash_algorithm alg, const void *data, size_t len, unsigned char *digest);

/* The digest as lowercase hexadecimal, NUL-terminated, malloc'd. */
char *sf_hash_hex(sf_hash_algorithm alg, const void *data, size_t len);

#endif
