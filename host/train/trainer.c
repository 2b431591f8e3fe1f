/* trainer.c: epochs, batches, validation, early stopping, checkpoints. */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include <dlpipe/host/dlp-kernels.h>
#include "clip.h"
#include "data-parallel.h"
#include "monitor.h"
#include "trainer.h"

#define CHECKPOINT_FORMAT "dlpipe-checkpoint-1"
#define CHECKPOINT_STATE "state.safetensors"

struct _DlpTrainer {
  DlpGraph *graph;
  const DlpOptimizerClass *klass;
  gpointer optimizer;
  DlpSchedule *schedule;
  DlpTrainOptions options;
  char *monitor_name;
  char *fingerprint;

  gsize n_params;
  float *opt_state;
  gsize state_size;
  float *best; /* parameters then state of the best epoch, with restore_best */
  gsize n_best;
  DlpMonitor monitor;

  /* Position: epochs done, batches done in the next one, updates done. */
  gint64 epoch;
  gint64 batch;
  guint64 step;
  DlpBatchStats partial; /* the unfinished epoch's sums */
  double partial_seconds;
  gboolean stopped;          /* early stopping ended the run */
  GArray *history;           /* DlpEpochResult */
  DlpCollective *collective; /* the job's ranks; NULL: this process alone */
  double reduce_seconds;     /* in the epoch's gradient sums */
};

/* One kind of parallelism at a time: the graph's threads, splitting the
 * batch, or OpenBLAS's. Returns the graph's. */
static guint
share_threads (const DlpTrainSettings *settings, DlpContext *context)
{
  dlp_blas_set_n_threads (settings->split_batch ? 1 : (int) settings->threads);
  if (context)
    dlp_context_set_n_threads (context, settings->threads);
  return settings->split_batch ? settings->threads : 1;
}

DlpTrainer *
dlp_trainer_new (DlpGraph *graph, const DlpTrainSettings *settings, DlpContext *context,
                 GError **error)
{
  const DlpTrainOptions *options = &settings->options;
  const DlpOptimizerClass *klass = settings->optimizer.klass;
  gpointer optimizer = klass->create (settings->optimizer.section, error);
  if (optimizer == NULL)
    return NULL;
  guint n_threads = share_threads (settings, context);
  dlp_graph_set_precision (graph, settings->precision);
  if (!dlp_graph_prepare (graph, options->batch_size, MAX (n_threads, 1), error))
    {
      klass->destroy (optimizer);
      return NULL;
    }
  DlpTrainer *t = g_new0 (DlpTrainer, 1);
  t->graph = graph;
  t->klass = klass;
  t->optimizer = optimizer;
  t->schedule =
    dlp_schedule_new (&settings->schedule, settings->optimizer.learning_rate, options->epochs);
  t->options = *options;
  t->monitor_name = g_strdup (options->monitor ? options->monitor : "val_loss");
  t->options.monitor = t->monitor_name;
  t->fingerprint = g_strdup (options->fingerprint ? options->fingerprint : "");
  t->options.fingerprint = t->fingerprint;
  t->n_params = dlp_graph_get_n_params (graph);
  t->state_size = klass->get_state_size ? klass->get_state_size (optimizer, t->n_params) : 0;
  t->opt_state = g_new0 (float, MAX (t->state_size, 1));
  if (options->restore_best && options->patience > 0)
    {
      t->n_best = t->n_params + dlp_graph_get_n_state (graph);
      t->best = g_new0 (float, MAX (t->n_best, 1));
    }
  dlp_monitor_init (&t->monitor, t->monitor_name, options->min_delta);
  t->history = g_array_new (FALSE, TRUE, sizeof (DlpEpochResult));
  dlp_graph_set_seed (graph, options->seed);
  return t;
}

void
dlp_trainer_free (DlpTrainer *t)
{
  if (t == NULL)
    return;
  t->klass->destroy (t->optimizer);
  dlp_schedule_free (t->schedule);
  g_free (t->monitor_name);
  g_free (t->fingerprint);
  g_free (t->opt_state);
  g_free (t->best);
  g_array_unref (t->history);
  g_free (t);
}

void
dlp_trainer_set_collective (DlpTrainer *t, DlpCollective *collective)
{
  t->collective = collective && dlp_collective_size (collective) > 1 ? collective : NULL;
}

