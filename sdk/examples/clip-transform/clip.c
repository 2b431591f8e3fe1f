/* clip.c: an example third-party plugin, a transform that clamps numeric
 * feature values into [min, max]. Missing values (NaN) stay missing.
 *
 *   data_transformation:
 *     steps:
 *       - clip: {min: -3, max: 3}
 */
#include <math.h>
#include <dlpipe/dlpipe.h>

typedef struct {
  double min;
  double max;
} Clip;

static const DlpParamSpec clip_params[] = {
  DLP_PARAM_DOUBLE_UNBOUNDED ("min", "Smallest value kept", "0"),
  DLP_PARAM_DOUBLE_UNBOUNDED ("max", "Largest value kept", "1"),
  DLP_PARAM_END,
};

static gpointer
clip_create (DlpConfig *config, GError **error)
{
  Clip *clip = g_new0 (Clip, 1);
  if (!dlp_config_get_double (config, "min", &clip->min, error)
      || !dlp_config_get_double (config, "max", &clip->max, error))
    {
      g_free (clip);
      return NULL;
    }
  if (clip->min > clip->max)
    {
      dlp_config_set_error (config, "max", error, "must not be smaller than min");
      g_free (clip);
      return NULL;
    }
  return clip;
}

static DlpDataset *
clip_apply (gpointer self, DlpDataset *dataset, DlpContext *context, GError **error)
{
  Clip *clip = self;
  (void) context;
  /* A new dataset sharing the unchanged columns with the input. */
  g_autoptr (DlpDataset) out = dlp_dataset_copy (dataset);
  for (guint i = 0; i < dlp_dataset_get_n_columns (dataset); i++)
    {
      DlpTensor *t = dlp_dataset_get_column_tensor (dataset, i);
      if (dlp_dataset_get_column_role (dataset, i) != DLP_COLUMN_FEATURE
          || dlp_dataset_column_is_categorical (dataset, i)
          || dlp_tensor_get_dtype (t) != DLP_DTYPE_F32)
        continue;
      g_autoptr (DlpTensor) copy = dlp_tensor_copy (t);
      float *v = dlp_tensor_get_data_mut (copy);
      for (gsize j = 0; j < dlp_tensor_get_n_elements (copy); j++)
        if (!isnan (v[j]))
          v[j] = (float) fmin (fmax (v[j], clip->min), clip->max);
      if (!dlp_dataset_replace_column (out, i, copy, error))
        return NULL;
    }
  return g_steal_pointer (&out);
}

static const DlpTransformClass clip_transform = {
  .struct_size = sizeof (DlpTransformClass),
  .name = "clip",
  .description = "Clamps numeric feature values into [min, max]",
  .params = clip_params,
  .create = clip_create,
  .destroy = g_free,
  .apply = clip_apply,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_transform (registry, &clip_transform, error);
}

DLP_PLUGIN_DEFINE (clip, "1.0.0", "MIT", "Example third-party plugin: a clip transform",
                   plugin_init)
