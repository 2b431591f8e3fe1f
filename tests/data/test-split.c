/* test-split.c: the random and predefined splitters. */
#include "data-test-util.h"

static const char *const classes[] = { "a", "b", "c", NULL };

/* @n rows; class c gets rows in proportion 5:3:2; "subset" puts the
 * last @n_test rows in part test; "id" holds the row number. */
static DlpDataset *
sample (gint64 n, gint64 n_test)
{
  DlpDataset *ds = dlp_dataset_new (n);
  g_autofree gint32 *y = g_new (gint32, n);
  g_autofree gint32 *part = g_new (gint32, n);
  g_autofree float *id = g_new (float, n);
  for (gint64 i = 0; i < n; i++)
    {
      gint64 k = i % 10;
      y[i] = k < 5 ? 0 : k < 8 ? 1 : 2;
      part[i] = i >= n - n_test;
      id[i] = (float) i;
    }
  const char *const parts[] = { "train", "test", NULL };
  data_test_add_floats (ds, "id", id, DLP_COLUMN_FEATURE);
  data_test_add_codes (ds, "y", y, classes, DLP_COLUMN_LABEL);
  data_test_add_codes (ds, "subset", part, parts, DLP_COLUMN_AUXILIARY);
  return ds;
}

static void
class_counts (DlpDataset *ds, gint64 counts[3])
{
  counts[0] = counts[1] = counts[2] = 0;
  const gint32 *y = data_test_codes (ds, "y");
  for (gint64 i = 0; i < dlp_dataset_get_n_rows (ds); i++)
    counts[y[i]]++;
}

START_TEST (test_stratified_fraction)
{
  g_autoptr (DlpDataset) ds = sample (1000, 0);
  g_autoptr (DlpDataset) train = NULL, test = NULL, val = NULL;
  g_autoptr (GError) error = NULL;
  ck_assert (data_test_split ("random", "test_size: 0.2", ds, &train, &test, &val, &error));
  dlp_assert_no_error (error);
  ck_assert_ptr_null (val);
  ck_assert_int_eq (dlp_dataset_get_n_rows (test), 200);
  ck_assert_int_eq (dlp_dataset_get_n_rows (train), 800);
  gint64 c[3];
  class_counts (test, c);
  ck_assert_int_eq (c[0], 100);
  ck_assert_int_eq (c[1], 60);
  ck_assert_int_eq (c[2], 40);
  /* Every row lands in exactly one part. */
  g_autofree gboolean *seen = g_new0 (gboolean, 1000);
  DlpDataset *parts[] = { train, test };
  for (guint p = 0; p < 2; p++)
    for (gint64 i = 0; i < dlp_dataset_get_n_rows (parts[p]); i++)
      {
        gint64 id = (gint64) data_test_floats (parts[p], "id")[i];
        ck_assert (!seen[id]);
        seen[id] = TRUE;
      }
}
END_TEST

START_TEST (test_count_validation_and_seed)
{
  g_autoptr (DlpDataset) ds = sample (1000, 0);
  g_autoptr (DlpDataset) train = NULL, test = NULL, val = NULL;
  g_autoptr (GError) error = NULL;
  ck_assert (data_test_split ("random", "{test_size: 150, val_size: 0.1, seed: 7}", ds, &train,
                              &test, &val, &error));
  ck_assert_int_eq (dlp_dataset_get_n_rows (test), 150);
  ck_assert_int_eq (dlp_dataset_get_n_rows (val), 100);
  ck_assert_int_eq (dlp_dataset_get_n_rows (train), 750);
  gint64 c[3];
  class_counts (val, c);
  ck_assert_int_eq (c[0], 50);

  /* The same seed gives the same split, another seed another one. */
  g_autoptr (DlpDataset) train2 = NULL, test2 = NULL, val2 = NULL;
  ck_assert (data_test_split ("random", "{test_size: 150, val_size: 0.1, seed: 7}", ds, &train2,
                              &test2, &val2, &error));
  DlpTensor *a = dlp_dataset_get_column_tensor (test, 0),
            *b = dlp_dataset_get_column_tensor (test2, 0);
  ck_assert (dlp_tensor_equal (a, b));
  g_autoptr (DlpDataset) train3 = NULL, test3 = NULL, val3 = NULL;
  ck_assert (
    data_test_split ("random", "{test_size: 150, seed: 8}", ds, &train3, &test3, &val3, &error));
  ck_assert (!dlp_tensor_equal (a, dlp_dataset_get_column_tensor (test3, 0)));

  g_autoptr (DlpDataset) train4 = NULL, test4 = NULL, val4 = NULL;
  ck_assert (data_test_split ("random", "{test_size: 0.3, stratify: false}", ds, &train4, &test4,
                              &val4, &error));
  ck_assert_int_eq (dlp_dataset_get_n_rows (test4), 300);
}
END_TEST

