/* test-csv.c: the csv source: dialects, types, missing values, bad input. */
#include <math.h>
#include "data-test-util.h"

/* Loads CSV @text with extra settings @more (YAML lines). */
static DlpDataset *
load_text (const char *text, gssize len, const char *more, GError **error)
{
  g_autofree char *path = dlp_write_test_file (dlp_test_tmpdir, "data.csv", text, len);
  g_autofree char *yaml = g_strdup_printf ("path: %s\nlabel: y\n%s", path, more ? more : "");
  return data_test_load ("csv", yaml, error);
}

static DlpDataset *
load_ok (const char *text, const char *more)
{
  g_autoptr (GError) error = NULL;
  DlpDataset *ds = load_text (text, -1, more, &error);
  dlp_assert_no_error (error);
  return ds;
}

static GError *
load_error (const char *text, gssize len, const char *more)
{
  GError *error = NULL;
  g_autoptr (DlpDataset) ds = load_text (text, len, more, &error);
  ck_assert_msg (ds == NULL, "expected the load to fail");
  ck_assert_ptr_nonnull (error);
  return error;
}

START_TEST (test_types_and_missing)
{
  g_autoptr (DlpDataset) ds =
    load_ok ("x,colour,y\n1.5,red,a\nNA,blue,b\n-2e3,,a\n?,red,b\n", NULL);
  ck_assert_int_eq (dlp_dataset_get_n_rows (ds), 4);
  const float *x = data_test_floats (ds, "x");
  ck_assert_float_eq (x[0], 1.5f);
  ck_assert (isnan (x[1]));
  ck_assert_float_eq (x[2], -2000.0f);
  ck_assert (isnan (x[3]));
  /* Categories are sorted; the empty field is missing. */
  int colour = dlp_dataset_find_column (ds, "colour");
  guint n = 0;
  const char *const *cats = dlp_dataset_get_column_categories (ds, (guint) colour, &n);
  ck_assert_uint_eq (n, 2);
  ck_assert_str_eq (cats[0], "blue");
  ck_assert_str_eq (cats[1], "red");
  const gint32 *c = data_test_codes (ds, "colour");
  ck_assert_int_eq (c[0], 1);
  ck_assert_int_eq (c[1], 0);
  ck_assert_int_eq (c[2], -1);
  int label = dlp_dataset_get_label_column (ds);
  ck_assert_str_eq (dlp_dataset_get_column_name (ds, (guint) label), "y");
  ck_assert_int_eq (dlp_dataset_get_column_role (ds, (guint) colour), DLP_COLUMN_FEATURE);
}
END_TEST

START_TEST (test_quotes_newlines_crlf_bom)
{
  const char *text = "\xEF\xBB\xBF"
                     "name,note,y\r\n"
                     "\"Smith, J\",\"said \"\"hi\"\"\r\nthen left\",a\r\n"
                     "\"\",plain,b\r\n";
  g_autoptr (DlpDataset) ds = load_ok (text, NULL);
  ck_assert_int_eq (dlp_dataset_get_n_rows (ds), 2);
  int name = dlp_dataset_find_column (ds, "name");
  ck_assert_int_ge (name, 0); /* the BOM is not part of the first name */
  const char *const *names = dlp_dataset_get_column_categories (ds, (guint) name, NULL);
  ck_assert_str_eq (names[data_test_codes (ds, "name")[0]], "Smith, J");
  ck_assert_int_eq (data_test_codes (ds, "name")[1], -1);
  int note = dlp_dataset_find_column (ds, "note");
  const char *const *notes = dlp_dataset_get_column_categories (ds, (guint) note, NULL);
  ck_assert_str_eq (notes[data_test_codes (ds, "note")[0]], "said \"hi\"\r\nthen left");
}
END_TEST

