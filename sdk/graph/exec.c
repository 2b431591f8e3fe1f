/* exec.c: running a graph over batches, on one thread or several.
 *
 * dlp_graph_prepare lays out, per thread, one arena holding every layer's
 * output and kept buffers for a slice of the batch, scratch shared by the
 * layers, and two gradient buffers used in turn during backward. Threads
 * beyond the first are started once and wait for jobs; each runs the whole
 * forward and backward of its slice into its own parameter gradients,
 * which are then summed, in thread order, into the gradient block. */
#include <stdlib.h>
#include <string.h>
#include "exec-private.h"
#include "../kernels/kernels-private.h"

/* --- one slice --- */

static DlpLayerPass
make_pass (DlpExec *exec, DlpSlice *slice, guint i, const float *input, gboolean training)
{
  DlpGraph *graph = exec->graph;
  DlpNode *node = dlp_graph_node (graph, i);
  return (DlpLayerPass){
    .node = node,
    .graph = graph,
    .slice = slice,
    .input = input,
    .output = slice->outputs[i],
    .buffers = slice->buffers + exec->buffer_start[i],
    .seed = dlp_rng_mix (dlp_rng_mix (graph->seed, graph->step), i),
    .training = training,
  };
}

static const float *
slice_input (DlpExec *exec, DlpSlice *slice)
{
  return exec->job.inputs + slice->first_row * exec->graph->in_size;
}

/* Runs nodes [0, n); keeps going after an error so that every slice makes
 * the same collective calls, and reports the first error. */
static void
forward (DlpExec *exec, DlpSlice *slice, guint n, gboolean training)
{
  const float *x = slice_input (exec, slice);
  for (guint i = 0; i < n; i++)
    {
      DlpLayerPass pass = make_pass (exec, slice, i, x, training);
      GError *local = NULL;
      if (!pass.node->klass->forward (pass.node->instance, &pass, &local))
        {
          g_autofree char *what = dlp_node_describe (pass.node);
          if (slice->error == NULL)
            {
              g_prefix_error (&local, "%s: ", what);
              slice->error = g_steal_pointer (&local);
            }
          g_clear_error (&local);
        }
      x = slice->outputs[i];
    }
}

static void
backward (DlpExec *exec, DlpSlice *slice, guint n, const float *dy)
{
  DlpGraph *graph = exec->graph;
  float *bufs[2] = { slice->grad_a, slice->grad_b };
  guint which = dy == slice->grad_a ? 1 : 0;
  for (guint k = n; k-- > 0;)
    {
      DlpNode *node = dlp_graph_node (graph, k);
      const float *x = k > 0 ? slice->outputs[k - 1] : slice_input (exec, slice);
      float *dx;
      if (k > 0)
        dx = bufs[which];
      else
        dx =
          exec->job.input_grads ? exec->job.input_grads + slice->first_row * graph->in_size : NULL;
      DlpLayerPass pass = make_pass (exec, slice, k, x, exec->job.training);
      pass.output_grad = dy;
      pass.input_grad = dx;
      node->klass->backward (node->instance, &pass);
      dy = dx;
      which ^= 1;
    }
}

/* Sums the slices' parameter gradients into slice 0's (the graph's), each
 * slice doing its share of the block. */
static void
reduce_grads (DlpExec *exec, DlpSlice *slice)
{
  guint parties = exec->job.n_active;
  if (parties <= 1)
    return;
  dlp_barrier_wait (&exec->barrier);
  gsize n = exec->graph->n_params;
  gsize start = n * slice->index / parties, end = n * (slice->index + 1) / parties;
  float *out = exec->slices[0].grads;
  for (guint t = 1; t < parties; t++)
    {
      const float *g = exec->slices[t].grads;
      for (gsize i = start; i < end; i++)
        out[i] += g[i];
    }
}

static void
copy_outputs (DlpExec *exec, DlpSlice *slice, guint node_index)
{
  if (exec->job.outputs == NULL)
    return;
  DlpNode *node = dlp_graph_node (exec->graph, node_index);
  memcpy (exec->job.outputs + slice->first_row * node->out_size, slice->outputs[node_index],
          (gsize) (slice->n_rows * node->out_size) * sizeof (float));
}

/* The logits the loss reads: the input of a final softmax, else the output. */
static guint
n_before_softmax (DlpGraph *graph)
{
  guint n = graph->nodes->len;
  return dlp_graph_node (graph, n - 1)->softmax ? n - 1 : n;
}

