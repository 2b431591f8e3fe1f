/* test-package.c: reading models/final into a DlpPredictor: what a
 * package holds, what a broken package says, and graph copies for
 * scoring threads. */
#include <string.h>
#include <glib/gstdio.h>
#include "serve-test-util.h"
#include "predict/predict-private.h"

START_TEST (test_contents)
{
  g_autoptr (DlpPredictor) images = serve_test_load (serve_fixture_images ());
  ck_assert_uint_eq (dlp_predictor_get_n_inputs (images), 1);
  const DlpPredictorInput *image = dlp_predictor_get_input (images, 0);
  ck_assert_str_eq (image->name, "image");
  ck_assert_int_eq (image->dtype, DLP_DTYPE_U8);
  ck_assert_uint_eq (image->rank, 2);
  ck_assert_uint_eq (image->n_values, IMAGE_SIDE * IMAGE_SIDE);
  ck_assert_ptr_null (image->categories);
  ck_assert_uint_eq (dlp_predictor_get_n_classes (images), 3);
  ck_assert_str_eq (dlp_predictor_get_class_name (images, 1), "middle");

  g_autoptr (DlpPredictor) table = serve_test_load (serve_fixture_table ());
  g_autofree char *names = dlp_predictor_list_inputs (table);
  ck_assert_str_eq (names, "color, size, weight, batch");
  const DlpPredictorInput *color =
    dlp_predictor_get_input (table, dlp_predictor_find_input (table, "color"));
  ck_assert_uint_eq (color->n_categories, 3);
  for (guint c = 0; c < 3; c++)
    ck_assert (g_strv_contains (color->categories, (const char *[]){ "red", "green", "blue" }[c]));
  ck_assert_ptr_null (color->categories[3]);
  ck_assert_int_eq (dlp_predictor_find_input (table, "kind"), -1);
}
END_TEST

START_TEST (test_records_its_plugins)
{
  /* The manifest names what scoring needs: the SDK and each plugin type. */
  g_autofree char *path =
    g_build_filename (serve_fixture_images ()->model, DLP_PACKAGE_MANIFEST, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpConfig) m = dlp_config_load (path, &error);
  dlp_assert_no_error (error);
  gint64 abi = 0, level = 0;
  ck_assert (dlp_config_get_int (m, "abi_version", &abi, &error));
  ck_assert (dlp_config_get_int (m, "api_level", &level, &error));
  ck_assert_int_eq (abi, DLP_ABI_VERSION);
  ck_assert_int_eq (level, DLP_API_LEVEL);
  g_autoptr (GPtrArray) plugins = dlp_config_get_list (m, "plugins", &error);
  dlp_assert_no_error (error);
  g_autoptr (GString) types = g_string_new (NULL);
  for (guint i = 0; i < plugins->len; i++)
    {
      g_autofree char *kind = NULL, *type = NULL, *plugin = NULL;
      DlpConfig *p = g_ptr_array_index (plugins, i);
      ck_assert (dlp_config_get_string (p, "kind", &kind, NULL));
      ck_assert (dlp_config_get_string (p, "type", &type, NULL));
      ck_assert (dlp_config_get_string (p, "plugin", &plugin, NULL));
      g_string_append_printf (types, "%s%s/%s@%s", i ? " " : "", kind, type, plugin);
    }
  /* The CNN's layers, its activations, and the two steps' transforms. */
  const char *expected[] = { "layer/conv2d@layer_conv2d", "layer/activation@layer_activations",
                             "layer/dense@layer_dense", "transform/normalize@transform_normalize",
                             "transform/reshape@transform_reshape" };
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    ck_assert_msg (strstr (types->str, expected[i]), "%s not in %s", expected[i], types->str);
}
END_TEST

START_TEST (test_preprocessed_detection)
{
  const ServeFixture *f = serve_fixture_table ();
  g_autoptr (DlpPredictor) package = serve_test_load (f);
  const char *files[] = { "data/split/test.safetensors", "data/raw/dataset.safetensors" };
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *path = g_build_filename (f->dir, files[i], NULL);
      g_autoptr (DlpDataset) ds = dlp_dataset_load (path, NULL);
      ck_assert_ptr_nonnull (ds);
      ck_assert_int_eq (dlp_predictor_is_preprocessed (package, ds), i == 0);
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
  g_autoptr (DlpPredictor) p = dlp_predictor_new (serve_test_registry (), dir, &error);
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
  /* A plugin type the host lacks: named with the plugin that provided it. */
  load_fails ("\"type\" : \"conv2d\"", "\"type\" : \"conv3d\"", DLP_ERROR_NOT_FOUND,
              "the model needs the layer type 'conv3d' of plugin 'layer_conv2d' " DLP_VERSION
              ", which no loaded plugin provides");
  load_fails ("\"kind\" : \"layer\"", "\"kind\" : \"gadget\"", DLP_ERROR_CONFIG,
              "plugins.0.kind: 'gadget' is not a kind of plugin type");
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
  g_autoptr (DlpPredictor) p = dlp_predictor_new (serve_test_registry (), dir, &error);
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
  g_autoptr (DlpPredictor) p = dlp_predictor_new (serve_test_registry (), dir, &error);
  ck_assert (p == NULL);
  ck_assert_msg (error && strstr (error->message, "weights.safetensors"), "%s",
                 error ? error->message : "");
}
END_TEST

START_TEST (test_graph_copy)
{
  g_autoptr (DlpPredictor) package = serve_test_load (serve_fixture_images ());
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

static Suite *
package_suite (void)
{
  Suite *s = suite_create ("package");
  TCase *tc = serve_test_case ("package");
  tcase_add_test (tc, test_contents);
  tcase_add_test (tc, test_records_its_plugins);
  tcase_add_test (tc, test_preprocessed_detection);
  tcase_add_test (tc, test_broken_packages);
  tcase_add_test (tc, test_missing_weights);
  tcase_add_test (tc, test_graph_copy);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (package_suite)
