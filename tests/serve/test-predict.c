/* test-predict.c: `dlpipe predict` on CSV, JSON, IDX (raw and gzip) and
 * safetensors inputs gives model_test's predictions for the same rows;
 * bad inputs fail cleanly, leaving no output file. */
#include <string.h>
#include <zlib.h>
#include "serve-test-util.h"

/* Runs `dlpipe predict -m MODEL -i INPUT -o OUTPUT EXTRA` in @dir. */
static int
predict (const ServeFixture *f, const char *input, const char *output, const char *extra,
         char **err)
{
  const char *argv[] = { "predict", "-m", f->model, "-i", input, "-o", output, extra, NULL };
  return dlp_test_run_host (f->dir, argv, NULL, err);
}

static void
predict_ok (const ServeFixture *f, const char *input, const char *output, const char *extra)
{
  g_autofree char *err = NULL;
  int status = predict (f, input, output, extra, &err);
  ck_assert_msg (status == 0, "dlpipe predict -i %s failed (%d): %s", input, status, err);
}

/* Every row of @output (predict's CSV) as model_test predicted it. */
static void
assert_same_as_model_test (const ServeFixture *f, const char *output)
{
  g_autofree char *reports = g_build_filename (f->dir, "reports", "predictions.csv", NULL);
  g_autoptr (ServePredictions) want = serve_predictions_read (reports, TRUE);
  g_autoptr (ServePredictions) got = serve_predictions_read (output, FALSE);
  ck_assert_int_eq (got->n_rows, want->n_rows);
  ck_assert_uint_eq (got->n_classes, want->n_classes);
  for (gint64 r = 0; r < got->n_rows; r++)
    serve_assert_row (want, r, got->predicted[r], got->probabilities + r * got->n_classes);
}

START_TEST (test_preprocessed_split)
{
  /* The test split went through the preprocessing already: scored as it
   * is, the rows give exactly what model_test saw. */
  const ServeFixture *fixtures[] = { serve_fixture_images (), serve_fixture_table () };
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *out = g_build_filename (dlp_test_tmpdir, "p.csv", NULL);
      predict_ok (fixtures[i], "data/split/test.safetensors", out, NULL);
      assert_same_as_model_test (fixtures[i], out);
    }
}
END_TEST

static GByteArray *
test_images_idx (void)
{
  GByteArray *a = g_byte_array_new ();
  guint8 head[16] = {
    0, 0, 8, 3, 0, 0, 0, IMAGE_TEST_ROWS, 0, 0, 0, IMAGE_SIDE, 0, 0, 0, IMAGE_SIDE
  };
  g_byte_array_append (a, head, sizeof head);
  g_byte_array_append (a, serve_fixture_images ()->test_images,
                       IMAGE_TEST_ROWS * IMAGE_SIDE * IMAGE_SIDE);
  return a;
}

START_TEST (test_idx_raw_and_gzip)
{
  const ServeFixture *f = serve_fixture_images ();
  g_autofree char *out = g_build_filename (dlp_test_tmpdir, "p.csv", NULL);
  /* The raw t10k file the pipeline read: the test split, in order. */
  predict_ok (f, "t10k-images-idx3-ubyte", out, NULL);
  assert_same_as_model_test (f, out);

  g_autoptr (GByteArray) idx = test_images_idx ();
  g_autofree char *gz = g_build_filename (dlp_test_tmpdir, "images.gz", NULL);
  gzFile z = gzopen (gz, "wb");
  ck_assert (z != NULL);
  ck_assert_int_eq (gzwrite (z, idx->data, idx->len), (int) idx->len);
  ck_assert_int_eq (gzclose (z), Z_OK);
  g_autofree char *out2 = g_build_filename (dlp_test_tmpdir, "p2.csv", NULL);
  predict_ok (f, gz, out2, NULL);
  assert_same_as_model_test (f, out2);
}
END_TEST

