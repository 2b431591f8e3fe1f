/* test-transforms.c: each transform step, its fitted state, and the same
 * step rebuilt from that state on data without a label (serving). */
#include <math.h>
#include "data-test-util.h"

static const char *const colours[] = { "blue", "green", "red", NULL };
static const char *const classes[] = { "no", "yes", NULL };

/* x: 1, NaN, 3, 4, NaN, 6; c: red, -, blue, red, green, red; y: labels. */
static DlpDataset *
sample (gboolean with_label)
{
  DlpDataset *ds = dlp_dataset_new (6);
  const float x[] = { 1, NAN, 3, 4, NAN, 6 };
  const gint32 c[] = { 2, -1, 0, 2, 1, 2 };
  const gint32 y[] = { 0, 1, 0, 1, 0, 1 };
  data_test_add_floats (ds, "x", x, DLP_COLUMN_FEATURE);
  data_test_add_codes (ds, "c", c, colours, DLP_COLUMN_FEATURE);
  if (with_label)
    data_test_add_codes (ds, "y", y, classes, DLP_COLUMN_LABEL);
  return ds;
}

static DlpDataset *
step_ok (const char *type, const char *yaml, DlpDataset *ds, JsonNode **state)
{
  g_autoptr (GError) error = NULL;
  DlpDataset *out = data_test_step (type, yaml, ds, state, &error);
  dlp_assert_no_error (error);
  ck_assert_ptr_nonnull (out);
  return out;
}

START_TEST (test_drop_nulls)
{
  g_autoptr (DlpDataset) ds = sample (TRUE);
  g_autoptr (DlpDataset) all = step_ok ("drop_nulls", "{}", ds, NULL);
  ck_assert_int_eq (dlp_dataset_get_n_rows (all), 4);
  ck_assert_float_eq (data_test_floats (all, "x")[1], 3.0f);
  g_autoptr (DlpDataset) only_c = step_ok ("drop_nulls", "columns: [c]", ds, NULL);
  ck_assert_int_eq (dlp_dataset_get_n_rows (only_c), 5);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpDataset) bad = data_test_step ("drop_nulls", "columns: [nope]", ds, NULL, &error);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND, "no column named 'nope'");
  const DlpTransformClass *k =
    dlp_registry_lookup (dlp_test_registry (), DLP_KIND_TRANSFORM, "drop_nulls");
  ck_assert (k->flags & DLP_TRANSFORM_FLAG_TRAINING_ONLY);
}
END_TEST

START_TEST (test_impute_strategies)
{
  g_autoptr (DlpDataset) ds = sample (TRUE);
  g_autoptr (JsonNode) state = NULL;
  g_autoptr (DlpDataset) mean = step_ok ("impute", "strategy: mean", ds, &state);
  ck_assert_float_eq (data_test_floats (mean, "x")[1], 3.5f);
  /* mean leaves categorical columns alone. */
  ck_assert_int_eq (data_test_codes (mean, "c")[1], -1);
  g_autoptr (DlpDataset) median = step_ok ("impute", "strategy: median", ds, NULL);
  ck_assert_float_eq (data_test_floats (median, "x")[4], 3.5f);
  g_autoptr (DlpDataset) frequent = step_ok ("impute", "strategy: most_frequent", ds, NULL);
  ck_assert_int_eq (data_test_codes (frequent, "c")[1], 2); /* red */
  g_autoptr (DlpDataset) constant = step_ok ("impute",
                                             "{strategy: constant, value: unknown, "
                                             "columns: [c]}",
                                             ds, NULL);
  int c = dlp_dataset_find_column (constant, "c");
  guint n = 0;
  const char *const *cats = dlp_dataset_get_column_categories (constant, (guint) c, &n);
  ck_assert_uint_eq (n, 4);
  ck_assert_str_eq (cats[data_test_codes (constant, "c")[1]], "unknown");
  ck_assert_int_eq (dlp_dataset_get_n_columns (constant), 3);
  ck_assert_str_eq (dlp_dataset_get_column_name (constant, 1), "c");

  /* Serving: the mean fitted above fills a new input without a label. */
  g_autoptr (DlpDataset) raw = sample (FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpDataset) served =
    data_test_step_from_state ("impute", "strategy: mean", state, raw, &error);
  dlp_assert_no_error (error);
  ck_assert_float_eq (data_test_floats (served, "x")[4], 3.5f);

  g_autoptr (DlpDataset) bad =
    data_test_step ("impute", "strategy: median\ncolumns: [c]", ds, NULL, &error);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_DTYPE, "column 'c': impute acts on");
  g_clear_error (&error);
  g_autoptr (DlpDataset) novalue =
    data_test_step ("impute", "strategy: constant", ds, NULL, &error);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_CONFIG, "strategy constant needs a value");
}
END_TEST

