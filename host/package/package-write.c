/* package-write.c: assembling models/final. */
#include <string.h>
#include "package.h"
#include "mlmodel.h"

static const char *
mlflow_dtype (const char *dtype)
{
  static const char *const map[][2] = {
    { "F32", "float32" }, { "F64", "float64" }, { "I32", "int32" },
    { "I64", "int64" },   { "U8", "uint8" },    { "BOOL", "bool" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_strcmp0 (dtype, map[i][0]) == 0)
      return map[i][1];
  return "float32";
}

/* MLflow's signature: one tensor for a single multi-dimensional input
 * (images), otherwise a column per input, categorical ones as strings. */
static char *
signature_inputs (JsonArray *inputs)
{
  guint n = json_array_get_length (inputs);
  if (n == 1)
    {
      JsonObject *c = json_array_get_object_element (inputs, 0);
      JsonArray *shape = json_object_get_array_member (c, "shape");
      if (shape && json_array_get_length (shape) > 0)
        {
          g_autoptr (GArray) dims = g_array_new (FALSE, FALSE, sizeof (gint64));
          for (guint i = 0; i < json_array_get_length (shape); i++)
            {
              gint64 d = json_array_get_int_element (shape, i);
              g_array_append_val (dims, d);
            }
          return dlp_mlmodel_tensor_schema (
            mlflow_dtype (json_object_get_string_member (c, "dtype")), dims->len,
            (const gint64 *) dims->data);
        }
    }
  JsonArray *columns = json_array_new ();
  for (guint i = 0; i < n; i++)
    {
      JsonObject *c = json_array_get_object_element (inputs, i);
      const char *dtype = json_object_get_string_member_with_default (c, "dtype", "F32");
      /* The widest type of each kind: MLflow refuses to narrow (pandas'
       * float64 to a float column), and the predictor checks each value's
       * range itself. */
      const char *type = json_object_has_member (c, "categories")           ? "string"
                         : !strcmp (dtype, "F64") || !strcmp (dtype, "F32") ? "double"
                         : !strcmp (dtype, "BOOL")                          ? "boolean"
                                                                            : "long";
      JsonObject *column = json_object_new ();
      json_object_set_string_member (column, "name", json_object_get_string_member (c, "name"));
      json_object_set_string_member (column, "type", type);
      json_object_set_boolean_member (column, "required", TRUE);
      json_array_add_object_element (columns, column);
    }
  g_autoptr (JsonNode) root = dlp_json_node_new_array (columns);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

/* The inputs the model was trained from: as the data stages recorded them
 * ("input_schema"), or else the model's own input as one float tensor. */
static JsonArray *
package_inputs (DlpGraph *graph, JsonObject *meta)
{
  JsonNode *recorded = json_object_get_member (meta, "input_schema");
  if (recorded && JSON_NODE_HOLDS_ARRAY (recorded))
    return json_array_ref (json_node_get_array (recorded));
  JsonArray *inputs = json_array_new ();
  JsonObject *c = json_object_new ();
  json_object_set_string_member (c, "name", "input");
  json_object_set_string_member (c, "dtype", "F32");
  JsonArray *shape = json_array_new ();
  for (guint i = 0; i < dlp_graph_get_input_rank (graph); i++)
    json_array_add_int_element (shape, dlp_graph_get_input_shape (graph)[i]);
  json_object_set_array_member (c, "shape", shape);
  json_array_add_object_element (inputs, c);
  return inputs;
}

/* What the package needs of a host, and what it was computed with: the
 * package's environment (environment.json, and part of dlpipe.json). */
static JsonNode *
package_environment (DlpGraph *graph, JsonArray *plugins)
{
  JsonObject *e = json_object_new ();
  json_object_set_string_member (e, "dlpipe_version", DLP_VERSION);
  json_object_set_string_member (e, "precision",
                                 dlp_precision_get_name (dlp_graph_get_precision (graph)));
  json_object_set_string_member (e, "kernels", dlp_kernels_get_library ());
  json_object_set_string_member (e, "kernels_isa", dlp_kernels_get_isa ());
  /* What a host must offer to score the package. */
  json_object_set_int_member (e, "abi_version", DLP_ABI_VERSION);
  json_object_set_int_member (e, "api_level", DLP_API_LEVEL);
  json_object_set_string_member (e, "build_signature", DLP_BUILD_SIGNATURE);
  json_object_set_array_member (e, "plugins", json_array_ref (plugins));
  return dlp_json_node_new_object (e);
}

/* The plugins go last in dlpipe.json, after what they serve. */
static void
copy_member (JsonObject *from, const char *name, JsonNode *node, gpointer to)
{
  (void) from;
  if (strcmp (name, "plugins") != 0)
    json_object_set_member (to, name, json_node_copy (node));
}

gboolean
dlp_package_write (const char *dir, DlpRegistry *registry, DlpGraph *graph, DlpDataset *test_data,
                   const char *const *class_names, JsonNode *metrics, const char *run_id,
                   GError **error)
{
  g_autofree char *arch = g_build_filename (dir, "model.json", NULL);
  g_autofree char *weights = g_build_filename (dir, "weights.safetensors", NULL);
  if (!dlp_graph_save_architecture (graph, arch, error)
      || !dlp_graph_save_weights (graph, weights, error))
    return FALSE;

  JsonObject *meta = dlp_dataset_get_metadata (test_data);
  g_autoptr (JsonArray) inputs = package_inputs (graph, meta);
  g_autoptr (JsonArray) plugins =
    dlp_package_plugins (registry, graph, json_object_get_member (meta, "preprocessing"));
  g_autoptr (JsonNode) environment = package_environment (graph, plugins);
  g_autofree char *environment_path = g_build_filename (dir, DLP_PACKAGE_ENVIRONMENT, NULL);
  if (!dlp_write_json_atomic (environment_path, environment, error))
    return FALSE;

  JsonObject *m = json_object_new ();
  json_object_set_string_member (m, "format", DLP_PACKAGE_FORMAT);
  json_object_set_string_member (m, "architecture", "model.json");
  json_object_set_string_member (m, "weights", "weights.safetensors");
  json_object_foreach_member (json_node_get_object (environment), copy_member, m);
  json_object_set_array_member (m, "inputs", json_array_ref (inputs));
  JsonNode *steps = json_object_get_member (meta, "preprocessing");
  json_object_set_member (m, "preprocessing",
                          steps ? json_node_copy (steps) : dlp_json_node_new_array (NULL));
  JsonArray *classes = json_array_new ();
  for (guint i = 0; class_names[i]; i++)
    json_array_add_string_element (classes, class_names[i]);
  json_object_set_array_member (m, "classes", classes);
  if (metrics)
    json_object_set_member (m, "test_metrics", json_node_copy (metrics));
  json_object_set_array_member (m, "plugins", json_array_ref (plugins));
  g_autoptr (JsonNode) manifest = dlp_json_node_new_object (m);
  g_autofree char *manifest_path = g_build_filename (dir, DLP_PACKAGE_MANIFEST, NULL);
  if (!dlp_write_json_atomic (manifest_path, manifest, error))
    return FALSE;

  g_autoptr (JsonObject) flavor = json_object_new ();
  json_object_set_string_member (flavor, "format", DLP_PACKAGE_FORMAT);
  json_object_set_string_member (flavor, "manifest", DLP_PACKAGE_MANIFEST);
  json_object_set_string_member (flavor, "architecture", "model.json");
  json_object_set_string_member (flavor, "weights", "weights.safetensors");
  json_object_set_string_member (flavor, "precision",
                                 dlp_precision_get_name (dlp_graph_get_precision (graph)));
  json_object_set_int_member (flavor, "abi_version", DLP_ABI_VERSION);
  json_object_set_int_member (flavor, "api_level", DLP_API_LEVEL);
  json_object_set_array_member (flavor, "plugins", json_array_ref (plugins));
  g_autofree char *sig_in = signature_inputs (inputs);
  const char *sig_out = "[{\"name\": \"label\", \"type\": \"string\", \"required\": true}]";
  DlpMlmodel mlmodel = {
    .run_id = run_id,
    .artifact_path = "model",
    .flavor = flavor,
    .signature_inputs = sig_in,
    .signature_outputs = sig_out,
    .model_size_bytes = -1,
  };
  g_autofree char *mlmodel_path = g_build_filename (dir, "MLmodel", NULL);
  return dlp_mlmodel_write_python_env (dir, error)
         && dlp_mlmodel_write (mlmodel_path, &mlmodel, error);
}
