/* test-requests.c: request bodies as rows of a package's inputs: every
 * element type, MLflow's four JSON forms, CSV, and what a bad value
 * says. */
#include <math.h>
#include "fake-package.h"
#include "serve-test-util.h"
#include "serve/request.h"

static DlpPredictor *package;

static void
setup (void)
{
  package = fake_package_new ();
}

static void
teardown (void)
{
  g_clear_pointer (&package, dlp_predictor_unref);
}

static const char *row0 =
  "\"count\": -3, \"big\": 4000000000, \"flag\": true, \"ratio\": 0.125, "
  "\"size\": 2.5, \"color\": \"blue\", \"pixels\": [[0, 1, 2], [3, 4, 255]]";
static const char *row1 = "\"count\": 7, \"big\": -1, \"flag\": false, \"ratio\": null, "
                          "\"size\": null, \"color\": null, \"pixels\": [9, 8, 7, 6, 5, 4]";

static DlpDataset *
read_json_options (const char *body, DlpScoreOptions *options)
{
  g_autoptr (GError) error = NULL;
  DlpScoreOptions local = { 0 };
  DlpDataset *ds =
    dlp_request_read_json (package, body, strlen (body), options ? options : &local, &error);
  dlp_assert_no_error (error);
  return ds;
}

static DlpDataset *
read_json (const char *body)
{
  return read_json_options (body, NULL);
}

static void
json_fails (const char *body, const char *needle)
{
  g_autoptr (GError) error = NULL;
  DlpScoreOptions options = { 0 };
  g_autoptr (DlpDataset) ds =
    dlp_request_read_json (package, body, strlen (body), &options, &error);
  ck_assert_msg (ds == NULL, "read: %s", body);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_FORMAT, needle);
}

static gconstpointer
column (DlpDataset *ds, const char *name)
{
  int c = dlp_dataset_find_column (ds, name);
  ck_assert_msg (c >= 0, "no column %s", name);
  return dlp_tensor_get_data (dlp_dataset_get_column_tensor (ds, (guint) c));
}

/* The two rows above, as every reader must give them. */
static void
assert_rows (DlpDataset *ds)
{
  ck_assert_int_eq (dlp_dataset_get_n_rows (ds), 2);
  const gint32 *count = column (ds, "count");
  ck_assert_int_eq (count[0], -3);
  ck_assert_int_eq (count[1], 7);
  const gint64 *big = column (ds, "big");
  ck_assert_int_eq (big[0], 4000000000);
  ck_assert_int_eq (big[1], -1);
  const guint8 *flag = column (ds, "flag");
  ck_assert_uint_eq (flag[0], 1);
  ck_assert_uint_eq (flag[1], 0);
  const double *ratio = column (ds, "ratio");
  ck_assert_double_eq (ratio[0], 0.125);
  ck_assert (isnan (ratio[1]));
  const float *size = column (ds, "size");
  ck_assert_float_eq (size[0], 2.5f);
  ck_assert (isnan (size[1]));
  const gint32 *color = column (ds, "color");
  ck_assert_int_eq (color[0], 2);
  ck_assert_int_eq (color[1], -1);
  int c = dlp_dataset_find_column (ds, "color");
  ck_assert (dlp_dataset_column_is_categorical (ds, (guint) c));
  const guint8 *px = column (ds, "pixels");
  const guint8 want[] = { 0, 1, 2, 3, 4, 255, 9, 8, 7, 6, 5, 4 };
  ck_assert_mem_eq (px, want, sizeof want);
  DlpTensor *t = dlp_dataset_get_column_tensor (ds, (guint) dlp_dataset_find_column (ds, "pixels"));
  ck_assert_uint_eq (dlp_tensor_get_rank (t), 3);
  ck_assert_int_eq (dlp_tensor_get_dim (t, 2), 3);
}

START_TEST (test_records_and_instances)
{
  g_autofree char *records =
    g_strdup_printf ("{\"dataframe_records\": [{%s}, {%s, \"extra\": 1}]}", row0, row1);
  g_autoptr (DlpDataset) a = read_json (records);
  assert_rows (a);
  g_autofree char *instances = g_strdup_printf ("{\"instances\": [{%s}, {%s}]}", row0, row1);
  g_autoptr (DlpDataset) b = read_json (instances);
  assert_rows (b);
  /* A list of one value per input, in order. */
  g_autoptr (DlpDataset) c =
    read_json ("{\"inputs\": [[-3, 4000000000, 1, 0.125, 2.5, \"blue\", [0, 1, 2, 3, 4, 255]],"
               " [7, -1, 0, null, null, null, [[9, 8, 7], [6, 5, 4]]]]}");
  assert_rows (c);
}
END_TEST

