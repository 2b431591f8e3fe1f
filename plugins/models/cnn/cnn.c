/* cnn.c: the convolutional model type.
 *
 *   model:
 *     type: cnn
 *     input_shape: [28, 28, 1]
 *     num_classes: 10
 *     cnn: {filters: [32, 64], kernel_size: 3, pool_size: 2, dense_units: [128]}
 *
 * gives per block Conv2D (+ BatchNormalization) + activation +
 * MaxPooling2D, then Flatten, per dense layer Dense + activation
 * (+ Dropout), then Dense(num_classes, softmax). */
#include <dlpipe/dlpipe.h>

static const DlpParamSpec cnn_params[] = {
  DLP_PARAM_LIST ("filters", "Filters of each convolution block", "[32, 64]"),
  DLP_PARAM_INT ("kernel_size", "Kernel height and width", "3", 1, 64),
  DLP_PARAM_ENUM ("padding", "Convolution padding", "valid", "valid|same"),
  DLP_PARAM_INT ("pool_size", "Max pooling after each block (1: none)", "2", 1, 64),
  DLP_PARAM_ENUM ("activation", "Activation of the hidden layers", "relu",
                  "relu|leaky_relu|elu|tanh|sigmoid"),
  DLP_PARAM_BOOL ("batch_norm", "Batch normalization after each convolution", "false"),
  DLP_PARAM_LIST ("dense_units", "Units of the dense layers of the head", "[128]"),
  DLP_PARAM_DOUBLE ("dropout", "Dropout rate after each dense layer (0: none)", "0", 0, 0.95),
  DLP_PARAM_STRING ("kernel_initializer", "Initializer of the weights", "glorot_uniform"),
  DLP_PARAM_END,
};

static gboolean
positive_list (DlpConfig *settings, const char *key, GArray **out, GError **error)
{
  if (!dlp_config_get_int_list (settings, key, out, error))
    return FALSE;
  for (guint i = 0; i < (*out)->len; i++)
    if (g_array_index (*out, gint64, i) < 1)
      {
        dlp_config_set_error (settings, key, error, "every value must be at least 1");
        return FALSE;
      }
  return TRUE;
}

static JsonNode *
cnn_build (const DlpModelSpec *spec, DlpConfig *settings, DlpContext *context, GError **error)
{
  (void) context;
  g_autoptr (GArray) filters = NULL, dense = NULL;
  g_autofree char *padding = NULL, *activation = NULL, *init = NULL;
  gint64 kernel = 3, pool = 2;
  gboolean batch_norm = FALSE;
  double dropout = 0;
  if (!positive_list (settings, "filters", &filters, error)
      || !positive_list (settings, "dense_units", &dense, error)
      || !dlp_config_get_int (settings, "kernel_size", &kernel, error)
      || !dlp_config_get_int (settings, "pool_size", &pool, error)
      || !dlp_config_get_string (settings, "padding", &padding, error)
      || !dlp_config_get_string (settings, "activation", &activation, error)
      || !dlp_config_get_bool (settings, "batch_norm", &batch_norm, error)
      || !dlp_config_get_double (settings, "dropout", &dropout, error)
      || !dlp_config_get_string (settings, "kernel_initializer", &init, error))
    return NULL;
  if (spec->input_rank != 3)
    {
      g_autofree char *shape = dlp_shape_to_string (spec->input_rank, spec->input_shape);
      g_set_error (error, DLP_ERROR, DLP_ERROR_SHAPE,
                   "the cnn model needs an image input_shape [height, width, channels], got %s",
                   shape);
      return NULL;
    }
  g_autoptr (JsonNode) arch =
    dlp_architecture_new (spec->name, spec->input_rank, spec->input_shape);
  for (guint i = 0; i < filters->len; i++)
    {
      JsonObject *conv = dlp_architecture_add_layer (arch, "Conv2D");
      json_object_set_int_member (conv, "filters", g_array_index (filters, gint64, i));
      json_object_set_int_member (conv, "kernel_size", kernel);
      json_object_set_string_member (conv, "padding", padding);
      json_object_set_string_member (conv, "kernel_initializer", init);
      if (batch_norm)
        {
          dlp_architecture_add_layer (arch, "BatchNormalization");
          json_object_set_string_member (dlp_architecture_add_layer (arch, "Activation"),
                                         "activation", activation);
        }
      else
        json_object_set_string_member (conv, "activation", activation);
      if (pool > 1)
        json_object_set_int_member (dlp_architecture_add_layer (arch, "MaxPooling2D"), "pool_size",
                                    pool);
    }
  dlp_architecture_add_layer (arch, "Flatten");
  for (guint i = 0; i < dense->len; i++)
    {
      JsonObject *d = dlp_architecture_add_layer (arch, "Dense");
      json_object_set_int_member (d, "units", g_array_index (dense, gint64, i));
      json_object_set_string_member (d, "activation", activation);
      json_object_set_string_member (d, "kernel_initializer", init);
      if (dropout > 0)
        json_object_set_double_member (dlp_architecture_add_layer (arch, "Dropout"), "rate",
                                       dropout);
    }
  dlp_architecture_add_output (arch, spec->num_classes, init);
  return g_steal_pointer (&arch);
}

static const DlpModelClass cnn_model = {
  .struct_size = sizeof (DlpModelClass),
  .name = "cnn",
  .description = "Convolutional network: conv/pool blocks, a dense head, a softmax output",
  .params = cnn_params,
  .build = cnn_build,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_model (registry, &cnn_model, error);
}

DLP_PLUGIN_DEFINE (model_cnn, "0.1.0", "LGPL-2.1-or-later", "The cnn model type", plugin_init)
