/* test-package.c: reading models/final: what a package holds, the
 * preprocessing rebuilt from it, what a broken package says, and graph
 * copies for scoring threads. */
#include <string.h>
#include <glib/gstdio.h>
#include "serve-test-util.h"
#include "serve/scorer.h"

START_TEST (test_contents)
{
  g_autoptr (DlpPackage) images = serve_test_load (serve_fixture_images ());
  ck_assert_uint_eq (images->n_inputs, 1);
  ck_assert_str_eq (images->inputs[0].name, "image");
  ck_assert_int_eq (images->inputs[0].dtype, DLP_DTYPE_U8);
  ck_assert_uint_eq (images->inputs[0].rank, 2);
  ck_assert_uint_eq (images->inputs[0].n_values, IMAGE_SIDE * IMAGE_SIDE);
  ck_assert_uint_eq (images->n_classes, 3);
  ck_assert_str_eq (images->classes[1], "middle");

  g_autoptr (DlpPackage) table = serve_test_load (serve_fixture_table ());
  g_autofree char *names = dlp_package_list_inputs (table);
  ck_assert_str_eq (names, "color, size, weight, batch");
  const DlpPackageInput *color = &table->inputs[dlp_package_find_input (table, "color")];
  ck_assert_uint_eq (color->n_categories, 3);
  ck_assert_int_eq (dlp_package_input_code (color, color->categories[2]), 2);
  ck_assert_int_eq (dlp_package_input_code (color, "purple"), -1);
  ck_assert_int_eq (dlp_package_find_input (table, "kind"), -1);
}
END_TEST

START_TEST (test_preprocessed_detection)
{
  const ServeFixture *f = serve_fixture_table ();
  g_autoptr (DlpPackage) package = serve_test_load (f);
  const char *files[] = { "data/split/test.safetensors", "data/raw/dataset.safetensors" };
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *path = g_build_filename (f->dir, files[i], NULL);
      g_autoptr (DlpDataset) ds = dlp_dataset_load (path, NULL);
      ck_assert_ptr_nonnull (ds);
      ck_assert_int_eq (dlp_package_is_preprocessed (package, ds), i == 0);
    }
}
END_TEST

/* A copy of the image package in dlp_test_tmpdir with @from replaced by @to in its
 * manifest (or its manifest removed, if @from is NULL). */
static char *
broken_copy (const char *from, const char *to)
{
  const char *model = serve_fixture_images ()->model;
  char *dir = g_build_filename (dlp_test_tmpdir, "final", NULL);
  g_mkdir_with_parents (dir, 0755);
  const char *names[] = { "model.json", "weights.safetensors", "dlpipe.json" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *src = g_build_filename (model, names[i], NULL);
      g_autofree char *text = NULL;
      gsize len;
      ck_assert (g_file_get_contents (src, &text, &len, NULL));
      if (i == 2 && from == NULL)
        continue;
      if (i == 2)
        {
          ck_assert_msg (strstr (text, from), "the manifest has no '%s'", from);
          g_autoptr (GString) s = g_string_new (text);
          g_string_replace (s, from, to, 1);
          g_free (dlp_write_test_file (dir, names[i], s->str, (gssize) s->len));
        }
      else
        g_free (dlp_write_test_file (dir, names[i], text, (gssize) len));
    }
  return dir;
}

static void
load_fails (const char *from, const char *to, guint code, const char *needle)
{
  g_autofree char *dir = broken_copy (from, to);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpPackage) p = dlp_package_load (serve_test_registry (), dir, &error);
  ck_assert_msg (p == NULL, "loaded with '%s' for '%s'", to, from);
  dlp_assert_error (error, DLP_ERROR, code, needle);
  dlp_tmpdir_free (g_steal_pointer (&dlp_test_tmpdir));
  dlp_test_tmpdir = dlp_tmpdir_new ();
}

