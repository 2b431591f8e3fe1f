/* json.c: the model type that loads an architecture file.
 *
 *   model:
 *     type: json
 *     input_shape: [784]
 *     num_classes: 10
 *     json: {path: models/architecture.json}
 *
 * The file is Keras-style Sequential JSON (what model_builder writes, or a
 * simple Keras model's to_json()). It is checked here by building it, so
 * that errors name the file and its line. */
#include <dlpipe/dlpipe.h>

static const DlpParamSpec json_params[] = {
  DLP_PARAM_REQUIRED ("path", DLP_PARAM_PATH, "The architecture JSON file"),
  DLP_PARAM_END,
};

static JsonNode *
json_build (const DlpModelSpec *spec, DlpConfig *settings, DlpContext *context, GError **error)
{
  g_autofree char *path = NULL;
  if (!dlp_config_get_path_value (settings, "path", &path, error))
    return NULL;
  g_autoptr (DlpConfig) arch = dlp_architecture_load (path, error);
  if (arch == NULL)
    return NULL;
  DlpGraph *graph = dlp_graph_new (dlp_context_get_registry (context), arch, spec->input_rank,
                                   spec->input_shape, error);
  if (graph == NULL)
    return NULL;
  JsonNode *json = dlp_graph_to_json (graph);
  dlp_graph_free (graph);
  return json;
}

static const DlpModelClass json_model = {
  .struct_size = sizeof (DlpModelClass),
  .name = "json",
  .description = "Loads a Keras-style Sequential architecture JSON file",
  .params = json_params,
  .build = json_build,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_model (registry, &json_model, error);
}

DLP_PLUGIN_DEFINE (model_json, "0.1.0", "LGPL-2.1-or-later", "The json model type", plugin_init)