START_TEST (test_plain_safetensors)
{
  /* Tensors from numpy or PyTorch: one for the one input, any name. */
  const ServeFixture *f = serve_fixture_images ();
  gint64 shape[] = { IMAGE_TEST_ROWS, IMAGE_SIDE * IMAGE_SIDE };
  g_autoptr (DlpTensor) t = dlp_tensor_new (DLP_DTYPE_F64, 2, shape, NULL);
  double *v = dlp_tensor_get_data_mut (t);
  for (guint k = 0; k < IMAGE_TEST_ROWS * IMAGE_SIDE * IMAGE_SIDE; k++)
    v[k] = f->test_images[k];
  g_autoptr (DlpSafetensorsWriter) w = dlp_safetensors_writer_new ();
  ck_assert (dlp_safetensors_writer_add (w, "x", t, NULL));
  g_autofree char *in = g_build_filename (dlp_test_tmpdir, "x.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  ck_assert (dlp_safetensors_writer_write (w, in, &error));
  g_autofree char *out = g_build_filename (dlp_test_tmpdir, "p.csv", NULL);
  predict_ok (f, in, out, NULL);
  assert_same_as_model_test (f, out);
}
END_TEST

START_TEST (test_csv_json_and_raw_dataset_agree)
{
  /* The ingested CSV, the raw dataset and a JSON body of the same rows
   * score alike; rows with a missing size or weight are refused, so use
   * the rows without. */
  const ServeFixture *f = serve_fixture_table ();
  g_auto (GStrv) lines = g_strsplit (serve_table_csv (), "\n", -1);
  g_autoptr (GString) csv = g_string_new (NULL);
  g_autoptr (GString) json =
    g_string_new ("{\"dataframe_split\": {\"columns\": "
                  "[\"color\", \"size\", \"weight\", \"batch\", \"kind\"], \"data\": [");
  guint n = 0;
  for (guint i = 0; lines[i] && *lines[i]; i++)
    {
      if (strstr (lines[i], "NA"))
        continue;
      g_string_append_printf (csv, "%s\n", lines[i]);
      if (i == 0)
        continue;
      g_auto (GStrv) f5 = g_strsplit (lines[i], ",", -1);
      g_string_append_printf (json, "%s[%s%s%s, %s, %s, %s, \"%s\"]", n++ ? ", " : "",
                              *f5[0] ? "\"" : "", *f5[0] ? f5[0] : "null", *f5[0] ? "\"" : "",
                              f5[1], f5[2], f5[3], f5[4]);
    }
  g_string_append (json, "]}}");
  g_autofree char *in_csv = dlp_write_test_file (dlp_test_tmpdir, "rows.csv", csv->str, -1);
  g_autofree char *in_json = dlp_write_test_file (dlp_test_tmpdir, "rows.json", json->str, -1);
  g_autofree char *out_csv = g_build_filename (dlp_test_tmpdir, "a.csv", NULL);
  g_autofree char *out_json = g_build_filename (dlp_test_tmpdir, "b.csv", NULL);
  predict_ok (f, in_csv, out_csv, NULL);
  predict_ok (f, in_json, out_json, NULL);
  g_autofree char *a = NULL, *b = NULL;
  ck_assert (g_file_get_contents (out_csv, &a, NULL, NULL));
  ck_assert (g_file_get_contents (out_json, &b, NULL, NULL));
  ck_assert_str_eq (a, b);
  g_autoptr (ServePredictions) p = serve_predictions_read (out_csv, FALSE);
  ck_assert_int_eq (p->n_rows, n);

  /* The raw dataset has every row; missing values make it fail, naming
   * the row. */
  g_autofree char *out_raw = g_build_filename (dlp_test_tmpdir, "c.csv", NULL);
  g_autofree char *err = NULL;
  int status = predict (f, "data/raw/dataset.safetensors", out_raw, NULL, &err);
  ck_assert_int_eq (status, 1);
  ck_assert_msg (strstr (err, "feature 'weight' is missing after preprocessing"), "%s", err);
  ck_assert (!g_file_test (out_raw, G_FILE_TEST_EXISTS));
}
END_TEST

START_TEST (test_json_output)
{
  const ServeFixture *f = serve_fixture_images ();
  g_autofree char *out = g_build_filename (dlp_test_tmpdir, "p.json", NULL);
  predict_ok (f, "data/split/test.safetensors", out, "--probabilities");
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  ck_assert (json_parser_load_from_file (parser, out, &error));
  JsonArray *rows = json_object_get_array_member (
    json_node_get_object (json_parser_get_root (parser)), "predictions");
  ck_assert_uint_eq (json_array_get_length (rows), IMAGE_TEST_ROWS);
  g_autofree char *reports = g_build_filename (f->dir, "reports", "predictions.csv", NULL);
  g_autoptr (ServePredictions) want = serve_predictions_read (reports, TRUE);
  g_autoptr (DlpPredictor) package = serve_test_load (f);
  for (guint r = 0; r < IMAGE_TEST_ROWS; r++)
    {
      JsonObject *row = json_array_get_object_element (rows, r);
      JsonObject *p = json_object_get_object_member (row, "probabilities");
      double probs[3];
      for (guint c = 0; c < 3; c++)
        probs[c] = json_object_get_double_member (p, dlp_predictor_get_class_name (package, c));
      serve_assert_row (want, r, json_object_get_string_member (row, "label"), probs);
    }
}
END_TEST

START_TEST (test_bad_inputs)
{
  const ServeFixture *f = serve_fixture_table ();
  g_autofree char *out = g_build_filename (dlp_test_tmpdir, "p.csv", NULL);
  struct {
    const char *name, *text, *needle;
  } cases[] = {
    { "a.csv", "color,size,weight\nred,1,2\n", "no column for input 'batch'" },
    { "b.csv", "color,size,weight,batch\nred,1,2,1\nred,\"1\n",
      "the quoted field opened here is never closed" },
    { "c.csv", "color,size,weight,batch\nred,1,2,1\nred,x,2,1\n",
      "CSV line 3: row 1, column 'size': expected numbers, got \"x\"" },
    { "d.json", "{\"inputs\": [", "invalid JSON at byte 12" },
    { "e.txt", "hello", "cannot tell its format" },
    { "f.csv", "", "empty (expected a header row" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *in = dlp_write_test_file (dlp_test_tmpdir, cases[i].name, cases[i].text, -1);
      g_autofree char *err = NULL;
      int status = predict (f, in, out, NULL, &err);
      ck_assert_msg (status == 1, "%s: exit %d", cases[i].name, status);
      ck_assert_msg (strstr (err, cases[i].needle), "%s: %s", cases[i].name, err);
      ck_assert_msg (strstr (err, in), "%s: the message does not name the file: %s", cases[i].name,
                     err);
      ck_assert (!g_file_test (out, G_FILE_TEST_EXISTS));
    }
  /* An IDX file of the wrong size of image. */
  g_autoptr (GByteArray) idx = g_byte_array_new ();
  guint8 head[16] = { 0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2 };
  g_byte_array_append (idx, head, sizeof head);
  g_byte_array_append (idx, (const guint8 *) "abcd", 4);
  g_autofree char *in = dlp_write_test_file (dlp_test_tmpdir, "small-idx", idx->data, idx->len);
  g_autofree char *err = NULL;
  ck_assert_int_eq (predict (serve_fixture_images (), in, out, NULL, &err), 1);
  ck_assert_msg (strstr (err, "takes rows of shape [8, 8] (64 values)"), "%s", err);
  ck_assert (!g_file_test (out, G_FILE_TEST_EXISTS));
}
END_TEST

START_TEST (test_command_line)
{
  const ServeFixture *f = serve_fixture_table ();
  g_autofree char *err = NULL;
  const char *no_input[] = { "predict", "-m", f->model, NULL };
  ck_assert_int_eq (dlp_test_run_host (f->dir, no_input, NULL, &err), 2);
  ck_assert_msg (strstr (err, "--input is required"), "%s", err);
  g_clear_pointer (&err, g_free);
  const char *bad_format[] = { "predict", "-i", "x.csv", "--format", "xml", NULL };
  ck_assert_int_eq (dlp_test_run_host (f->dir, bad_format, NULL, &err), 2);
  g_clear_pointer (&err, g_free);
  /* Not a package: says so and where model_test puts one. */
  const char *not_package[] = { "predict", "-m", f->dir, "-i", "data.csv", NULL };
  ck_assert_int_eq (dlp_test_run_host (f->dir, not_package, NULL, &err), 1);
  ck_assert_msg (strstr (err, "is not a model package"), "%s", err);
  /* Standard output by default, models/final by default. */
  g_autofree char *out = NULL;
  const char *to_stdout[] = { "predict", "-i", "data/split/test.safetensors", NULL };
  ck_assert_int_eq (dlp_test_run_host (f->dir, to_stdout, &out, NULL), 0);
  ck_assert (g_str_has_prefix (out, "row,predicted,p_alpha,p_beta,p_gamma\n0,"));
}
END_TEST

START_TEST (test_precision_option)
{
  const ServeFixture *f = serve_fixture_table ();
  g_autofree char *err = NULL, *package = NULL, *fp32 = NULL;
  const char *bad[] = { "predict", "-i", "x.csv", "--precision", "fp16", NULL };
  ck_assert_int_eq (dlp_test_run_host (f->dir, bad, NULL, &err), 2);
  ck_assert_msg (strstr (err, "--precision: expected fp32, bf16 or auto, got 'fp16'"), "%s", err);
  /* The package was trained in fp32: asking for it changes nothing. */
  const char *as_package[] = { "predict", "-i", "data/split/test.safetensors", NULL };
  const char *in_fp32[] = { "predict",     "-i",   "data/split/test.safetensors",
                            "--precision", "fp32", NULL };
  ck_assert_int_eq (dlp_test_run_host (f->dir, as_package, &package, NULL), 0);
  ck_assert_int_eq (dlp_test_run_host (f->dir, in_fp32, &fp32, NULL), 0);
  ck_assert_str_eq (fp32, package);
  /* bf16 asked for explicitly: an error where it cannot be computed. */
  g_clear_pointer (&err, g_free);
  g_autofree char *bf16 = NULL;
  const char *in_bf16[] = { "predict",     "-i",   "data/split/test.safetensors",
                            "--precision", "bf16", NULL };
  int status = dlp_test_run_host (f->dir, in_bf16, &bf16, &err);
  DlpPrecision p;
  if (dlp_precision_resolve ("bf16", &p, NULL))
    ck_assert_msg (status == 0 && g_str_has_prefix (bf16, "row,predicted,"), "%s", err);
  else
    ck_assert_msg (status == 1 && strstr (err, "--precision bf16: ") && bf16[0] == '\0', "%s", err);
}
END_TEST

static Suite *
predict_suite (void)
{
  Suite *s = suite_create ("predict");
  TCase *tc = serve_test_case ("predict");
  tcase_add_test (tc, test_preprocessed_split);
  tcase_add_test (tc, test_idx_raw_and_gzip);
  tcase_add_test (tc, test_plain_safetensors);
  tcase_add_test (tc, test_csv_json_and_raw_dataset_agree);
  tcase_add_test (tc, test_json_output);
  tcase_add_test (tc, test_bad_inputs);
  tcase_add_test (tc, test_command_line);
  tcase_add_test (tc, test_precision_option);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (predict_suite)
