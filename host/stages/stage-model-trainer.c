/* stage-model-trainer.c: train models/built on data/split/train into
 * models/trained, with DVCLive-layout metrics in dvclive/. */
#include <math.h>
#include <stdio.h>
#include "stages.h"
#include "paths.h"
#include "output-dir.h"
#include "../app/progress.h"
#include "../collective/launch.h"
#include "../tracking/tracking.h"
#include "../train/dvclive.h"
#include "../train/train-settings.h"
#include "../train/trainer.h"

#define CHECKPOINT_DIR "models/checkpoint"

typedef struct {
  DlpStageRun *run;
  DlpTracking *tracking;
  gint64 epochs;
  const char *task;
} Reporter;

static void
on_batch (gpointer data, gint64 epoch, gint64 batch, gint64 n_batches, const DlpBatchStats *stats,
          double samples_per_second)
{
  Reporter *rep = data;
  DlpProgress *progress = rep->run->app->progress;
  if (!dlp_progress_is_live (progress))
    return;
  const int width = 20;
  int filled = (int) (width * batch / n_batches);
  char bar[32];
  for (int i = 0; i < width; i++)
    bar[i] = i < filled ? '=' : i == filled ? '>' : ' ';
  bar[width] = '\0';
  double left = (double) (n_batches - batch) * (double) stats->n_rows / (double) batch
                / MAX (samples_per_second, 1e-9);
  g_autofree char *text = g_strdup_printf (
    "epoch %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT " [%s] %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT
    "  loss %.4f  accuracy %.4f  %.0f samples/s  %d:%02d left",
    epoch, rep->epochs, bar, batch, n_batches, stats->loss_sum / stats->weight_sum,
    (double) stats->n_correct / (double) stats->n_rows, samples_per_second, (int) left / 60,
    (int) left % 60);
  dlp_progress_report_text (progress, rep->task, text);
}

static gboolean
on_epoch (gpointer data, const DlpEpochResult *r, GError **error)
{
  Reporter *rep = data;
  (void) error;
  dlp_progress_report_text (rep->run->app->progress, rep->task, NULL);
  g_autoptr (GString) line = g_string_new (NULL);
  g_string_append_printf (
    line, "epoch %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT ": loss %.4f, accuracy %.4f", r->epoch,
    rep->epochs, r->loss, r->accuracy);
  if (!isnan (r->val_loss))
    g_string_append_printf (line, ", val_loss %.4f, val_accuracy %.4f", r->val_loss,
                            r->val_accuracy);
  g_string_append_printf (line, ", lr %g, %.0f samples/s, %.1f s", r->learning_rate,
                          r->samples_per_second, r->seconds);
  g_info ("%s", line->str);

  /* Steps count epochs, as in dvclive/. */
  const DlpMetric all[] = {
    { "loss", r->loss, r->epoch - 1, 0 },
    { "accuracy", r->accuracy, r->epoch - 1, 0 },
    { "val_loss", r->val_loss, r->epoch - 1, 0 },
    { "val_accuracy", r->val_accuracy, r->epoch - 1, 0 },
    { "learning_rate", r->learning_rate, r->epoch - 1, 0 },
    { "samples_per_second", r->samples_per_second, r->epoch - 1, 0 },
    { "allreduce_seconds", r->allreduce_seconds, r->epoch - 1, 0 },
  };
  DlpMetric present[G_N_ELEMENTS (all)];
  guint n = 0;
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    if (!isnan (all[i].value))
      present[n++] = all[i];
  dlp_tracking_log_metrics (rep->tracking, present, n);
  return TRUE;
}

/* A hash of everything that decides the run, so that a checkpoint is
 * only resumed by the same run. */
