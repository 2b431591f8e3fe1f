/* steps.c: the public steps a trainer drives: train, evaluate, forward,
 * backward, and their settings. */
#include "exec-private.h"

static gboolean
ensure_prepared (DlpGraph *graph, gint64 n_rows, GError **error)
{
  if (n_rows < 1)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_SHAPE, "a batch needs at least one row");
      return FALSE;
    }
  if (graph->exec && n_rows <= graph->exec->max_rows)
    return TRUE;
  guint n_threads = graph->exec ? graph->exec->n_threads : 1;
  return dlp_graph_prepare (graph, n_rows, n_threads, error);
}

static gboolean
check_labels (DlpGraph *graph, const gint32 *labels, gint64 n_rows, GError **error)
{
  gint64 n_classes = dlp_graph_get_output_size (graph);
  for (gint64 r = 0; r < n_rows; r++)
    if (labels[r] < 0 || labels[r] >= n_classes)
      {
        g_set_error (error, DLP_ERROR, DLP_ERROR_SHAPE,
                     "label %d of batch row %" G_GINT64_FORMAT
                     " is not one of the model's %" G_GINT64_FORMAT " classes",
                     labels[r], r, n_classes);
        return FALSE;
      }
  return TRUE;
}

static void
sum_stats (DlpExec *exec, DlpBatchStats *stats)
{
  if (stats == NULL)
    return;
  for (guint t = 0; t < exec->job.n_active; t++)
    {
      const DlpBatchStats *s = &exec->slices[t].stats;
      stats->loss_sum += s->loss_sum;
      stats->weight_sum += s->weight_sum;
      stats->n_correct += s->n_correct;
      stats->n_rows += s->n_rows;
    }
}

gboolean
dlp_graph_train_batch (DlpGraph *graph, const float *inputs, const gint32 *labels, gint64 n_rows,
                       DlpBatchStats *stats, GError **error)
{
  if (!ensure_prepared (graph, n_rows, error) || !check_labels (graph, labels, n_rows, error))
    return FALSE;
  double weight_sum = dlp_loss_weight_sum (labels, n_rows, &graph->loss);
  graph->exec->job = (DlpJob){
    .kind = DLP_JOB_TRAIN,
    .inputs = inputs,
    .labels = labels,
    .n_rows = n_rows,
    .training = TRUE,
    .grad_scale = weight_sum > 0 ? 1.0 / weight_sum : 0.0,
  };
  gboolean ok = dlp_exec_run_job (graph->exec, error);
  graph->step++;
  if (ok)
    sum_stats (graph->exec, stats);
  return ok;
}

gboolean
dlp_graph_evaluate_batch (DlpGraph *graph, const float *inputs, const gint32 *labels, gint64 n_rows,
                          float *outputs, DlpBatchStats *stats, GError **error)
{
  if (!ensure_prepared (graph, n_rows, error) || !check_labels (graph, labels, n_rows, error))
    return FALSE;
  graph->exec->job = (DlpJob){
    .kind = DLP_JOB_EVALUATE,
    .inputs = inputs,
    .labels = labels,
    .outputs = outputs,
    .n_rows = n_rows,
  };
  if (!dlp_exec_run_job (graph->exec, error))
    return FALSE;
  sum_stats (graph->exec, stats);
  return TRUE;
}

gboolean
dlp_graph_forward (DlpGraph *graph, const float *inputs, gint64 n_rows, gboolean training,
                   float *outputs, GError **error)
{
  if (!ensure_prepared (graph, n_rows, error))
    return FALSE;
  graph->exec->job = (DlpJob){
    .kind = DLP_JOB_FORWARD,
    .inputs = inputs,
    .outputs = outputs,
    .n_rows = n_rows,
    .training = training,
  };
  gboolean ok = dlp_exec_run_job (graph->exec, error);
  if (training)
    graph->step++;
  return ok;
}

void
dlp_graph_backward (DlpGraph *graph, const float *output_grads, float *input_grads)
{
  g_return_if_fail (graph->exec != NULL && graph->exec->job.kind == DLP_JOB_FORWARD);
  DlpJob *job = &graph->exec->job;
  job->kind = DLP_JOB_BACKWARD;
  job->output_grads = output_grads;
  job->input_grads = input_grads;
  dlp_exec_run_job (graph->exec, NULL);
}

void
dlp_graph_set_seed (DlpGraph *graph, guint64 seed)
{
  graph->seed = seed;
}

void
dlp_graph_set_first_row (DlpGraph *graph, gint64 first_row)
{
  graph->first_row = first_row;
}

guint64
dlp_graph_get_step (DlpGraph *graph)
{
  return graph->step;
}

void
dlp_graph_set_step (DlpGraph *graph, guint64 step)
{
  graph->step = step;
}

void
dlp_graph_set_loss (DlpGraph *graph, const DlpLossOptions *options)
{
  g_clear_pointer (&graph->class_weights, g_free);
  graph->loss = (DlpLossOptions){ sizeof (DlpLossOptions), 0, NULL };
  if (options == NULL)
    return;
  graph->loss.label_smoothing = options->label_smoothing;
  if (options->class_weights)
    {
      gsize n = (gsize) dlp_graph_get_output_size (graph);
      graph->class_weights = g_memdup2 (options->class_weights, n * sizeof (float));
      graph->loss.class_weights = graph->class_weights;
    }
}

void
dlp_graph_set_precision (DlpGraph *graph, DlpPrecision precision)
{
  graph->precision = precision;
}

DlpPrecision
dlp_graph_get_precision (DlpGraph *graph)
{
  return graph->precision;
}