START_TEST (test_split_and_columns)
{
  g_autoptr (DlpDataset) a = read_json (
    "{\"dataframe_split\": {\"index\": [5, 6], \"columns\": [\"pixels\", \"color\", \"size\", "
    "\"ratio\", \"flag\", \"big\", \"count\"], \"data\": ["
    "[[0, 1, 2, 3, 4, 255], \"blue\", 2.5, 0.125, true, 4000000000, -3],"
    "[[9, 8, 7, 6, 5, 4], null, null, null, false, -1, 7]]}}");
  assert_rows (a);
  /* The values of an input spread over NAME_0, NAME_1, ... columns. */
  g_autoptr (DlpDataset) b = read_json (
    "{\"dataframe_split\": {\"columns\": [\"count\", \"big\", \"flag\", \"ratio\", \"size\", "
    "\"color\", \"pixels_0\", \"pixels_1\", \"pixels_2\", \"pixels_3\", \"pixels_4\", "
    "\"pixels_5\"], "
    "\"data\": [[-3, 4000000000, true, 0.125, 2.5, \"blue\", 0, 1, 2, 3, 4, 255],"
    "[7, -1, false, null, null, null, 9, 8, 7, 6, 5, 4]]}}");
  assert_rows (b);
  /* Without names, a row lists the inputs in order. */
  g_autoptr (DlpDataset) c =
    read_json ("{\"dataframe_split\": {\"data\": [[-3, 4000000000, true, 0.125, 2.5, \"blue\", "
               "[0, 1, 2, 3, 4, 255]], [7, -1, false, null, null, null, [9, 8, 7, 6, 5, 4]]]}}");
  assert_rows (c);
  g_autoptr (DlpDataset) d = read_json (
    "{\"inputs\": {\"color\": [\"blue\", null], \"count\": [-3, 7], \"big\": [4000000000, -1], "
    "\"flag\": [true, false], \"ratio\": [0.125, null], \"size\": [2.5, null], "
    "\"pixels\": [[[0, 1, 2], [3, 4, 255]], [9, 8, 7, 6, 5, 4]]}, \"params\": null}");
  assert_rows (d);
}
END_TEST

START_TEST (test_csv)
{
  const char *csv =
    "pixels_5,pixels_4,pixels_3,pixels_2,pixels_1,pixels_0,color,size,ratio,flag,big,count,note\n"
    "255,4,3,2,1,0,blue,2.5,0.125,true,4000000000,-3,\"a, b\"\n"
    "4,5,6,7,8,9,,NaN,NA,False,-1,7,\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpDataset) ds = dlp_request_read_csv (package, csv, strlen (csv), &error);
  dlp_assert_no_error (error);
  assert_rows (ds);
  const char *bad[][2] = {
    { "count,big,flag,ratio,size,color,pixels\n1,1,1,1,1,red,1\n",
      "input 'pixels' has 6 values per row, which a CSV cell cannot hold: give them as columns "
      "'pixels_0' to 'pixels_5'" },
    { "count,big,flag,ratio,size,color,pixels_0\n",
      "no column for input 'pixels' (or 'pixels_0' to 'pixels_5')" },
    { "count,big,flag,ratio,size,color,pixels_0,pixels_1,pixels_2,pixels_3,pixels_4,pixels_5\n",
      "no rows to score" },
    { "count,big,flag,ratio,size,color,pixels_0,pixels_1,pixels_2,pixels_3,pixels_4,pixels_5\n"
      "1,1,1,1,1,red,1,1,1,1,1,1\n1.5,1,1,1,1,red,1,1,1,1,1,1\n",
      "CSV line 3: row 1, column 'count': expected 32-bit integers, got 1.5" },
    { "count,big,flag,ratio,size,color,pixels_0,pixels_1,pixels_2,pixels_3,pixels_4,pixels_5\n"
      "1,1,1,1,0x10,red,1,1,1,1,1,1\n",
      "column 'size': expected numbers, got \"0x10\"" },
    { "count,big,flag,ratio,size,color,pixels_0,pixels_1,pixels_2,pixels_3,pixels_4,pixels_5\n"
      "1,1,1,1, 2,red,1,1,1,1,1,1\n",
      "column 'size': expected numbers, got \" 2\"" },
    { "count,big,flag,ratio,size,color,pixels_0,pixels_1,pixels_2,pixels_3,pixels_4,pixels_5\n"
      ",1,1,1,1,red,1,1,1,1,1,1\n",
      "column 'count': a value is required (count takes 32-bit integers" },
    { "count,big,flag,ratio,size,color,pixels_0,pixels_1,pixels_2,pixels_3,pixels_4,pixels_5\n"
      "1,1,maybe,1,1,red,1,1,1,1,1,1\n",
      "column 'flag': expected true or false, got \"maybe\"" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) e = NULL;
      g_autoptr (DlpDataset) none =
        dlp_request_read_csv (package, bad[i][0], strlen (bad[i][0]), &e);
      ck_assert_msg (none == NULL, "case %u read", i);
      dlp_assert_error (e, DLP_ERROR, DLP_ERROR_FORMAT, bad[i][1]);
    }
}
END_TEST

