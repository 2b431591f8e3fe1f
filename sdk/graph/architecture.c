/* architecture.c: building a graph from Keras-style Sequential JSON. */
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
  /* json-glib first, for JSON's own syntax errors with line and column;
   * then the YAML reader (JSON is YAML), whose tree knows every line. */
  g_autoptr (JsonNode) root = dlp_json_parse (text, (gssize) len, path, error);
  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "%s: expected a JSON object {\"class_name\": \"Sequential\", ...}", path);
      return NULL;
    }
  DlpConfig *config = dlp_config_parse (path, text, (gssize) len, &local);
  if (config)
    return config;
  /* Valid JSON that YAML reads otherwise (tabs, say): reformat it. */
  g_autofree char *pretty = dlp_json_to_string (root, TRUE);
  g_autofree char *what = g_strdup_printf ("%s (reformatted)", path);
  return dlp_config_parse (what, pretty, -1, error);
}

/* Keras' to_snake_case: "MaxPooling2D" -> "max_pooling2d", "ReLU" -> "re_lu". */
static char *
snake_case (const char *name)
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

static gboolean
read_input_shape (DlpConfig *config, guint *rank, gint64 *shape, GError **error)
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

typedef struct {
  DlpRegistry *registry;
  GHashTable *classes;      /* keras_class -> const DlpTypeEntry* */
  GHashTable *names;        /* layer names in use */
  GHashTable *counters;     /* snake name -> next number */
} Builder;

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static char *
known_classes (Builder *b)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init (&it, b->classes);
  while (g_hash_table_iter_next (&it, &key, NULL))
    g_ptr_array_add (names, key);
  g_ptr_array_add (names, (gpointer) "InputLayer");
  g_ptr_array_sort (names, compare_strings);
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < names->len; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", (char *) g_ptr_array_index (names, i));
  return g_string_free (s, FALSE);
}

static char *
auto_name (Builder *b, const char *keras_class)
{
  g_autofree char *base = snake_case (keras_class);
  for (;;)
    {
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (b->counters, base));
      g_hash_table_insert (b->counters, g_strdup (base), GUINT_TO_POINTER (n + 1));
      char *name = n == 0 ? g_strdup (base) : g_strdup_printf ("%s_%u", base, n);
      if (!g_hash_table_contains (b->names, name))
        return name;
      g_free (name);
    }
}

