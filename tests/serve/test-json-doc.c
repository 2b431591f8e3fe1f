/* test-json-doc.c: the request-body JSON reader: RFC 8259's grammar, the
 * layout of its nodes, and errors that say where and what. */
#include <math.h>
#include "serve-test-util.h"
#include "serve/json-doc.h"

static DlpJsonDoc *
parse_ok (const char *text)
{
  g_autoptr (GError) error = NULL;
  DlpJsonDoc *doc = dlp_json_doc_parse (text, strlen (text), &error);
  dlp_assert_no_error (error);
  return doc;
}

static void
parse_fails (const char *text, gssize length, const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpJsonDoc) doc =
    dlp_json_doc_parse (text, length < 0 ? strlen (text) : (gsize) length, &error);
  ck_assert_msg (doc == NULL, "'%s' parsed", text);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_FORMAT, needle);
}

START_TEST (test_layout)
{
  g_autoptr (DlpJsonDoc) doc = parse_ok (" {\"a\": [1, [2, 3], {}], \"b\": \"x\", \"a\": null} ");
  const DlpJsonNode *root = dlp_json_doc_get_root (doc);
  ck_assert_uint_eq (root->type, DLP_JSON_OBJECT);
  ck_assert_uint_eq (root->length, 3);
  ck_assert_uint_eq (root->size, 12);
  ck_assert_uint_eq (root->offset, 1);
  /* The first "a" is a list of three: 1, [2, 3], {}. */
  const DlpJsonNode *key = dlp_json_first (root);
  ck_assert_str_eq (dlp_json_doc_get_string (doc, key), "a");
  const DlpJsonNode *list = key + 1;
  ck_assert_uint_eq (list->type, DLP_JSON_ARRAY);
  ck_assert_uint_eq (list->length, 3);
  const DlpJsonNode *one = dlp_json_first (list);
  ck_assert_double_eq (one->number, 1);
  const DlpJsonNode *pair = dlp_json_next (one);
  ck_assert_uint_eq (pair->length, 2);
  ck_assert_double_eq (dlp_json_next (dlp_json_first (pair))->number, 3);
  const DlpJsonNode *empty = dlp_json_next (pair);
  ck_assert_uint_eq (empty->type, DLP_JSON_OBJECT);
  ck_assert (dlp_json_first (empty) == NULL);
  /* A repeated member: the last one counts, as in Python. */
  ck_assert_uint_eq (dlp_json_doc_get_member (doc, root, "a")->type, DLP_JSON_NULL);
  ck_assert_str_eq (dlp_json_doc_get_string (doc, dlp_json_doc_get_member (doc, root, "b")), "x");
  ck_assert (dlp_json_doc_get_member (doc, root, "c") == NULL);
}
END_TEST

START_TEST (test_numbers)
{
  g_autoptr (DlpJsonDoc) doc = parse_ok ("[0, -0, 255, -17, 3.25, 1e3, 2.5E-3, -1.5e+2, "
                                         "123456789012345678, 0.1, 1e-400]");
  const double want[] = { 0, 0, 255, -17, 3.25, 1000, 0.0025, -150, 123456789012345678.0, 0.1, 0 };
  const DlpJsonNode *n = dlp_json_first (dlp_json_doc_get_root (doc));
  for (guint i = 0; i < G_N_ELEMENTS (want); i++, n = dlp_json_next (n))
    {
      ck_assert_uint_eq (n->type, DLP_JSON_NUMBER);
      ck_assert_msg (n->number == want[i], "number %u: %.17g, want %.17g", i, n->number, want[i]);
    }
  ck_assert (signbit (dlp_json_next (dlp_json_first (dlp_json_doc_get_root (doc)))->number));
  parse_fails ("[01]", -1, "expected ',' or ']' in a list");
  parse_fails ("[1.]", -1, "byte 3 (line 1, column 4): expected a digit after the decimal point");
  parse_fails ("[.5]", -1, "expected a value");
  parse_fails ("[+1]", -1, "expected a value");
  parse_fails ("[1e]", -1, "expected a digit in the exponent");
  parse_fails ("[-]", -1, "expected a digit");
  parse_fails ("[1e999]", -1, "number out of range");
  parse_fails ("[NaN]", -1, "expected a value");
  parse_fails ("[Infinity]", -1, "expected a value");
}
END_TEST

