/* stage-model-test.c: evaluate models/trained on data/split/test; write
 * reports/ and the model package models/final. */
#include <math.h>
#include "stages.h"
#include "paths.h"
#include "output-dir.h"
#include "champion.h"
#include "../package/package.h"
#include "../tracking/model-registry.h"
#include "../tracking/tracking.h"
#include "../train/evaluation.h"
#include "../train/training-data.h"

static const DlpParamSpec test_params[] = {
  DLP_PARAM_DOUBLE ("champion_accuracy",
                    "Test accuracy from which the registered version may take the alias "
                    "'champion' from a champion it beats on the same test split (absent: only "
                    "'candidate')",
                    NULL, 0, 1),
  DLP_PARAM_INT ("batch_size", "Rows per evaluation batch", "256", 1, 1e6),
  DLP_PARAM_END,
};

/* Probabilities of every test row. */
static float *
predict (DlpGraph *graph, const DlpTrainingData *data, gint64 batch_size, GError **error)
{
  gint64 n_classes = dlp_graph_get_output_size (graph);
  g_autofree float *probs = g_try_new (float, (gsize) (data->n_rows * n_classes));
  if (probs == NULL)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_LIMIT, "not enough memory for the predictions");
      return NULL;
    }
  for (gint64 start = 0; start < data->n_rows; start += batch_size)
    {
      gint64 n = MIN (batch_size, data->n_rows - start);
      DlpBatchStats stats = { 0 };
      if (!dlp_graph_evaluate_batch (graph, data->features + start * data->row_size,
                                     data->labels + start, n, probs + start * n_classes, &stats,
                                     error))
        return NULL;
    }
  /* A model without a final softmax gives logits: make them probabilities. */
  if (!dlp_graph_ends_with_softmax (graph))
    dlp_softmax_rows (probs, data->n_rows, n_classes);
  return g_steal_pointer (&probs);
}

static JsonNode *
confusion_rows (const DlpTrainingData *data, const float *probs)
{
  JsonArray *rows = json_array_new ();
  for (gint64 r = 0; r < data->n_rows; r++)
    {
      gint32 predicted = dlp_argmax (probs + r * data->n_classes, data->n_classes);
      JsonObject *row = json_object_new ();
      json_object_set_string_member (row, "actual", data->class_names[data->labels[r]]);
      json_object_set_string_member (row, "predicted", data->class_names[predicted]);
      json_array_add_object_element (rows, row);
    }
  return dlp_json_node_new_array (rows);
}

/* RFC 4180: quote a field that holds a comma, a quote or a line break. */
static void
append_csv_field (GString *s, const char *field)
{
  if (strpbrk (field, ",\"\r\n") == NULL)
    {
      g_string_append (s, field);
      return;
    }
  g_string_append_c (s, '"');
  for (const char *p = field; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (s, '"');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '"');
}

static gboolean
write_predictions (const char *path, const DlpTrainingData *data, const float *probs,
                   GError **error)
{
  g_autoptr (DlpAtomicFile) f = dlp_atomic_file_new (path, error);
  if (f == NULL)
    return FALSE;
  g_autoptr (GString) line = g_string_new ("row,actual,predicted");
  for (guint c = 0; c < data->n_classes; c++)
    {
      g_autofree char *name = g_strconcat ("p_", data->class_names[c], NULL);
      g_string_append_c (line, ',');
      append_csv_field (line, name);
    }
  g_string_append_c (line, '\n');
  for (gint64 r = 0; r < data->n_rows; r++)
    {
      const float *p = probs + r * data->n_classes;
      g_string_append_printf (line, "%" G_GINT64_FORMAT ",", r);
      append_csv_field (line, data->class_names[data->labels[r]]);
      g_string_append_c (line, ',');
      append_csv_field (line, data->class_names[dlp_argmax (p, data->n_classes)]);
      for (guint c = 0; c < data->n_classes; c++)
        g_string_append_printf (line, ",%.6g", (double) p[c]);
      g_string_append_c (line, '\n');
      /* Written in chunks, not held whole. */
      if (line->len > 1 << 16 && !dlp_atomic_file_write (f, line->str, line->len, error))
        return FALSE;
      if (line->len > 1 << 16)
        g_string_truncate (line, 0);
    }
  return dlp_atomic_file_write (f, line->str, line->len, error)
         && dlp_atomic_file_commit (f, error);
}