GArray *
dlp_trainer_get_history (DlpTrainer *t)
{
  return t->history;
}

gint64
dlp_trainer_get_final_epoch (DlpTrainer *t)
{
  if (t->best && t->monitor.best_epoch >= 0)
    return t->monitor.best_epoch + 1;
  return t->epoch;
}

/* --- checkpoints --- */

static void
set_double_or_null (JsonObject *o, const char *name, double value)
{
  /* JSON has no NaN: a metric that does not exist is null. */
  if (isfinite (value))
    json_object_set_double_member (o, name, value);
  else
    json_object_set_null_member (o, name);
}

static double
get_double (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  return n && !JSON_NODE_HOLDS_NULL (n) ? json_node_get_double (n) : NAN;
}

JsonNode *
dlp_epoch_result_to_json (const DlpEpochResult *r)
{
  JsonObject *o = json_object_new ();
  json_object_set_int_member (o, "epoch", r->epoch);
  set_double_or_null (o, "loss", r->loss);
  set_double_or_null (o, "accuracy", r->accuracy);
  set_double_or_null (o, "val_loss", r->val_loss);
  set_double_or_null (o, "val_accuracy", r->val_accuracy);
  set_double_or_null (o, "learning_rate", r->learning_rate);
  set_double_or_null (o, "samples_per_second", r->samples_per_second);
  set_double_or_null (o, "seconds", r->seconds);
  if (isfinite (r->allreduce_seconds))
    json_object_set_double_member (o, "allreduce_seconds", r->allreduce_seconds);
  return dlp_json_node_new_object (o);
}

static JsonNode *
state_to_json (DlpTrainer *t, const char *weights_file)
{
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "format", CHECKPOINT_FORMAT);
  json_object_set_string_member (o, "fingerprint", t->fingerprint);
  json_object_set_string_member (o, "weights", weights_file);
  json_object_set_string_member (o, "kernels", dlp_kernels_get_library ());
  json_object_set_string_member (o, "kernels_isa", dlp_kernels_get_isa ());
  json_object_set_int_member (o, "epoch", t->epoch);
  json_object_set_int_member (o, "batch", t->batch);
  json_object_set_int_member (o, "step", (gint64) t->step);
  json_object_set_int_member (o, "graph_step", (gint64) dlp_graph_get_step (t->graph));
  json_object_set_boolean_member (o, "stopped", t->stopped);
  JsonObject *partial = json_object_new ();
  set_double_or_null (partial, "loss_sum", t->partial.loss_sum);
  set_double_or_null (partial, "weight_sum", t->partial.weight_sum);
  json_object_set_int_member (partial, "n_correct", t->partial.n_correct);
  json_object_set_int_member (partial, "n_rows", t->partial.n_rows);
  set_double_or_null (partial, "seconds", t->partial_seconds);
  json_object_set_object_member (o, "partial", partial);
  json_object_set_member (o, "schedule", dlp_schedule_save_state (t->schedule));
  json_object_set_member (o, "monitor", dlp_monitor_save_state (&t->monitor));
  JsonArray *history = json_array_sized_new (t->history->len);
  for (guint i = 0; i < t->history->len; i++)
    json_array_add_element (
      history, dlp_epoch_result_to_json (&g_array_index (t->history, DlpEpochResult, i)));
  json_object_set_array_member (o, "history", history);
  return dlp_json_node_new_object (o);
}

static DlpTensor *
floats_tensor (const float *values, gsize n)
{
  DlpTensor *t = dlp_tensor_new_1d (DLP_DTYPE_F32, (gint64) n, NULL);
  if (n)
    memcpy (dlp_tensor_get_data_mut (t), values, n * sizeof (float));
  return t;
}

/* Removes weights files of older checkpoints, once the new state that
 * points at the newest one is in place. */
static void
remove_old_weights (const char *dir, const char *keep)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    if (g_str_has_prefix (name, "weights-") && strcmp (name, keep) != 0)
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);
        g_unlink (path);
      }
}

/* Weights go to a file named after the step, then the state file that
 * names it replaces the old one: a checkpoint interrupted at any moment
 * leaves the previous one whole. */
