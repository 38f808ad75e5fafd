/*
 * hash.c — MD5 (RFC 1321), SHA-1, SHA-256, SHA-384 and SHA-512 (FIPS 180-4),
 * written from the specifications.
 *
 * All five are Merkle–Damgård constructions that differ only in block size,
 * word size, byte order and the compression function. So one driver
 * (sf_hash_digest) feeds whole blocks to an algorithm's compress function,
 * then builds the padded final block(s): the message's tail, a 0x80 byte,
 * zeros, and the message length in bits (64 bits for 64-byte blocks, 128 bits
 * for the 128-byte blocks of SHA-384/512; little-endian for MD5, big-endian
 * for SHA). The algorithms are table entries below.
 *
 * Failure cases: none. Every input length is valid; an unknown algorithm
 * name is rejected by sf_hash_from_name before any hashing happens.
 *
 * The round constants are from the specifications (MD5: floor(2^32·|sin i|);
 * SHA: fractional parts of square and cube roots of the first primes); the
 * unit tests check every algorithm against the published test vectors.
 */
#include "engine/lang/hash.h"
#include "engine/xalloc.h"

#include <stdint.h>
#include <string.h>

typedef union hash_state {
    uint32_t w32[8];
    uint64_t w64[8];
} hash_state;

typedef struct hash_algorithm {
    const char *name; /* as States.Hash spells it */
    size_t block_size;
    size_t digest_size;
    int little_endian_length; /* MD5 stores the bit length little-endian */
    void (*init)(hash_state *st);
    void (*compress)(hash_state *st, const unsigned char *block);
    void (*output)(const hash_state *st, unsigned char *digest, size_t digest_size);
} hash_algorithm;

/* ---- byte order and rotation helpers ---------------------------------- */

static uint32_t load_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t load_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t load_be64(const unsigned char *p)
{
    return (uint64_t)load_be32(p) << 32 | load_be32(p + 4);
}

static void store_be64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