static char *
fingerprint (const DlpTrainSettings *settings, const DlpTrainingData *data,
             const DlpTrainingData *val, GError **error)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  const char *files[] = { DLP_PATH_BUILT "/model.json", DLP_PATH_BUILT "/weights.safetensors" };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *bytes = NULL;
      gsize len;
      if (!g_file_get_contents (files[i], &bytes, &len, NULL))
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_IO, "cannot read %s", files[i]);
          return NULL;
        }
      g_checksum_update (sum, (const guchar *) bytes, (gssize) len);
    }
  for (guint i = 0; i < settings->leaves->len; i++)
    {
      DlpConfigLeaf *leaf = g_ptr_array_index (settings->leaves, i);
      g_autofree char *kv = g_strdup_printf ("%s=%s\n", leaf->key, leaf->value);
      g_checksum_update (sum, (const guchar *) kv, -1);
    }
  /* What train.precision resolved to, not the word auto: a run may not
   * resume in a precision other than the one it began in. */
  g_autofree char *rows =
    g_strdup_printf ("%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT "\nprecision=%s\n", data->n_rows,
                     val ? val->n_rows : 0, dlp_precision_get_name (settings->precision));
  g_checksum_update (sum, (const guchar *) rows, -1);
  return g_strdup (g_checksum_get_string (sum));
}

static gboolean
write_outputs (DlpGraph *graph, DlpTrainer *trainer, DlpTracking *tracking, GError **error)
{
  g_autoptr (DlpOutputDir) trained = dlp_output_dir_new (DLP_PATH_TRAINED, error);
  g_autoptr (DlpOutputDir) live = trained ? dlp_output_dir_new (DLP_PATH_DVCLIVE, error) : NULL;
  if (live == NULL)
    return FALSE;
  g_autofree char *arch = dlp_output_dir_file (trained, "model.json");
  g_autofree char *weights = dlp_output_dir_file (trained, "weights.safetensors");
  g_autofree char *optimizer = dlp_output_dir_file (trained, "optimizer.safetensors");
  g_autofree char *history = dlp_output_dir_file (trained, "history.json");
  g_autofree char *run_file =
    g_build_filename (dlp_output_dir_get_staging (trained), "tracking-run.json", NULL);

  GArray *h = dlp_trainer_get_history (trainer);
  JsonObject *o = json_object_new ();
  json_object_set_int_member (o, "final_epoch", dlp_trainer_get_final_epoch (trainer));
  JsonArray *epochs = json_array_sized_new (h->len);
  for (guint i = 0; i < h->len; i++)
    json_array_add_element (epochs,
                            dlp_epoch_result_to_json (&g_array_index (h, DlpEpochResult, i)));
  json_object_set_array_member (o, "epochs", epochs);
  /* What the weights were computed in; model_test scores in the same. */
  json_object_set_string_member (o, "precision",
                                 dlp_precision_get_name (dlp_graph_get_precision (graph)));
  json_object_set_string_member (o, "kernels", dlp_kernels_get_library ());
  json_object_set_string_member (o, "kernels_isa", dlp_kernels_get_isa ());
  g_autoptr (JsonNode) history_json = dlp_json_node_new_object (o);

  return dlp_graph_save_architecture (graph, arch, error)
         && dlp_graph_save_weights (graph, weights, error)
         && dlp_trainer_save_optimizer (trainer, optimizer, error)
         && dlp_write_json_atomic (history, history_json, error)
         && dlp_dvclive_write (dlp_output_dir_get_staging (live), h, error)
         && dlp_tracking_write_run_file (tracking, run_file, error)
         && dlp_output_dir_commit (trained, error) && dlp_output_dir_commit (live, error);
}

