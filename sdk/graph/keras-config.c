/* keras-config.c: what Keras writes in architecture JSON, and how dlpipe
 * reads and writes it. */
#include <string.h>
#include "graph-private.h"
#include "config/config-private.h"

#define KERAS_NULL(key, what) DLP_PARAM_KERAS_DEFAULT (key, DLP_PARAM_ANY, what, "null")

/* Keys any layer config may carry, beside its class's own. */
static const DlpParamSpec layer_common[] = {
  DLP_PARAM_STRING ("name", "The layer's name", NULL),
  DLP_PARAM_ANY ("dtype", "float32, or a float32 DTypePolicy", NULL),
  DLP_PARAM_ANY ("autocast", "Ignored", NULL),
  DLP_PARAM_ANY ("batch_input_shape", "The input, on the first layer", NULL),
  DLP_PARAM_ANY ("batch_shape", "The input, on the first layer", NULL),
  DLP_PARAM_ANY ("input_shape", "The input, on the first layer", NULL),
  DLP_PARAM_KERAS_DEFAULT ("trainable", DLP_PARAM_BOOL, "Frozen layers", "true"),
  KERAS_NULL ("kernel_regularizer", "Regularizers"),
  KERAS_NULL ("bias_regularizer", "Regularizers"),
  KERAS_NULL ("activity_regularizer", "Regularizers"),
  KERAS_NULL ("recurrent_regularizer", "Regularizers"),
  KERAS_NULL ("beta_regularizer", "Regularizers"),
  KERAS_NULL ("gamma_regularizer", "Regularizers"),
  KERAS_NULL ("embeddings_regularizer", "Regularizers"),
  KERAS_NULL ("kernel_constraint", "Constraints"),
  KERAS_NULL ("bias_constraint", "Constraints"),
  KERAS_NULL ("recurrent_constraint", "Constraints"),
  KERAS_NULL ("beta_constraint", "Constraints"),
  KERAS_NULL ("gamma_constraint", "Constraints"),
  KERAS_NULL ("embeddings_constraint", "Constraints"),
  KERAS_NULL ("lora_rank", "LoRA"),
  KERAS_NULL ("quantization_config", "Quantization"),
  DLP_PARAM_END,
};

DlpConfig *
dlp_architecture_parse (const char *name, const char *text, gssize length, GError **error)
{
  gsize len = length < 0 ? strlen (text) : (gsize) length;
  /* json-glib reads it (its syntax errors have a line and column), then
   * the text is walked once more for the line and column of every node:
   * Keras writes a whole model on one line. */
  JsonNode *root = dlp_json_parse (text, (gssize) len, name, error);
  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      json_node_unref (root);
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "%s: expected a JSON object {\"class_name\": \"Sequential\", ...}", name);
      return NULL;
    }
  return dlp_config_new_from_json (name, root, text, len, error);
}

DlpConfig *
dlp_architecture_load (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize len;
  if (!dlp_read_file (path, &text, &len, error))
    return NULL;
  return dlp_architecture_parse (path, text, (gssize) len, error);
}

/* Keras' to_snake_case: "MaxPooling2D" -> "max_pooling2d", "ReLU" -> "re_lu". */
char *
dlp_keras_snake_case (const char *name)
{
  GString *a = g_string_new (NULL);
  gsize n = strlen (name);
  for (gsize i = 0; i < n; i++)
    {
      /* (.)([A-Z][a-z]+) -> \1_\2 */
      if (i > 0 && g_ascii_isupper (name[i]) && i + 1 < n && g_ascii_islower (name[i + 1]))
        g_string_append_c (a, '_');
      g_string_append_c (a, name[i]);
    }
  GString *b = g_string_new (NULL);
  for (gsize i = 0; i < a->len; i++)
    {
      /* ([a-z])([A-Z]) -> \1_\2 */
      if (i > 0 && g_ascii_islower (a->str[i - 1]) && g_ascii_isupper (a->str[i]))
        g_string_append_c (b, '_');
      g_string_append_c (b, g_ascii_tolower (a->str[i]));
    }
  g_string_free (a, TRUE);
  return g_string_free (b, FALSE);
}