START_TEST (test_strings)
{
  g_autoptr (DlpJsonDoc) doc = parse_ok ("[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\", \"\\u00e9\\u20ac\", "
                                         "\"\\ud83d\\ude00\", \"\xc3\xa9t\xc3\xa9\", \"\"]");
  const DlpJsonNode *s = dlp_json_first (dlp_json_doc_get_root (doc));
  ck_assert_str_eq (dlp_json_doc_get_string (doc, s), "a\"b\\c/d\b\f\n\r\t");
  s = dlp_json_next (s);
  ck_assert_str_eq (dlp_json_doc_get_string (doc, s), "\xc3\xa9\xe2\x82\xac");
  s = dlp_json_next (s);
  ck_assert_str_eq (dlp_json_doc_get_string (doc, s), "\xf0\x9f\x98\x80");
  s = dlp_json_next (s);
  ck_assert_str_eq (dlp_json_doc_get_string (doc, s), "\xc3\xa9t\xc3\xa9");
  ck_assert_uint_eq (s->length, 5);
  s = dlp_json_next (s);
  ck_assert_str_eq (dlp_json_doc_get_string (doc, s), "");
  parse_fails ("[\"abc]", -1, "unterminated string");
  parse_fails ("[\"a\tb\"]", -1, "control characters must be escaped");
  parse_fails ("[\"\\x\"]", -1, "unknown escape sequence '\\x'");
  parse_fails ("[\"\\u12\"]", -1, "expected 4 hexadecimal digits");
  parse_fails ("[\"\\udc00\"]", -1, "a low surrogate without a high one");
  parse_fails ("[\"\\ud800\\u0041\"]", -1, "must be followed by a \\u low surrogate");
  parse_fails ("[\"\\u0000\"]", -1, "\\u0000 is not allowed");
  parse_fails ("[\"\xc3\x28\"]", -1, "byte 2 (line 1, column 3): not valid UTF-8");
}
END_TEST

START_TEST (test_grammar_errors)
{
  parse_fails ("", -1, "byte 0 (line 1, column 1): expected a value, got the end of the text");
  parse_fails ("   ", -1, "expected a value, got the end of the text");
  parse_fails ("{\"a\": 1,}", -1, "expected a member name in quotes, got '}'");
  parse_fails ("[1, 2,]", -1, "expected a value, got ']'");
  parse_fails ("{\"a\" 1}", -1, "expected ':' after a member name");
  parse_fails ("{a: 1}", -1, "expected a member name in quotes");
  parse_fails ("[1 2]", -1, "expected ',' or ']' in a list");
  parse_fails ("{\"a\": 1 \"b\": 2}", -1, "expected ',' or '}' in an object");
  parse_fails ("[true, tru]", -1, "expected a value");
  parse_fails ("[1]\n[2]", -1, "byte 4 (line 2, column 1): expected the end of the text");
  parse_fails ("{\"a\":\n  [1,\n   x]}", -1, "line 3, column 4");
  /* A NUL byte is not JSON, and what follows it is not ignored. */
  parse_fails ("[1]\0[2]", 7, "byte 3");
  /* A byte order mark is skipped. */
  g_autoptr (DlpJsonDoc) bom = parse_ok ("\xef\xbb\xbf[true, false, null]");
  ck_assert_uint_eq (dlp_json_doc_get_root (bom)->length, 3);
}
END_TEST

START_TEST (test_depth_limit)
{
  g_setenv ("DLPIPE_LIMIT_YAML_DEPTH", "8", TRUE);
  g_autoptr (GString) deep = g_string_new (NULL);
  for (guint i = 0; i < 9; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < 9; i++)
    g_string_append_c (deep, ']');
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpJsonDoc) doc = dlp_json_doc_parse (deep->str, deep->len, &error);
  ck_assert (doc == NULL);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_LIMIT, "DLPIPE_LIMIT_YAML_DEPTH");
  /* One level less is fine. */
  g_autoptr (DlpJsonDoc) ok = parse_ok ("[[[[[[[[]]]]]]]]");
  ck_assert_ptr_nonnull (ok);
}
END_TEST

START_TEST (test_append_string)
{
  g_autoptr (GString) s = g_string_new (NULL);
  dlp_json_append_string (s, "T-shirt/top \"x\"\\\n\t\x01\xc3\xa9");
  ck_assert_str_eq (s->str, "\"T-shirt/top \\\"x\\\"\\\\\\n\\t\\u0001\xc3\xa9\"");
  g_autoptr (DlpJsonDoc) back = parse_ok (s->str);
  ck_assert_str_eq (dlp_json_doc_get_string (back, dlp_json_doc_get_root (back)),
                    "T-shirt/top \"x\"\\\n\t\x01\xc3\xa9");
}
END_TEST

static Suite *
json_doc_suite (void)
{
  Suite *s = suite_create ("json-doc");
  TCase *tc = tcase_create ("json-doc");
  tcase_add_test (tc, test_layout);
  tcase_add_test (tc, test_numbers);
  tcase_add_test (tc, test_strings);
  tcase_add_test (tc, test_grammar_errors);
  tcase_add_test (tc, test_depth_limit);
  tcase_add_test (tc, test_append_string);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (json_doc_suite)
