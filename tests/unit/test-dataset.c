/* test-dataset.c: columns, roles, categories and the dataset file. */
#include <math.h>
#include <string.h>
#include "dlp-check.h"

/* 4 rows: a [4, 2] float feature with one NaN, a categorical feature with a
 * missing value, and a categorical label. */
static DlpDataset *
make_dataset (void)
{
  DlpDataset *ds = dlp_dataset_new (4);
  g_autoptr (DlpTensor) x = dlp_tensor_new_2d (DLP_DTYPE_F32, 4, 2, NULL);
  float *xv = dlp_tensor_get_data_mut (x);
  for (int i = 0; i < 8; i++)
    xv[i] = (float) i / 2;
  xv[3] = NAN;
  ck_assert (dlp_dataset_add_column (ds, "x", x, DLP_COLUMN_FEATURE, NULL));

  g_autoptr (DlpTensor) island = dlp_tensor_new_1d (DLP_DTYPE_I32, 4, NULL);
  gint32 *iv = dlp_tensor_get_data_mut (island);
  iv[0] = 0, iv[1] = 1, iv[2] = -1, iv[3] = 1;
  const char *islands[] = { "Biscoe", "Dream" };
  ck_assert (
    dlp_dataset_add_categorical (ds, "island", island, islands, 2, DLP_COLUMN_FEATURE, NULL));

  g_autoptr (DlpTensor) y = dlp_tensor_new_1d (DLP_DTYPE_I32, 4, NULL);
  gint32 *yv = dlp_tensor_get_data_mut (y);
  yv[0] = 2, yv[1] = 0, yv[2] = 1, yv[3] = 2;
  const char *species[] = { "Adelie", "Chinstrap", "Gentoo" };
  ck_assert (dlp_dataset_add_categorical (ds, "species", y, species, 3, DLP_COLUMN_LABEL, NULL));
  json_object_set_string_member (dlp_dataset_get_metadata (ds), "source", "test");
  return ds;
}

START_TEST (test_columns_and_roles)
{
  g_autoptr (DlpDataset) ds = make_dataset ();
  ck_assert_int_eq (dlp_dataset_get_n_rows (ds), 4);
  ck_assert_uint_eq (dlp_dataset_get_n_columns (ds), 3);
  ck_assert_int_eq (dlp_dataset_find_column (ds, "island"), 1);
  ck_assert_int_eq (dlp_dataset_find_column (ds, "nope"), -1);
  ck_assert_int_eq (dlp_dataset_get_label_column (ds), 2);
  ck_assert (dlp_dataset_column_is_categorical (ds, 1));
  ck_assert (!dlp_dataset_column_is_categorical (ds, 0));
  guint n;
  const char *const *cats = dlp_dataset_get_column_categories (ds, 2, &n);
  ck_assert_uint_eq (n, 3);
  ck_assert_str_eq (cats[2], "Gentoo");
  ck_assert_ptr_null (cats[3]);

  g_autoptr (GError) error = NULL;
  ck_assert_int_eq (dlp_dataset_lookup_column (ds, "bill", &error), -1);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND, "columns: x, island, species");
  g_clear_error (&error);
  ck_assert (dlp_dataset_remove_column (ds, "x", &error));
  ck_assert_uint_eq (dlp_dataset_get_n_columns (ds), 2);
  ck_assert_int_eq (dlp_dataset_get_label_column (ds), 1);
}
END_TEST