static gboolean
write_reports (const char *dir, const DlpTrainingData *data, const float *probs, JsonNode *metrics,
               JsonNode *per_class, GError **error)
{
  g_autofree char *metrics_path = g_build_filename (dir, "metrics.json", NULL);
  g_autofree char *per_class_path = g_build_filename (dir, "per_class.json", NULL);
  g_autofree char *confusion_path = g_build_filename (dir, "confusion.json", NULL);
  g_autofree char *predictions_path = g_build_filename (dir, "predictions.csv", NULL);
  /* One row per test sample: compact, unlike the small files. */
  g_autoptr (JsonNode) confusion = confusion_rows (data, probs);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, confusion);
  gsize len;
  g_autofree char *text = json_generator_to_data (gen, &len);
  return dlp_write_json_atomic (metrics_path, metrics, error)
         && dlp_write_json_atomic (per_class_path, per_class, error)
         && dlp_write_file_atomic (confusion_path, text, len, error)
         && write_predictions (predictions_path, data, probs, error);
}

static void
track_results (DlpStageRun *run, DlpTracking *tracking, const DlpEvaluation *e, double champion,
               const char *split_md5)
{
  const DlpMetric metrics[] = {
    { "test_accuracy", e->accuracy, 0, 0 },
    { "test_log_loss", e->log_loss, 0, 0 },
    { "test_macro_f1", e->macro_f1, 0, 0 },
    { "test_weighted_f1", e->weighted_f1, 0, 0 },
    { "test_macro_precision", e->macro_precision, 0, 0 },
    { "test_macro_recall", e->macro_recall, 0, 0 },
  };
  dlp_tracking_log_metrics (tracking, metrics, G_N_ELEMENTS (metrics));
  dlp_tracking_set_tag (tracking, DLP_TEST_SPLIT_MD5_TAG, split_md5);
  dlp_tracking_log_artifact (tracking, DLP_PATH_REPORTS, "reports");
  dlp_tracking_log_model (tracking, DLP_PATH_FINAL, "model");
  dlp_tracking_log_artifact (tracking, DLP_PATH_FINAL "/" DLP_PACKAGE_ENVIRONMENT, "");
  gboolean is_champion = dlp_champion_decide (run, tracking, e->accuracy, champion, split_md5);
  const char *aliases[] = { "candidate", is_champion ? "champion" : NULL, NULL };
  dlp_tracking_register_model (tracking, "model", aliases);
}

/* The precision models/trained was computed in (fp32 when its history
 * predates the setting), as the package scores it. */
static gboolean
trained_precision (DlpPrecision *precision, GError **error)
{
  const char *path = DLP_PATH_TRAINED "/history.json";
  g_autofree char *text = NULL;
  gsize length = 0;
  *precision = DLP_PRECISION_FP32;
  if (!g_file_get_contents (path, &text, &length, NULL))
    return TRUE;
  g_autoptr (JsonNode) root = dlp_json_parse (text, (gssize) length, path, error);
  if (root == NULL)
    return FALSE;
  const char *name = JSON_NODE_HOLDS_OBJECT (root)
                       ? dlp_json_get_string (json_node_get_object (root), "precision")
                       : NULL;
  *precision = dlp_precision_for_scoring (name, path);
  return TRUE;
}