static void
assert_split_error (const char *yaml, const char *needle)
{
  g_autoptr (DlpDataset) ds = sample (100, 0);
  g_autoptr (DlpDataset) train = NULL, test = NULL, val = NULL;
  g_autoptr (GError) error = NULL;
  ck_assert (!data_test_split ("random", yaml, ds, &train, &test, &val, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_CONFIG, needle);
  ck_assert_ptr_null (train);
}

START_TEST (test_bad_sizes)
{
  assert_split_error ("test_size: 0.0", "params.yaml:1: test_size: expected a fraction in (0, 1)");
  assert_split_error ("test_size: 1.5",
                      "expected a fraction in (0, 1) or an integer count of rows, got 1.5");
  assert_split_error ("test_size: -0.2", "got -0.2");
  assert_split_error ("test_size: 100",
                      "100 rows: expected a count from 1 to 99 (the data has 100 rows)");
  assert_split_error ("test_size: 5000", "the data has 100 rows");
  assert_split_error ("{test_size: 0.6, val_size: 0.5}", "leave no training rows of 100");
}
END_TEST

START_TEST (test_unlabelled_rows)
{
  g_autoptr (DlpDataset) ds = sample (10, 0);
  int y = dlp_dataset_find_column (ds, "y");
  g_autoptr (DlpTensor) codes = dlp_tensor_copy (dlp_dataset_get_column_tensor (ds, (guint) y));
  ((gint32 *) dlp_tensor_get_data_mut (codes))[4] = -1;
  ck_assert (dlp_dataset_replace_column (ds, (guint) y, codes, NULL));
  g_autoptr (DlpDataset) train = NULL, test = NULL, val = NULL;
  g_autoptr (GError) error = NULL;
  ck_assert (!data_test_split ("random", "test_size: 0.2", ds, &train, &test, &val, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                    "1 rows have no label (the first is row 4)");
}
END_TEST

START_TEST (test_predefined)
{
  g_autoptr (DlpDataset) ds = sample (70, 10);
  g_autoptr (DlpDataset) train = NULL, test = NULL, val = NULL;
  g_autoptr (GError) error = NULL;
  ck_assert (data_test_split ("predefined", "{}", ds, &train, &test, &val, &error));
  dlp_assert_no_error (error);
  ck_assert_int_eq (dlp_dataset_get_n_rows (train), 60);
  ck_assert_int_eq (dlp_dataset_get_n_rows (test), 10);
  ck_assert_ptr_null (val);
  ck_assert_float_eq (data_test_floats (test, "id")[0], 60.0f); /* order kept */

  g_autoptr (DlpDataset) tr2 = NULL, te2 = NULL, va2 = NULL;
  ck_assert (!data_test_split ("predefined", "column: y", ds, &tr2, &te2, &va2, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_CONFIG, "row 0 is in part 'a'");
  g_clear_error (&error);
  ck_assert (!data_test_split ("predefined", "column: id", ds, &tr2, &te2, &va2, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_CONFIG, "no categorical column 'id'");
  g_clear_error (&error);
  g_autoptr (DlpDataset) no_test = sample (10, 0);
  ck_assert (!data_test_split ("predefined", "{}", no_test, &tr2, &te2, &va2, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_CONFIG, "puts no rows in part 'test'");
}
END_TEST

static Suite *
split_suite (void)
{
  Suite *s = suite_create ("split");
  TCase *tc = tcase_create ("split");
  tcase_add_test (tc, test_stratified_fraction);
  tcase_add_test (tc, test_count_validation_and_seed);
  tcase_add_test (tc, test_bad_sizes);
  tcase_add_test (tc, test_unlabelled_rows);
  tcase_add_test (tc, test_predefined);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (split_suite)