START_TEST (test_dialect_options)
{
  g_autoptr (DlpDataset) ds =
    load_ok ("a;b;y\n'x;1';2;p\n'it\\'s';3;q\n", "delimiter: ';'\nquote: \"'\"\nescape: '\\'\n");
  int a = dlp_dataset_find_column (ds, "a");
  const char *const *cats = dlp_dataset_get_column_categories (ds, (guint) a, NULL);
  ck_assert_str_eq (cats[0], "it's");
  ck_assert_str_eq (cats[1], "x;1");
  ck_assert_float_eq (data_test_floats (ds, "b")[1], 3.0f);

  g_autofree char *path =
    dlp_write_test_file (dlp_test_tmpdir, "tabs.tsv", "1\t2\tp\n3\t4\tq\n", -1);
  g_autofree char *yaml = g_strdup_printf ("path: %s\ndelimiter: tab\nheader: false\n"
                                           "label: column_3\n",
                                           path);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpDataset) tabs = data_test_load ("csv", yaml, &error);
  dlp_assert_no_error (error);
  ck_assert_int_eq (dlp_dataset_get_n_rows (tabs), 2);
  ck_assert_float_eq (data_test_floats (tabs, "column_2")[1], 4.0f);
}
END_TEST

START_TEST (test_type_overrides_and_numeric_labels)
{
  g_autoptr (DlpDataset) ds = load_ok ("year,v,y\n2007,1,10\n2008,,2\n2007,3,10\n",
                                       "types: {year: categorical}\nmissing: ['']\n");
  ck_assert (dlp_dataset_column_is_categorical (ds, (guint) dlp_dataset_find_column (ds, "year")));
  /* Numeric labels sort as numbers: 2 before 10. */
  int y = dlp_dataset_get_label_column (ds);
  const char *const *classes = dlp_dataset_get_column_categories (ds, (guint) y, NULL);
  ck_assert_str_eq (classes[0], "2");
  ck_assert_str_eq (classes[1], "10");
  ck_assert (isnan (data_test_floats (ds, "v")[1]));

  g_autoptr (GError) e = load_error ("v,y\n1,a\nabc,b\n", -1, "types: {v: numeric}\n");
  dlp_assert_error (e, DLP_ERROR, DLP_ERROR_FORMAT, "data.csv:3: column 'v': expected a number");
  g_autoptr (GError) e2 = load_error ("v,y\n1,a\n", -1, "types: {nope: numeric}\n");
  dlp_assert_error (e2, DLP_ERROR, DLP_ERROR_CONFIG, "types.nope");
}
END_TEST

/* A file larger than the reader's window, with a quoted field across a
 * window boundary and a column that turns out to be text at its end. */
START_TEST (test_streams_large_files)
{
  g_autoptr (GString) s = g_string_new ("id,text,late,y\n");
  guint n_rows = 200000;
  for (guint i = 0; i < n_rows; i++)
    g_string_append_printf (s, "%u,\"line %u,\nwrapped\",%u,%c\n", i, i, i % 7, i % 2 ? 'a' : 'b');
  g_string_append (s, "200000,\"last\",seven,a\n");
  g_autofree char *path = dlp_write_test_file (dlp_test_tmpdir, "big.csv", s->str, (gssize) s->len);
  g_autofree char *yaml = g_strdup_printf ("path: %s\nlabel: y\n", path);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpDataset) ds = data_test_load ("csv", yaml, &error);
  dlp_assert_no_error (error);
  ck_assert_int_eq (dlp_dataset_get_n_rows (ds), n_rows + 1);
  ck_assert_float_eq (data_test_floats (ds, "id")[123456], 123456.0f);
  int late = dlp_dataset_find_column (ds, "late");
  ck_assert (dlp_dataset_column_is_categorical (ds, (guint) late));
  guint n = 0;
  dlp_dataset_get_column_categories (ds, (guint) late, &n);
  ck_assert_uint_eq (n, 8);
  JsonObject *prov = json_object_get_object_member (dlp_dataset_get_metadata (ds), "provenance");
  ck_assert_int_eq (json_object_get_int_member (prov, "rows"), n_rows + 1);
  ck_assert_int_eq (json_object_get_int_member (prov, "size"), (gint64) s->len);
  g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, s->str, (gssize) s->len);
  ck_assert_str_eq (json_object_get_string_member (prov, "sha256"), sha);
  ck_assert_str_eq (json_object_get_string_member (prov, "source"), "csv");
}
END_TEST

