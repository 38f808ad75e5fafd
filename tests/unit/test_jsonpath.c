/*
 * test_jsonpath.c — JSONPath as ASL uses it: every syntax form, the Jayway
 * "store" examples, reference-path rules, compile errors, ResultPath
 * assignment and the compact JSON used in error causes.
 *
 * Each case states a path, an input and the exact expected result.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "engine/lang/jsonpath.h"
#include "json_assert.h"

static sf_path *compile_ok(const char *text, unsigned flags)
{
    char *error = NULL;
    sf_path *p = sf_path_compile(text, flags, &error);
    if (!p)
        fail_msg("'%s' did not compile: %s", text, error);
    assert_null(error);
    return p;
}

static json_t *select_from(const char *path, const char *input)
{
    sf_path *p = compile_ok(path, SF_PATH_FULL);
    json_t *doc = parse_json(input);
    sf_eval_env env = {.input = doc};
    json_t *result = sf_path_eval(p, &env);
    json_decref(doc);
    sf_path_free(p);
    return result;
}

/* expected == NULL: the path must match nothing. */
static void check(const char *path, const char *input, const char *expected)
{
    json_t *result = select_from(path, input);
    if (!expected) {
        if (result) {
            char *got = sf_json_compact(result);
            print_error("'%s' should match nothing, got %s\n", path, got);
            free(got);
            json_decref(result);
            fail();
        }
        return;
    }
    if (!result)
        print_error("'%s' matched nothing\n", path);
    assert_json_equals(result, expected);
}

static void check_compile_error(const char *text, unsigned flags, const char *message)
{
    char *error = NULL;
    sf_path *p = sf_path_compile(text, flags, &error);
    if (p) {
        sf_path_free(p);
        fail_msg("'%s' should not compile", text);
    }
    assert_non_null(error);
    assert_string_equal(error, message);
    free(error);
}

static const char *const STORE = "{"
                                 "\"store\": {"
                                 "  \"book\": ["
                                 "    {\"category\": \"reference\", \"author\": \"Nigel Rees\","
                                 "     \"title\": \"Sayings of the Century\", \"price\": 8.95},"
                                 "    {\"category\": \"fiction\", \"author\": \"Evelyn Waugh\","
                                 "     \"title\": \"Sword of Honour\", \"price\": 12.99},"
                                 "    {\"category\": \"fiction\", \"author\": \"Herman Melville\","
                                 "     \"title\": \"Moby Dick\", \"isbn\": \"0-553-21311-3\","
                                 "     \"price\": 8.99},"
                                 "    {\"category\": \"fiction\", \"author\": \"J. R. R. Tolkien\","
                                 "     \"title\": \"The Lord of the Rings\","
                                 "     \"isbn\": \"0-395-19395-8\", \"price\": 22.99}"
                                 "  ],"
                                 "  \"bicycle\": {\"color\": \"red\", \"price\": 19.95}"
                                 "},"
                                 "\"expensive\": 10"
                                 "}";

#define BOOK0                                                                                      \
    "{\"category\": \"reference\", \"author\": \"Nigel Rees\", \"title\": \"Sayings of the "       \
    "Century\", \"price\": 8.95}"
#define BOOK1                                                                                      \
    "{\"category\": \"fiction\", \"author\": \"Evelyn Waugh\", \"title\": \"Sword of Honour\", "   \
    "\"price\": 12.99}"
#define BOOK2                                                                                      \
    "{\"category\": \"fiction\", \"author\": \"Herman Melville\", \"title\": \"Moby Dick\", "      \
    "\"isbn\": \"0-553-21311-3\", \"price\": 8.99}"
#define BOOK3                                                                                      \
    "{\"category\": \"fiction\", \"author\": \"J. R. R. Tolkien\", \"title\": \"The Lord of the "  \
    "Rings\", \"isbn\": \"0-395-19395-8\", \"price\": 22.99}"
#define BICYCLE "{\"color\": \"red\", \"price\": 19.95}"
#define AUTHORS "[\"Nigel Rees\", \"Evelyn Waugh\", \"Herman Melville\", \"J. R. R. Tolkien\"]"

/* ---- roots -------------------------------------------------------------- */

static void dollar_is_the_input_itself(void **state)
{
    (void)state;
    sf_path *p = compile_ok("$", SF_PATH_FULL);
    json_t *doc = parse_json("{\"a\": 1}");
    sf_eval_env env = {.input = doc};
    json_t *result = sf_path_eval(p, &env);
    assert_ptr_equal(result, doc);
    assert_true(sf_path_is_root(p));
    assert_true(sf_path_is_definite(p));
    assert_false(sf_path_is_context(p));
    json_decref(result);
    json_decref(doc);
    sf_path_free(p);
}

static void double_dollar_reads_the_context_object(void **state)
{
    (void)state;
    sf_path *p = compile_ok("$$.Execution.Id", SF_PATH_REFERENCE);
    json_t *input = parse_json("{\"Execution\": {\"Id\": \"wrong\"}}");
    json_t *context = parse_json("{\"Execution\": {\"Id\": \"arn:x\"}}");
    sf_eval_env env = {.input = input, .context = context};
    assert_true(sf_path_is_context(p));
    assert_false(sf_path_is_root(p));
    assert_json_equals(sf_path_eval(p, &env), "\"arn:x\"");
    assert_ptr_equal(sf_path_root_document(p, &env), context);
    json_decref(input);
    json_decref(context);
    sf_path_free(p);
}

/* An evaluation for a Map item answers $$.Map.Item.Value and .Index from
 * the item itself, with no context object; any other context path, and
 * either path without the item, still reads the context. */
