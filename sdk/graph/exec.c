/* exec.c: running a graph over batches, on one thread or several.
 *
 * dlp_graph_prepare lays out, per thread, one arena holding every layer's
 * output and kept buffers for a slice of the batch, scratch shared by the
 * layers, and two gradient buffers used in turn during backward. Threads
 * beyond the first are started once and wait for jobs; each runs the whole
 * forward and backward of its slice into its own parameter gradients,
 * which are then summed, in thread order, into the gradient block.
 *
 * The threads meet through POSIX mutexes and condition variables rather
 * than GLib's, which are futexes that thread sanitizers cannot see. */
#include <pthread.h>
#include <string.h>
#include "graph-private.h"

typedef enum {
  JOB_FORWARD,
  JOB_BACKWARD,
  JOB_TRAIN,
  JOB_EVALUATE,
} JobKind;

typedef struct {
  JobKind kind;
  const float *inputs;
  const gint32 *labels;
  float *outputs;
  const float *output_grads;
  float *input_grads;
  gint64 n_rows;
  gboolean training;
  double grad_scale;
  guint n_active;      /* slices with rows; the others sit this job out */
} Job;

struct _DlpSlice {
  DlpExec *exec;
  guint index;
  float *arena;
  float **outputs;     /* per node */
  float **buffers;     /* every node's buffers, from buffer_start[node] */
  float *grad_a, *grad_b;
  float *grads;        /* parameter gradients */
  gboolean own_grads;
  double *sums;        /* this slice's part of a collective sum */
  gint64 first_row, n_rows;
  DlpBatchStats stats;
  GError *error;
};

typedef struct {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  guint count;
  guint parties;
  gint generation;      /* read without the lock while spinning */
} Barrier;

struct _DlpExec {
  DlpGraph *graph;
  gint64 max_rows;
  guint n_threads;
  gint64 slice_rows;
  guint *buffer_start;
  DlpSlice *slices;
  GThread **threads;
  pthread_mutex_t lock;
  pthread_cond_t wake, done;
  gint generation;      /* jobs posted; read without the lock while spinning */
  gint pending;         /* workers still running the job */
  gboolean quit;
  Barrier barrier;
  Job job;
};

/* --- waiting --- */

/* Threads meet several times per step; waking a sleeping thread costs
 * tens of microseconds, so a waiter first spins a little while (about
 * 20 us: longer wastes the core a co-tenant or the late thread needs). */
#define SPIN_ROUNDS 1000

static inline void
cpu_relax (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#endif
}

/* Spins until *@value differs from @seen; FALSE if it did not in time. */
static gboolean
spin_until_changed (gint *value, gint seen)
{
  for (int i = 0; i < SPIN_ROUNDS; i++)
    {
      if (g_atomic_int_get (value) != seen)
        return TRUE;
      cpu_relax ();
    }
  return FALSE;
}

static void
barrier_wait (Barrier *b)
{
  if (b->parties <= 1)
    return;
  pthread_mutex_lock (&b->lock);
  gint generation = b->generation;
  if (++b->count == b->parties)
    {
      b->count = 0;
      g_atomic_int_inc (&b->generation);
      pthread_cond_broadcast (&b->cond);
      pthread_mutex_unlock (&b->lock);
      return;
    }
  pthread_mutex_unlock (&b->lock);
  if (spin_until_changed (&b->generation, generation))
    return;
  pthread_mutex_lock (&b->lock);
  while (g_atomic_int_get (&b->generation) == generation)
    pthread_cond_wait (&b->cond, &b->lock);
  pthread_mutex_unlock (&b->lock);
}

void
dlp_layer_pass_sum_over_batch (DlpLayerPass *pass, double *values, gsize n)
{
  DlpExec *exec = pass->slice->exec;
  guint parties = exec->job.n_active;
  if (parties <= 1 || n == 0)
    return;
  g_return_if_fail (n <= exec->graph->n_sums);
  memcpy (pass->slice->sums, values, n * sizeof (double));
  barrier_wait (&exec->barrier);
  /* Every slice adds the parts in the same order: same bits everywhere. */
  for (gsize i = 0; i < n; i++)
    {
      double total = 0;
      for (guint t = 0; t < parties; t++)
        total += exec->slices[t].sums[i];
      values[i] = total;
    }
  /* Nobody may overwrite its part before everyone has read it. */
  barrier_wait (&exec->barrier);
}

/* --- one slice --- */

