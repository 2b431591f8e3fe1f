/* test-csv-doc.c: the request-body CSV reader: quoting, line breaks,
 * blank lines, and errors naming the line. */
#include "serve-test-util.h"
#include "serve/csv-doc.h"

static DlpCsvDoc *
parse_ok (const char *text)
{
  g_autoptr (GError) error = NULL;
  DlpCsvDoc *doc = dlp_csv_doc_parse (text, strlen (text), &error);
  dlp_assert_no_error (error);
  return doc;
}

static void
parse_fails (const char *text, guint code, const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpCsvDoc) doc = dlp_csv_doc_parse (text, strlen (text), &error);
  ck_assert_msg (doc == NULL, "'%s' parsed", text);
  dlp_assert_error (error, DLP_ERROR, code, needle);
}

START_TEST (test_fields_and_quotes)
{
  g_autoptr (DlpCsvDoc) doc = parse_ok ("a,\"b c\",d\r\n"
                                        "1,\"x, \"\"y\"\"\",\r\n"
                                        "\n"
                                        "\"multi\nline\",,z\r"
                                        "4,5,6");
  ck_assert_uint_eq (dlp_csv_doc_get_n_columns (doc), 3);
  ck_assert_int_eq (dlp_csv_doc_get_n_rows (doc), 3);
  ck_assert_str_eq (dlp_csv_doc_get_header (doc, 1), "b c");
  ck_assert_int_eq (dlp_csv_doc_find_column (doc, "d"), 2);
  ck_assert_int_eq (dlp_csv_doc_find_column (doc, "e"), -1);
  gsize n;
  ck_assert_str_eq (dlp_csv_doc_get_field (doc, 0, 1, &n), "x, \"y\"");
  ck_assert_uint_eq (n, 6);
  ck_assert_str_eq (dlp_csv_doc_get_field (doc, 0, 2, &n), "");
  ck_assert_uint_eq (n, 0);
  ck_assert_str_eq (dlp_csv_doc_get_field (doc, 1, 0, NULL), "multi\nline");
  ck_assert_str_eq (dlp_csv_doc_get_field (doc, 1, 2, NULL), "z");
  ck_assert_str_eq (dlp_csv_doc_get_field (doc, 2, 2, &n), "6");
  ck_assert_uint_eq (n, 1);
  /* Lines as a text editor counts them: the blank line is line 3. */
  ck_assert_uint_eq (dlp_csv_doc_get_line (doc, 0), 2);
  ck_assert_uint_eq (dlp_csv_doc_get_line (doc, 1), 4);
  ck_assert_uint_eq (dlp_csv_doc_get_line (doc, 2), 6);
}
END_TEST

START_TEST (test_header_only_and_bom)
{
  g_autoptr (DlpCsvDoc) doc = parse_ok ("\xef\xbb\xbfx,y\n");
  ck_assert_int_eq (dlp_csv_doc_get_n_rows (doc), 0);
  ck_assert_str_eq (dlp_csv_doc_get_header (doc, 0), "x");
}
END_TEST

START_TEST (test_errors)
{
  parse_fails ("", DLP_ERROR_FORMAT, "CSV body: empty (expected a header row");
  parse_fails ("\n\n", DLP_ERROR_FORMAT, "empty");
  parse_fails ("a,b\n1,2\n3\n", DLP_ERROR_FORMAT, "line 3: 1 fields, but the header has 2");
  parse_fails ("a,b\n1,2,3\n", DLP_ERROR_FORMAT, "line 2: 3 fields, but the header has 2");
  parse_fails ("a,b\n\"1,2\n", DLP_ERROR_FORMAT,
               "line 2: the quoted field opened here is never closed");
  parse_fails ("a,b\n\"1\"x,2\n", DLP_ERROR_FORMAT,
               "line 2: expected a comma or the end of the line after a closing quote");
  parse_fails ("a,a\n1,2\n", DLP_ERROR_FORMAT, "column 'a' appears twice in the header");
  parse_fails ("a,b\n1,\xff\n", DLP_ERROR_FORMAT, "line 2: not valid UTF-8 (byte 6)");
}
END_TEST

START_TEST (test_limits)
{
  g_setenv ("DLPIPE_LIMIT_CSV_FIELD_BYTES", "8", TRUE);
  g_setenv ("DLPIPE_LIMIT_CSV_ROW_BYTES", "20", TRUE);
  parse_fails ("a,b\n123456789,1\n", DLP_ERROR_LIMIT,
               "line 2: a field is longer than 8 bytes "
               "(raise the limit with DLPIPE_LIMIT_CSV_FIELD_BYTES)");
  parse_fails ("a,b\n\"12345\"\"6789\",1\n", DLP_ERROR_LIMIT, "DLPIPE_LIMIT_CSV_FIELD_BYTES");
  parse_fails (
    "a,b,c,d,e,f,g\n1234,1234,1234,1234,1234,1234,1\n", DLP_ERROR_LIMIT,
    "a record is longer than 20 bytes (raise the limit with DLPIPE_LIMIT_CSV_ROW_BYTES)");
  g_autoptr (DlpCsvDoc) ok = parse_ok ("a,b\n12345678,1\n");
  ck_assert_int_eq (dlp_csv_doc_get_n_rows (ok), 1);
}
END_TEST

static Suite *
csv_doc_suite (void)
{
  Suite *s = suite_create ("csv-doc");
  TCase *tc = tcase_create ("csv-doc");
  tcase_add_test (tc, test_fields_and_quotes);
  tcase_add_test (tc, test_header_only_and_bom);
  tcase_add_test (tc, test_errors);
  tcase_add_test (tc, test_limits);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (csv_doc_suite)