static gboolean
save_checkpoint (DlpTrainer *t, const char *dir, GError **error)
{
  if (dir == NULL)
    return TRUE;
  g_autofree char *weights_file =
    g_strdup_printf ("weights-%" G_GUINT64_FORMAT ".safetensors", t->step);
  g_autofree char *weights_path = g_build_filename (dir, weights_file, NULL);
  if (!dlp_graph_save_weights (t->graph, weights_path, error))
    return FALSE;

  g_autoptr (DlpSafetensorsWriter) w = dlp_safetensors_writer_new ();
  g_autoptr (DlpTensor) state = floats_tensor (t->opt_state, t->state_size);
  if (!dlp_safetensors_writer_add (w, "optimizer", state, error))
    return FALSE;
  if (t->best)
    {
      g_autoptr (DlpTensor) best = floats_tensor (t->best, t->n_best);
      if (!dlp_safetensors_writer_add (w, "best", best, error))
        return FALSE;
    }
  g_autoptr (JsonNode) json = state_to_json (t, weights_file);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, json);
  g_autofree char *text = json_generator_to_data (gen, NULL);
  dlp_safetensors_writer_set_metadata (w, "dlpipe.checkpoint", text);
  g_autofree char *state_path = g_build_filename (dir, CHECKPOINT_STATE, NULL);
  if (!dlp_safetensors_writer_write (w, state_path, error))
    return FALSE;
  remove_old_weights (dir, weights_file);
  return TRUE;
}

static gboolean
checkpoint_error (GError **error, const char *path, const char *what)
{
  g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "%s: %s", path, what);
  return FALSE;
}

static gboolean
restore_floats (DlpSafetensors *st, const char *name, float *dst, gsize n, const char *path,
                GError **error)
{
  DlpTensor *tensor = dlp_safetensors_lookup (st, name, error);
  if (tensor == NULL)
    return FALSE;
  if (dlp_tensor_get_dtype (tensor) != DLP_DTYPE_F32 || dlp_tensor_get_n_elements (tensor) != n)
    return checkpoint_error (error, path, "optimizer state does not fit this model and optimizer");
  if (n)
    memcpy (dst, dlp_tensor_get_data (tensor), n * sizeof (float));
  return TRUE;
}

/* The position, the epoch's partial sums, the schedule, the monitor and
 * the history, from state_to_json's object. */
static gboolean
load_position (DlpTrainer *t, JsonObject *o, GError **error)
{
  t->epoch = json_object_get_int_member_with_default (o, "epoch", 0);
  t->batch = json_object_get_int_member_with_default (o, "batch", 0);
  t->step = (guint64) json_object_get_int_member_with_default (o, "step", 0);
  t->stopped = json_object_get_boolean_member_with_default (o, "stopped", FALSE);
  dlp_graph_set_step (t->graph,
                      (guint64) json_object_get_int_member_with_default (o, "graph_step", 0));
  JsonObject *p = json_object_get_object_member (o, "partial");
  if (p)
    {
      t->partial.loss_sum = get_double (p, "loss_sum");
      t->partial.weight_sum = get_double (p, "weight_sum");
      t->partial.n_correct = json_object_get_int_member_with_default (p, "n_correct", 0);
      t->partial.n_rows = json_object_get_int_member_with_default (p, "n_rows", 0);
      t->partial_seconds = get_double (p, "seconds");
    }
  if (!dlp_schedule_load_state (t->schedule, json_object_get_member (o, "schedule"), error)
      || !dlp_monitor_load_state (&t->monitor, json_object_get_member (o, "monitor"), error))
    return FALSE;
  JsonArray *history = json_object_get_array_member (o, "history");
  g_array_set_size (t->history, 0);
  for (guint i = 0; history && i < json_array_get_length (history); i++)
    {
      JsonObject *h = json_array_get_object_element (history, i);
      DlpEpochResult r = {
        .epoch = json_object_get_int_member_with_default (h, "epoch", i + 1),
        .loss = get_double (h, "loss"),
        .accuracy = get_double (h, "accuracy"),
        .val_loss = get_double (h, "val_loss"),
        .val_accuracy = get_double (h, "val_accuracy"),
        .learning_rate = get_double (h, "learning_rate"),
        .samples_per_second = get_double (h, "samples_per_second"),
        .seconds = get_double (h, "seconds"),
        .allreduce_seconds = get_double (h, "allreduce_seconds"),
      };
      g_array_append_val (t->history, r);
    }
  return TRUE;
}