static void map_item_paths_read_the_item_without_a_context(void **state)
{
    (void)state;
    sf_path *value = compile_ok("$$.Map.Item.Value", SF_PATH_REFERENCE);
    sf_path *index = compile_ok("$$['Map']['Item']['Index']", SF_PATH_REFERENCE);
    sf_path *deeper = compile_ok("$$.Map.Item.Value.a", SF_PATH_REFERENCE);
    sf_path *entry = compile_ok("$$.Map.Item", SF_PATH_REFERENCE);
    sf_path *other = compile_ok("$$.Map.Item.Other", SF_PATH_REFERENCE);
    assert_true(sf_path_is_map_item(value));
    assert_true(sf_path_is_map_item(index));
    assert_false(sf_path_is_map_item(deeper));
    assert_false(sf_path_is_map_item(entry));
    assert_false(sf_path_is_map_item(other));
    json_t *item = parse_json("{\"a\": 1}");
    sf_eval_env env = {
        .input = json_object(), .has_map_item = true, .map_item_value = item, .map_item_index = 7};
    assert_json_equals(sf_path_eval(value, &env), "{\"a\": 1}");
    assert_json_equals(sf_path_eval(index, &env), "7");
    json_t *context = parse_json("{\"Map\": {\"Item\": {\"Index\": 3, \"Value\": {\"a\": 2}}}}");
    sf_eval_env from_context = {.input = env.input, .context = context};
    assert_json_equals(sf_path_eval(value, &from_context), "{\"a\": 2}");
    assert_json_equals(sf_path_eval(index, &from_context), "3");
    env.context = context;
    assert_json_equals(sf_path_eval(deeper, &env), "2");
    assert_json_equals(sf_path_eval(entry, &env), "{\"Index\": 3, \"Value\": {\"a\": 2}}");
    json_decref(env.input);
    json_decref(item);
    json_decref(context);
    sf_path_free(value);
    sf_path_free(index);
    sf_path_free(deeper);
    sf_path_free(entry);
    sf_path_free(other);
}

static void double_dollar_alone_is_the_whole_context(void **state)
{
    (void)state;
    sf_path *p = compile_ok("$$", SF_PATH_REFERENCE);
    json_t *context = parse_json("{\"State\": {\"Name\": \"S\"}}");
    sf_eval_env env = {.context = context};
    assert_json_equals(sf_path_eval(p, &env), "{\"State\": {\"Name\": \"S\"}}");
    json_decref(context);
    sf_path_free(p);
}

static void dollar_name_reads_a_variable(void **state)
{
    (void)state;
    sf_path *whole = compile_ok("$order", SF_PATH_REFERENCE);
    sf_path *field = compile_ok("$order.items[1].sku", SF_PATH_REFERENCE);
    sf_path *unset = compile_ok("$missing", SF_PATH_FULL);
    json_t *vars = parse_json("{\"order\": {\"items\": [{\"sku\": \"a\"}, {\"sku\": \"b\"}]}}");
    sf_eval_env env = {.input = json_object(), .variables = vars};
    assert_true(sf_path_is_variable(whole));
    assert_false(sf_path_is_context(whole));
    assert_json_equals(sf_path_eval(whole, &env),
                       "{\"items\": [{\"sku\": \"a\"}, {\"sku\": \"b\"}]}");
    assert_json_equals(sf_path_eval(field, &env), "\"b\"");
    assert_null(sf_path_eval(unset, &env));
    json_decref(env.input);
    json_decref(vars);
    sf_path_free(whole);
    sf_path_free(field);
    sf_path_free(unset);
}

static void missing_root_document_matches_nothing(void **state)
{
    (void)state;
    sf_path *definite = compile_ok("$$.a", SF_PATH_FULL);
    sf_path *indefinite = compile_ok("$$.a[*]", SF_PATH_FULL);
    sf_eval_env env = {0};
    assert_null(sf_path_eval(definite, &env));
    assert_json_equals(sf_path_eval(indefinite, &env), "[]");
    sf_path_free(definite);
    sf_path_free(indefinite);
}

static void text_is_kept_as_written(void **state)
{
    (void)state;
    sf_path *p = compile_ok("  $.a['b c'][0] ", SF_PATH_FULL);
    assert_string_equal(sf_path_text(p), "  $.a['b c'][0] ");
    sf_path_free(p);
}

/* ---- names -------------------------------------------------------------- */

static void dot_names_descend_into_objects(void **state)
{
    (void)state;
    check("$.a.b.c", "{\"a\": {\"b\": {\"c\": [1, 2]}}}", "[1, 2]");
}

static void dot_names_take_dashes_underscores_and_unicode(void **state)
{
    (void)state;
    const char *doc = "{\"my-key\": 1, \"a_b\": 2, \"\u00fcn\u00ef\": 3, \"x:y\": 4, \"$\": 5}";
    check("$.my-key", doc, "1");
    check("$.a_b", doc, "2");
    check("$.\u00fcn\u00ef", doc, "3");
    check("$.x:y", doc, "4");
    check("$.$", doc, "5");
}

static void bracket_names_take_any_text(void **state)
{
    (void)state;
    const char *doc = "{\"a b\": 1, \"x\": 2, \"it's\": 3, \"q\\\"q\": 4, \"\u00e9\": 5, "
                      "\"a.b\": 6, \"[0]\": 7, \"\\\\u00e9\": 8}";
    check("$['a b']", doc, "1");
    check("$[\"x\"]", doc, "2");
    check("$['it\\'s']", doc, "3");
    check("$[\"q\\\"q\"]", doc, "4");
    check("$['\u00e9']", doc, "5");
    check("$['\\u00e9']", doc, "8"); /* no escapes but the quote's */
    check("$['a.b']", doc, "6");
    check("$['[0]']", doc, "7");
    check("$[ 'x' ]", doc, "2");
}

