/* pass.c: what a layer sees of one slice of a batch. */
#include <string.h>
#include "exec-private.h"
#include "../kernels/kernels-private.h"

void
dlp_layer_pass_sum_over_batch (DlpLayerPass *pass, double *values, gsize n)
{
  DlpExec *exec = pass->slice->exec;
  guint parties = exec->job.n_active;
  if (parties <= 1 || n == 0)
    return;
  g_return_if_fail (n <= exec->graph->n_sums);
  memcpy (pass->slice->sums, values, n * sizeof (double));
  dlp_barrier_wait (&exec->barrier);
  /* Every slice adds the parts in the same order: same bits everywhere. */
  for (gsize i = 0; i < n; i++)
    {
      double total = 0;
      for (guint t = 0; t < parties; t++)
        total += exec->slices[t].sums[i];
      values[i] = total;
    }
  /* Nobody may overwrite its part before everyone has read it. */
  dlp_barrier_wait (&exec->barrier);
}

gint64
dlp_layer_pass_get_n_rows (const DlpLayerPass *p)
{
  return p->slice->n_rows;
}
gint64
dlp_layer_pass_get_batch_rows (const DlpLayerPass *p)
{
  return p->slice->exec->job.n_rows;
}
gint64
dlp_layer_pass_get_first_row (const DlpLayerPass *p)
{
  return p->slice->exec->graph->first_row + p->slice->first_row;
}
gboolean
dlp_layer_pass_is_training (const DlpLayerPass *p)
{
  return p->training;
}
gboolean
dlp_layer_pass_owns_state (const DlpLayerPass *p)
{
  return p->slice->index == 0;
}
guint64
dlp_layer_pass_get_seed (const DlpLayerPass *p)
{
  return p->seed;
}
const float *
dlp_layer_pass_get_input (const DlpLayerPass *p)
{
  return p->input;
}
float *
dlp_layer_pass_get_output (const DlpLayerPass *p)
{
  return p->output;
}
const float *
dlp_layer_pass_get_output_grad (const DlpLayerPass *p)
{
  return p->output_grad;
}
float *
dlp_layer_pass_get_input_grad (const DlpLayerPass *p)
{
  return p->input_grad;
}

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

void
dlp_layer_pass_matmul (DlpLayerPass *pass, DlpMatmul *matmul, gint64 m, gint64 n, gint64 k,
                       const float *a, const float *b, float *c)
{
  dlp_matmul_run (matmul, pass->slice->index, m, n, k, a, b, c);
}