START_TEST (test_normalize)
{
  g_autoptr (DlpDataset) ds = sample (TRUE);
  g_autoptr (JsonNode) state = NULL;
  g_autoptr (DlpDataset) mm = step_ok ("normalize", "method: minmax", ds, &state);
  const float *x = data_test_floats (mm, "x");
  ck_assert_float_eq (x[0], 0.0f);
  ck_assert_float_eq (x[5], 1.0f);
  ck_assert_float_eq_tol (x[2], 0.4f, 1e-6);
  ck_assert (isnan (x[1]));
  JsonObject *cols = json_object_get_object_member (json_node_get_object (state), "columns");
  ck_assert_double_eq (
    json_object_get_double_member (json_object_get_object_member (cols, "x"), "max"), 6.0);

  g_autoptr (DlpDataset) z = step_ok ("normalize", "method: zscore", ds, NULL);
  const float *zx = data_test_floats (z, "x");
  double sum = zx[0] + zx[2] + zx[3] + zx[5], sq = 0;
  for (int i = 0; i < 6; i++)
    if (!isnan (zx[i]))
      sq += zx[i] * zx[i];
  ck_assert_double_eq_tol (sum, 0.0, 1e-5);
  ck_assert_double_eq_tol (sq / 4, 1.0, 1e-5);

  /* Pixels: uint8 images scaled by 1/255 into float32. */
  gint64 shape[] = { 2, 2, 2 };
  g_autoptr (DlpTensor) img = dlp_tensor_new (DLP_DTYPE_U8, 3, shape, NULL);
  guint8 *p = dlp_tensor_get_data_mut (img);
  p[0] = 255;
  p[7] = 51;
  g_autoptr (DlpDataset) images = dlp_dataset_new (2);
  ck_assert (dlp_dataset_add_column (images, "image", img, DLP_COLUMN_FEATURE, NULL));
  g_autoptr (DlpDataset) scaled =
    step_ok ("normalize", "{method: scale, factor: 0.00392156862745098}", images, NULL);
  const float *s = data_test_floats (scaled, "image");
  ck_assert_float_eq_tol (s[0], 1.0f, 1e-6);
  ck_assert_float_eq_tol (s[7], 0.2f, 1e-6);

  /* Serving applies the training statistics, not new ones. */
  g_autoptr (DlpDataset) raw = sample (FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpDataset) served =
    data_test_step_from_state ("normalize", "method: minmax", state, raw, &error);
  dlp_assert_no_error (error);
  ck_assert_float_eq_tol (data_test_floats (served, "x")[2], 0.4f, 1e-6);
}
END_TEST

START_TEST (test_one_hot_and_label_encode)
{
  g_autoptr (DlpDataset) ds = sample (TRUE);
  g_autoptr (JsonNode) state = NULL;
  g_autoptr (DlpDataset) oh = step_ok ("one_hot", "{}", ds, &state);
  int c = dlp_dataset_find_column (oh, "c");
  ck_assert_int_eq (c, 1); /* in place */
  ck_assert (!dlp_dataset_column_is_categorical (oh, (guint) c));
  DlpTensor *t = dlp_dataset_get_column_tensor (oh, (guint) c);
  ck_assert_int_eq (dlp_tensor_get_dim (t, 1), 3);
  const float *v = dlp_tensor_get_data (t);
  ck_assert_float_eq (v[0 * 3 + 2], 1.0f);                               /* red */
  ck_assert_float_eq (v[1 * 3 + 0] + v[1 * 3 + 1] + v[1 * 3 + 2], 0.0f); /* missing */
  /* The label stays categorical. */
  ck_assert (dlp_dataset_column_is_categorical (oh, (guint) dlp_dataset_find_column (oh, "y")));

  /* Serving: categories matched by name; an unseen one encodes as zeros. */
  g_autoptr (DlpDataset) raw = dlp_dataset_new (2);
  const gint32 codes[] = { 0, 1 };
  const char *const other[] = { "purple", "red", NULL };
  data_test_add_codes (raw, "c", codes, other, DLP_COLUMN_FEATURE);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpDataset) served = data_test_step_from_state ("one_hot", "{}", state, raw, &error);
  dlp_assert_no_error (error);
  const float *sv = dlp_tensor_get_data (dlp_dataset_get_column_tensor (served, 0));
  ck_assert_float_eq (sv[0] + sv[1] + sv[2], 0.0f);
  ck_assert_float_eq (sv[3 + 2], 1.0f);

  g_autoptr (DlpDataset) le = step_ok ("label_encode", "columns: [c]", ds, NULL);
  const float *lv = data_test_floats (le, "c");
  ck_assert_float_eq (lv[0], 2.0f);
  ck_assert (isnan (lv[1]));
  g_autoptr (DlpDataset) wrong = data_test_step ("one_hot", "columns: [x]", ds, NULL, &error);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_DTYPE,
                    "column 'x': one_hot acts on a categorical column");
}
END_TEST

