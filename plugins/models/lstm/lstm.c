/* lstm.c: the recurrent model type.
 *
 *   model:
 *     type: lstm
 *     input_shape: [28, 28, 1]     # image rows as 28 steps of 28 features
 *     num_classes: 10
 *     lstm: {units: 128, layers: 1}
 *
 * An input of one axis [T] is T token ids when vocab_size is set (an
 * Embedding comes first), else T steps of one feature; [T, F] is T steps
 * of F features; an image is read row by row. Then `layers` LSTM(units)
 * layers, each but the last with return_sequences, optional dense layers
 * and Dropout, Dense(num_classes, softmax). */
#include <dlpipe/dlpipe.h>

static const DlpParamSpec lstm_params[] = {
  DLP_PARAM_INT ("units", "Hidden size", "128", 1, 65536),
  DLP_PARAM_INT ("layers", "Stacked LSTM layers", "1", 1, 16),
  DLP_PARAM_INT ("vocab_size", "Token ids below this are embedded first (0: the input is numeric)",
                 "0", 0, 16777216),
  DLP_PARAM_INT ("embedding_dim", "Size of the token vectors", "64", 1, 65536),
  DLP_PARAM_LIST ("dense_units", "Dense layers after the LSTM", "[]"),
  DLP_PARAM_ENUM ("activation", "Activation of those dense layers", "relu",
                  "relu|leaky_relu|elu|tanh|sigmoid"),
  DLP_PARAM_DOUBLE ("dropout", "Dropout rate before the output layer (0: none)", "0", 0, 0.95),
  DLP_PARAM_END,
};

static JsonNode *
lstm_build (const DlpModelSpec *spec, DlpConfig *settings, DlpContext *context, GError **error)
{
  (void) context;
  gint64 units = 128, layers = 1, vocab = 0, dim = 64;
  g_autoptr (GArray) dense = NULL;
  g_autofree char *activation = NULL;
  double dropout = 0;
  if (!dlp_config_get_int (settings, "units", &units, error)
      || !dlp_config_get_int (settings, "layers", &layers, error)
      || !dlp_config_get_int (settings, "vocab_size", &vocab, error)
      || !dlp_config_get_int (settings, "embedding_dim", &dim, error)
      || !dlp_config_get_int_list (settings, "dense_units", &dense, error)
      || !dlp_config_get_string (settings, "activation", &activation, error)
      || !dlp_config_get_double (settings, "dropout", &dropout, error))
    return NULL;
  if (vocab > 0 && spec->input_rank != 1)
    {
      dlp_config_set_error (settings, "vocab_size", error,
                            "token input needs an input_shape of one axis [steps]");
      return NULL;
    }
  g_autoptr (JsonNode) arch =
    dlp_architecture_new (spec->name, spec->input_rank, spec->input_shape);
  if (vocab > 0)
    {
      JsonObject *e = dlp_architecture_add_layer (arch, "Embedding");
      json_object_set_int_member (e, "input_dim", vocab);
      json_object_set_int_member (e, "output_dim", dim);
    }
  /* Stacked as Keras stacks them, which Keras loads: every LSTM but the
   * last passes on its whole sequence. */
  for (gint64 i = 0; i < layers; i++)
    {
      JsonObject *l = dlp_architecture_add_layer (arch, "LSTM");
      json_object_set_int_member (l, "units", units);
      json_object_set_boolean_member (l, "return_sequences", i + 1 < layers);
    }
  for (guint i = 0; i < dense->len; i++)
    {
      JsonObject *d = dlp_architecture_add_layer (arch, "Dense");
      json_object_set_int_member (d, "units", g_array_index (dense, gint64, i));
      json_object_set_string_member (d, "activation", activation);
    }
  if (dropout > 0)
    json_object_set_double_member (dlp_architecture_add_layer (arch, "Dropout"), "rate", dropout);
  dlp_architecture_add_output (arch, spec->num_classes, NULL);
  return g_steal_pointer (&arch);
}

static const DlpModelClass lstm_model = {
  .struct_size = sizeof (DlpModelClass),
  .name = "lstm",
  .description = "LSTM over sequence steps or image rows, with a softmax output",
  .params = lstm_params,
  .build = lstm_build,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_model (registry, &lstm_model, error);
}

DLP_PLUGIN_DEFINE (model_lstm, "0.1.0", "LGPL-2.1-or-later", "The lstm model type", plugin_init)