static uint32_t rotl32(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static uint32_t rotr32(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static uint64_t rotr64(uint64_t x, unsigned n)
{
    return (x >> n) | (x << (64 - n));
}

/* Digest words out in big-endian order (SHA) or little-endian order (MD5). */
static void output_be32(const hash_state *st, unsigned char *digest, size_t size)
{
    for (size_t i = 0; i < size; i++)
        digest[i] = (unsigned char)(st->w32[i / 4] >> (24 - 8 * (i % 4)));
}

static void output_le32(const hash_state *st, unsigned char *digest, size_t size)
{
    for (size_t i = 0; i < size; i++)
        digest[i] = (unsigned char)(st->w32[i / 4] >> (8 * (i % 4)));
}

static void output_be64(const hash_state *st, unsigned char *digest, size_t size)
{
    for (size_t i = 0; i < size; i++)
        digest[i] = (unsigned char)(st->w64[i / 8] >> (56 - 8 * (i % 8)));
}

/* ---- MD5 (RFC 1321) ---------------------------------------------------- */

static const uint32_t MD5_T[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

static const unsigned MD5_SHIFT[4][4] = {
    {7, 12, 17, 22},
    {5, 9, 14, 20},
    {4, 11, 16, 23},
    {6, 10, 15, 21},
};

static void md5_init(hash_state *st)
{
    static const uint32_t iv[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
    memcpy(st->w32, iv, sizeof iv);
}

static void md5_compress(hash_state *st, const unsigned char *block)
{
    uint32_t x[16];
    for (int i = 0; i < 16; i++)
        x[i] = load_le32(block + 4 * i);
    uint32_t a = st->w32[0], b = st->w32[1], c = st->w32[2], d = st->w32[3];
    for (int i = 0; i < 64; i++) {
        int round = i / 16;
        uint32_t f;
        int g;
        if (round == 0) {
            f = (b & c) | (~b & d);
            g = i;
        } else if (round == 1) {
            f = (b & d) | (c & ~d);
            g = (5 * i + 1) % 16;
        } else if (round == 2) {
            f = b ^ c ^ d;
            g = (3 * i + 5) % 16;
        } else {
            f = c ^ (b | ~d);
            g = (7 * i) % 16;
        }
        uint32_t rotated = rotl32(a + f + MD5_T[i] + x[g], MD5_SHIFT[round][i % 4]);
        a = d;
        d = c;
        c = b;
        b = b + rotated;
    }
    st->w32[0] += a;
    st->w32[1] += b;
    st->w32[2] += c;
    st->w32[3] += d;
}

/* ---- SHA-1 (FIPS 180-4 §6.1) -------------------------------------------- */

static void sha1_init(hash_state *st)
{
    static const uint32_t iv[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
    memcpy(st->w32, iv, sizeof iv);
}

static void sha1_compress(hash_state *st, const unsigned char *block)
{
    uint32_t w[80];
    for (int t = 0; t < 16; t++)
        w[t] = load_be32(block + 4 * t);
    for (int t = 16; t < 80; t++)
        w[t] = rotl32(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    uint32_t a = st->w32[0], b = st->w32[1], c = st->w32[2], d = st->w32[3], e = st->w32[4];
    for (int t = 0; t < 80; t++) {
        uint32_t f, k;
        if (t < 20) {
            f = (b & c) | (~b & d);
            k = 0x5a827999;
        } else if (t < 40) {
            f = b ^ c ^ d;
            k = 0x6ed9eba1;
        } else if (t < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8f1bbcdc;
        } else {
            f = b ^ c ^ d;
            k = 0xca62c1d6;
        }
        uint32_t temp = rotl32(a, 5) + f + e + k + w[t];
        e = d;
        d = c;
        c = rotl32(b, 30);
        b = a;
        a = temp;
    }
    st->w32[0] += a;
    st->w32[1] += b;
    st->w32[2] += c;
    st->w32[3] += d;
    st->w32[4] += e;
}

/* ---- SHA-256 (FIPS 180-4 §6.2) ------------------------------------------ */

static const uint32_t SHA256_K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static void sha256_init(hash_state *st)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(st->w32, iv, sizeof iv);
}

static void sha256_compress(hash_state *st, const unsigned char *block)
{
    uint32_t w[64], v[8];
    for (int t = 0; t < 16; t++)
        w[t] = load_be32(block + 4 * t);
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = rotr32(w[t - 15], 7) ^ rotr32(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = rotr32(w[t - 2], 17) ^ rotr32(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    memcpy(v, st->w32, sizeof v);
    for (int t = 0; t < 64; t++) {
        uint32_t big_s1 = rotr32(v[4], 6) ^ rotr32(v[4], 11) ^ rotr32(v[4], 25);
        uint32_t choose = (v[4] & v[5]) ^ (~v[4] & v[6]);
        uint32_t t1 = v[7] + big_s1 + choose + SHA256_K[t] + w[t];
        uint32_t big_s0 = rotr32(v[0], 2) ^ rotr32(v[0], 13) ^ rotr32(v[0], 22);
        uint32_t majority = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
        memmove(v + 1, v, 7 * sizeof v[0]);
        v[4] += t1;
        v[0] = t1 + big_s0 + majority;
    }
    for (int i = 0; i < 8; i++)
        st->w32[i] += v[i];
}

/* ---- SHA-512 and SHA-384 (FIPS 180-4 §6.4, §6.5) ------------------------ */

static const uint64_t SHA512_K[80] = {
    0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL,
    0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL, 0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL,
    0xd807aa98a3030242ULL, 0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
    0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL, 0xc19bf174cf692694ULL,
    0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL, 0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
    0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
    0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL,
    0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL, 0x06ca6351e003826fULL, 0x142929670a0e6e70ULL,
    0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
    0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
    0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL, 0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL,
    0xd192e819d6ef5218ULL, 0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
    0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL,
    0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL, 0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL,
    0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
    0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL,
    0xca273eceea26619cULL, 0xd186b8c721c0c207ULL, 0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL,
    0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
    0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL, 0x431d67c49c100d4cULL,
    0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL, 0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL,
};

static void sha512_init(hash_state *st)
{
    static const uint64_t iv[8] = {
        0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
        0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
    };
    memcpy(st->w64, iv, sizeof iv);
}

/* SHA-384 is SHA-512 with its own initial value, truncated to 48 bytes. */
static void sha384_init(hash_state *st)
{
    static const uint64_t iv[8] = {
        0xcbbb9d5dc1059ed8ULL, 0x629a292a367cd507ULL, 0x9159015a3070dd17ULL, 0x152fecd8f70e5939ULL,
        0x67332667ffc00b31ULL, 0x8eb44a8768581511ULL, 0xdb0c2e0d64f98fa7ULL, 0x47b5481dbefa4fa4ULL,
    };
    memcpy(st->w64, iv, sizeof iv);
}

static void sha512_compress(hash_state *st, const unsigned char *block)
{
    uint64_t w[80], v[8];
    for (int t = 0; t < 16; t++)
        w[t] = load_be64(block + 8 * t);
    for (int t = 16; t < 80; t++) {
        uint64_t s0 = rotr64(w[t - 15], 1) ^ rotr64(w[t - 15], 8) ^ (w[t - 15] >> 7);
        uint64_t s1 = rotr64(w[t - 2], 19) ^ rotr64(w[t - 2], 61) ^ (w[t - 2] >> 6);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    memcpy(v, st->w64, sizeof v);
    for (int t = 0; t < 80; t++) {
        uint64_t big_s1 = rotr64(v[4], 14) ^ rotr64(v[4], 18) ^ rotr64(v[4], 41);
        uint64_t choose = (v[4] & v[5]) ^ (~v[4] & v[6]);
        uint64_t t1 = v[7] + big_s1 + choose + SHA512_K[t] + w[t];
        uint64_t big_s0 = rotr64(v[0], 28) ^ rotr64(v[0], 34) ^ rotr64(v[0], 39);
        uint64_t majority = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
        memmove(v + 1, v, 7 * sizeof v[0]);
        v[4] += t1;
        v[0] = t1 + big_s0 + majority;
    }
    for (int i = 0; i < 8; i++)
        st->w64[i] += v[i];
}

/* ---- the table and the driver ----------------------------------------- */

static const hash_algorithm ALGORITHMS[] = {
    [SF_HASH_MD5] = {"MD5", 64, 16, 1, md5_init, md5_compress, output_le32},
    [SF_HASH_SHA1] = {"SHA-1", 64, 20, 0, sha1_init, sha1_compress, output_be32},
    [SF_HASH_SHA256] = {"SHA-256", 64, 32, 0, sha256_init, sha256_compress, output_be32},
    [SF_HASH_SHA384] = {"SHA-384", 128, 48, 0, sha384_init, sha512_compress, output_be64},
    [SF_HASH_SHA512] = {"SHA-512", 128, 64, 0, sha512_init, sha512_compress, output_be64},
};

#define ALGORITHM_COUNT (sizeof ALGORITHMS / sizeof ALGORITHMS[0])

bool sf_hash_from_name(const char *name, sf_hash_algorithm *alg)
{
    for (size_t i = 0; i < ALGORITHM_COUNT; i++) {
        if (strcmp(ALGORITHMS[i].name, name) == 0) {
            *alg = (sf_hash_algorithm)i;
            return true;
        }
    }
    return false;
}

size_t sf_hash_digest_size(sf_hash_algorithm alg)
{
    return ALGORITHMS[alg].digest_size;
}

/* Append the length in bits at the end of the final block(s). The 128-bit
 * length of SHA-384/512 is written as two big-endian 64-bit halves. */
static void put_bit_length(const hash_algorithm *a, unsigned char *end, size_t len)
{
    uint64_t low_bits = (uint64_t)len << 3;
    if (a->little_endian_length) {
        unsigned char *field = end - 8;
        for (int i = 0; i < 8; i++)
            field[i] = (unsigned char)(low_bits >> (8 * i));
    } else if (a->block_size == 128) {
        store_be64(end - 16, (uint64_t)len >> 61);
        store_be64(end - 8, low_bits);
    } else {
        store_be64(end - 8, low_bits);
    }
}

void sf_hash_digest(sf_hash_algorithm alg, const void *data, size_t len, unsigned char *digest)
{
    const hash_algorithm *a = &ALGORITHMS[alg];
    const unsigned char *bytes = data;
    hash_state st;
    a->init(&st);

    size_t whole = len - len % a->block_size;
    for (size_t off = 0; off < whole; off += a->block_size)
        a->compress(&st, bytes + off);

    /* The tail, the 0x80 marker and the length need one block, or two when
     * the tail leaves no room for the marker and length field. */
    unsigned char final[256] = {0};
    size_t tail = len - whole, length_field = a->block_size / 8;
    size_t final_size =
        tail + 1 + length_field <= a->block_size ? a->block_size : 2 * a->block_size;
    if (tail)
        memcpy(final, bytes + whole, tail);
    final[tail] = 0x80;
    put_bit_length(a, final + final_size, len);
    for (size_t off = 0; off < final_size; off += a->block_size)
        a->compress(&st, final + off);

    a->output(&st, digest, a->digest_size);
}

char *sf_hash_hex(sf_hash_algorithm alg, const void *data, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char digest[SF_HASH_MAX_DIGEST];
    size_t size = sf_hash_digest_size(alg);
    sf_hash_digest(alg, data, len, digest);
    char *text = sf_malloc(2 * size + 1);
    for (size_t i = 0; i < size; i++) {
        text[2 * i] = hex[digest[i] >> 4];
        text[2 * i + 1] = hex[digest[i] & 0xf];
    }
    text[2 * size] = '\0';
    return text;
}