START_TEST (test_select_and_drop)
{
  g_autoptr (DlpDataset) ds = sample (TRUE);
  g_autoptr (DlpDataset) sel = step_ok ("select", "columns: [c]", ds, NULL);
  ck_assert_uint_eq (dlp_dataset_get_n_columns (sel), 2);
  ck_assert_str_eq (dlp_dataset_get_column_name (sel, 0), "c");
  ck_assert_str_eq (dlp_dataset_get_column_name (sel, 1), "y");
  g_autoptr (DlpDataset) dropped = step_ok ("drop", "columns: [x]", ds, NULL);
  ck_assert_int_eq (dlp_dataset_find_column (dropped, "x"), -1);
  ck_assert_uint_eq (dlp_dataset_get_n_columns (dropped), 2);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpDataset) bad = data_test_step ("drop", "columns: [y]", ds, NULL, &error);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_FAILED, "'y' is the label");
  g_clear_error (&error);
  g_autoptr (DlpDataset) bad2 = data_test_step ("select", "columns: [zz]", ds, NULL, &error);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND, "no column named 'zz'");
  g_clear_error (&error);
  g_autoptr (DlpDataset) bad3 = data_test_step ("select", "{}", ds, NULL, &error);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_CONFIG, "columns: required key is missing");
}
END_TEST

START_TEST (test_reshape_and_cast)
{
  g_autoptr (DlpTensor) flat = dlp_tensor_new_2d (DLP_DTYPE_F32, 3, 784, NULL);
  ((float *) dlp_tensor_get_data_mut (flat))[784 + 29] = 5.0f;
  g_autoptr (DlpDataset) ds = dlp_dataset_new (3);
  ck_assert (dlp_dataset_add_column (ds, "pixels", flat, DLP_COLUMN_FEATURE, NULL));
  g_autoptr (DlpDataset) r = step_ok ("reshape", "{column: pixels, shape: [28, -1, 1]}", ds, NULL);
  DlpTensor *t = dlp_dataset_get_column_tensor (r, 0);
  ck_assert_int_eq (dlp_tensor_get_rank (t), 4);
  ck_assert_int_eq (dlp_tensor_get_dim (t, 2), 28);
  ck_assert_int_eq (dlp_tensor_get_dim (t, 3), 1);
  ck_assert_float_eq (((const float *) dlp_tensor_get_data (t))[784 + 28 + 1], 5.0f);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpDataset) bad =
    data_test_step ("reshape", "{column: pixels, shape: [27, 28]}", ds, NULL, &error);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_SHAPE,
                    "rows of shape [784] (784 values) cannot become [27, 28]");
  g_clear_error (&error);
  g_autoptr (DlpDataset) bad2 = data_test_step ("reshape", "{shape: [-1, -1]}", ds, NULL, &error);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_CONFIG, "at most one dimension may be -1");
  g_clear_error (&error);

  g_autoptr (DlpDataset) u8 = step_ok ("cast", "dtype: u8", ds, NULL);
  DlpTensor *ct = dlp_dataset_get_column_tensor (u8, 0);
  ck_assert_int_eq (dlp_tensor_get_dtype (ct), DLP_DTYPE_U8);
  ck_assert_int_eq (((const guint8 *) dlp_tensor_get_data (ct))[784 + 29], 5);
  g_autoptr (DlpDataset) s = sample (TRUE);
  g_autoptr (DlpDataset) bad3 = data_test_step ("cast", "dtype: i32", s, NULL, &error);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_DTYPE, "column 'x', row 1: nan does not fit I32");
}
END_TEST

static Suite *
transforms_suite (void)
{
  Suite *s = suite_create ("transforms");
  TCase *tc = tcase_create ("transforms");
  tcase_add_test (tc, test_drop_nulls);
  tcase_add_test (tc, test_impute_strategies);
  tcase_add_test (tc, test_normalize);
  tcase_add_test (tc, test_one_hot_and_label_encode);
  tcase_add_test (tc, test_select_and_drop);
  tcase_add_test (tc, test_reshape_and_cast);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (transforms_suite)
