/* test-safetensors.c: round trips, and a clean error for every malformed
 * file (never a crash). */
#include <string.h>
#include <glib/gstdio.h>
#include "dlp-check.h"

/* A file of: LE length of @header, @header, @data_len zero bytes. */
static char *
write_raw (const char *header, gsize data_len)
{
  gsize hlen = strlen (header);
  g_autofree guint8 *buf = g_malloc0 (8 + hlen + data_len);
  guint64 le = GUINT64_TO_LE ((guint64) hlen);
  memcpy (buf, &le, 8);
  memcpy (buf + 8, header, hlen);
  return dlp_write_test_file (dlp_test_tmpdir, "bad.safetensors", buf,
                              (gssize) (8 + hlen + data_len));
}

static void
assert_refused (const char *header, gsize data_len, const char *needle)
{
  g_autofree char *path = write_raw (header, data_len);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpSafetensors) st = dlp_safetensors_read (path, &error);
  ck_assert_ptr_null (st);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_FORMAT, needle);
  ck_assert_msg (g_str_has_prefix (error->message, path), "message does not name the file: %s",
                 error->message);
}

START_TEST (test_round_trip_every_dtype)
{
  g_autoptr (DlpSafetensorsWriter) w = dlp_safetensors_writer_new ();
  g_autoptr (GPtrArray) tensors =
    g_ptr_array_new_with_free_func ((GDestroyNotify) dlp_tensor_unref);
  for (int d = DLP_N_DTYPES - 1; d >= 0; d--)
    {
      /* Odd sizes, so that careless layout would misalign later tensors. */
      DlpTensor *t = dlp_tensor_new_2d (d, 3, 5, NULL);
      guint8 *bytes = dlp_tensor_get_data_mut (t);
      for (gsize i = 0; i < dlp_tensor_get_nbytes (t); i++)
        bytes[i] = d == DLP_DTYPE_BOOL ? (guint8) (i % 2) : (guint8) (i * 7 + (gsize) d);
      g_ptr_array_add (tensors, t);
      ck_assert (dlp_safetensors_writer_add (w, dlp_dtype_name (d), t, NULL));
    }
  g_autoptr (DlpTensor) scalar = dlp_tensor_new (DLP_DTYPE_F64, 0, NULL, NULL);
  *(double *) dlp_tensor_get_data_mut (scalar) = 2.5;
  ck_assert (dlp_safetensors_writer_add (w, "scalar", scalar, NULL));
  g_autoptr (DlpTensor) empty = dlp_tensor_new_1d (DLP_DTYPE_I32, 0, NULL);
  ck_assert (dlp_safetensors_writer_add (w, "empty", empty, NULL));
  gint64 shape8[8] = { 1, 2, 1, 2, 1, 2, 1, 3 };
  g_autoptr (DlpTensor) rank8 = dlp_tensor_new (DLP_DTYPE_U8, 8, shape8, NULL);
  ck_assert (dlp_safetensors_writer_add (w, "rank8", rank8, NULL));
  dlp_safetensors_writer_set_metadata (w, "author", "dlpipe test");

  g_autofree char *path = g_build_filename (dlp_test_tmpdir, "sub", "out.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  ck_assert (dlp_safetensors_writer_write (w, path, &error));
  dlp_assert_no_error (error);

  g_autoptr (DlpSafetensors) st = dlp_safetensors_read (path, &error);
  dlp_assert_no_error (error);
  ck_assert_uint_eq (dlp_safetensors_get_n_tensors (st), DLP_N_DTYPES + 3);
  for (int d = 0; d < DLP_N_DTYPES; d++)
    {
      DlpTensor *t = dlp_safetensors_get_tensor (st, dlp_dtype_name (d));
      ck_assert_ptr_nonnull (t);
      ck_assert (dlp_tensor_is_mapped (t));
      ck_assert_uint_eq ((guintptr) dlp_tensor_get_data (t) % dlp_dtype_size (d), 0);
      ck_assert (dlp_tensor_equal (t, g_ptr_array_index (tensors, DLP_N_DTYPES - 1 - d)));
    }
  ck_assert (dlp_tensor_equal (dlp_safetensors_get_tensor (st, "scalar"), scalar));
  ck_assert (dlp_tensor_equal (dlp_safetensors_get_tensor (st, "empty"), empty));
  ck_assert (dlp_tensor_equal (dlp_safetensors_get_tensor (st, "rank8"), rank8));
  ck_assert_str_eq (dlp_safetensors_get_metadata (st, "author"), "dlpipe test");
  ck_assert_ptr_null (dlp_safetensors_get_metadata (st, "nope"));
  ck_assert_ptr_null (dlp_safetensors_lookup (st, "nope", &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND, "nope");

  /* Only the output is left: no temporary file. */
  g_autofree char *sub = g_build_filename (dlp_test_tmpdir, "sub", NULL);
  ck_assert_uint_eq (dlp_count_dir_entries (sub), 1);
}
END_TEST

START_TEST (test_output_is_deterministic_and_aligned)
{
  g_autofree char *a = g_build_filename (dlp_test_tmpdir, "a.safetensors", NULL);
  g_autofree char *b = g_build_filename (dlp_test_tmpdir, "b.safetensors", NULL);
  for (int round = 0; round < 2; round++)
    {
      g_autoptr (DlpSafetensorsWriter) w = dlp_safetensors_writer_new ();
      g_autoptr (DlpTensor) x = dlp_tensor_new_1d (DLP_DTYPE_U8, 3, NULL);
      g_autoptr (DlpTensor) y = dlp_tensor_new_1d (DLP_DTYPE_F64, 2, NULL);
      ck_assert (dlp_safetensors_writer_add (w, "x", x, NULL));
      ck_assert (dlp_safetensors_writer_add (w, "y", y, NULL));
      dlp_safetensors_writer_set_metadata (w, "z", "1");
      dlp_safetensors_writer_set_metadata (w, "a", "2");
      ck_assert (dlp_safetensors_writer_write (w, round ? b : a, NULL));
    }
  g_autofree char *ca = NULL, *cb = NULL;
  gsize la, lb;
  ck_assert (g_file_get_contents (a, &ca, &la, NULL));
  ck_assert (g_file_get_contents (b, &cb, &lb, NULL));
  ck_assert_uint_eq (la, lb);
  ck_assert_mem_eq (ca, cb, la);
  guint64 hlen;
  memcpy (&hlen, ca, 8);
  ck_assert_uint_eq ((8 + GUINT64_FROM_LE (hlen)) % 8, 0);
  ck_assert_uint_eq (la, 8 + GUINT64_FROM_LE (hlen) + 16 + 3);
}
END_TEST

START_TEST (test_writer_rejects_bad_names)
{
  g_autoptr (DlpSafetensorsWriter) w = dlp_safetensors_writer_new ();
  g_autoptr (DlpTensor) t = dlp_tensor_new_1d (DLP_DTYPE_U8, 1, NULL);
  g_autoptr (GError) error = NULL;
  ck_assert (!dlp_safetensors_writer_add (w, "__metadata__", t, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_FAILED, "__metadata__");
  g_clear_error (&error);
  ck_assert (dlp_safetensors_writer_add (w, "t", t, NULL));
  ck_assert (!dlp_safetensors_writer_add (w, "t", t, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_FAILED, "twice");
}
END_TEST

START_TEST (test_failed_write_leaves_nothing)
{
  /* The parent "folder" is a regular file, so nothing can be created. */
  g_autofree char *blocker = dlp_write_test_file (dlp_test_tmpdir, "file", "x", -1);
  g_autofree char *path = g_build_filename (blocker, "out.safetensors", NULL);
  g_autoptr (DlpSafetensorsWriter) w = dlp_safetensors_writer_new ();
  g_autoptr (GError) error = NULL;
  ck_assert (!dlp_safetensors_writer_write (w, path, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_IO, NULL);
  ck_assert_uint_eq (dlp_count_dir_entries (dlp_test_tmpdir), 1);
}
END_TEST

START_TEST (test_atomic_file_abort_keeps_old_contents)
{
  g_autofree char *path = dlp_write_test_file (dlp_test_tmpdir, "out.json", "old", -1);
  {
    g_autoptr (DlpAtomicFile) f = dlp_atomic_file_new (path, NULL);
    ck_assert (dlp_atomic_file_write (f, "new", 3, NULL));
    ck_assert_uint_eq (dlp_count_dir_entries (dlp_test_tmpdir), 2);
    /* freed without commit: as if the stage failed */
  }
  g_autofree char *text = NULL;
  ck_assert (g_file_get_contents (path, &text, NULL, NULL));
  ck_assert_str_eq (text, "old");
  ck_assert_uint_eq (dlp_count_dir_entries (dlp_test_tmpdir), 1);
  ck_assert (dlp_write_file_atomic (path, "new", 3, NULL));
  g_free (text);
  ck_assert (g_file_get_contents (path, &text, NULL, NULL));
  ck_assert_str_eq (text, "new");
}
END_TEST

START_TEST (test_truncated_file)
{
  g_autofree char *path = dlp_write_test_file (dlp_test_tmpdir, "short.safetensors", "\x05\0\0", 3);
  g_autoptr (GError) error = NULL;
  ck_assert_ptr_null (dlp_safetensors_read (path, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "8-byte header length");
}
END_TEST

START_TEST (test_empty_file)
{
  g_autofree char *path = dlp_write_test_file (dlp_test_tmpdir, "empty.safetensors", "", 0);
  g_autoptr (GError) error = NULL;
  ck_assert_ptr_null (dlp_safetensors_read (path, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "is 0 bytes");
}
END_TEST

START_TEST (test_missing_file)
{
  g_autofree char *path = g_build_filename (dlp_test_tmpdir, "none.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  ck_assert_ptr_null (dlp_safetensors_read (path, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_IO, "none.safetensors");
}
END_TEST

START_TEST (test_header_length_past_end)
{
  guint8 buf[20] = { 0 };
  guint64 le = GUINT64_TO_LE (1000);
  memcpy (buf, &le, 8);
  g_autofree char *path = dlp_write_test_file (dlp_test_tmpdir, "x.safetensors", buf, sizeof buf);
  g_autoptr (GError) error = NULL;
  ck_assert_ptr_null (dlp_safetensors_read (path, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "runs past the end");
}
END_TEST

START_TEST (test_header_length_over_limit)
{
  guint8 buf[16] = { 0 };
  guint64 le = GUINT64_TO_LE (G_MAXUINT64);
  memcpy (buf, &le, 8);
  g_autofree char *path = dlp_write_test_file (dlp_test_tmpdir, "x.safetensors", buf, sizeof buf);
  g_autoptr (GError) error = NULL;
  ck_assert_ptr_null (dlp_safetensors_read (path, &error));
  dlp_assert_error (
    error, DLP_ERROR, DLP_ERROR_LIMIT,
    "exceeds the limit of 104857600 bytes (raise the limit with DLPIPE_LIMIT_HEADER_BYTES)");
}
END_TEST

START_TEST (test_malformed_headers)
{
  assert_refused ("{\"a\": ", 0, "header");
  assert_refused ("[1, 2]", 0, "not a JSON object");
  assert_refused ("{\"a\": {\"dtype\": \"F32\", \"shape\": [1]}}", 4, "data_offsets");
  assert_refused ("{\"a\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", 4, "dtype");
  assert_refused ("{\"a\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}", 4, "shape");
  assert_refused ("{\"a\": 5}", 0, "expected an object");
  assert_refused ("{\"a\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", 4,
                  "shape[0]");
  assert_refused ("{\"a\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 4]}}", 4,
                  "shape[0]");
  assert_refused ("{\"a\": {\"dtype\": \"F32\", \"shape\": [1,1,1,1,1,1,1,1,1], "
                  "\"data_offsets\": [0, 4]}}",
                  4, "rank 9");
  assert_refused ("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0.5, 4]}}", 4,
                  "non-negative integers");
  assert_refused ("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 0]}}", 4,
                  "end before they begin");
  assert_refused ("{\"__metadata__\": {\"k\": 5}}", 0, "not a string");
  assert_refused ("{\"__metadata__\": [1]}", 0, "__metadata__ must be an object");
}
END_TEST

START_TEST (test_unknown_dtype)
{
  assert_refused ("{\"a\": {\"dtype\": \"F16\", \"shape\": [2], \"data_offsets\": [0, 4]}}", 4,
                  "unsupported dtype 'F16'");
}
END_TEST

START_TEST (test_byte_count_disagrees)
{
  assert_refused ("{\"a\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [0, 12]}}", 12,
                  "needs 16 bytes but data_offsets span 12");
  assert_refused ("{\"a\": {\"dtype\": \"F64\", \"shape\": [4611686018427387904, 4], "
                  "\"data_offsets\": [0, 8]}}",
                  8, "overflow");
}
END_TEST

START_TEST (test_offsets_out_of_range)
{
  assert_refused ("{\"a\": {\"dtype\": \"U8\", \"shape\": [16], \"data_offsets\": [0, 16]}}", 8,
                  "data section has only 8 bytes");
}
END_TEST

START_TEST (test_offsets_overlap)
{
  assert_refused ("{\"a\": {\"dtype\": \"U8\", \"shape\": [8], \"data_offsets\": [0, 8]},"
                  " \"b\": {\"dtype\": \"U8\", \"shape\": [8], \"data_offsets\": [4, 12]}}",
                  12, "overlap");
}
END_TEST

/* Python's safetensors refuses these as "not fully covered"; so does dlpipe. */
START_TEST (test_data_not_fully_covered)
{
  assert_refused ("{\"a\": {\"dtype\": \"U8\", \"shape\": [8], \"data_offsets\": [0, 8]}}", 12,
                  "4 bytes after the last tensor belong to no tensor");
  assert_refused ("{\"a\": {\"dtype\": \"U8\", \"shape\": [4], \"data_offsets\": [0, 4]},"
                  " \"b\": {\"dtype\": \"U8\", \"shape\": [4], \"data_offsets\": [8, 12]}}",
                  12, "bytes 4..8 before tensor 'b' belong to no tensor");
  assert_refused ("{\"a\": {\"dtype\": \"U8\", \"shape\": [4], \"data_offsets\": [4, 8]}}", 8,
                  "bytes 0..4 before tensor 'a' belong to no tensor");
  assert_refused ("{\"__metadata__\": {\"k\": \"v\"}}", 3, "3 bytes after the last tensor");
}
END_TEST

START_TEST (test_invalid_utf8_header)
{
  assert_refused ("{\"\xff\": 1}", 0, "UTF-8");
}
END_TEST

START_TEST (test_misaligned_tensor_is_copied)
{
  /* A valid file from another writer: an F32 tensor at an odd offset. */
  const char *header = "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                       "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[1,5]}}";
  gsize hlen = strlen (header);
  gsize pad = (8 - (8 + hlen) % 8) % 8;
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  guint64 le = GUINT64_TO_LE (hlen + pad);
  g_byte_array_append (buf, (guint8 *) &le, 8);
  g_byte_array_append (buf, (const guint8 *) header, (guint) hlen);
  for (gsize i = 0; i < pad; i++)
    g_byte_array_append (buf, (const guint8 *) " ", 1);
  float value = 3.25f;
  guint8 one = 7;
  g_byte_array_append (buf, &one, 1);
  g_byte_array_append (buf, (guint8 *) &value, 4);
  g_autofree char *path =
    dlp_write_test_file (dlp_test_tmpdir, "odd.safetensors", buf->data, buf->len);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpSafetensors) st = dlp_safetensors_read (path, &error);
  dlp_assert_no_error (error);
  DlpTensor *b = dlp_safetensors_get_tensor (st, "b");
  ck_assert (!dlp_tensor_is_mapped (b));
  ck_assert_float_eq (*(const float *) dlp_tensor_get_data (b), 3.25f);
  ck_assert_str_eq (dlp_safetensors_get_name (st, 0), "a");
}
END_TEST

static Suite *
safetensors_suite (void)
{
  Suite *s = suite_create ("safetensors");
  TCase *tc = tcase_create ("read-write");
  dlp_tcase_add_tmpdir (tc);
  tcase_add_test (tc, test_round_trip_every_dtype);
  tcase_add_test (tc, test_output_is_deterministic_and_aligned);
  tcase_add_test (tc, test_writer_rejects_bad_names);
  tcase_add_test (tc, test_failed_write_leaves_nothing);
  tcase_add_test (tc, test_atomic_file_abort_keeps_old_contents);
  tcase_add_test (tc, test_misaligned_tensor_is_copied);
  suite_add_tcase (s, tc);

  TCase *bad = tcase_create ("malformed");
  dlp_tcase_add_tmpdir (bad);
  tcase_add_test (bad, test_truncated_file);
  tcase_add_test (bad, test_empty_file);
  tcase_add_test (bad, test_missing_file);
  tcase_add_test (bad, test_header_length_past_end);
  tcase_add_test (bad, test_header_length_over_limit);
  tcase_add_test (bad, test_malformed_headers);
  tcase_add_test (bad, test_unknown_dtype);
  tcase_add_test (bad, test_byte_count_disagrees);
  tcase_add_test (bad, test_offsets_out_of_range);
  tcase_add_test (bad, test_offsets_overlap);
  tcase_add_test (bad, test_data_not_fully_covered);
  tcase_add_test (bad, test_invalid_utf8_header);
  suite_add_tcase (s, bad);
  return s;
}

DLP_CHECK_MAIN (safetensors_suite)