/* A Keras shape with its batch axis: [null, 28, 28, 1]. */
static gboolean
read_batch_shape (DlpConfig *config, const char *key, gboolean has_batch, guint *rank,
                  gint64 *shape, GError **error)
{
  JsonNode *node = dlp_config_lookup (config, key);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  JsonArray *dims = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  guint skip = has_batch ? 1 : 0;
  guint len = dims ? json_array_get_length (dims) : 0;
  gboolean ok = dims && len > skip && len - skip <= DLP_TENSOR_MAX_RANK;
  for (guint i = skip; ok && i < len; i++)
    {
      JsonNode *d = json_array_get_element (dims, i);
      ok = JSON_NODE_HOLDS_VALUE (d) && json_node_get_value_type (d) == G_TYPE_INT64
           && json_node_get_int (d) > 0;
      if (ok)
        shape[i - skip] = json_node_get_int (d);
    }
  if (!ok)
    {
      dlp_config_set_error (config, key, error, "expected %s, such as %s",
                            has_batch ? "a shape with its batch axis" : "a shape",
                            has_batch ? "[null, 28, 28, 1]" : "[28, 28, 1]");
      return FALSE;
    }
  *rank = len - skip;
  return TRUE;
}

gboolean
dlp_keras_read_input_shape (DlpConfig *config, guint *rank, gint64 *shape, GError **error)
{
  return read_batch_shape (config, "batch_shape", TRUE, rank, shape, error)
         && read_batch_shape (config, "batch_input_shape", TRUE, rank, shape, error)
         && read_batch_shape (config, "input_shape", FALSE, rank, shape, error);
}

/* dtype: "float32", or Keras 3's policy {"class_name": "DTypePolicy",
 * "config": {"name": "float32"}}. */
static gboolean
check_dtype (DlpConfig *config, GError **error)
{
  JsonNode *node = dlp_config_lookup (config, "dtype");
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  const char *key = JSON_NODE_HOLDS_OBJECT (node) ? "dtype.config.name" : "dtype";
  g_autofree char *dtype = NULL;
  if (!dlp_config_get_string (config, key, &dtype, error))
    return FALSE;
  if (dtype == NULL || strcmp (dtype, "float32") == 0)
    return TRUE;
  dlp_config_set_error (config, key, error, "dlpipe computes in float32, got \"%s\"", dtype);
  return FALSE;
}

static const DlpParamSpec *
find_spec (const DlpParamSpec *specs, const char *key)
{
  for (const DlpParamSpec *p = specs; p && p->name; p++)
    if (strcmp (p->name, key) == 0)
      return p;
  return NULL;
}

/* A key dlpipe has only at Keras' default: that value or null. */
static gboolean
check_keras_default (DlpConfig *config, const DlpParamSpec *spec, GError **error)
{
  JsonNode *value = dlp_config_lookup (config, spec->name);
  if (!(spec->flags & DLP_PARAM_FLAG_KERAS_DEFAULT) || JSON_NODE_HOLDS_NULL (value))
    return TRUE;
  /* json_node_equal takes 0 and 0.0 as equal, as Keras does. */
  g_autoptr (JsonNode) def = dlp_param_spec_parse_default (spec, NULL);
  if (def && json_node_equal (value, def))
    return TRUE;
  dlp_config_set_error (config, spec->name, error,
                        "not supported by dlpipe (only %s, "
                        "Keras' default, is accepted)",
                        spec->default_value);
  return FALSE;
}

/* An unknown key: the keys a file may set, not every Keras key that is
 * accepted at its default. */