static DlpLayerPass
make_pass (DlpExec *exec, DlpSlice *slice, guint i, const float *input, gboolean training)
{
  DlpGraph *graph = exec->graph;
  DlpNode *node = dlp_graph_node (graph, i);
  return (DlpLayerPass) {
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
        dx = exec->job.input_grads
             ? exec->job.input_grads + slice->first_row * graph->in_size : NULL;
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
  barrier_wait (&exec->barrier);
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
  Job *job = &exec->job;
  guint n_nodes = graph->nodes->len;
  gint64 n_classes = dlp_graph_get_output_size (graph);
  switch (job->kind)
    {
    case JOB_FORWARD:
      forward (exec, slice, n_nodes, job->training);
      copy_outputs (exec, slice, n_nodes - 1);
      break;
    case JOB_BACKWARD:
      backward (exec, slice, n_nodes,
                job->output_grads + slice->first_row * dlp_graph_get_output_size (graph));
      reduce_grads (exec, slice);
      break;
    case JOB_TRAIN:
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
    case JOB_EVALUATE:
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
  for (;;)
    {
      spin_until_changed (&exec->generation, seen);
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

/* Runs exec->job on every slice; returns the first slice's error. */
static gboolean
run_job (DlpExec *exec, GError **error)
{
  Job *job = &exec->job;
  job->n_active = (guint) MIN ((gint64) exec->n_threads, job->n_rows);
  for (guint t = 0; t < exec->n_threads; t++)
    {
      DlpSlice *slice = &exec->slices[t];
      slice->first_row = t < job->n_active ? job->n_rows * t / job->n_active : 0;
      slice->n_rows = t < job->n_active
                      ? job->n_rows * (t + 1) / job->n_active - slice->first_row : 0;
      slice->stats = (DlpBatchStats) { 0 };
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
      spin_until_changed (&exec->pending, (gint) exec->n_threads - 1);
      for (int i = 0; i < SPIN_ROUNDS && g_atomic_int_get (&exec->pending) > 0; i++)
        cpu_relax ();
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
  for (guint t = 0; t < exec->n_threads; t++)
    {
      DlpSlice *slice = &exec->slices[t];
      g_aligned_free (slice->arena);
      g_free (slice->outputs);
      g_free (slice->buffers);
      g_free (slice->sums);
      if (slice->own_grads)
        g_aligned_free (slice->grads);
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

static gsize
buffer_floats (const DlpBufferDecl *b, gint64 rows)
{
  return dlp_align_floats (b->per_row * (gsize) rows + b->fixed);
}

/* Lays out one slice's arena: outputs, kept buffers, shared scratch and
 * the two gradient buffers. */
static void
plan_slice (DlpExec *exec, DlpSlice *slice)
{
  DlpGraph *graph = exec->graph;
  guint n_nodes = graph->nodes->len;
  gint64 rows = exec->slice_rows;
  guint n_buffers = exec->buffer_start[n_nodes];
  gsize *offsets = g_new0 (gsize, n_nodes + n_buffers);
  gsize size = 0, temp = 0, widest = (gsize) graph->in_size;
  for (guint i = 0; i < n_nodes; i++)
    {
      DlpNode *node = dlp_graph_node (graph, i);
      offsets[i] = size;
      size += dlp_align_floats ((gsize) (rows * node->out_size));
      widest = MAX (widest, (gsize) node->out_size);
      gsize node_temp = 0;
      for (guint b = 0; b < node->buffers->len; b++)
        {
          const DlpBufferDecl *decl = &g_array_index (node->buffers, DlpBufferDecl, b);
          if (decl->lifetime == DLP_BUFFER_KEEP)
            {
              offsets[n_nodes + exec->buffer_start[i] + b] = size;
              size += buffer_floats (decl, rows);
            }
          else
            node_temp += buffer_floats (decl, rows);
        }
      temp = MAX (temp, node_temp);
    }
  gsize temp_at = size;
  size += temp;
  gsize grad_at = size;
  gsize grad_size = dlp_align_floats (widest * (gsize) rows);
  size += 2 * grad_size;

  slice->arena = g_aligned_alloc0 (size + 1, sizeof (float), 64);
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
              temp_offset += buffer_floats (decl, rows);
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
      slice->grads = g_aligned_alloc0 (graph->n_params + 1, sizeof (float), 64);
      slice->own_grads = TRUE;
    }
  g_free (offsets);
}

gboolean
dlp_graph_prepare (DlpGraph *graph, gint64 max_rows, guint n_threads,
                   GError **error)
{
  if (max_rows < 1 || n_threads < 1)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG,
                   "a graph needs at least one row and one thread (got %" G_GINT64_FORMAT
                   " rows, %u threads)", max_rows, n_threads);
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
      plan_slice (exec, &exec->slices[t]);
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

/* --- the public steps --- */

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
                     "label %d of batch row %" G_GINT64_FORMAT " is not one of the model's %"
                     G_GINT64_FORMAT " classes", labels[r], r, n_classes);
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
dlp_graph_train_batch (DlpGraph *graph, const float *inputs, const gint32 *labels,
                       gint64 n_rows, DlpBatchStats *stats, GError **error)
{
  if (!ensure_prepared (graph, n_rows, error) || !check_labels (graph, labels, n_rows, error))
    return FALSE;
  double weight_sum = dlp_loss_weight_sum (labels, n_rows, &graph->loss);
  graph->exec->job = (Job) {
    .kind = JOB_TRAIN,
    .inputs = inputs,
    .labels = labels,
    .n_rows = n_rows,
    .training = TRUE,
    .grad_scale = weight_sum > 0 ? 1.0 / weight_sum : 0.0,
  };
  gboolean ok = run_job (graph->exec, error);
  graph->step++;
  if (ok)
    sum_stats (graph->exec, stats);
  return ok;
}

gboolean
dlp_graph_evaluate_batch (DlpGraph *graph, const float *inputs,
                          const gint32 *labels, gint64 n_rows, float *outputs,
                          DlpBatchStats *stats, GError **error)
{
  if (!ensure_prepared (graph, n_rows, error) || !check_labels (graph, labels, n_rows, error))
    return FALSE;
  graph->exec->job = (Job) {
    .kind = JOB_EVALUATE,
    .inputs = inputs,
    .labels = labels,
    .outputs = outputs,
    .n_rows = n_rows,
  };
  if (!run_job (graph->exec, error))
    return FALSE;
  sum_stats (graph->exec, stats);
  return TRUE;
}

gboolean
dlp_graph_forward (DlpGraph *graph, const float *inputs, gint64 n_rows,
                   gboolean training, float *outputs, GError **error)
{
  if (!ensure_prepared (graph, n_rows, error))
    return FALSE;
  graph->exec->job = (Job) {
    .kind = JOB_FORWARD,
    .inputs = inputs,
    .outputs = outputs,
    .n_rows = n_rows,
    .training = training,
  };
  gboolean ok = run_job (graph->exec, error);
  if (training)
    graph->step++;
  return ok;
}

void
dlp_graph_backward (DlpGraph *graph, const float *output_grads, float *input_grads)
{
  g_return_if_fail (graph->exec != NULL && graph->exec->job.kind == JOB_FORWARD);
  Job *job = &graph->exec->job;
  job->kind = JOB_BACKWARD;
  job->output_grads = output_grads;
  job->input_grads = input_grads;
  run_job (graph->exec, NULL);
}

void
dlp_graph_set_seed (DlpGraph *graph, guint64 seed)
{
  graph->seed = seed;
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
  graph->loss = (DlpLossOptions) { sizeof (DlpLossOptions), 0, NULL };
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

/* --- pass accessors --- */

gint64 dlp_layer_pass_get_n_rows (const DlpLayerPass *p) { return p->slice->n_rows; }
gint64 dlp_layer_pass_get_batch_rows (const DlpLayerPass *p) { return p->slice->exec->job.n_rows; }
gint64 dlp_layer_pass_get_first_row (const DlpLayerPass *p) { return p->slice->first_row; }
gboolean dlp_layer_pass_is_training (const DlpLayerPass *p) { return p->training; }
gboolean dlp_layer_pass_owns_state (const DlpLayerPass *p) { return p->slice->index == 0; }
guint64 dlp_layer_pass_get_seed (const DlpLayerPass *p) { return p->seed; }
const float *dlp_layer_pass_get_input (const DlpLayerPass *p) { return p->input; }
float *dlp_layer_pass_get_output (const DlpLayerPass *p) { return p->output; }
const float *dlp_layer_pass_get_output_grad (const DlpLayerPass *p) { return p->output_grad; }
float *dlp_layer_pass_get_input_grad (const DlpLayerPass *p) { return p->input_grad; }

const float *
dlp_layer_pass_get_param (const DlpLayerPass *pass, guint param)
{
  g_return_val_if_fail (param < pass->node->params->len, NULL);
  return pass->graph->params + g_array_index (pass->node->params, DlpParamDecl, param).offset;
}

float *
dlp_layer_pass_get_param_grad (const DlpLayerPass *pass, guint param)
{
  g_return_val_if_fail (param < pass->node->params->len, NULL);
  return pass->slice->grads + g_array_index (pass->node->params, DlpParamDecl, param).offset;
}

float *
dlp_layer_pass_get_state (const DlpLayerPass *pass, guint state)
{
  g_return_val_if_fail (state < pass->node->states->len, NULL);
  return pass->graph->state + g_array_index (pass->node->states, DlpStateDecl, state).offset;
}

float *
dlp_layer_pass_get_buffer (const DlpLayerPass *pass, guint buffer)
{
  g_return_val_if_fail (buffer < pass->node->buffers->len, NULL);
  return pass->buffers[buffer];
}