/* Everything after the graph is loaded; the caller frees the graph. */
static gboolean
train (DlpStageRun *run, DlpTracking *tracking, DlpTrainSettings *settings, DlpGraph *graph,
       const DlpTrainingData *data, const DlpTrainingData *val, DlpCollective *job, GError **error)
{
  gboolean lead = job == NULL || dlp_collective_rank (job) == 0;
  if (!dlp_graph_load_weights (graph, DLP_PATH_BUILT "/weights.safetensors", error)
      || !dlp_training_data_check_model (data, graph, DLP_PATH_BUILT, error)
      || (val && !dlp_training_data_check_model (val, graph, DLP_PATH_BUILT, error)))
    return FALSE;

  g_autofree float *class_weights = NULL;
  if (settings->class_weights || settings->class_weight_values)
    {
      class_weights = dlp_train_settings_class_weights (settings, data->labels, data->n_rows,
                                                        data->n_classes, error);
      if (class_weights == NULL)
        return FALSE;
    }
  DlpLossOptions loss = { sizeof loss, settings->label_smoothing, class_weights };
  dlp_graph_set_loss (graph, &loss);

  g_autofree char *print = fingerprint (settings, data, val, error);
  settings->options.fingerprint = print;
  g_autoptr (DlpTrainer) trainer =
    print ? dlp_trainer_new (graph, settings, run->context, error) : NULL;
  gboolean ok = trainer != NULL;
  if (ok)
    dlp_trainer_set_collective (trainer, job);
  /* Rank 0 resumes; the trainer hands its position to the others. */
  if (ok && run->app->resume && lead)
    ok = dlp_trainer_resume (trainer, CHECKPOINT_DIR, error);
  if (ok)
    {
      g_info ("training on %" G_GINT64_FORMAT " rows (%s)%s, %u threads%s, %s on %s (%s)",
              data->n_rows, data->layout, val ? " with validation" : "", settings->threads,
              settings->split_batch ? " splitting each batch" : " inside the kernels",
              dlp_precision_get_name (settings->precision), dlp_kernels_get_library (),
              dlp_kernels_get_isa ());
      Reporter rep = { run, tracking, settings->options.epochs, "training" };
      DlpTrainHooks hooks = { &rep, on_batch, on_epoch };
      ok = dlp_trainer_fit (trainer, data, val, run->context, lead ? CHECKPOINT_DIR : NULL,
                            lead ? &hooks : NULL, error);
      dlp_progress_report_text (run->app->progress, rep.task, NULL);
    }
  return ok && (!lead || write_outputs (graph, trainer, tracking, error));
}

/* The ranks of the job this process belongs to. */
static DlpCollective *
join_job (const DlpDistributedSettings *d, GError **error)
{
  g_autoptr (DlpCollective) job = dlp_collective_open (d->collective, d->section, error);
  if (job == NULL)
    return NULL;
  if (dlp_collective_size (job) != d->ranks)
    g_warning ("train.distributed.ranks is %" G_GINT64_FORMAT ", but the job has %d ranks: "
               "training on %d",
               d->ranks, dlp_collective_size (job), dlp_collective_size (job));
  return g_steal_pointer (&job);
}

/* Started alone (by `dlpipe run`, or by hand): starts this stage again
 * as the job train.distributed describes, and waits for it. */
static gboolean
launch_job (DlpStageRun *run, const DlpDistributedSettings *d, GError **error)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autoptr (GStrvBuilder) command = g_strv_builder_new ();
  g_strv_builder_add_many (command, self ? self : "dlpipe", "stage", "model_trainer", "-p",
                           run->app->params_file ? run->app->params_file : "params.yaml", NULL);
  for (guint i = 0; run->app->overrides && run->app->overrides[i]; i++)
    g_strv_builder_add_many (command, "--set", run->app->overrides[i], NULL);
  if (run->app->resume)
    g_strv_builder_add (command, "--resume");
  g_auto (GStrv) words = g_strv_builder_end (command);
  g_auto (GStrv) argv =
    dlp_launch_argv (d->ranks, (const char *const *) d->hosts,
                     (const char *const *) d->launcher_args, (const char *const *) words);
  return dlp_launch_run ((const char *const *) argv, error);
}

/* The stage once the settings are read; @job is NULL alone. Only rank 0
 * tracks, writes outputs and checkpoints. */
