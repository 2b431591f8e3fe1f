/* weights.c: the parameter and state blocks, their initialisation, and
 * weights files in PyTorch's state-dict names and layouts. */
#include <string.h>
#include "graph-private.h"

float *
dlp_try_alloc_floats (gsize n)
{
  return n < G_MAXSIZE / sizeof (float) ? dlp_try_alloc0_aligned (n * sizeof (float)) : NULL;
}

gboolean
dlp_graph_allocate_params (DlpGraph *graph, GError **error)
{
  /* Each declaration is below the tensor limit; their sum is checked
   * against the model's, before any of it is allocated. */
  const guint64 limit = dlp_limit_get (DLP_LIMIT_MODEL_PARAMS);
  gsize n_params = 0, n_state = 0;
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      DlpNode *node = dlp_graph_node (graph, i);
      for (guint p = 0; p < node->params->len; p++)
        {
          DlpParamDecl *decl = &g_array_index (node->params, DlpParamDecl, p);
          decl->offset = n_params;
          n_params += dlp_align_floats (decl->size);
          if (n_params > limit)
            {
              g_autofree char *what = g_strdup_printf ("model '%s'", graph->name);
              dlp_limit_set_error (error, DLP_LIMIT_MODEL_PARAMS, what,
                                   "more than %" G_GUINT64_FORMAT
                                   " parameters (layer '%s' reaches %" G_GSIZE_FORMAT ")",
                                   limit, node->name, n_params);
              return FALSE;
            }
        }
      for (guint s = 0; s < node->states->len; s++)
        {
          DlpStateDecl *decl = &g_array_index (node->states, DlpStateDecl, s);
          decl->offset = n_state;
          n_state += dlp_align_floats (decl->size);
        }
    }
  graph->n_params = n_params;
  graph->n_state = n_state;
  graph->params = dlp_try_alloc_floats (n_params);
  graph->grads = dlp_try_alloc_floats (n_params);
  graph->state = dlp_try_alloc_floats (n_state);
  if (graph->params == NULL || graph->grads == NULL || graph->state == NULL)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_LIMIT,
                   "model '%s': out of memory for its %" G_GSIZE_FORMAT
                   " parameters and their gradients",
                   graph->name, n_params);
      return FALSE;
    }
  dlp_graph_init (graph, 0);
  return TRUE;
}

gsize
dlp_graph_get_n_params (DlpGraph *graph)
{
  return graph->n_params;
}

float *
dlp_graph_get_params (DlpGraph *graph)
{
  return graph->params;
}

gsize
dlp_graph_get_n_state (DlpGraph *graph)
{
  return graph->n_state;
}

float *
dlp_graph_get_state (DlpGraph *graph)
{
  return graph->state;
}

float *
dlp_graph_get_grads (DlpGraph *graph)
{
  return graph->grads;
}

void
dlp_graph_init (DlpGraph *graph, guint64 seed)
{
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      DlpNode *node = dlp_graph_node (graph, i);
      for (guint p = 0; p < node->params->len; p++)
        {
          DlpParamDecl *d = &g_array_index (node->params, DlpParamDecl, p);
          guint64 pseed = dlp_rng_mix (dlp_rng_mix (seed, i), p);
          dlp_init_fill (&d->init, graph->params + d->offset, d->size, d->rows, d->cols, d->fan_in,
                         d->fan_out, pseed);
        }
      for (guint s = 0; s < node->states->len; s++)
        {
          DlpStateDecl *d = &g_array_index (node->states, DlpStateDecl, s);
          for (gsize k = 0; k < d->size; k++)
            graph->state[d->offset + k] = d->initial;
        }
    }
}

/* --- layouts --- */

static void
stored_shape (const DlpParamDecl *d, gint64 *shape)
{
  for (guint i = 0; i < d->rank; i++)
    shape[i] = d->permuted ? d->shape[d->perm[i]] : d->shape[i];
}

/* Copies between the layer's layout and the stored one; @to_stored picks
 * the direction. */
static void
permute_copy (const DlpParamDecl *d, const float *src, float *dst, gboolean to_stored)
{
  if (!d->permuted)
    {
      memcpy (dst, src, d->size * sizeof (float));
      return;
    }
  gint64 layer_strides[DLP_PARAM_MAX_RANK];
  gint64 stride = 1;
  for (int i = (int) d->rank - 1; i >= 0; i--)
    layer_strides[i] = stride, stride *= d->shape[i];
  gint64 shape[DLP_PARAM_MAX_RANK];
  stored_shape (d, shape);
  gint64 index[DLP_PARAM_MAX_RANK] = { 0 };
  for (gsize k = 0; k < d->size; k++)
    {
      /* k walks the stored tensor in order; find the same element in the
       * layer's layout. */
      gint64 offset = 0;
      for (guint i = 0; i < d->rank; i++)
        offset += index[i] * layer_strides[d->perm[i]];
      if (to_stored)
        dst[k] = src[offset];
      else
        dst[offset] = src[k];
      for (int i = (int) d->rank - 1; i >= 0; i--)
        {
          if (++index[i] < shape[i])
            break;
          index[i] = 0;
        }
    }
}

static char *
tensor_name (const DlpNode *node, const char *name)
{
  return g_strdup_printf ("%u.%s", node->module, name);
}