START_TEST (test_broken_packages)
{
  load_fails (NULL, NULL, DLP_ERROR_NOT_FOUND, "is not a model package: it has no dlpipe.json");
  load_fails ("\"format\" : \"dlpipe-package-1\"", "\"format\" : \"onnx\"", DLP_ERROR_CONFIG,
              "dlpipe.json:2: format: 'onnx' is not a format this dlpipe reads (dlpipe-package-1)");
  load_fails ("\"dtype\" : \"U8\"", "\"dtype\" : \"U9\"", DLP_ERROR_CONFIG,
              "inputs.0.dtype: unknown element type 'U9'");
  load_fails ("\"bottom\"", "\"bottom\", \"extra\"", DLP_ERROR_CONFIG,
              "classes: 4 class names, but the model in");
  load_fails ("\"type\" : \"normalize\"", "\"type\" : \"normalise\"", DLP_ERROR_CONFIG,
              "preprocessing.0.type: ");
  load_fails ("\"inputs\"", "\"inputz\"", DLP_ERROR_CONFIG, "inputz");
  /* 4x4 images, reshaped to [4, 4, 1], are not what the model takes. */
  g_autofree char *from =
    g_strdup_printf ("\"shape\" : [\n        %d,\n        %d\n      ]", IMAGE_SIDE, IMAGE_SIDE);
  g_autofree char *dir = broken_copy (from, "\"shape\" : [16]");
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpPackage) p = dlp_package_load (serve_test_registry (), dir, &error);
  ck_assert (p == NULL);
  ck_assert_msg (error && strstr (error->message, "preprocessing step 2 (reshape)"), "%s",
                 error ? error->message : "");
}
END_TEST

START_TEST (test_missing_weights)
{
  g_autofree char *dir = broken_copy ("\"format\"", "\"format\"");
  g_autofree char *weights = g_build_filename (dir, "weights.safetensors", NULL);
  ck_assert_int_eq (g_unlink (weights), 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpPackage) p = dlp_package_load (serve_test_registry (), dir, &error);
  ck_assert (p == NULL);
  ck_assert_msg (error && strstr (error->message, "weights.safetensors"), "%s",
                 error ? error->message : "");
}
END_TEST

START_TEST (test_graph_copy)
{
  g_autoptr (DlpPackage) package = serve_test_load (serve_fixture_images ());
  g_autoptr (GError) error = NULL;
  DlpGraph *copy = dlp_graph_copy (package->graph, &error);
  dlp_assert_no_error (error);
  ck_assert_uint_eq (dlp_graph_get_n_params (copy), dlp_graph_get_n_params (package->graph));
  float x[2 * IMAGE_SIDE * IMAGE_SIDE], a[6], b[6], c[6];
  for (guint i = 0; i < G_N_ELEMENTS (x); i++)
    x[i] = (float) (i % 7) / 7.0f;
  ck_assert (dlp_graph_forward (package->graph, x, 2, FALSE, a, &error));
  ck_assert (dlp_graph_forward (copy, x, 2, FALSE, b, &error));
  ck_assert_mem_eq (a, b, sizeof a);
  /* Its parameters are its own. */
  memset (dlp_graph_get_params (package->graph), 0,
          dlp_graph_get_n_params (package->graph) * sizeof (float));
  ck_assert (dlp_graph_forward (copy, x, 2, FALSE, c, &error));
  ck_assert_mem_eq (b, c, sizeof b);
  dlp_graph_free (copy);
}
END_TEST

START_TEST (test_scorer_batches)
{
  /* Rows queued from several datasets score as each would alone. */
  g_autoptr (DlpPackage) package = serve_test_load (serve_fixture_images ());
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpScorer) together = dlp_scorer_new (package, 4, 1, &error);
  g_autoptr (DlpScorer) alone = dlp_scorer_new (package, 1, 1, &error);
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
      ck_assert_int_eq (dlp_scorer_add_raw (together, ds, 0, &error), i);
      ck_assert_int_eq (dlp_scorer_add_raw (alone, ds, 0, &error), 0);
      ck_assert (dlp_scorer_run (alone, &error));
      float p[3];
      memcpy (p, dlp_scorer_get_probabilities (alone, 0), sizeof p);
      dlp_scorer_clear (alone);
      if (i == 9)
        {
          ck_assert (dlp_scorer_run (together, &error));
          for (guint k = 0; k < 3; k++)
            ck_assert_float_eq_tol (dlp_scorer_get_probabilities (together, 9)[k], p[k], 1e-6);
        }
    }
  ck_assert_int_eq (dlp_scorer_get_n_rows (together), 10);
}
END_TEST

static Suite *
package_suite (void)
{
  Suite *s = suite_create ("package");
  TCase *tc = serve_test_case ("package");
  tcase_add_test (tc, test_contents);
  tcase_add_test (tc, test_preprocessed_detection);
  tcase_add_test (tc, test_broken_packages);
  tcase_add_test (tc, test_missing_weights);
  tcase_add_test (tc, test_graph_copy);
  tcase_add_test (tc, test_scorer_batches);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (package_suite)
