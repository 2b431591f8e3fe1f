/* test-predictor.c: the embedding interface of <dlpipe/host/dlp-predictor.h>:
 * raw rows set value by value or column by column, what a value that
 * does not fit says, one-shot scoring from several threads at once, and
 * sessions that batch rows by hand; all against what model_test
 * predicted for the same rows. */
#include <math.h>
#include <string.h>
#include "serve-test-util.h"

/* The image fixture's test rows as a raw table, a column at a time. */
static DlpDataset *
image_rows (DlpPredictor *predictor)
{
  const guint8 *px = serve_fixture_images ()->test_images;
  gsize n = (gsize) IMAGE_TEST_ROWS * IMAGE_SIDE * IMAGE_SIDE;
  g_autofree double *values = g_new (double, n);
  for (gsize i = 0; i < n; i++)
    values[i] = px[i];
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpPredictorRows) rows = dlp_predictor_rows_new (predictor, IMAGE_TEST_ROWS, &error);
  dlp_assert_no_error (error);
  ck_assert (dlp_predictor_rows_set_column_doubles (rows, 0, values, n, &error));
  DlpDataset *ds = dlp_predictor_rows_finish (rows, &error);
  dlp_assert_no_error (error);
  return ds;
}

static ServePredictions *
model_test_predictions (void)
{
  g_autofree char *path =
    g_build_filename (serve_fixture_images ()->dir, "reports", "predictions.csv", NULL);
  return serve_predictions_read (path, TRUE);
}

static void
assert_model_test_rows (DlpPredictor *predictor, const float *probabilities, const gint32 *classes)
{
  g_autoptr (ServePredictions) want = model_test_predictions ();
  guint n_classes = dlp_predictor_get_n_classes (predictor);
  for (gint64 r = 0; r < IMAGE_TEST_ROWS; r++)
    {
      double p[8];
      for (guint c = 0; c < n_classes; c++)
        p[c] = probabilities[r * n_classes + c];
      serve_assert_row (want, r, dlp_predictor_get_class_name (predictor, (guint) classes[r]), p);
    }
}

START_TEST (test_predict_raw_rows)
{
  g_autoptr (DlpPredictor) predictor = serve_test_load (serve_fixture_images ());
  g_autoptr (DlpDataset) rows = image_rows (predictor);
  ck_assert (!dlp_predictor_is_preprocessed (predictor, rows));
  float probabilities[IMAGE_TEST_ROWS * 3];
  gint32 classes[IMAGE_TEST_ROWS];
  g_autoptr (GError) error = NULL;
  ck_assert (dlp_predictor_predict (predictor, rows, probabilities, classes, &error));
  dlp_assert_no_error (error);
  assert_model_test_rows (predictor, probabilities, classes);
}
END_TEST