/* The layer's config with its name, defaults and activation written out. */
static JsonNode *
normalized_config (DlpConfig *config, const DlpTypeEntry *entry, const char *name,
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

static DlpNode *
node_new (const DlpTypeEntry *entry, const char *name, const char *keras_class)
{
  DlpNode *node = g_new0 (DlpNode, 1);
  node->klass = dlp_type_entry_get_class (entry);
  node->name = g_strdup (name);
  node->keras_class = g_strdup (keras_class);
  return node;
}

/* Adds the nodes of one JSON layer; appends its normalized form to @out. */
static gboolean
add_layer (Builder *b, DlpGraph *graph, DlpConfig *item, const char *class_name,
           guint *module, JsonArray *out, GError **error)
{
  const DlpTypeEntry *entry = g_hash_table_lookup (b->classes, class_name);
  if (entry == NULL)
    {
      g_autofree char *known = known_classes (b);
      dlp_config_set_error (item, "class_name", error, "unknown layer class '%s' (known: %s)",
                            class_name, known);
      return FALSE;
    }
  g_autoptr (DlpConfig) config = dlp_config_get_section (item, "config", FALSE, error);
  if (config == NULL)
    return FALSE;
  const DlpLayerClass *klass = dlp_type_entry_get_class (entry);
  gboolean has_activation = (klass->flags & DLP_LAYER_FLAG_ACTIVATION) != 0;
  g_autoptr (GStrvBuilder) extra = g_strv_builder_new ();
  g_strv_builder_addv (extra, (const char **) common_keys);
  g_strv_builder_addv (extra, (const char **) null_only_keys);
  if (has_activation)
    g_strv_builder_add (extra, "activation");
  g_auto (GStrv) extra_keys = g_strv_builder_end (extra);
  if (!check_unknown_keys (config, dlp_type_entry_get_params (entry), has_activation, error)
      || !dlp_config_validate (config, dlp_type_entry_get_params (entry),
                            (const char *const *) extra_keys, error)
      || !check_common_keys (config, error))
    return FALSE;

  g_autofree char *name = NULL;
  if (!dlp_config_get_string (config, "name", &name, error))
    return FALSE;
  if (name == NULL)
    name = auto_name (b, class_name);
  else if (g_hash_table_contains (b->names, name))
    {
      dlp_config_set_error (config, "name", error, "a layer named '%s' comes earlier; "
                            "names must be unique", name);
      return FALSE;
    }
  g_hash_table_add (b->names, g_strdup (name));

  DlpNode *node = node_new (entry, name, class_name);
  node->index = graph->nodes->len;
  node->module = (*module)++;
  g_ptr_array_add (graph->nodes, node);
  node->instance = klass->create (config, error);
  if (node->instance == NULL)
    return FALSE;

  if (has_activation)
    {
      g_autofree char *activation = g_strdup ("linear");
      if (!dlp_config_get_string (config, "activation", &activation, error))
        return FALSE;
      if (strcmp (activation, "linear") != 0)
        {
          const DlpTypeEntry *act = g_hash_table_lookup (b->classes, "Activation");
          if (act == NULL)
            {
              dlp_config_set_error (config, "activation", error,
                                    "needs the Activation layer (plugin layer-activations)");
              return FALSE;
            }
          g_autofree char *act_name = g_strdup_printf ("%s.%s", name, activation);
          DlpNode *anode = node_new (act, act_name, "Activation");
          anode->index = graph->nodes->len;
          anode->module = (*module)++;
          g_ptr_array_add (graph->nodes, anode);
          /* The Activation reads the same "activation" key, so its errors
           * point at this layer's line. */
          anode->instance = anode->klass->create (config, error);
          if (anode->instance == NULL)
            return FALSE;
        }
    }

  JsonObject *layer = json_object_new ();
  json_object_set_string_member (layer, "class_name", class_name);
  json_object_set_member (layer, "config", normalized_config (config, entry, name, has_activation));
  json_array_add_object_element (out, layer);
  return TRUE;
}

static JsonNode *
input_layer_json (guint rank, const gint64 *in_shape)
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

static gboolean
build_layers (Builder *b, DlpGraph *graph, DlpConfig *architecture,
              guint *arch_rank, gint64 *arch_shape, JsonArray *out,
              GError **error)
{
  g_autofree char *class_name = NULL;
  if (!dlp_config_get_string (architecture, "class_name", &class_name, error))
    return FALSE;
  if (g_strcmp0 (class_name, "Sequential") != 0)
    {
      dlp_config_set_error (architecture, class_name ? "class_name" : NULL, error,
                            "expected a Keras Sequential model {\"class_name\": \"Sequential\", "
                            "\"config\": {\"layers\": [...]}}%s",
                            class_name ? "; other model classes are not supported" : "");
      return FALSE;
    }
  /* Keras 2.0 wrote the layer list as "config" itself. */
  JsonNode *config = dlp_config_lookup (architecture, "config");
  gboolean bare_list = config && JSON_NODE_HOLDS_ARRAY (config);
  g_autoptr (GPtrArray) layers = dlp_config_get_list (architecture,
                                                      bare_list ? "config" : "config.layers",
                                                      error);
  if (layers == NULL)
    return FALSE;
  if (!bare_list)
    {
      g_autofree char *name = NULL;
      if (!dlp_config_get_string (architecture, "config.name", &name, error))
        return FALSE;
      if (name)
        g_free (graph->name), graph->name = g_steal_pointer (&name);
    }

  guint module = 0;
  for (guint i = 0; i < layers->len; i++)
    {
      DlpConfig *item = g_ptr_array_index (layers, i);
      g_autofree char *layer_class = NULL;
      if (!JSON_NODE_HOLDS_OBJECT (dlp_config_get_node (item)))
        {
          dlp_config_set_error (item, NULL, error,
                                "expected a layer {\"class_name\": ..., \"config\": {...}}");
          return FALSE;
        }
      if (!dlp_config_get_string (item, "class_name", &layer_class, error))
        return FALSE;
      if (layer_class == NULL)
        {
          dlp_config_set_error (item, "class_name", error, "required key is missing");
          return FALSE;
        }
      if (strcmp (layer_class, "InputLayer") == 0)
        {
          if (graph->nodes->len > 0)
            {
              dlp_config_set_error (item, "class_name", error,
                                    "an InputLayer can only come first");
              return FALSE;
            }
          g_autoptr (DlpConfig) config_view = dlp_config_get_section (item, "config", FALSE, error);
          if (config_view == NULL || !read_input_shape (config_view, arch_rank, arch_shape, error))
            return FALSE;
          if (*arch_rank == 0)
            {
              dlp_config_set_error (config_view, NULL, error,
                                    "an InputLayer needs batch_shape, such as [null, 28, 28, 1]");
              return FALSE;
            }
          continue;
        }
      if (graph->nodes->len == 0 && *arch_rank == 0)
        {
          g_autoptr (DlpConfig) config_view = dlp_config_get_section (item, "config", TRUE, error);
          if (config_view && !read_input_shape (config_view, arch_rank, arch_shape, error))
            return FALSE;
        }
      if (!add_layer (b, graph, item, layer_class, &module, out, error))
        return FALSE;
    }
  if (graph->nodes->len == 0)
    {
      dlp_config_set_error (architecture, "config", error, "the model has no layers");
      return FALSE;
    }
  return TRUE;
}

static void
builder_init (Builder *b, DlpRegistry *registry)
{
  b->registry = registry;
  b->classes = g_hash_table_new (g_str_hash, g_str_equal);
  b->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  b->counters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) types = dlp_registry_list_types (registry, DLP_KIND_LAYER);
  for (guint i = 0; i < types->len; i++)
    {
      const DlpTypeEntry *entry = g_ptr_array_index (types, i);
      const DlpLayerClass *klass = dlp_type_entry_get_class (entry);
      if (!g_hash_table_contains (b->classes, klass->keras_class))
        g_hash_table_insert (b->classes, (gpointer) klass->keras_class, (gpointer) entry);
    }
}

