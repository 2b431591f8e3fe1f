/* embedding.c: token ids to vectors, Keras' Embedding, PyTorch's
 * nn.Embedding.
 *
 * The input holds token ids as floats (exact up to 2^24); each becomes a
 * row of the weight [input_dim, output_dim], so [T] ids give [T, dim]. An
 * id that is not a whole number in [0, input_dim) is an error. */
#include <math.h>
#include <string.h>
#include <dlpipe/dlpipe.h>

typedef struct {
  gint64 vocab, dim;
  DlpInit init;
  gint64 n_ids; /* ids per sample */
  guint weight;
} Embedding;

static const DlpParamSpec embedding_params[] = {
  DLP_PARAM_REQUIRED_INT ("input_dim", "Vocabulary size (ids 0 to input_dim-1)", 1, 16777216),
  DLP_PARAM_REQUIRED_INT ("output_dim", "Vector size", 1, 16777216),
  DLP_PARAM_ANY ("embeddings_initializer", "Initializer of the vectors", "uniform"),
  DLP_PARAM_KERAS_DEFAULT ("mask_zero", DLP_PARAM_BOOL, "Id 0 masks the step", "false"),
  DLP_PARAM_ANY ("input_length", "Ignored (Keras 2)", NULL),
  DLP_PARAM_END,
};

static gpointer
embedding_create (DlpConfig *config, GError **error)
{
  g_autofree Embedding *e = g_new0 (Embedding, 1);
  /* Keras' "uniform": RandomUniform(-0.05, 0.05). */
  e->init = (DlpInit){ .kind = DLP_INIT_UNIFORM, .low = -0.05, .high = 0.05, .seed = -1 };
  if (!dlp_config_get_int (config, "input_dim", &e->vocab, error)
      || !dlp_config_get_int (config, "output_dim", &e->dim, error)
      || !dlp_init_from_config (config, "embeddings_initializer", &e->init, error))
    return NULL;
  return g_steal_pointer (&e);
}

static gboolean
embedding_plan (gpointer self, DlpLayerPlan *plan, GError **error)
{
  Embedding *e = self;
  guint rank = dlp_layer_plan_get_input_rank (plan);
  const gint64 *shape = dlp_layer_plan_get_input_shape (plan);
  if (rank >= DLP_TENSOR_MAX_RANK)
    {
      dlp_layer_plan_shape_error (plan, error, "the output would have too many axes");
      return FALSE;
    }
  gint64 out[DLP_TENSOR_MAX_RANK];
  memcpy (out, shape, rank * sizeof (gint64));
  out[rank] = e->dim;
  dlp_layer_plan_set_output_shape (plan, rank + 1, out);
  e->n_ids = dlp_layer_plan_get_input_size (plan);
  gint64 w_shape[2] = { e->vocab, e->dim };
  e->weight = dlp_layer_plan_add_param (plan, "weight", 2, w_shape, &e->init, e->vocab, e->dim);
  return TRUE;
}

static gboolean
embedding_forward (gpointer self, DlpLayerPass *pass, GError **error)
{
  Embedding *e = self;
  gint64 n = dlp_layer_pass_get_n_rows (pass) * e->n_ids;
  const float *ids = dlp_layer_pass_get_input (pass);
  float *y = dlp_layer_pass_get_output (pass);
  const float *w = dlp_layer_pass_get_param (pass, e->weight);
  for (gint64 i = 0; i < n; i++)
    {
      float id = ids[i];
      if (!(id >= 0 && id < (float) e->vocab && id == floorf (id)))
        {
          gint64 row = dlp_layer_pass_get_first_row (pass) + i / e->n_ids;
          g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                       "token id %g at batch row %" G_GINT64_FORMAT ", position %" G_GINT64_FORMAT
                       " is not an integer from 0 to %" G_GINT64_FORMAT,
                       (double) id, row, i % e->n_ids, e->vocab - 1);
          return FALSE;
        }
      memcpy (y + i * e->dim, w + (gint64) id * e->dim, e->dim * sizeof (float));
    }
  return TRUE;
}

static void
embedding_backward (gpointer self, DlpLayerPass *pass)
{
  Embedding *e = self;
  gint64 n = dlp_layer_pass_get_n_rows (pass) * e->n_ids;
  const float *ids = dlp_layer_pass_get_input (pass);
  const float *dy = dlp_layer_pass_get_output_grad (pass);
  float *dw = dlp_layer_pass_get_param_grad (pass, e->weight);
  memset (dw, 0, (gsize) (e->vocab * e->dim) * sizeof (float));
  for (gint64 i = 0; i < n; i++)
    {
      float *row = dw + (gint64) ids[i] * e->dim;
      for (gint64 j = 0; j < e->dim; j++)
        row[j] += dy[i * e->dim + j];
    }
  /* Ids have no gradient. */
  float *dx = dlp_layer_pass_get_input_grad (pass);
  if (dx)
    memset (dx, 0, (gsize) n * sizeof (float));
}

static const DlpLayerClass embedding_class = {
  .struct_size = sizeof (DlpLayerClass),
  .name = "embedding",
  .description = "Token ids to learned vectors (Keras Embedding, nn.Embedding)",
  .params = embedding_params,
  .keras_class = "Embedding",
  .create = embedding_create,
  .destroy = g_free,
  .plan = embedding_plan,
  .forward = embedding_forward,
  .backward = embedding_backward,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_layer (registry, &embedding_class, error);
}

DLP_PLUGIN_DEFINE (layer_embedding, "0.1.0", "LGPL-2.1-or-later", "The Embedding layer",
                   plugin_init)
