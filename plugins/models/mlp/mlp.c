/* mlp.c: the multilayer perceptron model type.
 *
 *   model:
 *     type: mlp
 *     input_shape: [28, 28, 1]
 *     num_classes: 10
 *     mlp: {hidden_units: [256, 128], activation: relu, dropout: 0.2}
 *
 * gives Flatten (for inputs of more than one axis), then per hidden layer
 * Dense (+ BatchNormalization) + activation (+ Dropout), then
 * Dense(num_classes, softmax). */
#include <dlpipe/dlpipe.h>

static const DlpParamSpec mlp_params[] = {
  DLP_PARAM_LIST ("hidden_units", "Units of each hidden layer", "[256, 128]"),
  DLP_PARAM_ENUM ("activation", "Activation of the hidden layers", "relu",
                  "relu|leaky_relu|elu|tanh|sigmoid"),
  DLP_PARAM_DOUBLE ("dropout", "Dropout rate after each hidden layer (0: none)", "0", 0, 0.95),
  DLP_PARAM_BOOL ("batch_norm", "Batch normalization before each hidden activation", "false"),
  DLP_PARAM_STRING ("kernel_initializer",
                    "Initializer of the weights (glorot_uniform, he_normal, ...)",
                    "glorot_uniform"),
  DLP_PARAM_END,
};

static JsonNode *
mlp_build (const DlpModelSpec *spec, DlpConfig *settings, DlpContext *context, GError **error)
{
  (void) context;
  g_autoptr (GArray) units = NULL;
  g_autofree char *activation = NULL, *init = NULL;
  double dropout = 0;
  gboolean batch_norm = FALSE;
  if (!dlp_config_get_int_list (settings, "hidden_units", &units, error)
      || !dlp_config_get_string (settings, "activation", &activation, error)
      || !dlp_config_get_double (settings, "dropout", &dropout, error)
      || !dlp_config_get_bool (settings, "batch_norm", &batch_norm, error)
      || !dlp_config_get_string (settings, "kernel_initializer", &init, error))
    return NULL;
  for (guint i = 0; i < units->len; i++)
    if (g_array_index (units, gint64, i) < 1)
      {
        dlp_config_set_error (settings, "hidden_units", error, "units must be at least 1");
        return NULL;
      }
  g_autoptr (JsonNode) arch =
    dlp_architecture_new (spec->name, spec->input_rank, spec->input_shape);
  if (spec->input_rank > 1)
    dlp_architecture_add_layer (arch, "Flatten");
  for (guint i = 0; i < units->len; i++)
    {
      JsonObject *dense = dlp_architecture_add_layer (arch, "Dense");
      json_object_set_int_member (dense, "units", g_array_index (units, gint64, i));
      json_object_set_string_member (dense, "kernel_initializer", init);
      if (batch_norm)
        {
          dlp_architecture_add_layer (arch, "BatchNormalization");
          json_object_set_string_member (dlp_architecture_add_layer (arch, "Activation"),
                                         "activation", activation);
        }
      else
        json_object_set_string_member (dense, "activation", activation);
      if (dropout > 0)
        json_object_set_double_member (dlp_architecture_add_layer (arch, "Dropout"), "rate",
                                       dropout);
    }
  dlp_architecture_add_output (arch, spec->num_classes, init);
  return g_steal_pointer (&arch);
}

static const DlpModelClass mlp_model = {
  .struct_size = sizeof (DlpModelClass),
  .name = "mlp",
  .description = "Multilayer perceptron: dense hidden layers and a softmax output",
  .params = mlp_params,
  .build = mlp_build,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_model (registry, &mlp_model, error);
}

DLP_PLUGIN_DEFINE (model_mlp, "0.1.0", "LGPL-2.1-or-later", "The mlp model type", plugin_init)
