/* plan.c: what a layer declares while it is planned. */
#include <stdarg.h>
#include <string.h>
#include "graph-private.h"
#include "../kernels/kernels-private.h"

gboolean
dlp_shape_checked_size (guint rank, const gint64 *shape, gint64 *size_out)
{
  guint64 limit = dlp_limit_get (DLP_LIMIT_TENSOR_BYTES) / sizeof (float);
  gint64 n = 1;
  for (guint i = 0; i < rank; i++)
    if (shape[i] < 0 || __builtin_mul_overflow (n, shape[i], &n))
      return FALSE;
  if ((guint64) n > limit)
    return FALSE;
  *size_out = n;
  return TRUE;
}

static gboolean
too_large (const DlpNode *node, const char *what, guint rank, const gint64 *shape, GError **error)
{
  g_autofree char *where = dlp_node_describe (node);
  g_autofree char *dims = dlp_shape_to_string (rank, shape);
  g_autofree char *msg = g_strdup_printf ("%s: %s %s", where, what, dims);
  dlp_limit_set_error (error, DLP_LIMIT_TENSOR_BYTES, msg, "more than %" G_GUINT64_FORMAT " bytes",
                       dlp_limit_get (DLP_LIMIT_TENSOR_BYTES));
  return FALSE;
}

char *
dlp_node_describe (const DlpNode *node)
{
  return g_strdup_printf ("layer %u '%s' (%s)", node->index, node->name, node->keras_class);
}

static void
param_decl_clear (gpointer data)
{
  g_free (((DlpParamDecl *) data)->name);
}

static void
state_decl_clear (gpointer data)
{
  g_free (((DlpStateDecl *) data)->name);
}

void
dlp_node_free (DlpNode *node)
{
  if (node == NULL)
    return;
  if (node->instance)
    node->klass->destroy (node->instance);
  g_free (node->name);
  g_free (node->keras_class);
  g_clear_pointer (&node->params, g_array_unref);
  g_clear_pointer (&node->states, g_array_unref);
  g_clear_pointer (&node->buffers, g_array_unref);
  g_clear_pointer (&node->matmuls, g_ptr_array_unref);
  g_free (node);
}

gboolean
dlp_node_plan (DlpNode *node, guint in_rank, const gint64 *in_shape, GError **error)
{
  node->in_rank = in_rank;
  memcpy (node->in_shape, in_shape, in_rank * sizeof (gint64));
  if (!dlp_shape_checked_size (in_rank, in_shape, &node->in_size))
    return too_large (node, "input", in_rank, in_shape, error);
  node->params = g_array_new (FALSE, TRUE, sizeof (DlpParamDecl));
  g_array_set_clear_func (node->params, param_decl_clear);
  node->states = g_array_new (FALSE, TRUE, sizeof (DlpStateDecl));
  g_array_set_clear_func (node->states, state_decl_clear);
  node->buffers = g_array_new (FALSE, TRUE, sizeof (DlpBufferDecl));
  g_clear_pointer (&node->matmuls, g_ptr_array_unref);
  node->matmuls = g_ptr_array_new_with_free_func ((GDestroyNotify) dlp_matmul_free);
  node->out_rank = 0;
  DlpLayerPlan plan = { node };
  if (!node->klass->plan (node->instance, &plan, error))
    return FALSE;
  if (node->out_rank == 0)
    {
      g_autofree char *what = dlp_node_describe (node);
      g_set_error (error, DLP_ERROR, DLP_ERROR_FAILED, "%s: the layer set no output shape", what);
      return FALSE;
    }
  if (!dlp_shape_checked_size (node->out_rank, node->out_shape, &node->out_size))
    return too_large (node, "output", node->out_rank, node->out_shape, error);
  for (guint p = 0; p < node->params->len; p++)
    {
      const DlpParamDecl *d = &g_array_index (node->params, DlpParamDecl, p);
      if (d->size == 0 && d->rank > 0)
        {
          g_autofree char *what = g_strdup_printf ("parameter '%s'", d->name);
          return too_large (node, what, d->rank, d->shape, error);
        }
    }
  node->planned = TRUE;
  return TRUE;
}

const char *
dlp_layer_plan_get_name (const DlpLayerPlan *plan)
{
  return plan->node->name;
}

guint
dlp_layer_plan_get_input_rank (const DlpLayerPlan *plan)
{
  return plan->node->in_rank;
}

const gint64 *
dlp_layer_plan_get_input_shape (const DlpLayerPlan *plan)
{
  return plan->node->in_shape;
}

gint64
dlp_layer_plan_get_input_size (const DlpLayerPlan *plan)
{
  return plan->node->in_size;
}