static gboolean
evaluate (DlpStageRun *run, DlpTracking *tracking, DlpGraph *graph, double champion,
          gint64 batch_size, GError **error)
{
  g_autoptr (DlpTrainingData) data = dlp_training_data_load (DLP_PATH_TEST, error);
  if (data == NULL
      || !dlp_graph_load_weights (graph, DLP_PATH_TRAINED "/weights.safetensors", error)
      || !dlp_training_data_check_model (data, graph, DLP_PATH_TRAINED, error))
    return FALSE;
  dlp_tracking_log_dataset (tracking, DLP_PATH_TEST, "testing", data->dataset);
  g_autofree char *split_md5 = dlp_file_md5 (DLP_PATH_TEST, error);
  if (split_md5 == NULL)
    return FALSE;

  guint threads = g_get_num_processors ();
  dlp_blas_set_n_threads (1);
  DlpPrecision precision;
  if (!trained_precision (&precision, error))
    return FALSE;
  dlp_graph_set_precision (graph, precision);
  if (!dlp_graph_prepare (graph, batch_size, threads, error))
    return FALSE;
  g_autofree float *probs = predict (graph, data, batch_size, error);
  if (probs == NULL)
    return FALSE;
  g_autoptr (DlpEvaluation) e =
    dlp_evaluation_new (probs, data->labels, data->n_rows, data->n_classes);
  const char *const *names = (const char *const *) data->class_names;
  g_autoptr (JsonNode) metrics = dlp_evaluation_to_metrics_json (e);
  g_autoptr (JsonNode) per_class = dlp_evaluation_to_per_class_json (e, names);
  g_info ("test accuracy %.4f, macro F1 %.4f, log loss %.4f on %" G_GINT64_FORMAT " rows",
          e->accuracy, e->macro_f1, e->log_loss, data->n_rows);

  g_autoptr (DlpOutputDir) reports = dlp_output_dir_new (DLP_PATH_REPORTS, error);
  g_autoptr (DlpOutputDir) final = reports ? dlp_output_dir_new (DLP_PATH_FINAL, error) : NULL;
  /* An untracked package names no run: no server knows it. */
  g_autofree char *run_id =
    dlp_tracking_keeps_models (tracking) ? dlp_tracking_dup_run_id (tracking) : NULL;
  if (final == NULL
      || !write_reports (dlp_output_dir_get_staging (reports), data, probs, metrics, per_class,
                         error)
      || !dlp_package_write (dlp_output_dir_get_staging (final), run->registry, graph,
                             data->dataset, (const char *const *) data->class_names, metrics,
                             run_id, error)
      || !dlp_output_dir_commit (reports, error) || !dlp_output_dir_commit (final, error))
    return FALSE;
  track_results (run, tracking, e, champion, split_md5);
  return TRUE;
}

gboolean
dlp_stage_model_test (DlpStageRun *run, GError **error)
{
  g_autoptr (GError) missing = NULL;
  g_autoptr (DlpConfig) section = dlp_stage_get_section (run, "test", TRUE, &missing);
  if (section == NULL)
    section = dlp_config_parse ("test (defaults)", "{}\n", -1, NULL);
  double champion = NAN;
  gint64 batch_size = 256;
  if (!dlp_config_validate (section, test_params, NULL, error)
      || !dlp_config_get_double (section, "champion_accuracy", &champion, error)
      || !dlp_config_get_int (section, "batch_size", &batch_size, error))
    return FALSE;

  DlpGraph *graph = dlp_graph_load (run->registry, DLP_PATH_TRAINED "/model.json", error);
  if (graph == NULL)
    return FALSE;
  g_autoptr (DlpTracking) tracking =
    dlp_stage_start_tracking (run, "model_test", DLP_TRACKING_RUN_FILE, error);
  gboolean ok = tracking && evaluate (run, tracking, graph, champion, batch_size, error);
  if (tracking)
    dlp_tracking_finish (tracking, ok ? NULL : *error);
  dlp_graph_free (graph);
  return ok;
}