static void
unknown_key_error (DlpConfig *config, const char *key, const DlpParamSpec *specs,
                   gboolean has_activation, GError **error)
{
  g_autoptr (GString) names = g_string_new (NULL);
  for (const DlpParamSpec *p = specs; p && p->name; p++)
    if (!(p->flags & DLP_PARAM_FLAG_KERAS_DEFAULT))
      g_string_append_printf (names, "%s%s", names->len ? ", " : "", p->name);
  if (has_activation)
    g_string_append_printf (names, "%sactivation", names->len ? ", " : "");
  g_auto (GStrv) known = g_strsplit (names->str, ", ", -1);
  const char *close = dlp_config_suggest (key, (const char *const *) known);
  g_autofree char *hint = close ? g_strdup_printf ("; did you mean '%s'?", close) : g_strdup ("");
  dlp_config_set_error (config, key, error, "unknown key%s (known: %s)", hint,
                        names->len ? names->str : "none");
}

gboolean
dlp_keras_validate_settings (DlpConfig *config, const DlpParamSpec *specs,
                             const DlpParamSpec *common, gboolean has_activation, GError **error)
{
  g_autoptr (GPtrArray) keys = dlp_config_get_keys (config);
  g_autoptr (GStrvBuilder) extra = g_strv_builder_new ();
  for (guint i = 0; i < keys->len; i++)
    {
      const char *key = g_ptr_array_index (keys, i);
      const DlpParamSpec *spec = find_spec (specs, key);
      if (spec == NULL && (spec = find_spec (common, key)))
        g_strv_builder_add (extra, key);
      if (spec)
        {
          if (!check_keras_default (config, spec, error))
            return FALSE;
          continue;
        }
      /* Keras writes null for what is off, and adds such keys over time. */
      if ((has_activation && strcmp (key, "activation") == 0)
          || JSON_NODE_HOLDS_NULL (dlp_config_lookup (config, key)))
        {
          g_strv_builder_add (extra, key);
          continue;
        }
      unknown_key_error (config, key, specs, has_activation, error);
      return FALSE;
    }
  g_auto (GStrv) extra_keys = g_strv_builder_end (extra);
  return dlp_config_validate (config, specs, (const char *const *) extra_keys, error);
}

gboolean
dlp_keras_validate_layer_config (DlpConfig *config, const DlpTypeEntry *entry,
                                 gboolean has_activation, GError **error)
{
  return dlp_keras_validate_settings (config, dlp_type_entry_get_params (entry), layer_common,
                                      has_activation, error)
         && check_dtype (config, error);
}

/* Whether the normalized config leaves @key out: a Keras key at Keras'
 * default (Keras fills it in again), dlpipe's own key at its default, an
 * unknown null key, or the input shape (the InputLayer holds it). */
static gboolean
left_out (const char *key, JsonNode *value, const DlpParamSpec *specs, gboolean has_activation)
{
  const DlpParamSpec *spec = find_spec (specs, key);
  if (spec == NULL)
    spec = find_spec (layer_common, key);
  if (spec == NULL)
    return JSON_NODE_HOLDS_NULL (value) && !(has_activation && strcmp (key, "activation") == 0);
  if (spec->flags & DLP_PARAM_FLAG_KERAS_DEFAULT)
    return TRUE;
  if (spec->flags & DLP_PARAM_FLAG_NOT_KERAS)
    {
      g_autoptr (JsonNode) def =
        spec->default_value ? dlp_param_spec_parse_default (spec, NULL) : NULL;
      return JSON_NODE_HOLDS_NULL (value) || (def && json_node_equal (value, def));
    }
  static const char *const input_keys[] = { "batch_input_shape", "batch_shape", "input_shape",
                                            NULL };
  return g_strv_contains (input_keys, key);
}

/* The layer's config as written back, which Keras 3 loads: its name, the
 * settings dlpipe reads with their defaults, and its activation. */