/* Recorded on AWS: in a name quoted with ', a backslash before " stays in
 * the key, as does a backslash before another backslash. */
static void bracket_names_keep_backslashes_but_before_their_quote(void **state)
{
    (void)state;
    const char *doc = "{\"Test\\\\\\\"\\\"Name\\\"\": \"Value\", \"a\\\\\\\\\": 2, "
                      "\"b\\\\'\": 3, \"c\\\\\": 4}";
    check("$['Test\\\"\"Name\"']", doc, "\"Value\"");
    check("$['a\\\\']", doc, "2");  /* $['a\\'] is the key a\\ */
    check("$[\"b\\'\"]", doc, "3"); /* $["b\'"] is the key b\' */
    check("$['b\\'']", doc, NULL);  /* $['b\''] is the key b' */
    check("$['c\\\\']", doc, NULL);
}

static void missing_field_matches_nothing(void **state)
{
    (void)state;
    check("$.nope", "{\"a\": 1}", NULL);
    check("$.a.nope", "{\"a\": {}}", NULL);
    check("$.nope.deeper", "{\"a\": 1}", NULL);
}

static void field_of_a_non_object_matches_nothing(void **state)
{
    (void)state;
    check("$.a.b", "{\"a\": \"text\"}", NULL);
    check("$.a.b", "{\"a\": [1]}", NULL);
    check("$.a.b", "{\"a\": null}", NULL);
}

static void null_and_false_values_are_matches(void **state)
{
    (void)state;
    check("$.a", "{\"a\": null}", "null");
    check("$.a", "{\"a\": false}", "false");
}

/* ---- indexes and slices ------------------------------------------------- */

static void index_selects_one_element(void **state)
{
    (void)state;
    check("$.a[0]", "{\"a\": [\"x\", \"y\"]}", "\"x\"");
    check("$[1]", "[\"x\", \"y\"]", "\"y\"");
    check("$.a[1].b", "{\"a\": [{}, {\"b\": true}]}", "true");
}

static void negative_index_counts_from_the_end(void **state)
{
    (void)state;
    check("$.a[-1]", "{\"a\": [1, 2, 3]}", "3");
    check("$.a[-3]", "{\"a\": [1, 2, 3]}", "1");
}

static void index_out_of_range_matches_nothing(void **state)
{
    (void)state;
    check("$.a[3]", "{\"a\": [1, 2, 3]}", NULL);
    check("$.a[-4]", "{\"a\": [1, 2, 3]}", NULL);
    check("$.a[0]", "{\"a\": {\"0\": 1}}", NULL);
}

static void slice_selects_a_range(void **state)
{
    (void)state;
    const char *doc = "[0, 1, 2, 3, 4, 5]";
    check("$[1:3]", doc, "[1, 2]");
    check("$[:2]", doc, "[0, 1]");
    check("$[-2:]", doc, "[4, 5]");
    check("$[4:]", doc, "[4, 5]");
    check("$[::2]", doc, "[0, 2, 4]");
    check("$[1:6:2]", doc, "[1, 3, 5]");
    check("$[ 1 : 3 ]", doc, "[1, 2]");
}

static void slice_with_negative_step_walks_backwards(void **state)
{
    (void)state;
    check("$[::-1]", "[0, 1, 2, 3]", "[3, 2, 1, 0]");
    check("$[2:0:-1]", "[0, 1, 2, 3]", "[2, 1]");
}

static void slice_past_the_end_is_clamped(void **state)
{
    (void)state;
    check("$[2:100]", "[0, 1, 2, 3]", "[2, 3]");
    check("$[10:]", "[0, 1, 2, 3]", "[]");
    check("$[3:1]", "[0, 1, 2, 3]", "[]");
    check("$.a[0:2]", "{\"a\": \"str\"}", "[]");
}

static void index_union_selects_each_in_order_written(void **state)
{
    (void)state;
    check("$[0,2]", "[\"a\", \"b\", \"c\"]", "[\"a\", \"c\"]");
    check("$[2, 0]", "[\"a\", \"b\", \"c\"]", "[\"c\", \"a\"]");
    check("$[0,9]", "[\"a\", \"b\", \"c\"]", "[\"a\"]");
}

/* Jayway merges a trailing ['a','b'] into one object (a definite path). */
static void name_union_as_last_step_merges_fields(void **state)
{
    (void)state;
    check("$['a','b']", "{\"a\": 1, \"b\": 2, \"c\": 3}", "{\"a\": 1, \"b\": 2}");
    check("$['a', 'zz']", "{\"a\": 1}", "{\"a\": 1}");
    check("$.x['a','b']", "{\"x\": 5}", NULL);
    sf_path *p = compile_ok("$['a','b']", SF_PATH_FULL);
    assert_true(sf_path_is_definite(p));
    sf_path_free(p);
}

static void name_union_before_more_steps_selects_each(void **state)
{
    (void)state;
    check("$['a','b'].v", "{\"a\": {\"v\": 1}, \"b\": {\"v\": 2}, \"c\": {\"v\": 3}}", "[1, 2]");
}

/* ---- wildcards ---------------------------------------------------------- */

