/*
 * test_hash.c — MD5, SHA-1, SHA-256, SHA-384 and SHA-512 against the
 * published test vectors (RFC 1321 appendix A.5, FIPS 180-4 examples / NIST
 * CSRC), plus the padding boundaries where a message's tail no longer leaves
 * room for the length field and a second final block is needed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "engine/lang/hash.h"

static const char FIPS_448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char FIPS_896[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                               "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

static void assert_digest(sf_hash_algorithm alg, const void *data, size_t len, const char *hex)
{
    char *got = sf_hash_hex(alg, data, len);
    assert_string_equal(got, hex);
    free(got);
}

static void assert_digest_str(sf_hash_algorithm alg, const char *text, const char *hex)
{
    assert_digest(alg, text, strlen(text), hex);
}

/* 'a' repeated n times: the padding-boundary messages. */
static void assert_digest_of_as(sf_hash_algorithm alg, size_t n, const char *hex)
{
    char *text = malloc(n);
    memset(text, 'a', n);
    assert_digest(alg, text, n, hex);
    free(text);
}

static void md5_matches_rfc1321_test_suite(void **state)
{
    (void)state;
    assert_digest_str(SF_HASH_MD5, "", "d41d8cd98f00b204e9800998ecf8427e");
    assert_digest_str(SF_HASH_MD5, "a", "0cc175b9c0f1b6a831c399e269772661");
    assert_digest_str(SF_HASH_MD5, "abc", "900150983cd24fb0d6963f7d28e17f72");
    assert_digest_str(SF_HASH_MD5, "message digest", "f96b697d7cb7938d525a2f31aaf161d0");
    assert_digest_str(SF_HASH_MD5, "abcdefghijklmnopqrstuvwxyz",
                      "c3fcd3d76192e4007dfb496cca67e13b");
    assert_digest_str(SF_HASH_MD5, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                      "d174ab98d277d9f5a5611c2c9f419d9f");
    assert_digest_str(SF_HASH_MD5,
                      "1234567890123456789012345678901234567890"
                      "1234567890123456789012345678901234567890",
                      "57edf4a22be3c955ac49da2e2107b67a");
}

