/* cmd-predict.c: `dlpipe predict`, scoring a file with a model package. */
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "../serve/input-files.h"
#include "../serve/predictions.h"
#include "../app/progress.h"
#include "../stages/stages.h"

/* Rows preprocessed and scored at a time: bounded memory, and progress. */
#define CHUNK_ROWS 4096

typedef struct {
  char *model;
  char *input;
  char *output;
  char *format;
  gboolean probabilities;
  int batch_rows;
  char *precision;
} PredictOptions;

static void
clear_options (PredictOptions *o)
{
  g_free (o->model);
  g_free (o->input);
  g_free (o->output);
  g_free (o->format);
  g_free (o->precision);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PredictOptions, clear_options)

/* Every row's class probabilities, scored chunk by chunk. */
static float *
score_all (DlpApp *app, DlpPredictor *predictor, DlpDataset *rows, gboolean preprocessed,
           gint64 batch_rows, GError **error)
{
  dlp_blas_set_n_threads (1);
  g_autoptr (DlpPredictorSession) scorer =
    dlp_predictor_session_new (predictor, batch_rows, g_get_num_processors (), error);
  if (scorer == NULL)
    return NULL;
  gint64 n_rows = dlp_dataset_get_n_rows (rows);
  g_autofree float *all =
    g_try_new (float, (gsize) n_rows *dlp_predictor_get_n_classes (predictor) + 1);
  if (all == NULL)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_LIMIT,
                   "not enough memory for the "
                   "probabilities of %" G_GINT64_FORMAT " rows",
                   n_rows);
      return NULL;
    }
  for (gint64 start = 0; start < n_rows; start += CHUNK_ROWS)
    {
      if (g_cancellable_is_cancelled (app->cancellable))
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_CANCELLED,
                       "interrupted after %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " rows", start,
                       n_rows);
          return NULL;
        }
      gint64 n = MIN (CHUNK_ROWS, n_rows - start);
      g_autoptr (DlpDataset) chunk = dlp_dataset_take_range (rows, start, n, error);
      if (chunk == NULL)
        return NULL;
      gint64 first = preprocessed
                       ? dlp_predictor_session_add_preprocessed (scorer, chunk, start, error)
                       : dlp_predictor_session_add (scorer, chunk, start, error);
      if (first < 0 || !dlp_predictor_session_run (scorer, error))
        return NULL;
      memcpy (all + start * dlp_predictor_get_n_classes (predictor),
              dlp_predictor_session_get_probabilities (scorer, 0),
              (gsize) (n * dlp_predictor_get_n_classes (predictor)) * sizeof (float));
      dlp_predictor_session_clear (scorer);
      dlp_progress_report ("scoring", (guint64) (start + n), (guint64) n_rows, app->progress);
    }
  return g_steal_pointer (&all);
}

static gboolean
write_output (const char *path, const char *text, gsize length, GError **error)
{
  if (path == NULL)
    {
      if (fwrite (text, 1, length, stdout) != length || fflush (stdout) != 0)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_IO,
                       "cannot write the predictions to "
                       "standard output");
          return FALSE;
        }
      return TRUE;
    }
  return dlp_write_file_atomic (path, text, length, error);
}

static gboolean
predict (DlpApp *app, const PredictOptions *o, gboolean json, GError **error)
{
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (DlpPredictor) predictor =
    dlp_predictor_new (dlp_app_get_registry (app), o->model, error);
  if (predictor == NULL
      || (o->precision && !dlp_predictor_set_precision (predictor, o->precision, error)))
    return FALSE;
  DlpScoreOptions score_options = { .probabilities = o->probabilities };
  gboolean preprocessed = FALSE;
  g_autoptr (DlpDataset) rows =
    dlp_input_file_read (predictor, o->input, &score_options, &preprocessed, error);
  if (rows == NULL)
    return FALSE;
  g_autofree float *probs = score_all (app, predictor, rows, preprocessed, o->batch_rows, error);
  if (probs == NULL)
    return FALSE;

  gint64 n_rows = dlp_dataset_get_n_rows (rows);
  g_autoptr (GString) out = g_string_new (NULL);
  if (json)
    dlp_predictions_append_json (out, predictor, probs, n_rows, score_options.probabilities);
  else
    {
      dlp_predictions_append_csv_header (out, predictor);
      dlp_predictions_append_csv (out, predictor, 0, probs, n_rows);
    }
  if (!write_output (o->output, out->str, out->len, error))
    return FALSE;
  g_info ("scored %" G_GINT64_FORMAT " rows of %s%s in %.2f s (%s)%s%s", n_rows, o->input,
          preprocessed ? " (preprocessed already)" : "",
          (double) (g_get_monotonic_time () - t0) / G_USEC_PER_SEC,
          dlp_precision_get_name (dlp_predictor_get_precision (predictor)), o->output ? ": " : "",
          o->output ? o->output : "");
  return TRUE;
}

int
dlp_cmd_predict (DlpApp *app, int argc, char **argv)
{
  g_auto (PredictOptions) o = { .batch_rows = 256 };
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &o.model, "The model package (default: models/final)",
      "DIR" },
    { "input", 'i', 0, G_OPTION_ARG_FILENAME, &o.input,
      "The rows to score: .csv, .json, .safetensors or an IDX file", "FILE" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &o.output,
      "Where to write the predictions (default: standard output)", "FILE" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &o.format,
      "csv or json (default: from the output's name, else csv)", "FORMAT" },
    { "probabilities", 0, 0, G_OPTION_ARG_NONE, &o.probabilities,
      "In JSON, give each class's probability too (CSV always has them)", NULL },
    { "precision", 0, 0, G_OPTION_ARG_STRING, &o.precision,
      "fp32, bf16 or auto (default: the package's, which the model was trained in)", "P" },
    { "batch-rows", 0, 0, G_OPTION_ARG_INT, &o.batch_rows, "Rows per forward pass (default 256)",
      "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  int status = dlp_cmd_parse_options (app, ctx,
                                      "Scores the rows of a file with a model package (what "
                                      "model_test writes to models/final): the predicted "
                                      "class of each row and the probability of every class.",
                                      entries, FALSE, &argc, &argv);
  if (status >= 0)
    return status;
  if (o.input == NULL)
    return dlp_usage_error (argv[0], "--input is required");
  if (o.batch_rows < 1)
    return dlp_usage_error (argv[0], "--batch-rows must be at least 1");
  if (o.precision && !dlp_cmd_precision_name_valid (o.precision))
    return dlp_usage_error (argv[0], "--precision: expected fp32, bf16 or auto, got '%s'",
                            o.precision);
  if (o.model == NULL)
    o.model = g_strdup ("models/final");
  gboolean json;
  if (o.format)
    {
      if (strcmp (o.format, "csv") != 0 && strcmp (o.format, "json") != 0)
        return dlp_usage_error (argv[0], "--format: expected csv or json, got '%s'", o.format);
      json = strcmp (o.format, "json") == 0;
    }
  else
    json = o.output && g_str_has_suffix (o.output, ".json");

  g_autoptr (GError) error = NULL;
  if (!predict (app, &o, json, &error))
    {
      dlp_print_error (error);
      return dlp_stage_exit_status (error);
    }
  return DLP_EXIT_OK;
}