START_TEST (test_ragged_row)
{
  g_autoptr (GError) e = load_error ("a,y\n1,p\n2,q,extra\n", -1, NULL);
  dlp_assert_error (e, DLP_ERROR, DLP_ERROR_FORMAT, "data.csv:3: expected 2 fields");
  /* A line break inside quotes counts: the ragged record starts on line 4. */
  g_autoptr (GError) e2 = load_error ("a,y\n\"1\n2\",p\n3\n", -1, NULL);
  dlp_assert_error (e2, DLP_ERROR, DLP_ERROR_FORMAT, "data.csv:4: expected 2 fields");
}
END_TEST

START_TEST (test_unterminated_quote)
{
  g_autoptr (GError) e = load_error ("a,y\n1,p\n\"open,q\n2,r\n", -1, NULL);
  dlp_assert_error (e, DLP_ERROR, DLP_ERROR_FORMAT, "data.csv:3: unterminated quoted field");
}
END_TEST

START_TEST (test_invalid_utf8)
{
  g_autoptr (GError) e = load_error ("a,y\nok,p\nbad\xC3\x28,q\n", -1, NULL);
  dlp_assert_error (e, DLP_ERROR, DLP_ERROR_FORMAT, "data.csv:3: column 'a': invalid UTF-8");
  g_autoptr (GError) e2 = load_error ("a\xFF,y\n1,p\n", -1, NULL);
  dlp_assert_error (e2, DLP_ERROR, DLP_ERROR_FORMAT, "data.csv:1: column 1 of the header");
}
END_TEST

START_TEST (test_empty_and_header_only)
{
  g_autoptr (GError) e = load_error ("", 0, NULL);
  dlp_assert_error (e, DLP_ERROR, DLP_ERROR_FORMAT, "data.csv: empty file");
  g_autoptr (GError) e2 = load_error ("a,y\n", -1, NULL);
  dlp_assert_error (e2, DLP_ERROR, DLP_ERROR_FORMAT, "data.csv: no data rows");
}
END_TEST

START_TEST (test_label_problems)
{
  g_autoptr (GError) e = load_error ("a,b\n1,2\n", -1, NULL);
  dlp_assert_error (e, DLP_ERROR, DLP_ERROR_NOT_FOUND, "no label column 'y' (columns: a, b)");
  g_autoptr (GError) e2 = load_error ("a,y\n1,same\n2,same\n", -1, NULL);
  dlp_assert_error (e2, DLP_ERROR, DLP_ERROR_FORMAT, "a single class ('same')");
  g_autoptr (GError) e3 = load_error ("a,a,y\n1,2,p\n", -1, NULL);
  dlp_assert_error (e3, DLP_ERROR, DLP_ERROR_FORMAT, "names column 'a' twice");
}
END_TEST

START_TEST (test_bad_settings)
{
  g_autoptr (GError) e = load_error ("a,y\n1,p\n", -1, "delimiter: ';;'\n");
  dlp_assert_error (e, DLP_ERROR, DLP_ERROR_CONFIG,
                    "params.yaml:3: delimiter: expected one ASCII character");
  g_autoptr (GError) e2 = NULL;
  g_autoptr (DlpDataset) none = data_test_load ("csv", "path: /nonexistent/x.csv\nlabel: y\n", &e2);
  dlp_assert_error (e2, DLP_ERROR, DLP_ERROR_IO, "/nonexistent/x.csv: cannot open");
}
END_TEST

static Suite *
csv_suite (void)
{
  Suite *s = suite_create ("csv");
  TCase *tc = tcase_create ("csv");
  dlp_tcase_add_tmpdir (tc);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_types_and_missing);
  tcase_add_test (tc, test_quotes_newlines_crlf_bom);
  tcase_add_test (tc, test_dialect_options);
  tcase_add_test (tc, test_type_overrides_and_numeric_labels);
  tcase_add_test (tc, test_streams_large_files);
  tcase_add_test (tc, test_ragged_row);
  tcase_add_test (tc, test_unterminated_quote);
  tcase_add_test (tc, test_invalid_utf8);
  tcase_add_test (tc, test_empty_and_header_only);
  tcase_add_test (tc, test_label_problems);
  tcase_add_test (tc, test_bad_settings);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (csv_suite)