JsonNode *
dlp_keras_normalized_config (DlpConfig *config, const DlpTypeEntry *entry, const char *name,
                             gboolean has_activation)
{
  JsonNode *copy = dlp_json_deep_copy (dlp_config_get_node (config));
  if (!JSON_NODE_HOLDS_OBJECT (copy))
    {
      json_node_unref (copy);
      copy = dlp_json_node_new_object (NULL);
    }
  JsonObject *o = json_node_get_object (copy);
  const DlpParamSpec *specs = dlp_type_entry_get_params (entry);
  g_autoptr (GList) members = json_object_get_members (o);
  for (GList *m = members; m; m = m->next)
    if (left_out (m->data, json_object_get_member (o, m->data), specs, has_activation))
      json_object_remove_member (o, m->data);
  json_object_set_string_member (o, "name", name);
  for (const DlpParamSpec *p = specs; p && p->name; p++)
    if (p->default_value && !json_object_has_member (o, p->name)
        && !(p->flags & (DLP_PARAM_FLAG_KERAS_DEFAULT | DLP_PARAM_FLAG_NOT_KERAS)))
      {
        JsonNode *def = dlp_param_spec_parse_default (p, NULL);
        if (def)
          json_object_set_member (o, p->name, def);
      }
  if (has_activation && !json_object_has_member (o, "activation"))
    json_object_set_string_member (o, "activation", "linear");
  return copy;
}

/* {"module": ..., "class_name": ..., "config": ..., "registered_name":
 * null}: Keras 3 finds a class by its module. Takes @config. */
JsonNode *
dlp_keras_object (const char *module, const char *class_name, JsonNode *config)
{
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "module", module);
  json_object_set_string_member (o, "class_name", class_name);
  json_object_set_member (o, "config", config);
  json_object_set_null_member (o, "registered_name");
  return dlp_json_node_new_object (o);
}

JsonNode *
dlp_keras_input_layer (guint rank, const gint64 *in_shape)
{
  JsonArray *shape = json_array_new ();
  json_array_add_null_element (shape);
  for (guint i = 0; i < rank; i++)
    json_array_add_int_element (shape, in_shape[i]);
  JsonObject *config = json_object_new ();
  json_object_set_array_member (config, "batch_shape", shape);
  json_object_set_string_member (config, "dtype", "float32");
  json_object_set_string_member (config, "name", "input_layer");
  return dlp_keras_object ("keras.layers", "InputLayer", dlp_json_node_new_object (config));
}

JsonNode *
dlp_keras_sequential (const char *name, JsonArray *layers)
{
  JsonObject *config = json_object_new ();
  json_object_set_string_member (config, "name", name);
  json_object_set_array_member (config, "layers", layers);
  return dlp_keras_object ("keras", "Sequential", dlp_json_node_new_object (config));
}

JsonNode *
dlp_architecture_new (const char *name, guint input_rank, const gint64 *input_shape)
{
  JsonArray *layers = json_array_new ();
  json_array_add_element (layers, dlp_keras_input_layer (input_rank, input_shape));
  return dlp_keras_sequential (name, layers);
}

JsonObject *
dlp_architecture_add_layer (JsonNode *architecture, const char *class_name)
{
  JsonObject *root = json_node_get_object (architecture);
  JsonArray *layers =
    json_object_get_array_member (json_object_get_object_member (root, "config"), "layers");
  JsonObject *config = json_object_new ();
  JsonNode *node = dlp_json_node_new_object (json_object_ref (config));
  json_array_add_element (layers, dlp_keras_object ("keras.layers", class_name, node));
  json_object_unref (config);
  return config;
}

JsonObject *
dlp_architecture_add_output (JsonNode *architecture, gint64 num_classes,
                             const char *kernel_initializer)
{
  JsonObject *out = dlp_architecture_add_layer (architecture, "Dense");
  json_object_set_int_member (out, "units", num_classes);
  json_object_set_string_member (out, "activation", "softmax");
  if (kernel_initializer)
    json_object_set_string_member (out, "kernel_initializer", kernel_initializer);
  return out;
}
