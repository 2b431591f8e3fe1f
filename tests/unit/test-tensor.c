/* test-tensor.c: DlpTensor shapes, limits, copies and row selection. */
#include <string.h>
#include "dlp-check.h"

START_TEST (test_new_is_zeroed_and_shaped)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpTensor) t = dlp_tensor_new (DLP_DTYPE_F32, 3, (gint64[]){ 2, 3, 4 }, &error);
  dlp_assert_no_error (error);
  ck_assert_uint_eq (dlp_tensor_get_rank (t), 3);
  ck_assert_int_eq (dlp_tensor_get_dim (t, 2), 4);
  ck_assert_uint_eq (dlp_tensor_get_n_elements (t), 24);
  ck_assert_uint_eq (dlp_tensor_get_nbytes (t), 96);
  ck_assert_uint_eq (dlp_tensor_get_row_size (t), 12);
  const float *v = dlp_tensor_get_data (t);
  for (int i = 0; i < 24; i++)
    ck_assert_float_eq (v[i], 0.0f);
  ck_assert_uint_eq ((guintptr) v % 64, 0);
}
END_TEST

START_TEST (test_dtype_names_round_trip)
{
  for (int d = 0; d < DLP_N_DTYPES; d++)
    {
      DlpDtype back;
      ck_assert (dlp_dtype_from_name (dlp_dtype_name (d), &back));
      ck_assert_int_eq (back, d);
    }
  DlpDtype unused;
  ck_assert (!dlp_dtype_from_name ("F16", &unused));
  ck_assert_uint_eq (dlp_dtype_size (DLP_DTYPE_F64), 8);
  ck_assert_uint_eq (dlp_dtype_size (DLP_DTYPE_BOOL), 1);
}
END_TEST