static const float *
node_output (DlpExec *exec, DlpSlice *slice, guint n_done)
{
  return n_done > 0 ? slice->outputs[n_done - 1] : slice_input (exec, slice);
}

static void
run_slice (DlpExec *exec, DlpSlice *slice)
{
  DlpGraph *graph = exec->graph;
  DlpJob *job = &exec->job;
  guint n_nodes = graph->nodes->len;
  gint64 n_classes = dlp_graph_get_output_size (graph);
  switch (job->kind)
    {
    case DLP_JOB_FORWARD:
      forward (exec, slice, n_nodes, job->training);
      copy_outputs (exec, slice, n_nodes - 1);
      break;
    case DLP_JOB_BACKWARD:
      backward (exec, slice, n_nodes,
                job->output_grads + slice->first_row * dlp_graph_get_output_size (graph));
      reduce_grads (exec, slice);
      break;
    case DLP_JOB_TRAIN:
      {
        guint n = n_before_softmax (graph);
        forward (exec, slice, n, TRUE);
        dlp_softmax_cross_entropy (node_output (exec, slice, n), job->labels + slice->first_row,
                                   slice->n_rows, n_classes, &graph->loss, slice->grad_a,
                                   job->grad_scale, &slice->stats);
        backward (exec, slice, n, slice->grad_a);
        reduce_grads (exec, slice);
        break;
      }
    case DLP_JOB_EVALUATE:
      forward (exec, slice, n_nodes, FALSE);
      dlp_softmax_cross_entropy (node_output (exec, slice, n_before_softmax (graph)),
                                 job->labels + slice->first_row, slice->n_rows, n_classes,
                                 &graph->loss, NULL, 0, &slice->stats);
      copy_outputs (exec, slice, n_nodes - 1);
      break;
    default:
      break;
    }
}

static gpointer
worker_main (gpointer data)
{
  DlpSlice *slice = data;
  DlpExec *exec = slice->exec;
  gint seen = 0;
  dlp_kernels_enter_worker ();
  for (;;)
    {
      dlp_spin_until_changed (&exec->generation, seen);
      pthread_mutex_lock (&exec->lock);
      while (!exec->quit && g_atomic_int_get (&exec->generation) == seen)
        pthread_cond_wait (&exec->wake, &exec->lock);
      gboolean quit = exec->quit;
      seen = g_atomic_int_get (&exec->generation);
      pthread_mutex_unlock (&exec->lock);
      if (quit)
        break;
      if (slice->index < exec->job.n_active)
        run_slice (exec, slice);
      pthread_mutex_lock (&exec->lock);
      if (g_atomic_int_dec_and_test (&exec->pending))
        pthread_cond_signal (&exec->done);
      pthread_mutex_unlock (&exec->lock);
    }
  return NULL;
}

gboolean
dlp_exec_run_job (DlpExec *exec, GError **error)
{
  DlpJob *job = &exec->job;
  job->n_active = (guint) MIN ((gint64) exec->n_threads, job->n_rows);
  for (guint t = 0; t < exec->n_threads; t++)
    {
      DlpSlice *slice = &exec->slices[t];
      slice->first_row = t < job->n_active ? job->n_rows * t / job->n_active : 0;
      slice->n_rows =
        t < job->n_active ? job->n_rows * (t + 1) / job->n_active - slice->first_row : 0;
      slice->stats = (DlpBatchStats){ 0 };
      g_clear_error (&slice->error);
    }
  exec->barrier.parties = job->n_active;
  if (exec->n_threads > 1)
    {
      pthread_mutex_lock (&exec->lock);
      g_atomic_int_set (&exec->pending, (gint) exec->n_threads - 1);
      g_atomic_int_inc (&exec->generation);
      pthread_cond_broadcast (&exec->wake);
      pthread_mutex_unlock (&exec->lock);
    }
  run_slice (exec, &exec->slices[0]);
  if (exec->n_threads > 1)
    {
      dlp_spin_until_zero (&exec->pending);
      pthread_mutex_lock (&exec->lock);
      while (g_atomic_int_get (&exec->pending) > 0)
        pthread_cond_wait (&exec->done, &exec->lock);
      pthread_mutex_unlock (&exec->lock);
    }
  for (guint t = 0; t < job->n_active; t++)
    if (exec->slices[t].error)
      {
        g_propagate_error (error, g_steal_pointer (&exec->slices[t].error));
        return FALSE;
      }
  return TRUE;
}