gboolean
dlp_graph_save_weights (DlpGraph *graph, const char *path, GError **error)
{
  g_autoptr (DlpSafetensorsWriter) writer = dlp_safetensors_writer_new ();
  dlp_safetensors_writer_set_metadata (writer, "format", "pt");
  dlp_safetensors_writer_set_metadata (writer, "dlpipe.format", "weights-1");
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      DlpNode *node = dlp_graph_node (graph, i);
      for (guint p = 0; p < node->params->len; p++)
        {
          DlpParamDecl *d = &g_array_index (node->params, DlpParamDecl, p);
          gint64 shape[DLP_PARAM_MAX_RANK];
          stored_shape (d, shape);
          g_autoptr (DlpTensor) t = dlp_tensor_new (DLP_DTYPE_F32, d->rank, shape, error);
          if (t == NULL)
            return FALSE;
          permute_copy (d, graph->params + d->offset, dlp_tensor_get_data_mut (t), TRUE);
          g_autofree char *name = tensor_name (node, d->name);
          if (!dlp_safetensors_writer_add (writer, name, t, error))
            return FALSE;
        }
      for (guint s = 0; s < node->states->len; s++)
        {
          DlpStateDecl *d = &g_array_index (node->states, DlpStateDecl, s);
          g_autoptr (DlpTensor) t = dlp_tensor_new (d->dtype, d->rank, d->shape, error);
          if (t == NULL)
            return FALSE;
          const float *src = graph->state + d->offset;
          if (d->dtype == DLP_DTYPE_I64)
            {
              gint64 *dst = dlp_tensor_get_data_mut (t);
              for (gsize k = 0; k < d->size; k++)
                dst[k] = (gint64) src[k];
            }
          else
            memcpy (dlp_tensor_get_data_mut (t), src, d->size * sizeof (float));
          g_autofree char *name = tensor_name (node, d->name);
          if (!dlp_safetensors_writer_add (writer, name, t, error))
            return FALSE;
        }
    }
  return dlp_safetensors_writer_write (writer, path, error);
}

/* Checks one stored tensor against what the graph expects. */
static DlpTensor *
expect_tensor (DlpSafetensors *st, const char *path, const DlpNode *node, const char *name,
               DlpDtype dtype, guint rank, const gint64 *shape, GHashTable *seen, GError **error)
{
  g_autofree char *key = tensor_name (node, name);
  g_autofree char *what = dlp_node_describe (node);
  DlpTensor *t = dlp_safetensors_get_tensor (st, key);
  if (t == NULL)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND, "%s: tensor '%s' of %s is missing", path,
                   key, what);
      return NULL;
    }
  g_hash_table_add (seen, g_strdup (key));
  if (dlp_tensor_get_dtype (t) != dtype)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_DTYPE, "%s: tensor '%s' of %s is %s, expected %s",
                   path, key, what, dlp_dtype_name (dlp_tensor_get_dtype (t)),
                   dlp_dtype_name (dtype));
      return NULL;
    }
  if (dlp_tensor_get_rank (t) != rank
      || memcmp (dlp_tensor_get_shape (t), shape, rank * sizeof (gint64)) != 0)
    {
      g_autofree char *got =
        dlp_shape_to_string (dlp_tensor_get_rank (t), dlp_tensor_get_shape (t));
      g_autofree char *want = dlp_shape_to_string (rank, shape);
      g_set_error (error, DLP_ERROR, DLP_ERROR_SHAPE,
                   "%s: tensor '%s' of %s has shape %s, expected %s", path, key, what, got, want);
      return NULL;
    }
  return t;
}

gboolean
dlp_graph_load_weights (DlpGraph *graph, const char *path, GError **error)
{
  g_autoptr (DlpSafetensors) st = dlp_safetensors_read (path, error);
  if (st == NULL)
    return FALSE;
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* Everything is checked before anything is copied. */
  g_autofree float *params = g_new0 (float, graph->n_params + 1);
  g_autofree float *state = g_new0 (float, graph->n_state + 1);
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      DlpNode *node = dlp_graph_node (graph, i);
      for (guint p = 0; p < node->params->len; p++)
        {
          DlpParamDecl *d = &g_array_index (node->params, DlpParamDecl, p);
          gint64 shape[DLP_PARAM_MAX_RANK];
          stored_shape (d, shape);
          DlpTensor *t =
            expect_tensor (st, path, node, d->name, DLP_DTYPE_F32, d->rank, shape, seen, error);
          if (t == NULL)
            return FALSE;
          permute_copy (d, dlp_tensor_get_data (t), params + d->offset, FALSE);
        }
      for (guint s = 0; s < node->states->len; s++)
        {
          DlpStateDecl *d = &g_array_index (node->states, DlpStateDecl, s);
          DlpTensor *t =
            expect_tensor (st, path, node, d->name, d->dtype, d->rank, d->shape, seen, error);
          if (t == NULL)
            return FALSE;
          if (d->dtype == DLP_DTYPE_I64)
            {
              const gint64 *src = dlp_tensor_get_data (t);
              for (gsize k = 0; k < d->size; k++)
                state[d->offset + k] = (float) src[k];
            }
          else
            memcpy (state + d->offset, dlp_tensor_get_data (t), d->size * sizeof (float));
        }
    }
  for (guint i = 0; i < dlp_safetensors_get_n_tensors (st); i++)
    {
      const char *name = dlp_safetensors_get_name (st, i);
      if (!g_hash_table_contains (seen, name))
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                       "%s: tensor '%s' belongs to no layer of model '%s' (is it the "
                       "weights of another architecture?)",
                       path, name, graph->name);
          return FALSE;
        }
    }
  memcpy (graph->params, params, graph->n_params * sizeof (float));
  memcpy (graph->state, state, graph->n_state * sizeof (float));
  return TRUE;
}