gboolean
dlp_trainer_resume (DlpTrainer *t, const char *dir, GError **error)
{
  g_autofree char *path = g_build_filename (dir, CHECKPOINT_STATE, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND, "no checkpoint in %s", dir);
      return FALSE;
    }
  g_autoptr (DlpSafetensors) st = dlp_safetensors_read (path, error);
  if (st == NULL)
    return FALSE;
  const char *text = dlp_safetensors_get_metadata (st, "dlpipe.checkpoint");
  g_autoptr (GError) local = NULL;
  g_autoptr (JsonNode) root = text ? dlp_json_parse (text, -1, path, &local) : NULL;
  if (g_error_matches (local, DLP_ERROR, DLP_ERROR_LIMIT))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return checkpoint_error (error, path, "not a dlpipe checkpoint");
  JsonObject *o = json_node_get_object (root);
  if (g_strcmp0 (json_object_get_string_member_with_default (o, "format", ""), CHECKPOINT_FORMAT)
      != 0)
    return checkpoint_error (error, path, "unsupported checkpoint format");
  if (g_strcmp0 (json_object_get_string_member_with_default (o, "fingerprint", ""), t->fingerprint)
      != 0)
    return checkpoint_error (error, path,
                             "it was made with other settings (the model, the "
                             "train section or the data changed); train from the start instead");

  g_autofree char *weights =
    g_build_filename (dir, json_object_get_string_member_with_default (o, "weights", ""), NULL);
  if (!dlp_graph_load_weights (t->graph, weights, error)
      || !restore_floats (st, "optimizer", t->opt_state, t->state_size, path, error)
      || (t->best && !restore_floats (st, "best", t->best, t->n_best, path, error)))
    return FALSE;

  if (!load_position (t, o, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  /* Other kernels round differently: the run goes on, but its weights
   * will not be those of an uninterrupted run. */
  const char *kernels = json_object_get_string_member_with_default (o, "kernels", "");
  const char *isa = json_object_get_string_member_with_default (o, "kernels_isa", "");
  if (g_strcmp0 (kernels, dlp_kernels_get_library ()) != 0
      || g_strcmp0 (isa, dlp_kernels_get_isa ()) != 0)
    g_warning ("%s was written computing on %s (%s), this process computes on %s (%s): "
               "the resumed run will not be bit-identical to an uninterrupted one",
               path, kernels, isa, dlp_kernels_get_library (), dlp_kernels_get_isa ());
  g_info ("resuming after epoch %" G_GINT64_FORMAT ", batch %" G_GINT64_FORMAT
          " (step %" G_GUINT64_FORMAT ")",
          t->epoch, t->batch, t->step);
  return TRUE;
}

gboolean
dlp_trainer_save_optimizer (DlpTrainer *t, const char *path, GError **error)
{
  g_autoptr (DlpSafetensorsWriter) w = dlp_safetensors_writer_new ();
  g_autoptr (DlpTensor) state = floats_tensor (t->opt_state, t->state_size);
  g_autoptr (DlpTensor) step = dlp_tensor_new_1d (DLP_DTYPE_I64, 1, NULL);
  *(gint64 *) dlp_tensor_get_data_mut (step) = (gint64) t->step;
  g_autofree char *step_text = g_strdup_printf ("%" G_GUINT64_FORMAT, t->step);
  dlp_safetensors_writer_set_metadata (w, "step", step_text);
  return dlp_safetensors_writer_add (w, "state", state, error)
         && dlp_safetensors_writer_add (w, "step", step, error)
         && dlp_safetensors_writer_write (w, path, error);
}

/* --- the loop --- */

static double
metric_value (const DlpEpochResult *r, const char *name)
{
  if (strcmp (name, "loss") == 0)
    return r->loss;
  if (strcmp (name, "accuracy") == 0)
    return r->accuracy;
  if (strcmp (name, "val_accuracy") == 0)
    return r->val_accuracy;
  return r->val_loss;
}

/* Scores @data: with several ranks, each its part, and the sums reduced. */
static gboolean
evaluate (DlpTrainer *t, const DlpTrainingData *data, DlpBatchStats *stats, GError **error)
{
  gint64 b = t->options.batch_size, lo = 0, hi = data->n_rows;
  if (t->collective)
    dlp_data_parallel_shard (t->collective, data->n_rows, &lo, &hi);
  for (gint64 start = lo; start < hi; start += b)
    {
      gint64 n = MIN (b, hi - start);
      if (!dlp_graph_evaluate_batch (t->graph, data->features + start * data->row_size,
                                     data->labels + start, n, NULL, stats, error))
        return FALSE;
    }
  return t->collective == NULL || dlp_data_parallel_reduce_stats (t->collective, stats, error);
}

/* The run was cancelled before the step of t->batch: it checkpoints and
 * returns FALSE with DLP_ERROR_CANCELLED. */
static gboolean
stopped (DlpTrainer *t, const char *checkpoint_dir, GError **error)
{
  g_autoptr (GError) local = NULL;
  if (!save_checkpoint (t, checkpoint_dir, &local))
    g_warning ("the checkpoint could not be written: %s", local->message);
  g_set_error (error, DLP_ERROR, DLP_ERROR_CANCELLED,
               "stopped in epoch %" G_GINT64_FORMAT " after %" G_GINT64_FORMAT " batches%s",
               t->epoch + 1, t->batch,
               checkpoint_dir && local == NULL ? "; continue with --resume" : "");
  return FALSE;
}

/* Keeps or restores the best epoch's weights: its parameters and, so
 * that inference sees the same model, its running statistics. */
static void
copy_weights (DlpTrainer *t, gboolean keep)
{
  float *params = dlp_graph_get_params (t->graph);
  float *state = dlp_graph_get_state (t->graph);
  gsize n_state = t->n_best - t->n_params;
  if (keep)
    {
      memcpy (t->best, params, t->n_params * sizeof (float));
      memcpy (t->best + t->n_params, state, n_state * sizeof (float));
    }
  else
    {
      memcpy (params, t->best, t->n_params * sizeof (float));
      memcpy (state, t->best + t->n_params, n_state * sizeof (float));
    }
}

/* Copies @n floats from rank 0 to every rank. */
static gboolean
broadcast_floats (DlpTrainer *t, float *values, gsize n, GError **error)
{
  return n == 0 || dlp_collective_broadcast (t->collective, values, n * sizeof (float), 0, error);
}

/* Every rank starts where rank 0 is: its weights, optimizer state and
 * position, which it may have resumed from a checkpoint that only it
 * reads. A rank whose model, settings or data differ is an error. */
static gboolean
sync_start (DlpTrainer *t, GError **error)
{
  if (t->collective == NULL)
    return TRUE;
  char print[128] = { 0 };
  g_strlcpy (print, t->fingerprint, sizeof print);
  if (!dlp_collective_broadcast (t->collective, print, sizeof print, 0, error))
    return FALSE;
  if (strcmp (print, t->fingerprint) != 0)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG,
                   "rank %d of %d: its model, train settings or training data differ from "
                   "rank 0's; every rank must see the same models/built, params and data/split",
                   dlp_collective_rank (t->collective), dlp_collective_size (t->collective));
      return FALSE;
    }
  /* The position as the checkpoint holds it, text from rank 0. */
  g_autofree char *text = NULL;
  gint64 length = 0;
  if (dlp_collective_rank (t->collective) == 0)
    {
      g_autoptr (JsonNode) json = state_to_json (t, "");
      g_autoptr (JsonGenerator) gen = json_generator_new ();
      json_generator_set_root (gen, json);
      text = json_generator_to_data (gen, NULL);
      length = (gint64) strlen (text) + 1;
    }
  if (!dlp_collective_broadcast (t->collective, &length, sizeof length, 0, error))
    return FALSE;
  if (text == NULL)
    text = g_malloc0 ((gsize) length);
  if (!dlp_collective_broadcast (t->collective, text, (gsize) length, 0, error))
    return FALSE;
  if (dlp_collective_rank (t->collective) != 0)
    {
      g_autoptr (JsonNode) root = dlp_json_parse (text, -1, "rank 0's position", error);
      if (root == NULL || !load_position (t, json_node_get_object (root), error))
        return FALSE;
    }
  return broadcast_floats (t, dlp_graph_get_params (t->graph), t->n_params, error)
         && broadcast_floats (t, dlp_graph_get_state (t->graph), dlp_graph_get_n_state (t->graph),
                              error)
         && broadcast_floats (t, t->opt_state, t->state_size, error)
         && (t->best == NULL || broadcast_floats (t, t->best, t->n_best, error));
}