START_TEST (test_predict_preprocessed_rows)
{
  const ServeFixture *f = serve_fixture_images ();
  g_autoptr (DlpPredictor) predictor = serve_test_load (f);
  g_autofree char *path = g_build_filename (f->dir, "data/split/test.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpDataset) test = dlp_dataset_load (path, &error);
  dlp_assert_no_error (error);
  ck_assert (dlp_predictor_is_preprocessed (predictor, test));
  float probabilities[IMAGE_TEST_ROWS * 3];
  gint32 classes[IMAGE_TEST_ROWS];
  ck_assert (dlp_predictor_predict (predictor, test, probabilities, classes, &error));
  assert_model_test_rows (predictor, probabilities, classes);
}
END_TEST

typedef struct {
  DlpPredictor *predictor;
  DlpDataset *rows;
  float probabilities[IMAGE_TEST_ROWS * 3];
  gint32 classes[IMAGE_TEST_ROWS];
  gboolean ok;
} PredictJob;

static gpointer
predict_many_times (gpointer data)
{
  PredictJob *job = data;
  job->ok = TRUE;
  for (guint i = 0; i < 20 && job->ok; i++)
    job->ok =
      dlp_predictor_predict (job->predictor, job->rows, job->probabilities, job->classes, NULL);
  return NULL;
}

START_TEST (test_predict_from_threads)
{
  /* One predictor, four threads scoring at once: each gets what a lone
   * call gets. */
  g_autoptr (DlpPredictor) predictor = serve_test_load (serve_fixture_images ());
  g_autoptr (DlpDataset) rows = image_rows (predictor);
  PredictJob jobs[4];
  GThread *threads[G_N_ELEMENTS (jobs)];
  for (guint t = 0; t < G_N_ELEMENTS (jobs); t++)
    {
      jobs[t] = (PredictJob){ .predictor = predictor, .rows = rows };
      threads[t] = g_thread_new ("predict", predict_many_times, &jobs[t]);
    }
  for (guint t = 0; t < G_N_ELEMENTS (jobs); t++)
    {
      g_thread_join (threads[t]);
      ck_assert_msg (jobs[t].ok, "thread %u failed", t);
      assert_model_test_rows (predictor, jobs[t].probabilities, jobs[t].classes);
    }
}
END_TEST

START_TEST (test_value_errors)
{
  /* Each error names the row and the column, and what was expected. */
  g_autoptr (DlpPredictor) predictor = serve_test_load (serve_fixture_table ());
  int color = dlp_predictor_find_input (predictor, "color");
  int size = dlp_predictor_find_input (predictor, "size");
  int batch = dlp_predictor_find_input (predictor, "batch");
  ck_assert (color >= 0 && size >= 0 && batch >= 0);
  g_autoptr (DlpPredictorRows) rows = dlp_predictor_rows_new (predictor, 3, NULL);
  ck_assert_ptr_nonnull (rows);
  struct {
    gboolean ok;
    const char *needle;
  } cases[3];
  GError *errors[3] = { NULL };
  cases[0].ok = dlp_predictor_rows_set_category (rows, color, 2, 0, "purple", &errors[0]);
  cases[0].needle = "row 2, column 'color': unknown category 'purple' (known: ";
  cases[1].ok = dlp_predictor_rows_set_text (rows, size, 1, 0, "0x10", &errors[1]);
  cases[1].needle = "row 1, column 'size': expected numbers, got \"0x10\"";
  cases[2].ok = dlp_predictor_rows_set_category (rows, size, 0, 0, "big", &errors[2]);
  cases[2].needle = "row 0, column 'size': expected numbers, got the text \"big\"";
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ck_assert (!cases[i].ok);
      ck_assert_ptr_nonnull (errors[i]);
      ck_assert (g_error_matches (errors[i], DLP_ERROR, DLP_ERROR_FORMAT));
      ck_assert_msg (strstr (errors[i]->message, cases[i].needle), "%s", errors[i]->message);
      g_error_free (errors[i]);
    }
  /* A column of the wrong length says how long it should be. */
  const double three[] = { 1, 2, 3 };
  g_autoptr (GError) error = NULL;
  ck_assert (!dlp_predictor_rows_set_column_doubles (rows, size, three, 2, &error));
  ck_assert_msg (strstr (error->message, "column 'size': 2 values, expected 3 rows of 1"), "%s",
                 error->message);
  g_clear_error (&error);
  ck_assert (dlp_predictor_rows_set_column_doubles (rows, size, three, 3, &error));
}
END_TEST

START_TEST (test_text_column_codes_and_missing)
{
  /* Categories become their codes, missing values NaN or no category, as
   * the training data held them. */
  g_autoptr (DlpPredictor) predictor = serve_test_load (serve_fixture_table ());
  int color = dlp_predictor_find_input (predictor, "color");
  int size = dlp_predictor_find_input (predictor, "size");
  const DlpPredictorInput *in = dlp_predictor_get_input (predictor, (guint) color);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpPredictorRows) rows = dlp_predictor_rows_new (predictor, 3, &error);
  const char *colors[] = { in->categories[2], NULL, "NA" };
  const char *sizes[] = { "1.5", "", "NaN" };
  ck_assert (dlp_predictor_rows_set_column_strings (rows, color, colors, 3, &error));
  ck_assert (dlp_predictor_rows_set_column_strings (rows, size, sizes, 3, &error));
  dlp_assert_no_error (error);
  g_autoptr (DlpDataset) ds = dlp_predictor_rows_finish (rows, &error);
  dlp_assert_no_error (error);
  const gint32 *codes = dlp_tensor_get_data (
    dlp_dataset_get_column_tensor (ds, (guint) dlp_dataset_find_column (ds, "color")));
  ck_assert_int_eq (codes[0], 2);
  ck_assert_int_eq (codes[1], -1);
  ck_assert_int_eq (codes[2], -1);
  const float *sz = dlp_tensor_get_data (
    dlp_dataset_get_column_tensor (ds, (guint) dlp_dataset_find_column (ds, "size")));
  ck_assert_float_eq (sz[0], 1.5f);
  ck_assert (isnan (sz[1]) && isnan (sz[2]));
}
END_TEST