START_TEST (test_options)
{
  DlpScoreOptions options = { 0 };
  g_autofree char *body = g_strdup_printf ("{\"params\": {\"probabilities\": true}, "
                                           "\"instances\": [{%s}, {%s}]}",
                                           row0, row1);
  g_autoptr (DlpDataset) ds = read_json_options (body, &options);
  ck_assert_int_eq (dlp_dataset_get_n_rows (ds), 2);
  ck_assert (options.probabilities);
}
END_TEST

START_TEST (test_bad_values)
{
  const char *cases[][2] = {
    { "{\"instances\": [{\"count\": 2147483648}]}", "no column for input 'big'" },
    { "{\"inputs\": {\"count\": [1, 2], \"big\": [1], \"flag\": [1], \"ratio\": [1], \"size\": "
      "[1], "
      "\"color\": [\"red\"], \"pixels\": [[1,2,3,4,5,6]]}}",
      "inputs.big (byte 36): 1 values, but inputs.count has 2" },
    { "{\"inputs\": [[2147483648, 1, 1, 1, 1, \"red\", [1,2,3,4,5,6]]]}",
      "row 0, column 'count': expected 32-bit integers, got 2147483648" },
    { "{\"inputs\": [[1, 1.5, 1, 1, 1, \"red\", [1,2,3,4,5,6]]]}",
      "row 0, column 'big': expected 64-bit integers, got 1.5" },
    { "{\"inputs\": [[1, 1, 2, 1, 1, \"red\", [1,2,3,4,5,6]]]}",
      "row 0, column 'flag': expected true or false, got 2" },
    { "{\"inputs\": [[1, 1, 1, 1, 1, \"Red\", [1,2,3,4,5,6]]]}",
      "row 0, column 'color': unknown category 'Red' (known: red, green, blue)" },
    { "{\"inputs\": [[1, 1, 1, 1, 1, 5, [1,2,3,4,5,6]]]}",
      "unknown category '5' (known: red, green, blue)" },
    { "{\"inputs\": [[1, 1, 1, 1, [1], \"red\", [1,2,3,4,5,6]]]}",
      "row 0, column 'size' (byte 25): expected a single value, got a list" },
    { "{\"inputs\": [[1, 1, 1, 1, 1, \"red\", [[1,2],[3,4],[5,6]]]]}",
      "row 0, column 'pixels' (byte 35): expected nested lists of shape [2, 3] or one list of 6 "
      "values, got a list of 3" },
    { "{\"inputs\": [[1, 1, 1, 1, 1, \"red\", [[1,2,3],[4,5]]]]}",
      "expected nested lists of shape [2, 3]: at depth 2 a list of 3 values, got a list of 2" },
    { "{\"inputs\": [[1, 1, 1, 1, 1, \"red\", [1,2,3,4,5,-1]]]}",
      "row 0, column 'pixels' value 5: expected integers from 0 to 255, got -1" },
    { "{\"inputs\": [[1, 1, 1, 1, 1, \"red\", [1,2,3,4,5,null]]]}",
      "column 'pixels' value 5: a value is required" },
    { "{\"inputs\": [[1, 1, 1, 1, 1, \"red\"]]}",
      "inputs[0] (byte 12): expected an object of input values, or a list of 7 values" },
    { "{\"instances\": 3}", "instances (byte 14): expected a list of rows, got a number" },
    { "{\"dataframe_split\": {\"columns\": [\"a\", \"a\"], \"data\": []}}", "no column for input" },
    { "{\"dataframe_split\": {\"columns\": [\"count\", \"big\", \"flag\", \"ratio\", \"size\", "
      "\"color\", \"pixels\"], "
      "\"data\": [[1, 1, 1]]}}",
      "dataframe_split.data[0] (byte 103): expected a list of 7 values, one per column, got a list "
      "of 3" },
    { "{\"dataframe_split\": [[1]]}",
      "dataframe_split (byte 20): expected an object with \"columns\" and \"data\"" },
    { "17", "The input must be a JSON object with exactly one of the input fields dataframe_split, "
            "dataframe_records, instances, inputs; got a number" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    json_fails (cases[i][0], cases[i][1]);
}
END_TEST

static Suite *
requests_suite (void)
{
  Suite *s = suite_create ("requests");
  TCase *tc = tcase_create ("requests");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_records_and_instances);
  tcase_add_test (tc, test_split_and_columns);
  tcase_add_test (tc, test_csv);
  tcase_add_test (tc, test_options);
  tcase_add_test (tc, test_bad_values);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (requests_suite)