static void sha1_matches_fips_examples(void **state)
{
    (void)state;
    assert_digest_str(SF_HASH_SHA1, "", "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    assert_digest_str(SF_HASH_SHA1, "abc", "a9993e364706816aba3e25717850c26c9cd0d89d");
    assert_digest_str(SF_HASH_SHA1, FIPS_448, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    assert_digest_str(SF_HASH_SHA1, FIPS_896, "a49b2446a02c645bf419f995b67091253a04a259");
}

static void sha256_matches_fips_examples(void **state)
{
    (void)state;
    assert_digest_str(SF_HASH_SHA256, "",
                      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_digest_str(SF_HASH_SHA256, "abc",
                      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_digest_str(SF_HASH_SHA256, FIPS_448,
                      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    assert_digest_str(SF_HASH_SHA256, FIPS_896,
                      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void sha384_matches_fips_examples(void **state)
{
    (void)state;
    assert_digest_str(SF_HASH_SHA384, "",
                      "38b060a751ac96384cd9327eb1b1e36a21fdb71114be0743"
                      "4c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b");
    assert_digest_str(SF_HASH_SHA384, "abc",
                      "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded163"
                      "1a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
    assert_digest_str(SF_HASH_SHA384, FIPS_896,
                      "09330c33f71147e83d192fc782cd1b4753111b173b3b05d2"
                      "2fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039");
}

static void sha512_matches_fips_examples(void **state)
{
    (void)state;
    assert_digest_str(SF_HASH_SHA512, "",
                      "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
                      "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
    assert_digest_str(SF_HASH_SHA512, "abc",
                      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                      "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    assert_digest_str(SF_HASH_SHA512, FIPS_896,
                      "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
                      "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
}

/* The long-message vector: one million 'a' bytes, many full blocks. */
static void one_million_a_matches_for_every_algorithm(void **state)
{
    (void)state;
    assert_digest_of_as(SF_HASH_MD5, 1000000, "7707d6ae4e027c70eea2a935c2296f21");
    assert_digest_of_as(SF_HASH_SHA1, 1000000, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    assert_digest_of_as(SF_HASH_SHA256, 1000000,
                        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    assert_digest_of_as(SF_HASH_SHA384, 1000000,
                        "9d0e1809716474cb086e834e310a4a1ced149e9c00f24852"
                        "7972cec5704c2a5b07b8b3dc38ecc4ebae97ddd87f3d8985");
    assert_digest_of_as(SF_HASH_SHA512, 1000000,
                        "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
                        "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b");
}

/* 55 bytes is the longest tail that fits one 64-byte final block; 56 needs
 * two. 64 and 65 cross a whole block. */
static void padding_boundaries_of_64_byte_blocks(void **state)
{
    (void)state;
    assert_digest_of_as(SF_HASH_MD5, 55, "ef1772b6dff9a122358552954ad0df65");
    assert_digest_of_as(SF_HASH_MD5, 56, "3b0c8ac703f828b04c6c197006d17218");
    assert_digest_of_as(SF_HASH_MD5, 64, "014842d480b571495a4a0363793f7367");
    assert_digest_of_as(SF_HASH_SHA1, 55, "c1c8bbdc22796e28c0e15163d20899b65621d65a");
    assert_digest_of_as(SF_HASH_SHA1, 56, "c2db330f6083854c99d4b5bfb6e8f29f201be699");
    assert_digest_of_as(SF_HASH_SHA1, 63, "03f09f5b158a7a8cdad920bddc29b81c18a551f5");
    assert_digest_of_as(SF_HASH_SHA256, 55,
                        "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    assert_digest_of_as(SF_HASH_SHA256, 56,
                        "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
    assert_digest_of_as(SF_HASH_SHA256, 64,
                        "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
    assert_digest_of_as(SF_HASH_SHA256, 65,
                        "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0");
}

/* SHA-384/512 carry a 16-byte length in 128-byte blocks: 111 fits, 112 not. */
static void padding_boundaries_of_128_byte_blocks(void **state)
{
    (void)state;
    assert_digest_of_as(SF_HASH_SHA384, 111,
                        "3c37955051cb5c3026f94d551d5b5e2ac38d572ae4e07172"
                        "085fed81f8466b8f90dc23a8ffcdea0b8d8e58e8fdacc80a");
    assert_digest_of_as(SF_HASH_SHA384, 112,
                        "187d4e07cb306103c69967bf544d0dfbe9042577599c73c3"
                        "30abc0cb64c61236d5ed565ee19119d8c31779a38f791fcd");
    assert_digest_of_as(SF_HASH_SHA512, 111,
                        "fa9121c7b32b9e01733d034cfc78cbf67f926c7ed83e82200ef86818196921760"
                        "b4beff48404df811b953828274461673c68d04e297b0eb7b2b4d60fc6b566a2");
    assert_digest_of_as(SF_HASH_SHA512, 112,
                        "c01d080efd492776a1c43bd23dd99d0a2e626d481e16782e75d54c2503b5dc32b"
                        "d05f0f1ba33e568b88fd2d970929b719ecbb152f58f130a407c8830604b70ca");
    assert_digest_of_as(SF_HASH_SHA512, 128,
                        "b73d1929aa615934e61a871596b3f3b33359f42b8175602e89f7e06e5f658a24"
                        "3667807ed300314b95cacdd579f3e33abdfbe351909519a846d465c59582f321");
    assert_digest_of_as(SF_HASH_SHA512, 129,
                        "4f681e0bd53cda4b5a2041cc8a06f2eabde44fb16c951fbd5b87702f07aeab61"
                        "1565b19c47fde30587177ebb852e3971bbd8d3fd30da18d71037dfbd98420429");
}

/* Digests cover every byte, NUL included (States.Hash of "abc\0def"). */
static void embedded_nul_bytes_are_hashed(void **state)
{
    (void)state;
    assert_digest(SF_HASH_MD5, "abc\0def", 7, "a5e4d5963ae44c1f4bfb37b1a3d55a3c");
}

static void names_are_the_exact_aws_spellings(void **state)
{
    (void)state;
    sf_hash_algorithm alg;
    assert_true(sf_hash_from_name("MD5", &alg));
    assert_int_equal(alg, SF_HASH_MD5);
    assert_true(sf_hash_from_name("SHA-1", &alg));
    assert_int_equal(alg, SF_HASH_SHA1);
    assert_true(sf_hash_from_name("SHA-256", &alg));
    assert_int_equal(alg, SF_HASH_SHA256);
    assert_true(sf_hash_from_name("SHA-384", &alg));
    assert_int_equal(alg, SF_HASH_SHA384);
    assert_true(sf_hash_from_name("SHA-512", &alg));
    assert_int_equal(alg, SF_HASH_SHA512);

    assert_false(sf_hash_from_name("sha-256", &alg));
    assert_false(sf_hash_from_name("SHA256", &alg));
    assert_false(sf_hash_from_name("MD-5", &alg));
    assert_false(sf_hash_from_name("SHA-257", &alg));
    assert_false(sf_hash_from_name("", &alg));
}

static void digest_sizes_follow_the_algorithm(void **state)
{
    (void)state;
    assert_int_equal(sf_hash_digest_size(SF_HASH_MD5), 16);
    assert_int_equal(sf_hash_digest_size(SF_HASH_SHA1), 20);
    assert_int_equal(sf_hash_digest_size(SF_HASH_SHA256), 32);
    assert_int_equal(sf_hash_digest_size(SF_HASH_SHA384), 48);
    assert_int_equal(sf_hash_digest_size(SF_HASH_SHA512), 64);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(md5_matches_rfc1321_test_suite),
        cmocka_unit_test(sha1_matches_fips_examples),
        cmocka_unit_test(sha256_matches_fips_examples),
        cmocka_unit_test(sha384_matches_fips_examples),
        cmocka_unit_test(sha512_matches_fips_examples),
        cmocka_unit_test(one_million_a_matches_for_every_algorithm),
        cmocka_unit_test(padding_boundaries_of_64_byte_blocks),
        cmocka_unit_test(padding_boundaries_of_128_byte_blocks),
        cmocka_unit_test(embedded_nul_bytes_are_hashed),
        cmocka_unit_test(names_are_the_exact_aws_spellings),
        cmocka_unit_test(digest_sizes_follow_the_algorithm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