START_TEST (test_session_batches)
{
  /* Rows queued from several datasets score as each would alone. */
  g_autoptr (DlpPredictor) predictor = serve_test_load (serve_fixture_images ());
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpPredictorSession) together = dlp_predictor_session_new (predictor, 4, 1, &error);
  g_autoptr (DlpPredictorSession) alone = dlp_predictor_session_new (predictor, 1, 1, &error);
  dlp_assert_no_error (error);
  const guint8 *px = serve_fixture_images ()->test_images;
  for (guint i = 0; i < 10; i++)
    {
      gint64 shape[] = { 1, IMAGE_SIDE, IMAGE_SIDE };
      g_autoptr (DlpTensor) t = dlp_tensor_new (DLP_DTYPE_U8, 3, shape, NULL);
      memcpy (dlp_tensor_get_data_mut (t), px + i * IMAGE_SIDE * IMAGE_SIDE,
              IMAGE_SIDE * IMAGE_SIDE);
      g_autoptr (DlpDataset) ds = dlp_dataset_new (1);
      ck_assert (dlp_dataset_add_column (ds, "image", t, DLP_COLUMN_FEATURE, NULL));
      ck_assert_int_eq (dlp_predictor_session_add (together, ds, 0, &error), i);
      ck_assert_int_eq (dlp_predictor_session_add (alone, ds, 0, &error), 0);
      ck_assert (dlp_predictor_session_run (alone, &error));
      float p[3];
      memcpy (p, dlp_predictor_session_get_probabilities (alone, 0), sizeof p);
      dlp_predictor_session_clear (alone);
      if (i == 9)
        {
          ck_assert (dlp_predictor_session_run (together, &error));
          for (guint k = 0; k < 3; k++)
            ck_assert_float_eq_tol (dlp_predictor_session_get_probabilities (together, 9)[k], p[k],
                                    1e-6);
        }
    }
  ck_assert_int_eq (dlp_predictor_session_get_n_rows (together), 10);
}
END_TEST

START_TEST (test_session_outlives_predictor)
{
  /* A session keeps what it scores with: the caller may drop the
   * predictor first. */
  DlpPredictor *predictor = serve_test_load (serve_fixture_images ());
  g_autoptr (DlpDataset) rows = image_rows (predictor);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpPredictorSession) session = dlp_predictor_session_new (predictor, 8, 1, &error);
  dlp_assert_no_error (error);
  dlp_predictor_unref (predictor);
  ck_assert_int_eq (dlp_predictor_session_add (session, rows, 0, &error), 0);
  ck_assert (dlp_predictor_session_run (session, &error));
  dlp_assert_no_error (error);
  ck_assert_int_eq (dlp_predictor_session_get_n_rows (session), IMAGE_TEST_ROWS);
}
END_TEST

static Suite *
predictor_suite (void)
{
  Suite *s = suite_create ("predictor");
  TCase *tc = serve_test_case ("predictor");
  tcase_add_test (tc, test_predict_raw_rows);
  tcase_add_test (tc, test_predict_preprocessed_rows);
  tcase_add_test (tc, test_predict_from_threads);
  tcase_add_test (tc, test_value_errors);
  tcase_add_test (tc, test_text_column_codes_and_missing);
  tcase_add_test (tc, test_session_batches);
  tcase_add_test (tc, test_session_outlives_predictor);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (predictor_suite)