/* One global batch's forward and backward: this process's rows of it,
 * summed over the ranks when there are several. *@stop is set when the
 * run was cancelled (on any rank): then no step is taken. */
static gboolean
train_step (DlpTrainer *t, const DlpTrainingData *train, const gint64 *perm, gint64 first,
            gint64 rows, DlpContext *context, float *inputs, gint32 *labels, DlpBatchStats *batch,
            gboolean *stop, GError **error)
{
  const gint64 d = train->row_size;
  gboolean cancelled = g_cancellable_is_cancelled (dlp_context_get_cancellable (context));
  gint64 lo = 0, hi = rows;
  if (t->collective)
    dlp_data_parallel_shard (t->collective, rows, &lo, &hi);
  else if (cancelled)
    {
      *stop = TRUE;
      return TRUE;
    }
  for (gint64 r = lo; r < hi; r++)
    {
      gint64 src = perm[first + r];
      memcpy (inputs + (r - lo) * d, train->features + src * d, (gsize) d * sizeof (float));
      labels[r - lo] = train->labels[src];
    }
  dlp_graph_set_first_row (t->graph, lo);
  if (hi > lo && !dlp_graph_train_batch (t->graph, inputs, labels, hi - lo, batch, error))
    return FALSE;
  if (t->collective == NULL)
    return TRUE;
  gint64 reduce_started = g_get_monotonic_time ();
  if (hi == lo)
    {
      /* No rows here: no gradient, but the step count goes on with the
       * other ranks' (dropout's random numbers follow it). */
      memset (dlp_graph_get_grads (t->graph), 0, t->n_params * sizeof (float));
      dlp_graph_set_step (t->graph, dlp_graph_get_step (t->graph) + 1);
    }
  gboolean ok = dlp_data_parallel_reduce_step (t->collective, dlp_graph_get_grads (t->graph),
                                               t->n_params, batch, cancelled, stop, error);
  t->reduce_seconds += (double) (g_get_monotonic_time () - reduce_started) / G_USEC_PER_SEC;
  return ok;
}