static void
builder_clear (Builder *b)
{
  g_hash_table_unref (b->classes);
  g_hash_table_unref (b->names);
  g_hash_table_unref (b->counters);
}

static gboolean
plan_nodes (DlpGraph *graph, GError **error)
{
  guint rank = graph->in_rank;
  const gint64 *shape = graph->in_shape;
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      DlpNode *node = g_ptr_array_index (graph->nodes, i);
      if (!dlp_node_plan (node, rank, shape, error))
        return FALSE;
      rank = node->out_rank;
      shape = node->out_shape;
      graph->n_sums = MAX (graph->n_sums, node->n_sums);
    }
  return TRUE;
}

DlpGraph *
dlp_graph_new (DlpRegistry *registry, DlpConfig *architecture, guint input_rank,
               const gint64 *input_shape, GError **error)
{
  g_return_val_if_fail (input_rank <= DLP_TENSOR_MAX_RANK, NULL);
  DlpGraph *graph = g_new0 (DlpGraph, 1);
  graph->registry = dlp_registry_ref (registry);
  graph->name = g_strdup ("sequential");
  graph->nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) dlp_node_free);
  graph->seed = 0;

  Builder b;
  builder_init (&b, registry);
  guint arch_rank = 0;
  gint64 arch_shape[DLP_TENSOR_MAX_RANK];
  JsonArray *layers = json_array_new ();
  gboolean ok = build_layers (&b, graph, architecture, &arch_rank, arch_shape, layers, error);
  builder_clear (&b);
  if (ok)
    {
      if (input_rank > 0 && arch_rank > 0
          && (input_rank != arch_rank
              || memcmp (input_shape, arch_shape, input_rank * sizeof (gint64)) != 0))
        {
          g_autofree char *given = dlp_shape_to_string (input_rank, input_shape);
          g_autofree char *declared = dlp_shape_to_string (arch_rank, arch_shape);
          g_autofree char *where = dlp_config_get_location (architecture);
          g_set_error (error, DLP_ERROR, DLP_ERROR_SHAPE,
                       "%s: the architecture's input shape %s differs from the input "
                       "shape %s it is built for", where, declared, given);
          ok = FALSE;
        }
      else if (input_rank == 0 && arch_rank == 0)
        {
          g_autofree char *where = dlp_config_get_location (architecture);
          g_set_error (error, DLP_ERROR, DLP_ERROR_SHAPE,
                       "%s: the architecture declares no input shape (an InputLayer with "
                       "batch_shape, or batch_input_shape on the first layer)", where);
          ok = FALSE;
        }
      else
        {
          graph->in_rank = input_rank > 0 ? input_rank : arch_rank;
          memcpy (graph->in_shape, input_rank > 0 ? input_shape : arch_shape,
                  graph->in_rank * sizeof (gint64));
          graph->in_size = 1;
          for (guint i = 0; i < graph->in_rank; i++)
            graph->in_size *= graph->in_shape[i];
        }
    }
  if (!ok || !plan_nodes (graph, error))
    {
      json_array_unref (layers);
      dlp_graph_free (graph);
      return NULL;
    }
  dlp_graph_allocate_params (graph);

  JsonArray *all = json_array_new ();
  json_array_add_element (all, input_layer_json (graph->in_rank, graph->in_shape));
  for (guint i = 0; i < json_array_get_length (layers); i++)
    json_array_add_element (all, json_node_ref (json_array_get_element (layers, i)));
  json_array_unref (layers);
  JsonObject *config = json_object_new ();
  json_object_set_string_member (config, "name", graph->name);
  json_object_set_array_member (config, "layers", all);
  JsonObject *root = json_object_new ();
  json_object_set_string_member (root, "class_name", "Sequential");
  json_object_set_object_member (root, "config", config);
  graph->json = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (graph->json, root);
  return graph;
}