START_TEST (test_rejects_bad_columns)
{
  g_autoptr (DlpDataset) ds = make_dataset ();
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpTensor) short_col = dlp_tensor_new_1d (DLP_DTYPE_F32, 3, NULL);
  ck_assert (!dlp_dataset_add_column (ds, "z", short_col, DLP_COLUMN_FEATURE, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_SHAPE, "column 'z' has shape [3]; expected 4 rows");
  g_clear_error (&error);

  g_autoptr (DlpTensor) ok = dlp_tensor_new_1d (DLP_DTYPE_F32, 4, NULL);
  ck_assert (!dlp_dataset_add_column (ds, "x", ok, DLP_COLUMN_FEATURE, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_FAILED, "already has a column named 'x'");
  g_clear_error (&error);

  g_autoptr (DlpTensor) codes = dlp_tensor_new_1d (DLP_DTYPE_I32, 4, NULL);
  ((gint32 *) dlp_tensor_get_data_mut (codes))[1] = 2;
  const char *two[] = { "a", "b" };
  ck_assert (!dlp_dataset_add_categorical (ds, "c", codes, two, 2, DLP_COLUMN_FEATURE, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "row 1: code 2 is outside -1..1");
  g_clear_error (&error);

  ck_assert (!dlp_dataset_add_categorical (ds, "c", ok, two, 2, DLP_COLUMN_FEATURE, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_DTYPE, "int32");
}
END_TEST

START_TEST (test_take_rows_keeps_schema)
{
  g_autoptr (DlpDataset) ds = make_dataset ();
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpDataset) sub = dlp_dataset_take_rows (ds, (gint64[]){ 3, 1 }, 2, &error);
  dlp_assert_no_error (error);
  ck_assert_int_eq (dlp_dataset_get_n_rows (sub), 2);
  const gint32 *y = dlp_tensor_get_data (dlp_dataset_get_column_tensor (sub, 2));
  ck_assert_int_eq (y[0], 2);
  ck_assert_int_eq (y[1], 0);
  ck_assert_int_eq (dlp_dataset_get_label_column (sub), 2);
  ck_assert_str_eq (json_object_get_string_member (dlp_dataset_get_metadata (sub), "source"),
                    "test");
  /* The copy's metadata is its own. */
  json_object_set_string_member (dlp_dataset_get_metadata (sub), "source", "changed");
  ck_assert_str_eq (json_object_get_string_member (dlp_dataset_get_metadata (ds), "source"),
                    "test");
}
END_TEST

START_TEST (test_take_range)
{
  g_autoptr (DlpDataset) ds = make_dataset ();
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpDataset) mid = dlp_dataset_take_range (ds, 1, 2, &error);
  dlp_assert_no_error (error);
  ck_assert_int_eq (dlp_dataset_get_n_rows (mid), 2);
  const gint32 *all = dlp_tensor_get_data (dlp_dataset_get_column_tensor (ds, 2));
  const gint32 *y = dlp_tensor_get_data (dlp_dataset_get_column_tensor (mid, 2));
  ck_assert_int_eq (y[0], all[1]);
  ck_assert_int_eq (y[1], all[2]);
  ck_assert_int_eq (dlp_dataset_get_label_column (mid), 2);
  /* Every row: the dataset itself, nothing copied. */
  g_autoptr (DlpDataset) whole = dlp_dataset_take_range (ds, 0, 4, &error);
  ck_assert_ptr_eq (whole, ds);
  g_autoptr (DlpDataset) none = dlp_dataset_take_range (ds, 4, 0, &error);
  ck_assert_int_eq (dlp_dataset_get_n_rows (none), 0);
}
END_TEST

START_TEST (test_copy_shares_columns_not_metadata)
{
  g_autoptr (DlpDataset) ds = make_dataset ();
  g_autoptr (DlpDataset) copy = dlp_dataset_copy (ds);
  ck_assert_ptr_eq (dlp_dataset_get_column_tensor (copy, 0), dlp_dataset_get_column_tensor (ds, 0));
  g_autoptr (DlpTensor) x2 = dlp_tensor_new_2d (DLP_DTYPE_F32, 4, 2, NULL);
  ck_assert (dlp_dataset_replace_column (copy, 0, x2, NULL));
  ck_assert_ptr_ne (dlp_dataset_get_column_tensor (copy, 0), dlp_dataset_get_column_tensor (ds, 0));
  json_object_set_int_member (dlp_dataset_get_metadata (copy), "extra", 1);
  ck_assert (!json_object_has_member (dlp_dataset_get_metadata (ds), "extra"));
  guint n;
  ck_assert_ptr_nonnull (dlp_dataset_get_column_categories (copy, 2, &n));
  ck_assert_uint_eq (n, 3);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpTensor) wrong = dlp_tensor_new_1d (DLP_DTYPE_F32, 4, NULL);
  ck_assert (!dlp_dataset_replace_column (copy, 2, wrong, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_DTYPE, "categorical column 'species'");
}
END_TEST

START_TEST (test_save_load_round_trip)
{
  g_autoptr (DlpDataset) ds = make_dataset ();
  g_autofree char *path =
    g_build_filename (dlp_test_tmpdir, "data", "raw", "dataset.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  ck_assert (dlp_dataset_save (ds, path, &error));
  dlp_assert_no_error (error);

  g_autoptr (DlpDataset) back = dlp_dataset_load (path, &error);
  dlp_assert_no_error (error);
  ck_assert_int_eq (dlp_dataset_get_n_rows (back), 4);
  ck_assert_uint_eq (dlp_dataset_get_n_columns (back), 3);
  for (guint i = 0; i < 3; i++)
    {
      ck_assert_str_eq (dlp_dataset_get_column_name (back, i), dlp_dataset_get_column_name (ds, i));
      ck_assert_int_eq (dlp_dataset_get_column_role (back, i), dlp_dataset_get_column_role (ds, i));
      DlpTensor *a = dlp_dataset_get_column_tensor (ds, i);
      DlpTensor *b = dlp_dataset_get_column_tensor (back, i);
      ck_assert (dlp_tensor_equal (a, b));
      ck_assert (dlp_tensor_is_mapped (b));
    }
  guint n;
  const char *const *cats = dlp_dataset_get_column_categories (back, 1, &n);
  ck_assert_uint_eq (n, 2);
  ck_assert_str_eq (cats[1], "Dream");
  ck_assert_str_eq (json_object_get_string_member (dlp_dataset_get_metadata (back), "source"),
                    "test");
  ck_assert (
    isnan (((const float *) dlp_tensor_get_data (dlp_dataset_get_column_tensor (back, 0)))[3]));
}
END_TEST

START_TEST (test_load_rejects_plain_safetensors)
{
  g_autoptr (DlpSafetensorsWriter) w = dlp_safetensors_writer_new ();
  g_autoptr (DlpTensor) t = dlp_tensor_new_1d (DLP_DTYPE_F32, 2, NULL);
  ck_assert (dlp_safetensors_writer_add (w, "weight", t, NULL));
  g_autofree char *path = g_build_filename (dlp_test_tmpdir, "w.safetensors", NULL);
  ck_assert (dlp_safetensors_writer_write (w, path, NULL));
  g_autoptr (GError) error = NULL;
  ck_assert_ptr_null (dlp_dataset_load (path, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "not a dlpipe dataset");
}
END_TEST

START_TEST (test_load_rejects_inconsistent_schema)
{
  const char *cases[][2] = {
    { "{\"n_rows\": 2, \"columns\": [{\"name\": \"missing\", \"role\": \"feature\"}]}",
      "no tensor named 'missing'" },
    { "{\"n_rows\": 3, \"columns\": [{\"name\": \"t\", \"role\": \"feature\"}]}",
      "expected 3 rows" },
    { "{\"n_rows\": 2, \"columns\": [{\"name\": \"t\", \"role\": \"boss\"}]}", "unknown role" },
    { "{\"n_rows\": 2, \"columns\": []}", "does not list" },
    { "{\"columns\": []}", "expected n_rows" },
    { "not json", "" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (DlpSafetensorsWriter) w = dlp_safetensors_writer_new ();
      g_autoptr (DlpTensor) t = dlp_tensor_new_1d (DLP_DTYPE_F32, 2, NULL);
      ck_assert (dlp_safetensors_writer_add (w, "t", t, NULL));
      dlp_safetensors_writer_set_metadata (w, "dlpipe.format", "dataset-1");
      dlp_safetensors_writer_set_metadata (w, "dlpipe.schema", cases[i][0]);
      g_autofree char *path = g_build_filename (dlp_test_tmpdir, "d.safetensors", NULL);
      ck_assert (dlp_safetensors_writer_write (w, path, NULL));
      g_autoptr (GError) error = NULL;
      ck_assert_ptr_null (dlp_dataset_load (path, &error));
      ck_assert_ptr_nonnull (error);
      ck_assert_msg (strstr (error->message, cases[i][1]) && strstr (error->message, path),
                     "case %u: %s", i, error->message);
    }
}
END_TEST

static Suite *
dataset_suite (void)
{
  Suite *s = suite_create ("dataset");
  TCase *tc = tcase_create ("dataset");
  dlp_tcase_add_tmpdir (tc);
  tcase_add_test (tc, test_columns_and_roles);
  tcase_add_test (tc, test_rejects_bad_columns);
  tcase_add_test (tc, test_take_rows_keeps_schema);
  tcase_add_test (tc, test_take_range);
  tcase_add_test (tc, test_copy_shares_columns_not_metadata);
  tcase_add_test (tc, test_save_load_round_trip);
  tcase_add_test (tc, test_load_rejects_plain_safetensors);
  tcase_add_test (tc, test_load_rejects_inconsistent_schema);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (dataset_suite)