static void wildcard_selects_every_member_in_order(void **state)
{
    (void)state;
    check("$.*", "{\"b\": 1, \"a\": 2, \"c\": 3}", "[1, 2, 3]");
    check("$[*]", "{\"b\": 1, \"a\": 2}", "[1, 2]");
    check("$.a[*]", "{\"a\": [3, 2, 1]}", "[3, 2, 1]");
    check("$.a.*", "{\"a\": [3, 2, 1]}", "[3, 2, 1]");
}

static void wildcard_then_field_skips_members_without_it(void **state)
{
    (void)state;
    check("$.a[*].id", "{\"a\": [{\"id\": 1}, {}, \"s\", {\"id\": 3}]}", "[1, 3]");
}

static void indefinite_path_without_matches_is_an_empty_array(void **state)
{
    (void)state;
    check("$.items[*]", "{}", "[]");
    check("$.items[*].type", "{\"items\": []}", "[]");
    check("$[*]", "\"scalar\"", "[]");
    check("$..nothing", "{\"a\": {\"b\": 1}}", "[]");
}

/* ---- deep scan ---------------------------------------------------------- */

static void deep_scan_finds_names_at_any_depth_parents_first(void **state)
{
    (void)state;
    check("$..id", "{\"id\": 1, \"a\": {\"id\": 2, \"b\": [{\"id\": 3}]}, \"c\": {\"id\": 4}}",
          "[1, 2, 3, 4]");
}

static void deep_scan_with_bracket_and_index(void **state)
{
    (void)state;
    check("$..['id']", "{\"a\": {\"id\": 2}}", "[2]");
    check("$..[0]", "{\"a\": [1, [2, 3]], \"b\": [4]}", "[1, 2, 4]");
}

static void deep_scan_filter_tests_each_object(void **state)
{
    (void)state;
    check("$..[?(@.k)]", "{\"k\": 0, \"a\": {\"k\": 1}, \"b\": [{\"k\": 2}, {\"j\": 3}]}",
          "[{\"k\": 0, \"a\": {\"k\": 1}, \"b\": [{\"k\": 2}, {\"j\": 3}]}, {\"k\": 1}, "
          "{\"k\": 2}]");
}

/* ---- filters ------------------------------------------------------------ */

static const char *const ITEMS = "{\"items\": ["
                                 "{\"n\": \"a\", \"price\": 5, \"tag\": \"x\", \"ok\": true},"
                                 "{\"n\": \"b\", \"price\": 15, \"ok\": false},"
                                 "{\"n\": \"c\", \"price\": 10.5, \"tag\": null},"
                                 "{\"n\": \"d\", \"price\": \"7\"}"
                                 "]}";

static void filter_compares_numbers(void **state)
{
    (void)state;
    check("$.items[?(@.price < 10)].n", ITEMS, "[\"a\"]");
    check("$.items[?(@.price <= 10.5)].n", ITEMS, "[\"a\", \"c\"]");
    check("$.items[?(@.price > 10)].n", ITEMS, "[\"b\", \"c\"]");
    check("$.items[?(@.price >= 15)].n", ITEMS, "[\"b\"]");
    check("$.items[?(@.price == 5.0)].n", ITEMS, "[\"a\"]");
    check("$.items[?(@.price<10)].n", ITEMS, "[\"a\"]");
}

static void filter_existence_does_not_test_truth(void **state)
{
    (void)state;
    check("$.items[?(@.tag)].n", ITEMS, "[\"a\", \"c\"]");
    check("$.items[?(@.ok)].n", ITEMS, "[\"a\", \"b\"]");
    check("$.items[?(!@.tag)].n", ITEMS, "[\"b\", \"d\"]");
}

static void filter_compares_strings_booleans_and_null(void **state)
{
    (void)state;
    check("$.items[?(@.n == 'b')].price", ITEMS, "[15]");
    check("$.items[?(@.n == \"c\")].price", ITEMS, "[10.5]");
    check("$.items[?(@.ok == true)].n", ITEMS, "[\"a\"]");
    check("$.items[?(@.ok == false)].n", ITEMS, "[\"b\"]");
    check("$.items[?(@.tag == null)].n", ITEMS, "[\"c\"]");
    check("$.items[?(@.n > 'b')].n", ITEMS, "[\"c\", \"d\"]");
}

/* Jayway: a string equals a number when it spells that number. */
static void filter_string_equals_number_it_spells(void **state)
{
    (void)state;
    check("$.items[?(@.price == 7)].n", ITEMS, "[\"d\"]");
    check("$.items[?(@.price < 8)].n", ITEMS, "[\"a\"]");
}

static void filter_not_equal_holds_for_missing_fields(void **state)
{
    (void)state;
    check("$.items[?(@.tag != 'x')].n", ITEMS, "[\"b\", \"c\", \"d\"]");
}

static void filter_combines_with_and_or_and_parentheses(void **state)
{
    (void)state;
    check("$.items[?(@.price != 5 && @.price >= 10 || @.tag)].n", ITEMS, "[\"a\", \"b\", \"c\"]");
    check("$.items[?(@.tag && @.price > 6)].n", ITEMS, "[\"c\"]");
    check("$.items[?(@.n == 'a' || @.n == 'd')].n", ITEMS, "[\"a\", \"d\"]");
    check("$.items[?((@.n == 'a' || @.n == 'b') && @.ok == false)].n", ITEMS, "[\"b\"]");
    check("$.items[?(!(@.price > 6))].n", ITEMS, "[\"a\", \"d\"]");
}

static void filter_on_the_current_value_itself(void **state)
{
    (void)state;
    check("$[?(@ > 2)]", "[1, 2, 3, 4]", "[3, 4]");
    check("$[?(@ == 'b')]", "[\"a\", \"b\"]", "[\"b\"]");
}