JsonNode *
dlp_architecture_new (const char *name, guint input_rank, const gint64 *input_shape)
{
  JsonArray *layers = json_array_new ();
  json_array_add_element (layers, input_layer_json (input_rank, input_shape));
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

DlpGraph *
dlp_graph_new_from_json (DlpRegistry *registry, JsonNode *architecture,
                         const char *what, guint input_rank,
                         const gint64 *input_shape, GError **error)
{
  g_autofree char *text = dlp_json_to_string (architecture, TRUE);
  g_autoptr (DlpConfig) config = dlp_config_parse (what, text, -1, error);
  if (config == NULL)
    return NULL;
  return dlp_graph_new (registry, config, input_rank, input_shape, error);
}

DlpGraph *
dlp_graph_load (DlpRegistry *registry, const char *path, GError **error)
{
  g_autoptr (DlpConfig) config = dlp_architecture_load (path, error);
  if (config == NULL)
    return NULL;
  return dlp_graph_new (registry, config, 0, NULL, error);
}

void
dlp_graph_free (DlpGraph *graph)
{
  if (graph == NULL)
    return;
  g_clear_pointer (&graph->exec, dlp_exec_free);
  g_ptr_array_unref (graph->nodes);
  g_clear_pointer (&graph->json, json_node_unref);
  g_aligned_free (graph->params);
  g_aligned_free (graph->grads);
  g_aligned_free (graph->state);
  g_free (graph->class_weights);
  g_free (graph->name);
  dlp_registry_unref (graph->registry);
  g_free (graph);
}

JsonNode *
dlp_graph_to_json (DlpGraph *graph)
{
  return dlp_json_deep_copy (graph->json);
}

gboolean
dlp_graph_save_architecture (DlpGraph *graph, const char *path, GError **error)
{
  return dlp_write_json_atomic (path, graph->json, error);
}

char *
dlp_graph_summary (DlpGraph *graph)
{
  GString *s = g_string_new (NULL);
  g_autofree char *input = dlp_shape_to_string (graph->in_rank, graph->in_shape);
  g_string_append_printf (s, "Model \"%s\", input %s\n", graph->name, input);
  g_string_append_printf (s, "%-4s %-36s %-16s %10s\n", "#", "layer (class)", "output shape", "params");
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      DlpNode *node = g_ptr_array_index (graph->nodes, i);
      gsize n = 0;
      for (guint p = 0; p < node->params->len; p++)
        n += g_array_index (node->params, DlpParamDecl, p).size;
      g_autofree char *what = g_strdup_printf ("%s (%s)", node->name, node->keras_class);
      g_autofree char *shape = dlp_shape_to_string (node->out_rank, node->out_shape);
      g_string_append_printf (s, "%-4u %-36s %-16s %10" G_GSIZE_FORMAT "\n", node->module, what,
                              shape, n);
    }
  gsize total = 0;
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      DlpNode *node = g_ptr_array_index (graph->nodes, i);
      for (guint p = 0; p < node->params->len; p++)
        total += g_array_index (node->params, DlpParamDecl, p).size;
    }
  g_string_append_printf (s, "Trainable parameters: %" G_GSIZE_FORMAT "\n", total);
  return g_string_free (s, FALSE);
}

const char *dlp_graph_get_name (DlpGraph *g) { return g->name; }
guint dlp_graph_get_input_rank (DlpGraph *g) { return g->in_rank; }
const gint64 *dlp_graph_get_input_shape (DlpGraph *g) { return g->in_shape; }
gint64 dlp_graph_get_input_size (DlpGraph *g) { return g->in_size; }

DlpNode *
dlp_graph_node (DlpGraph *graph, guint index)
{
  return g_ptr_array_index (graph->nodes, index);
}

static DlpNode *
last_node (DlpGraph *graph)
{
  return g_ptr_array_index (graph->nodes, graph->nodes->len - 1);
}

guint dlp_graph_get_output_rank (DlpGraph *g) { return last_node (g)->out_rank; }
const gint64 *dlp_graph_get_output_shape (DlpGraph *g) { return last_node (g)->out_shape; }
gint64 dlp_graph_get_output_size (DlpGraph *g) { return last_node (g)->out_size; }