/* --- planning --- */

void
dlp_exec_free (DlpExec *exec)
{
  if (exec == NULL)
    return;
  if (exec->threads)
    {
      pthread_mutex_lock (&exec->lock);
      exec->quit = TRUE;
      pthread_cond_broadcast (&exec->wake);
      pthread_mutex_unlock (&exec->lock);
      for (guint t = 1; t < exec->n_threads; t++)
        g_thread_join (exec->threads[t]);
      g_free (exec->threads);
    }
  for (guint i = 0; i < exec->graph->nodes->len; i++)
    {
      GPtrArray *matmuls = dlp_graph_node (exec->graph, i)->matmuls;
      for (guint j = 0; matmuls && j < matmuls->len; j++)
        dlp_matmul_release (matmuls->pdata[j]);
    }
  for (guint t = 0; t < exec->n_threads; t++)
    {
      DlpSlice *slice = &exec->slices[t];
      free (slice->arena);
      g_free (slice->outputs);
      g_free (slice->buffers);
      g_free (slice->sums);
      if (slice->own_grads)
        free (slice->grads);
      g_clear_error (&slice->error);
    }
  g_free (exec->slices);
  g_free (exec->buffer_start);
  pthread_mutex_destroy (&exec->lock);
  pthread_cond_destroy (&exec->wake);
  pthread_cond_destroy (&exec->done);
  pthread_mutex_destroy (&exec->barrier.lock);
  pthread_cond_destroy (&exec->barrier.cond);
  g_free (exec);
}

/* @a + align(@per_row * @rows + @fixed) into *@a; FALSE on overflow. */
static gboolean
add_floats (gsize *a, gsize per_row, gint64 rows, gsize fixed)
{
  gsize n;
  if (__builtin_mul_overflow (per_row, (gsize) rows, &n) || __builtin_add_overflow (n, fixed, &n)
      || n > G_MAXSIZE - DLP_ALIGN_FLOATS || __builtin_add_overflow (*a, dlp_align_floats (n), a))
    return FALSE;
  return TRUE;
}

/* Lays out one slice's arena: outputs, kept buffers, shared scratch and
 * the two gradient buffers. */
static gboolean
plan_slice (DlpExec *exec, DlpSlice *slice, GError **error)
{
  DlpGraph *graph = exec->graph;
  guint n_nodes = graph->nodes->len;
  gint64 rows = exec->slice_rows;
  guint n_buffers = exec->buffer_start[n_nodes];
  g_autofree gsize *offsets = g_new0 (gsize, n_nodes + n_buffers);
  gsize size = 0, temp = 0, widest = (gsize) graph->in_size;
  gboolean ok = TRUE;
  for (guint i = 0; ok && i < n_nodes; i++)
    {
      DlpNode *node = dlp_graph_node (graph, i);
      offsets[i] = size;
      ok = add_floats (&size, (gsize) node->out_size, rows, 0);
      widest = MAX (widest, (gsize) node->out_size);
      gsize node_temp = 0;
      for (guint b = 0; ok && b < node->buffers->len; b++)
        {
          const DlpBufferDecl *decl = &g_array_index (node->buffers, DlpBufferDecl, b);
          if (decl->lifetime == DLP_BUFFER_KEEP)
            {
              offsets[n_nodes + exec->buffer_start[i] + b] = size;
              ok = add_floats (&size, decl->per_row, rows, decl->fixed);
            }
          else
            ok = add_floats (&node_temp, decl->per_row, rows, decl->fixed);
        }
      temp = MAX (temp, node_temp);
    }
  gsize temp_at = size, grad_at = 0, grad_size = 0;
  ok = ok && add_floats (&size, 0, 0, temp);
  grad_at = size;
  ok = ok && add_floats (&grad_size, widest, rows, 0) && add_floats (&size, 0, 0, grad_size)
       && add_floats (&size, 0, 0, grad_size) && size < G_MAXSIZE / sizeof (float) - 1;
  float *arena = ok ? dlp_try_alloc_floats (size) : NULL;
  if (arena == NULL)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_LIMIT,
                   "cannot allocate the activations of model '%s' for %" G_GINT64_FORMAT
                   " rows per thread (%s)",
                   graph->name, rows, ok ? "out of memory" : "the size overflows");
      return FALSE;
    }
  slice->arena = arena;
  slice->outputs = g_new0 (float *, n_nodes);
  slice->buffers = g_new0 (float *, n_buffers + 1);
  for (guint i = 0; i < n_nodes; i++)
    {
      DlpNode *node = dlp_graph_node (graph, i);
      slice->outputs[i] = slice->arena + offsets[i];
      gsize temp_offset = temp_at;
      for (guint b = 0; b < node->buffers->len; b++)
        {
          const DlpBufferDecl *decl = &g_array_index (node->buffers, DlpBufferDecl, b);
          float **ptr = &slice->buffers[exec->buffer_start[i] + b];
          if (decl->lifetime == DLP_BUFFER_KEEP)
            *ptr = slice->arena + offsets[n_nodes + exec->buffer_start[i] + b];
          else
            {
              *ptr = slice->arena + temp_offset;
              add_floats (&temp_offset, decl->per_row, rows, decl->fixed);
            }
        }
    }
  slice->grad_a = slice->arena + grad_at;
  slice->grad_b = slice->arena + grad_at + grad_size;
  slice->sums = g_new0 (double, graph->n_sums + 1);
  if (slice->index == 0)
    slice->grads = graph->grads;
  else
    {
      slice->grads = dlp_try_alloc_floats (graph->n_params);
      slice->own_grads = TRUE;
      if (slice->grads == NULL)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_LIMIT,
                       "model '%s': out of memory for "
                       "the gradients of thread %u",
                       graph->name, slice->index + 1);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