static void filter_can_compare_with_the_document_root(void **state)
{
    (void)state;
    check("$.items[?(@.price > $.limit)].n",
          "{\"limit\": 9, \"items\": [{\"n\": 1, \"price\": 8},"
          " {\"n\": 2, \"price\": 10}]}",
          "[2]");
}

static void filter_on_an_object_tests_the_object(void **state)
{
    (void)state;
    check("$.bike[?(@.color == 'red')]", "{\"bike\": {\"color\": \"red\"}}",
          "[{\"color\": \"red\"}]");
    check("$.bike[?(@.color == 'blue')]", "{\"bike\": {\"color\": \"red\"}}", "[]");
}

static void filter_inside_a_filter(void **state)
{
    (void)state;
    check("$.orders[?(@.lines[?(@.qty > 1)])].id",
          "{\"orders\": [{\"id\": 1, \"lines\": [{\"qty\": 1}]}, {\"id\": 2, \"lines\": [{\"qty\": "
          "3}]}]}",
          "[2]");
}

static void filter_on_a_scalar_selects_nothing(void **state)
{
    (void)state;
    check("$.a[?(@.b)]", "{\"a\": 5}", "[]");
}

/* ---- Jayway's store examples -------------------------------------------- */

static void store_authors_of_all_books(void **state)
{
    (void)state;
    check("$.store.book[*].author", STORE, AUTHORS);
}

static void store_all_authors(void **state)
{
    (void)state;
    check("$..author", STORE, AUTHORS);
}

static void store_everything_in_the_store(void **state)
{
    (void)state;
    check("$.store.*", STORE, "[[" BOOK0 "," BOOK1 "," BOOK2 "," BOOK3 "], " BICYCLE "]");
}

static void store_price_of_everything(void **state)
{
    (void)state;
    check("$.store..price", STORE, "[8.95, 12.99, 8.99, 22.99, 19.95]");
}

static void store_third_book(void **state)
{
    (void)state;
    check("$..book[2]", STORE, "[" BOOK2 "]");
}

static void store_second_to_last_book(void **state)
{
    (void)state;
    check("$..book[-2]", STORE, "[" BOOK2 "]");
}

static void store_last_book(void **state)
{
    (void)state;
    check("$..book[-1:]", STORE, "[" BOOK3 "]");
}

static void store_first_two_books_by_union(void **state)
{
    (void)state;
    check("$..book[0,1]", STORE, "[" BOOK0 "," BOOK1 "]");
}

static void store_first_two_books_by_slice(void **state)
{
    (void)state;
    check("$..book[:2]", STORE, "[" BOOK0 "," BOOK1 "]");
}

static void store_book_two_by_slice(void **state)
{
    (void)state;
    check("$..book[1:2]", STORE, "[" BOOK1 "]");
}

static void store_books_with_isbn(void **state)
{
    (void)state;
    check("$..book[?(@.isbn)]", STORE, "[" BOOK2 "," BOOK3 "]");
}

static void store_books_cheaper_than_10(void **state)
{
    (void)state;
    check("$..book[?(@.price < 10)]", STORE, "[" BOOK0 "," BOOK2 "]");
}

static void store_books_not_expensive(void **state)
{
    (void)state;
    check("$..book[?(@.price <= $['expensive'])]", STORE, "[" BOOK0 "," BOOK2 "]");
}

static void store_everything(void **state)
{
    (void)state;
    check("$..*", STORE,
          "[{\"book\": [" BOOK0 "," BOOK1 "," BOOK2 "," BOOK3 "], \"bicycle\": " BICYCLE "}, 10, "
          "[" BOOK0 "," BOOK1 "," BOOK2 "," BOOK3 "], " BICYCLE ", " BOOK0 ", " BOOK1 ", " BOOK2
          ", " BOOK3 ", "
          "\"reference\", \"Nigel Rees\", \"Sayings of the Century\", 8.95, "
          "\"fiction\", \"Evelyn Waugh\", \"Sword of Honour\", 12.99, "
          "\"fiction\", \"Herman Melville\", \"Moby Dick\", \"0-553-21311-3\", 8.99, "
          "\"fiction\", \"J. R. R. Tolkien\", \"The Lord of the Rings\", \"0-395-19395-8\", 22.99, "
          "\"red\", 19.95]");
}

/* ---- definiteness ------------------------------------------------------- */

static void definite_paths_are_names_and_single_indexes(void **state)
{
    (void)state;
    static const char *const definite[] = {"$", "$.a", "$['a b'].c[0]", "$[-1]", "$$.x", "$v.y"};
    static const char *const indefinite[] = {
        "$.*", "$[*]", "$..a", "$[0,1]", "$[0:]", "$[::2]", "$[?(@.a)]", "$['a','b'].c", "$..*"};
    for (size_t i = 0; i < sizeof definite / sizeof *definite; i++) {
        sf_path *p = compile_ok(definite[i], SF_PATH_FULL);
        assert_true(sf_path_is_definite(p));
        sf_path_free(p);
    }
    for (size_t i = 0; i < sizeof indefinite / sizeof *indefinite; i++) {
        sf_path *p = compile_ok(indefinite[i], SF_PATH_FULL);
        assert_false(sf_path_is_definite(p));
        sf_path_free(p);
    }
}

/* ---- reference paths ---------------------------------------------------- */