START_TEST (test_rejects_bad_shapes)
{
  g_autoptr (GError) error = NULL;
  gint64 nine[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
  ck_assert_ptr_null (dlp_tensor_new (DLP_DTYPE_U8, 9, nine, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_SHAPE, "rank 9");
  g_clear_error (&error);

  ck_assert_ptr_null (dlp_tensor_new (DLP_DTYPE_U8, 2, (gint64[]){ 3, -1 }, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_SHAPE, "[3, -1]");
  g_clear_error (&error);

  gint64 huge = G_GINT64_CONSTANT (1) << 62;
  ck_assert_ptr_null (dlp_tensor_new (DLP_DTYPE_F64, 2, (gint64[]){ huge, huge }, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_LIMIT, NULL);
  g_clear_error (&error);

  ck_assert_ptr_null (dlp_tensor_new (DLP_DTYPE_F64, 1, (gint64[]){ huge }, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_LIMIT, "too large");
}
END_TEST

START_TEST (test_scalar_and_empty)
{
  g_autoptr (DlpTensor) s = dlp_tensor_new (DLP_DTYPE_I64, 0, NULL, NULL);
  ck_assert_uint_eq (dlp_tensor_get_n_elements (s), 1);
  g_autoptr (DlpTensor) e = dlp_tensor_new_1d (DLP_DTYPE_F32, 0, NULL);
  ck_assert_uint_eq (dlp_tensor_get_nbytes (e), 0);
  ck_assert_ptr_nonnull (dlp_tensor_get_data (e));
}
END_TEST

START_TEST (test_take_rows)
{
  g_autoptr (DlpTensor) t = dlp_tensor_new_2d (DLP_DTYPE_I32, 4, 2, NULL);
  gint32 *v = dlp_tensor_get_data_mut (t);
  for (int i = 0; i < 8; i++)
    v[i] = i;
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpTensor) r = dlp_tensor_take_rows (t, (gint64[]){ 3, 0, 3 }, 3, &error);
  dlp_assert_no_error (error);
  const gint32 *w = dlp_tensor_get_data (r);
  gint32 expect[] = { 6, 7, 0, 1, 6, 7 };
  ck_assert_int_eq (dlp_tensor_get_dim (r, 0), 3);
  ck_assert_mem_eq (w, expect, sizeof expect);

  ck_assert_ptr_null (dlp_tensor_take_rows (t, (gint64[]){ 4 }, 1, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_SHAPE, "row 4");
}
END_TEST

START_TEST (test_copy_on_write_of_shared_storage)
{
  guint8 raw[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
  g_autoptr (GBytes) bytes = g_bytes_new (raw, sizeof raw);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpTensor) t =
    dlp_tensor_new_from_bytes (DLP_DTYPE_U8, 1, (gint64[]){ 4 }, bytes, 2, &error);
  dlp_assert_no_error (error);
  ck_assert (dlp_tensor_is_mapped (t));
  ck_assert_uint_eq (((const guint8 *) dlp_tensor_get_data (t))[0], 3);
  guint8 *w = dlp_tensor_get_data_mut (t);
  w[0] = 99;
  ck_assert (!dlp_tensor_is_mapped (t));
  ck_assert_uint_eq (((const guint8 *) g_bytes_get_data (bytes, NULL))[2], 3);

  ck_assert_ptr_null (
    dlp_tensor_new_from_bytes (DLP_DTYPE_U8, 1, (gint64[]){ 7 }, bytes, 2, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "outside");
}
END_TEST

START_TEST (test_reshape_and_equal)
{
  g_autoptr (DlpTensor) t = dlp_tensor_new_2d (DLP_DTYPE_F32, 2, 6, NULL);
  ((float *) dlp_tensor_get_data_mut (t))[7] = 1.5f;
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpTensor) r = dlp_tensor_reshape (t, 3, (gint64[]){ 2, 3, 2 }, &error);
  dlp_assert_no_error (error);
  ck_assert_float_eq (((const float *) dlp_tensor_get_data (r))[7], 1.5f);
  ck_assert (!dlp_tensor_equal (t, r));
  g_autoptr (DlpTensor) c = dlp_tensor_copy (t);
  ck_assert (dlp_tensor_equal (t, c));
  ck_assert_ptr_null (dlp_tensor_reshape (t, 1, (gint64[]){ 11 }, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_SHAPE, "cannot reshape [2, 6]");
}
END_TEST

START_TEST (test_get_value_of_every_dtype)
{
  g_autoptr (DlpTensor) f32 = dlp_tensor_new_1d (DLP_DTYPE_F32, 2, NULL);
  ((float *) dlp_tensor_get_data_mut (f32))[1] = -1.5f;
  ck_assert (dlp_tensor_get_value (f32, 1) == -1.5);
  g_autoptr (DlpTensor) f64 = dlp_tensor_new_1d (DLP_DTYPE_F64, 1, NULL);
  ((double *) dlp_tensor_get_data_mut (f64))[0] = 0.1;
  ck_assert (dlp_tensor_get_value (f64, 0) == 0.1);
  g_autoptr (DlpTensor) i32 = dlp_tensor_new_1d (DLP_DTYPE_I32, 1, NULL);
  ((gint32 *) dlp_tensor_get_data_mut (i32))[0] = -7;
  ck_assert (dlp_tensor_get_value (i32, 0) == -7.0);
  g_autoptr (DlpTensor) i64 = dlp_tensor_new_1d (DLP_DTYPE_I64, 1, NULL);
  ((gint64 *) dlp_tensor_get_data_mut (i64))[0] = G_GINT64_CONSTANT (1) << 40;
  ck_assert (dlp_tensor_get_value (i64, 0) == 1099511627776.0);
  g_autoptr (DlpTensor) u8 = dlp_tensor_new_1d (DLP_DTYPE_U8, 1, NULL);
  ((guint8 *) dlp_tensor_get_data_mut (u8))[0] = 200;
  ck_assert (dlp_tensor_get_value (u8, 0) == 200.0);
  /* Any nonzero byte is true, and true is 1. */
  g_autoptr (DlpTensor) b = dlp_tensor_new_1d (DLP_DTYPE_BOOL, 2, NULL);
  ((guint8 *) dlp_tensor_get_data_mut (b))[1] = 5;
  ck_assert (dlp_tensor_get_value (b, 0) == 0.0);
  ck_assert (dlp_tensor_get_value (b, 1) == 1.0);
}
END_TEST

static Suite *
tensor_suite (void)
{
  Suite *s = suite_create ("tensor");
  TCase *tc = tcase_create ("core");
  tcase_add_test (tc, test_new_is_zeroed_and_shaped);
  tcase_add_test (tc, test_dtype_names_round_trip);
  tcase_add_test (tc, test_rejects_bad_shapes);
  tcase_add_test (tc, test_scalar_and_empty);
  tcase_add_test (tc, test_take_rows);
  tcase_add_test (tc, test_copy_on_write_of_shared_storage);
  tcase_add_test (tc, test_reshape_and_equal);
  tcase_add_test (tc, test_get_value_of_every_dtype);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (tensor_suite)