dlp_graph_prepare (DlpGraph *graph, gint64 max_rows, guint n_threads, GError **error)
{
  if (max_rows < 1 || n_threads < 1)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG,
                   "a graph needs at least one row and one thread (got %" G_GINT64_FORMAT
                   " rows, %u threads)",
                   max_rows, n_threads);
      return FALSE;
    }
  if (n_threads > 1 && dlp_blas_get_n_threads () > 1)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG,
                   "the graph would split batches over %u threads while OpenBLAS uses %d; "
                   "use one or the other (OpenBLAS must be set to 1 thread)",
                   n_threads, dlp_blas_get_n_threads ());
      return FALSE;
    }
  g_clear_pointer (&graph->exec, dlp_exec_free);
  DlpExec *exec = g_new0 (DlpExec, 1);
  exec->graph = graph;
  exec->max_rows = max_rows;
  exec->n_threads = n_threads;
  exec->slice_rows = (max_rows + n_threads - 1) / n_threads;
  pthread_mutex_init (&exec->lock, NULL);
  pthread_cond_init (&exec->wake, NULL);
  pthread_cond_init (&exec->done, NULL);
  pthread_mutex_init (&exec->barrier.lock, NULL);
  pthread_cond_init (&exec->barrier.cond, NULL);
  guint n_nodes = graph->nodes->len;
  exec->buffer_start = g_new0 (guint, n_nodes + 1);
  for (guint i = 0; i < n_nodes; i++)
    exec->buffer_start[i + 1] = exec->buffer_start[i] + dlp_graph_node (graph, i)->buffers->len;
  exec->slices = g_new0 (DlpSlice, n_threads);
  for (guint t = 0; t < n_threads; t++)
    {
      exec->slices[t].exec = exec;
      exec->slices[t].index = t;
    }
  for (guint t = 0; t < n_threads; t++)
    if (!plan_slice (exec, &exec->slices[t], error))
      {
        dlp_exec_free (exec);
        return FALSE;
      }
  for (guint i = 0; i < n_nodes; i++)
    {
      DlpNode *node = dlp_graph_node (graph, i);
      for (guint j = 0; j < node->matmuls->len; j++)
        if (!dlp_matmul_prepare (node->matmuls->pdata[j], n_threads, exec->slice_rows,
                                 graph->precision, error))
          {
            g_autofree char *what = dlp_node_describe (node);
            g_prefix_error (error, "%s: ", what);
            dlp_exec_free (exec);
            return FALSE;
          }
    }
  graph->exec = exec;
  if (n_threads > 1)
    {
      exec->threads = g_new0 (GThread *, n_threads);
      for (guint t = 1; t < n_threads; t++)
        {
          g_autofree char *name = g_strdup_printf ("dlp-graph-%u", t);
          exec->threads[t] = g_thread_new (name, worker_main, &exec->slices[t]);
        }
    }
  return TRUE;
}