static void reference_paths_accept_single_nodes(void **state)
{
    (void)state;
    static const char *const ok[] = {"$",      "$.a.b", "$['a b']", "$.a[2]", "$$.Execution.Id",
                                     "$var.x", "$[-1]", "$$"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        sf_path_free(compile_ok(ok[i], SF_PATH_REFERENCE));
}

static void reference_paths_reject_many_node_selectors(void **state)
{
    (void)state;
    const char *prefix = "a reference path must name a single node, but ";
    static const struct {
        const char *path, *why;
    } cases[] = {
        {"$.a[*]", "'*' selects every child at offset 3"},
        {"$.a.*", "'*' selects every child at offset 3"},
        {"$..a", "'..' searches the whole document at offset 1"},
        {"$.a[0:2]", "a slice selects several nodes at offset 3"},
        {"$.a[0,1]", "a union of indexes selects several nodes at offset 3"},
        {"$['a','b']", "a union of names selects several nodes at offset 1"},
        {"$.a[?(@.b)]", "a filter selects several nodes at offset 3"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char expected[200];
        snprintf(expected, sizeof expected, "%s%s", prefix, cases[i].why);
        check_compile_error(cases[i].path, SF_PATH_REFERENCE, expected);
    }
}

/* ---- compile errors ----------------------------------------------------- */

static void compile_errors_name_the_problem_and_offset(void **state)
{
    (void)state;
    static const struct {
        const char *path, *message;
    } cases[] = {
        {"", "a path must start with '$' at offset 0"},
        {"a.b", "a path must start with '$' at offset 0"},
        {"$.a[", "unexpected end of path at offset 4"},
        {"$.a[x]", "unexpected 'x' at offset 4"},
        {"$.a[0", "unexpected end of path at offset 5"},
        {"$.a.", "a path must not end with '.' at offset 4"},
        {"$..", "a path must not end with '..' at offset 3"},
        {"$...a", "unexpected '.' at offset 3"},
        {"$.a b", "space in a name; write it as ['...'] at offset 3"},
        {"$['a", "unterminated string at offset 2"},
        {"$['a'", "unexpected end of path at offset 5"},
        {"$.a.length()", "function calls such as 'length()' are not supported at offset 10"},
        {"$[1:2:0]", "a slice step must not be 0 at offset 6"},
        {"$[99999999999999999999]", "number too large at offset 2"},
        {"$$x", "unexpected 'x' at offset 2"},
        {"$-x", "unexpected '-' at offset 1"},
        {"$.a[?(@.b = 1)]", "use '==' to compare at offset 10"},
        {"$.a[?(@.b =~ /x/)]", "the '=~' operator is not supported at offset 10"},
        {"$.a[?(1)]", "a filter needs a path to test or a comparison at offset 6"},
        {"$.a[?(@.b == $$.c)]",
         "filters may only use paths starting with '@' or '$.' at offset 13"},
        {"$.a[?(@.b == )]", "unexpected ')' at offset 13"},
        {"$.a[?(@.b == 'x')", "unexpected end of path at offset 17"},
        {"$.a[?(@.b && )]", "unexpected ')' at offset 13"},
        {"$.a[?(@.b)] x", "unexpected ' ' at offset 11"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        check_compile_error(cases[i].path, SF_PATH_FULL, cases[i].message);
}

/* ---- assign (ResultPath) ------------------------------------------------ */

static json_t *assign_ok(const char *path, json_t *doc, json_t *value)
{
    sf_path *p = compile_ok(path, SF_PATH_REFERENCE);
    char *error = NULL;
    json_t *out = sf_path_assign(p, doc, value, &error);
    if (!out)
        fail_msg("assign %s failed: %s", path, error);
    assert_null(error);
    sf_path_free(p);
    return out;
}

static void assign_dollar_returns_the_value_itself(void **state)
{
    (void)state;
    json_t *doc = parse_json("{\"a\": 1}");
    json_t *value = parse_json("[1]");
    json_t *out = assign_ok("$", doc, value);
    assert_ptr_equal(out, value);
    json_decref(out);
    json_decref(doc);
    json_decref(value);
}

static void assign_adds_a_field_and_leaves_the_document_alone(void **state)
{
    (void)state;
    json_t *doc = parse_json("{\"a\": 1, \"keep\": {\"deep\": [1, 2]}}");
    json_t *keep = json_object_get(doc, "keep");
    json_t *value = parse_json("{\"x\": 1}");
    size_t doc_refs = doc->refcount, keep_refs = keep->refcount;

    json_t *out = assign_ok("$.b", doc, value);

    assert_ptr_not_equal(out, doc);
    assert_ptr_equal(json_object_get(out, "b"), value);
    assert_ptr_equal(json_object_get(out, "keep"), keep); /* shared, not copied */
    assert_json_equals(json_incref(doc), "{\"a\": 1, \"keep\": {\"deep\": [1, 2]}}");
    assert_int_equal(doc->refcount, doc_refs);
    json_decref(out);
    assert_int_equal(keep->refcount, keep_refs);
    json_decref(doc);
    json_decref(value);
}

static void assign_creates_missing_objects(void **state)
{
    (void)state;
    json_t *doc = parse_json("{\"a\": {\"z\": 0}}");
    json_t *value = json_string("v");
    assert_json_equals(assign_ok("$.a.b.c", doc, value),
                       "{\"a\": {\"z\": 0, \"b\": {\"c\": \"v\"}}}");
    assert_json_equals(assign_ok("$.x.y", doc, value),
                       "{\"a\": {\"z\": 0}, \"x\": {\"y\": \"v\"}}");
    assert_json_equals(json_incref(doc), "{\"a\": {\"z\": 0}}");
    json_decref(doc);
    json_decref(value);
}

static void assign_replaces_a_field_where_it_stands(void **state)
{
    (void)state;
    json_t *doc = parse_json("{\"a\": 1, \"b\": 2, \"c\": 3}");
    json_t *value = json_integer(9);
    json_t *out = assign_ok("$.b", doc, value);
    char *text = sf_json_compact(out);
    assert_string_equal(text, "{\"a\":1,\"b\":9,\"c\":3}");
    free(text);
    json_decref(out);
    json_decref(doc);
    json_decref(value);
}

static void assign_to_an_index_replaces_that_element(void **state)
{
    (void)state;
    json_t *doc = parse_json("{\"a\": [1, {\"k\": 2}, 3]}");
    json_t *array = json_object_get(doc, "a");
    json_t *value = json_string("x");
    assert_json_equals(assign_ok("$.a[0]", doc, value), "{\"a\": [\"x\", {\"k\": 2}, 3]}");
    assert_json_equals(assign_ok("$.a[-1]", doc, value), "{\"a\": [1, {\"k\": 2}, \"x\"]}");
    assert_json_equals(assign_ok("$.a[1].m", doc, value),
                       "{\"a\": [1, {\"k\": 2, \"m\": \"x\"}, 3]}");
    assert_ptr_equal(json_object_get(doc, "a"), array);
    assert_json_equals(json_incref(doc), "{\"a\": [1, {\"k\": 2}, 3]}");
    json_decref(doc);
    json_decref(value);
}

static void assign_into_a_document_that_is_missing_builds_it(void **state)
{
    (void)state;
    json_t *value = json_true();
    assert_json_equals(assign_ok("$.a.b", NULL, value), "{\"a\": {\"b\": true}}");
}

static void check_assign_error(const char *path, unsigned flags, const char *doc_text,
                               const char *message)
{
    sf_path *p = compile_ok(path, flags);
    json_t *doc = parse_json(doc_text);
    json_t *value = json_integer(1);
    json_t *before = json_deep_copy(doc);
    char *error = NULL;
    assert_null(sf_path_assign(p, doc, value, &error));
    assert_non_null(error);
    assert_string_equal(error, message);
    assert_true(json_equal(doc, before));
    free(error);
    json_decref(before);
    json_decref(doc);
    json_decref(value);
    sf_path_free(p);
}

static void assign_fails_when_a_field_is_needed_in_a_non_object(void **state)
{
    (void)state;
    check_assign_error("$.a.b", SF_PATH_REFERENCE, "{\"a\": \"s\"}",
                       "Unable to apply ReferencePath $.a.b to input {\"a\":\"s\"}");
    check_assign_error("$.a.b", SF_PATH_REFERENCE, "{\"a\": 1}",
                       "Unable to apply ReferencePath $.a.b to input {\"a\":1}");
    check_assign_error("$.a.b", SF_PATH_REFERENCE, "{\"a\": null}",
                       "Unable to apply ReferencePath $.a.b to input {\"a\":null}");
    check_assign_error("$.a.b", SF_PATH_REFERENCE, "{\"a\": [1]}",
                       "Unable to apply ReferencePath $.a.b to input {\"a\":[1]}");
    check_assign_error("$.x", SF_PATH_REFERENCE, "\"text\"",
                       "Unable to apply ReferencePath $.x to input \"text\"");
}

static void assign_fails_on_a_bad_index(void **state)
{
    (void)state;
    check_assign_error("$.a[2]", SF_PATH_REFERENCE, "{\"a\": [1, 2]}",
                       "Unable to apply ReferencePath $.a[2] to input {\"a\":[1,2]}");
    check_assign_error("$.a[0]", SF_PATH_REFERENCE, "{}",
                       "Unable to apply ReferencePath $.a[0] to input {}");
    check_assign_error("$.a[0]", SF_PATH_REFERENCE, "{\"a\": {}}",
                       "Unable to apply ReferencePath $.a[0] to input {\"a\":{}}");
}

static void assign_fails_for_paths_that_are_not_references_into_the_input(void **state)
{
    (void)state;
    check_assign_error("$.a[*]", SF_PATH_FULL, "{\"a\": [1]}",
                       "Unable to apply ReferencePath $.a[*] to input {\"a\":[1]}");
    check_assign_error("$$.a", SF_PATH_REFERENCE, "{}",
                       "Unable to apply ReferencePath $$.a to input {}");
}

/* ---- compact JSON ------------------------------------------------------- */

static void check_compact(const char *json_text, const char *expected)
{
    json_t *v = parse_json(json_text);
    char *text = sf_json_compact(v);
    assert_string_equal(text, expected);
    free(text);
    json_decref(v);
}

static void compact_has_no_spaces_and_keeps_key_order(void **state)
{
    (void)state;
    check_compact("{ \"z\": 1, \"a\": [ true, false, null ], \"m\": { } }",
                  "{\"z\":1,\"a\":[true,false,null],\"m\":{}}");
}

static void compact_keeps_utf8_and_slashes(void **state)
{
    (void)state;
    check_compact("{\"p\": \"a/b\", \"u\": \"\u00fcn\u00ef \\u20ac \\ud83d\\ude00\"}",
                  "{\"p\":\"a/b\",\"u\":\"\u00fcn\u00ef \u20ac \xf0\x9f\x98\x80\"}");
}

static void compact_escapes_quotes_backslashes_and_controls(void **state)
{
    (void)state;
    check_compact("\"q\\\"b\\\\n\\n\\t\\r\\b\\f\\u0001\\u001f\"",
                  "\"q\\\"b\\\\n\\n\\t\\r\\b\\f\\u0001\\u001f\"");
}

static void compact_prints_reals_in_their_shortest_form(void **state)
{
    (void)state;
    check_compact("[8.95, 0.1, 1.0, -0.5, 12345678.9, 1e300, 0.30000000000000004, 3]",
                  "[8.95,0.1,1.0,-0.5,12345678.9,1e+300,0.30000000000000004,3]");
}

static void compact_of_nothing_is_null(void **state)
{
    (void)state;
    char *text = sf_json_compact(NULL);
    assert_string_equal(text, "null");
    free(text);
    check_compact("\"x\"", "\"x\"");
    check_compact("-42", "-42");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dollar_is_the_input_itself),
        cmocka_unit_test(double_dollar_reads_the_context_object),
        cmocka_unit_test(double_dollar_alone_is_the_whole_context),
        cmocka_unit_test(dollar_name_reads_a_variable),
        cmocka_unit_test(missing_root_document_matches_nothing),
        cmocka_unit_test(text_is_kept_as_written),
        cmocka_unit_test(dot_names_descend_into_objects),
        cmocka_unit_test(dot_names_take_dashes_underscores_and_unicode),
        cmocka_unit_test(bracket_names_take_any_text),
        cmocka_unit_test(bracket_names_keep_backslashes_but_before_their_quote),
        cmocka_unit_test(missing_field_matches_nothing),
        cmocka_unit_test(field_of_a_non_object_matches_nothing),
        cmocka_unit_test(null_and_false_values_are_matches),
        cmocka_unit_test(index_selects_one_element),
        cmocka_unit_test(negative_index_counts_from_the_end),
        cmocka_unit_test(index_out_of_range_matches_nothing),
        cmocka_unit_test(slice_selects_a_range),
        cmocka_unit_test(slice_with_negative_step_walks_backwards),
        cmocka_unit_test(slice_past_the_end_is_clamped),
        cmocka_unit_test(index_union_selects_each_in_order_written),
        cmocka_unit_test(name_union_as_last_step_merges_fields),
        cmocka_unit_test(name_union_before_more_steps_selects_each),
        cmocka_unit_test(wildcard_selects_every_member_in_order),
        cmocka_unit_test(wildcard_then_field_skips_members_without_it),
        cmocka_unit_test(indefinite_path_without_matches_is_an_empty_array),
        cmocka_unit_test(deep_scan_finds_names_at_any_depth_parents_first),
        cmocka_unit_test(deep_scan_with_bracket_and_index),
        cmocka_unit_test(deep_scan_filter_tests_each_object),
        cmocka_unit_test(filter_compares_numbers),
        cmocka_unit_test(filter_existence_does_not_test_truth),
        cmocka_unit_test(filter_compares_strings_booleans_and_null),
        cmocka_unit_test(filter_string_equals_number_it_spells),
        cmocka_unit_test(filter_not_equal_holds_for_missing_fields),
        cmocka_unit_test(filter_combines_with_and_or_and_parentheses),
        cmocka_unit_test(filter_on_the_current_value_itself),
        cmocka_unit_test(filter_can_compare_with_the_document_root),
        cmocka_unit_test(filter_on_an_object_tests_the_object),
        cmocka_unit_test(filter_inside_a_filter),
        cmocka_unit_test(filter_on_a_scalar_selects_nothing),
        cmocka_unit_test(store_authors_of_all_books),
        cmocka_unit_test(store_all_authors),
        cmocka_unit_test(store_everything_in_the_store),
        cmocka_unit_test(store_price_of_everything),
        cmocka_unit_test(store_third_book),
        cmocka_unit_test(store_second_to_last_book),
        cmocka_unit_test(store_last_book),
        cmocka_unit_test(store_first_two_books_by_union),
        cmocka_unit_test(store_first_two_books_by_slice),
        cmocka_unit_test(store_book_two_by_slice),
        cmocka_unit_test(store_books_with_isbn),
        cmocka_unit_test(store_books_cheaper_than_10),
        cmocka_unit_test(store_books_not_expensive),
        cmocka_unit_test(store_everything),
        cmocka_unit_test(definite_paths_are_names_and_single_indexes),
        cmocka_unit_test(reference_paths_accept_single_nodes),
        cmocka_unit_test(reference_paths_reject_many_node_selectors),
        cmocka_unit_test(compile_errors_name_the_problem_and_offset),
        cmocka_unit_test(assign_dollar_returns_the_value_itself),
        cmocka_unit_test(assign_adds_a_field_and_leaves_the_document_alone),
        cmocka_unit_test(assign_creates_missing_objects),
        cmocka_unit_test(assign_replaces_a_field_where_it_stands),
        cmocka_unit_test(assign_to_an_index_replaces_that_element),
        cmocka_unit_test(assign_into_a_document_that_is_missing_builds_it),
        cmocka_unit_test(assign_fails_when_a_field_is_needed_in_a_non_object),
        cmocka_unit_test(assign_fails_on_a_bad_index),
        cmocka_unit_test(assign_fails_for_paths_that_are_not_references_into_the_input),
        cmocka_unit_test(compact_has_no_spaces_and_keeps_key_order),
        cmocka_unit_test(compact_keeps_utf8_and_slashes),
        cmocka_unit_test(compact_escapes_quotes_backslashes_and_controls),
        cmocka_unit_test(compact_prints_reals_in_their_shortest_form),
        cmocka_unit_test(compact_of_nothing_is_null),
        cmocka_unit_test(map_item_paths_read_the_item_without_a_context),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