static gboolean
run_stage (DlpStageRun *run, DlpTrainSettings *settings, DlpCollective *job, GError **error)
{
  gboolean lead = job == NULL || dlp_collective_rank (job) == 0;
  g_autoptr (DlpTrainingData) data = dlp_training_data_load (DLP_PATH_TRAIN, error);
  if (data == NULL)
    return FALSE;
  g_autoptr (DlpTrainingData) val = NULL;
  if (g_file_test (DLP_PATH_VAL, G_FILE_TEST_EXISTS)
      && (val = dlp_training_data_load (DLP_PATH_VAL, error)) == NULL)
    return FALSE;

  DlpGraph *graph = dlp_graph_load (run->registry, DLP_PATH_BUILT "/model.json", error);
  if (graph == NULL)
    return FALSE;
  g_autoptr (DlpTracking) tracking =
    lead ? dlp_stage_start_tracking (run, "model_trainer", NULL, error)
         : dlp_tracking_start (NULL, run->registry, run->context, run->params, "model_trainer",
                               NULL, error);
  if (tracking == NULL)
    {
      dlp_graph_free (graph);
      return FALSE;
    }
  dlp_tracking_log_dataset (tracking, DLP_PATH_TRAIN, "training", data->dataset);
  /* train.precision may say auto: the run records what it became. */
  dlp_tracking_log_param (tracking, "dlpipe.precision",
                          dlp_precision_get_name (settings->precision));
  dlp_tracking_log_param (tracking, "dlpipe.kernels", dlp_kernels_get_library ());
  dlp_tracking_log_param (tracking, "dlpipe.kernels.isa", dlp_kernels_get_isa ());
  if (job)
    {
      int size = dlp_collective_size (job);
      g_autofree char *world = g_strdup_printf ("%d", size);
      g_autofree char *global = g_strdup_printf ("%" G_GINT64_FORMAT, settings->options.batch_size);
      g_autofree char *per_rank =
        g_strdup_printf ("%" G_GINT64_FORMAT, (settings->options.batch_size + size - 1) / size);
      dlp_tracking_log_param (tracking, "dlpipe.distributed.world_size", world);
      dlp_tracking_log_param (tracking, "dlpipe.distributed.collective",
                              dlp_collective_describe (job));
      dlp_tracking_log_param (tracking, "dlpipe.distributed.global_batch", global);
      dlp_tracking_log_param (tracking, "dlpipe.distributed.rank_batch", per_rank);
      if (lead)
        g_info ("training data-parallel: %s, global batch %s, up to %s rows per rank",
                dlp_collective_describe (job), global, per_rank);
    }
  if (val)
    dlp_tracking_log_dataset (tracking, DLP_PATH_VAL, "validation", val->dataset);
  gboolean ok = train (run, tracking, settings, graph, data, val, job, error);
  if (ok)
    {
      dlp_tracking_log_artifact (tracking, DLP_PATH_TRAINED, "trained");
      dlp_tracking_log_artifact (tracking, DLP_PATH_DVCLIVE, "dvclive");
    }
  dlp_tracking_finish (tracking, ok ? NULL : *error);
  dlp_graph_free (graph);
  if (ok && lead)
    dlp_remove_tree (CHECKPOINT_DIR);
  return ok;
}

gboolean
dlp_stage_model_trainer (DlpStageRun *run, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (DlpConfig) section = dlp_stage_get_section (run, "train", TRUE, &local);
  g_auto (DlpTrainSettings) settings = { 0 };
  if (!dlp_train_settings_load (&settings, section, run->registry, error))
    return FALSE;
  if (settings.distributed.ranks <= 1)
    return run_stage (run, &settings, NULL, error);
  if (!dlp_launch_is_inside_job ())
    return launch_job (run, &settings.distributed, error);

  g_autoptr (DlpCollective) job = join_job (&settings.distributed, error);
  if (job == NULL)
    return FALSE;
  g_autoptr (GError) failure = NULL;
  if (run_stage (run, &settings, job, &failure))
    return TRUE;
  /* Every rank stopped at the same step on a cancel: each returns. Any
   * other error is this rank's alone, and the others would wait for it. */
  if (g_error_matches (failure, DLP_ERROR, DLP_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_steal_pointer (&failure));
      return FALSE;
    }
  dlp_collective_abort (job, failure->message, 1);
}