void
dlp_layer_plan_set_output_shape (DlpLayerPlan *plan, guint rank, const gint64 *shape)
{
  g_return_if_fail (rank >= 1 && rank <= DLP_TENSOR_MAX_RANK);
  plan->node->out_rank = rank;
  memcpy (plan->node->out_shape, shape, rank * sizeof (gint64));
}

void
dlp_layer_plan_shape_error (const DlpLayerPlan *plan, GError **error, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_autofree char *what = dlp_node_describe (plan->node);
  g_autofree char *shape = dlp_shape_to_string (plan->node->in_rank, plan->node->in_shape);
  g_set_error (error, DLP_ERROR, DLP_ERROR_SHAPE, "%s: input shape %s does not fit: %s", what,
               shape, msg);
}

/* 0 when the size overflows or passes the limit: dlp_node_plan reports it. */
static gsize
shape_size (guint rank, const gint64 *shape)
{
  gint64 n;
  return dlp_shape_checked_size (rank, shape, &n) ? (gsize) n : 0;
}

guint
dlp_layer_plan_add_param (DlpLayerPlan *plan, const char *name, guint rank, const gint64 *shape,
                          const DlpInit *init, gint64 fan_in, gint64 fan_out)
{
  g_return_val_if_fail (rank <= DLP_PARAM_MAX_RANK, 0);
  DlpParamDecl p = { 0 };
  p.name = g_strdup (name);
  p.rank = rank;
  if (rank > 0)
    memcpy (p.shape, shape, rank * sizeof (gint64));
  p.init = *init;
  p.fan_in = fan_in;
  p.fan_out = fan_out;
  p.size = shape_size (rank, shape);
  p.rows = rank > 0 ? shape[0] : 1;
  p.cols = p.rows > 0 ? (gint64) p.size / p.rows : 0;
  g_array_append_val (plan->node->params, p);
  return plan->node->params->len - 1;
}

void
dlp_layer_plan_set_param_layout (DlpLayerPlan *plan, guint param, const guint *perm)
{
  g_return_if_fail (param < plan->node->params->len);
  DlpParamDecl *p = &g_array_index (plan->node->params, DlpParamDecl, param);
  memcpy (p->perm, perm, p->rank * sizeof (guint));
  p->permuted = TRUE;
}

guint
dlp_layer_plan_add_state (DlpLayerPlan *plan, const char *name, guint rank, const gint64 *shape,
                          float initial, DlpDtype dtype)
{
  g_return_val_if_fail (rank <= DLP_PARAM_MAX_RANK, 0);
  DlpStateDecl s = { 0 };
  s.name = g_strdup (name);
  s.rank = rank;
  if (rank > 0)
    memcpy (s.shape, shape, rank * sizeof (gint64));
  s.initial = initial;
  s.dtype = dtype;
  s.size = shape_size (rank, shape);
  g_array_append_val (plan->node->states, s);
  return plan->node->states->len - 1;
}

guint
dlp_layer_plan_add_buffer (DlpLayerPlan *plan, gsize per_row, gsize fixed,
                           DlpBufferLifetime lifetime)
{
  DlpBufferDecl b = { per_row, fixed, lifetime };
  g_array_append_val (plan->node->buffers, b);
  return plan->node->buffers->len - 1;
}

DlpMatmul *
dlp_layer_plan_add_matmul (DlpLayerPlan *plan, DlpMatmulFlags flags, gint64 m, gint64 n, gint64 k)
{
  g_return_val_if_fail (m >= 0 && n >= 0 && k >= 0, NULL);
  DlpMatmul *matmul = dlp_matmul_new (flags, m, n, k);
  g_ptr_array_add (plan->node->matmuls, matmul);
  return matmul;
}

void
dlp_layer_plan_reserve_sums (DlpLayerPlan *plan, gsize n)
{
  plan->node->n_sums = MAX (plan->node->n_sums, n);
}

void
dlp_layer_plan_set_softmax (DlpLayerPlan *plan)
{
  plan->node->softmax = TRUE;
}

/* --- config helpers --- */

gboolean
dlp_layer_config_get_pair (DlpConfig *config, const char *key, gint64 minimum, gint64 out[2],
                           GError **error)
{
  JsonNode *node = dlp_config_lookup (config, key);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    out[0] = out[1] = json_node_get_int (node);
  else
    {
      g_autoptr (GArray) list = NULL;
      g_autoptr (GError) local = NULL;
      if (!dlp_config_get_int_list (config, key, &list, &local) || list->len != 2)
        {
          dlp_config_set_error (config, key, error,
                                "expected an integer or a list of two integers");
          return FALSE;
        }
      out[0] = g_array_index (list, gint64, 0);
      out[1] = g_array_index (list, gint64, 1);
    }
  if (out[0] < minimum || out[1] < minimum)
    {
      dlp_config_set_error (config, key, error, "expected values of at least %" G_GINT64_FORMAT,
                            minimum);
      return FALSE;
    }
  return TRUE;
}