gboolean
dlp_trainer_fit (DlpTrainer *t, const DlpTrainingData *train, const DlpTrainingData *val,
                 DlpContext *context, const char *checkpoint_dir, const DlpTrainHooks *hooks,
                 GError **error)
{
  const DlpTrainOptions *o = &t->options;
  if (val == NULL && g_str_has_prefix (o->monitor, "val_") && o->patience > 0)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG,
                   "early stopping watches %s, but there is no validation data "
                   "(ask data_split for a validation part, or monitor loss)",
                   o->monitor);
      return FALSE;
    }
  const char *sched_monitor = dlp_schedule_get_monitor (t->schedule);
  if (val == NULL && sched_monitor && g_str_has_prefix (sched_monitor, "val_"))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG,
                   "the plateau schedule watches %s, but there is no validation data",
                   sched_monitor);
      return FALSE;
    }

  if (!sync_start (t, error))
    return FALSE;
  const gint64 n = train->n_rows, d = train->row_size, bs = o->batch_size;
  const gint64 n_batches = (n + bs - 1) / bs;
  g_autofree gint64 *perm = g_new (gint64, n);
  g_autofree float *inputs = g_new (float, (gsize) (bs * d));
  g_autofree gint32 *labels = g_new (gint32, bs);
  float *params = dlp_graph_get_params (t->graph);
  float *grads = dlp_graph_get_grads (t->graph);

  while (t->epoch < o->epochs && !t->stopped)
    {
      double lr = dlp_schedule_get_lr (t->schedule, t->epoch);
      for (gint64 i = 0; i < n; i++)
        perm[i] = i;
      if (o->shuffle)
        {
          /* Each epoch's order depends only on the seed and the epoch. */
          DlpRng rng;
          dlp_rng_init (&rng, dlp_rng_mix (o->seed, (guint64) t->epoch));
          dlp_rng_shuffle (&rng, perm, (gsize) n);
        }
      gint64 started = g_get_monotonic_time ();
      for (; t->batch < n_batches; t->batch++)
        {
          gint64 first = t->batch * bs, rows = MIN (bs, n - first);
          DlpBatchStats batch = { 0 };
          gboolean stop = FALSE;
          if (!train_step (t, train, perm, first, rows, context, inputs, labels, &batch, &stop,
                           error))
            return FALSE;
          if (stop)
            return stopped (t, checkpoint_dir, error);
          double loss = batch.loss_sum / batch.weight_sum;
          if (!isfinite (loss))
            {
              g_set_error (error, DLP_ERROR, DLP_ERROR_FAILED,
                           "epoch %" G_GINT64_FORMAT ", step %" G_GUINT64_FORMAT
                           " (batch %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                           "): the loss is %s; lower the learning rate or clip gradients",
                           t->epoch + 1, t->step + 1, t->batch + 1, n_batches,
                           isnan (loss) ? "NaN" : "infinite");
              return FALSE;
            }
          if (o->clip_value > 0)
            dlp_clip_grad_value (grads, t->n_params, o->clip_value);
          if (o->clip_norm > 0)
            dlp_clip_grad_norm (grads, t->n_params, o->clip_norm);
          DlpOptimizerStep step = { sizeof step, lr, ++t->step };
          t->klass->update (t->optimizer, params, grads, t->opt_state, t->n_params, &step);

          t->partial.loss_sum += batch.loss_sum;
          t->partial.weight_sum += batch.weight_sum;
          t->partial.n_correct += batch.n_correct;
          t->partial.n_rows += batch.n_rows;
          double seconds =
            t->partial_seconds + (double) (g_get_monotonic_time () - started) / G_USEC_PER_SEC;
          if (hooks && hooks->on_batch)
            hooks->on_batch (hooks->user_data, t->epoch + 1, t->batch + 1, n_batches, &t->partial,
                             (double) t->partial.n_rows / MAX (seconds, 1e-9));
        }
      double train_seconds =
        t->partial_seconds + (double) (g_get_monotonic_time () - started) / G_USEC_PER_SEC;
      /* Batch normalization normalizes with each rank's own rows; the
       * running statistics the model keeps are rank 0's, on every rank. */
      if (t->collective
          && !broadcast_floats (t, dlp_graph_get_state (t->graph), dlp_graph_get_n_state (t->graph),
                                error))
        return FALSE;

      DlpEpochResult r = {
        .epoch = t->epoch + 1,
        .loss = t->partial.loss_sum / t->partial.weight_sum,
        .accuracy = (double) t->partial.n_correct / (double) t->partial.n_rows,
        .val_loss = NAN,
        .val_accuracy = NAN,
        .learning_rate = lr,
        .samples_per_second = (double) t->partial.n_rows / MAX (train_seconds, 1e-9),
        .allreduce_seconds = t->collective ? t->reduce_seconds : NAN,
      };
      t->reduce_seconds = 0;
      if (val)
        {
          DlpBatchStats vs = { 0 };
          if (!evaluate (t, val, &vs, error))
            return FALSE;
          r.val_loss = vs.loss_sum / vs.weight_sum;
          r.val_accuracy = (double) vs.n_correct / (double) vs.n_rows;
        }
      r.seconds =
        t->partial_seconds + (double) (g_get_monotonic_time () - started) / G_USEC_PER_SEC;
      t->partial = (DlpBatchStats){ 0 };
      t->partial_seconds = 0;
      g_array_append_val (t->history, r);

      if (sched_monitor)
        dlp_schedule_observe (t->schedule, metric_value (&r, sched_monitor));
      if (o->patience > 0)
        {
          if (dlp_monitor_observe (&t->monitor, t->epoch, metric_value (&r, o->monitor)) && t->best)
            copy_weights (t, TRUE);
          if (t->monitor.bad_epochs >= o->patience)
            {
              t->stopped = TRUE;
              g_info ("early stopping after epoch %" G_GINT64_FORMAT ": %s has not improved "
                      "for %" G_GINT64_FORMAT " epochs",
                      r.epoch, o->monitor, o->patience);
            }
        }
      t->epoch++;
      t->batch = 0;
      if (!save_checkpoint (t, checkpoint_dir, error)
          || (hooks && hooks->on_epoch && !hooks->on_epoch (hooks->user_data, &r, error)))
        return FALSE;
    }
  if (t->best && t->monitor.best_epoch >= 0)
    {
      copy_weights (t, FALSE);
      g_info ("restored the weights of epoch %" G_GINT64_FORMAT " (best %s)",
              t->monitor.best_epoch + 1, o->monitor);
    }
  return TRUE;
}
