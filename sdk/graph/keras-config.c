/* keras-config.c: what Keras writes in architecture JSON, and how dlpipe
 * reads and writes it. */
#include <string.h>
#include "graph-private.h"
#include "config/config-private.h"

/* Keys every layer config may carry that change nothing here. */
static const char *const common_keys[] = {
  "name", "trainable", "dtype", "autocast", "batch_input_shape", "batch_shape",
  "input_shape", NULL
};

/* Keras features dlpipe does not have: accepted only when null. */
static const char *const null_only_keys[] = {
  "kernel_regularizer", "bias_regularizer", "activity_regularizer",
  "kernel_constraint", "bias_constraint", "recurrent_regularizer",
  "recurrent_constraint", "beta_regularizer", "gamma_regularizer",
  "beta_constraint", "gamma_constraint", "embeddings_regularizer",
  "embeddings_constraint", "lora_rank", "quantization_config", NULL
};

DlpConfig *
dlp_architecture_load (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize len;
  g_autoptr (GError) local = NULL;
  if (!g_file_get_contents (path, &text, &len, &local))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_IO, "cannot read %s: %s", path, local->message);
      return NULL;
    }
  /* json-glib reads it (its syntax errors have a line and column), then
   * the text is walked once more for the line and column of every node:
   * Keras writes a whole model on one line. */
  JsonNode *root = dlp_json_parse (text, (gssize) len, path, error);
  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      json_node_unref (root);
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "%s: expected a JSON object {\"class_name\": \"Sequential\", ...}", path);
      return NULL;
    }
  return dlp_config_new_from_json (path, root, text, len, error);
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
read_batch_shape (DlpConfig *config, const char *key, gboolean has_batch,
                  guint *rank, gint64 *shape, GError **error)
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

static gboolean
check_common_keys (DlpConfig *config, GError **error)
{
  for (guint i = 0; null_only_keys[i]; i++)
    {
      JsonNode *node = dlp_config_lookup (config, null_only_keys[i]);
      if (node && !JSON_NODE_HOLDS_NULL (node))
        {
          dlp_config_set_error (config, null_only_keys[i], error,
                                "not supported by dlpipe (only null is accepted)");
          return FALSE;
        }
    }
  JsonNode *trainable = dlp_config_lookup (config, "trainable");
  if (trainable && JSON_NODE_HOLDS_VALUE (trainable)
      && json_node_get_value_type (trainable) == G_TYPE_BOOLEAN
      && !json_node_get_boolean (trainable))
    {
      dlp_config_set_error (config, "trainable", error,
                            "frozen layers are not supported (only true is accepted)");
      return FALSE;
    }
  g_autofree char *dtype = NULL;
  JsonNode *dnode = dlp_config_lookup (config, "dtype");
  if (dnode && JSON_NODE_HOLDS_VALUE (dnode))
    {
      if (!dlp_config_get_string (config, "dtype", &dtype, error))
        return FALSE;
      if (strcmp (dtype, "float32") != 0)
        {
          dlp_config_set_error (config, "dtype", error,
                                "dlpipe computes in float32, got \"%s\"", dtype);
          return FALSE;
        }
    }
  return TRUE;
}

/* Unknown keys, listing only the layer's own (not every Keras key that is
 * accepted and ignored). */
static gboolean
check_unknown_keys (DlpConfig *config, const DlpParamSpec *specs, gboolean has_activation,
                    GError **error)
{
  g_autoptr (GPtrArray) keys = dlp_config_get_keys (config);
  for (guint i = 0; i < keys->len; i++)
    {
      const char *key = g_ptr_array_index (keys, i);
      gboolean known = g_strv_contains (common_keys, key) || g_strv_contains (null_only_keys, key)
                       || (has_activation && strcmp (key, "activation") == 0);
      for (const DlpParamSpec *p = specs; !known && p && p->name; p++)
        known = strcmp (p->name, key) == 0;
      if (known)
        continue;
      g_autoptr (GString) names = g_string_new (NULL);
      for (const DlpParamSpec *p = specs; p && p->name; p++)
        g_string_append_printf (names, "%s%s", names->len ? ", " : "", p->name);
      if (has_activation)
        g_string_append_printf (names, "%sactivation", names->len ? ", " : "");
      dlp_config_set_error (config, key, error, "unknown key (known: %s)",
                            names->len ? names->str : "none");
      return FALSE;
    }
  return TRUE;
}

gboolean
dlp_keras_validate_layer_config (DlpConfig *config, const DlpTypeEntry *entry,
                                 gboolean has_activation, GError **error)
{
  g_autoptr (GStrvBuilder) extra = g_strv_builder_new ();
  g_strv_builder_addv (extra, (const char **) common_keys);
  g_strv_builder_addv (extra, (const char **) null_only_keys);
  if (has_activation)
    g_strv_builder_add (extra, "activation");
  g_auto (GStrv) extra_keys = g_strv_builder_end (extra);
  return check_unknown_keys (config, dlp_type_entry_get_params (entry), has_activation, error)
         && dlp_config_validate (config, dlp_type_entry_get_params (entry),
                                 (const char *const *) extra_keys, error)
         && check_common_keys (config, error);
}

/* The layer's config with its name, defaults and activation written out. */
JsonNode *
dlp_keras_normalized_config (DlpConfig *config, const DlpTypeEntry *entry, const char *name,
                   gboolean has_activation)
{
  JsonNode *copy = dlp_json_deep_copy (dlp_config_get_node (config));
  if (!JSON_NODE_HOLDS_OBJECT (copy))
    {
      json_node_unref (copy);
      copy = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (copy, json_object_new ());
    }
  JsonObject *o = json_node_get_object (copy);
  json_object_remove_member (o, "batch_input_shape");
  json_object_remove_member (o, "batch_shape");
  json_object_remove_member (o, "input_shape");
  json_object_set_string_member (o, "name", name);
  const DlpParamSpec *specs = dlp_type_entry_get_params (entry);
  for (const DlpParamSpec *p = specs; p && p->name; p++)
    if (p->default_value && !json_object_has_member (o, p->name))
      {
        JsonNode *def = dlp_param_spec_parse_default (p, NULL);
        if (def)
          json_object_set_member (o, p->name, def);
      }
  if (has_activation && !json_object_has_member (o, "activation"))
    json_object_set_string_member (o, "activation", "linear");
  return copy;
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
  JsonObject *layer = json_object_new ();
  json_object_set_string_member (layer, "class_name", "InputLayer");
  json_object_set_object_member (layer, "config", config);
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, layer);
  return node;
}

JsonNode *
dlp_architecture_new (const char *name, guint input_rank, const gint64 *input_shape)
{
  JsonArray *layers = json_array_new ();
  json_array_add_element (layers, dlp_keras_input_layer (input_rank, input_shape));
  JsonObject *config = json_object_new ();
  json_object_set_string_member (config, "name", name);
  json_object_set_array_member (config, "layers", layers);
  JsonObject *root = json_object_new ();
  json_object_set_string_member (root, "class_name", "Sequential");
  json_object_set_object_member (root, "config", config);
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, root);
  return node;
}

JsonObject *
dlp_architecture_add_layer (JsonNode *architecture, const char *class_name)
{
  JsonObject *root = json_node_get_object (architecture);
  JsonArray *layers = json_object_get_array_member (json_object_get_object_member (root, "config"),
                                                    "layers");
  JsonObject *config = json_object_new ();
  JsonObject *layer = json_object_new ();
  json_object_set_string_member (layer, "class_name", class_name);
  json_object_set_object_member (layer, "config", config);
  json_array_add_object_element (layers, layer);
  return config;
}
