/* architecture.c: a graph built from Keras-style Sequential JSON, copied
 * and freed, and what it tells of itself. */
#include <stdlib.h>
#include <string.h>
#include "graph-private.h"

typedef struct {
  DlpRegistry *registry;
  GHashTable *classes;  /* keras_class -> const DlpTypeEntry* */
  GHashTable *names;    /* layer names in use */
  GHashTable *counters; /* snake name -> next number */
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
  g_autofree char *base = dlp_keras_snake_case (keras_class);
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
add_layer (Builder *b, DlpGraph *graph, DlpConfig *item, const char *class_name, guint *module,
           JsonArray *out, GError **error)
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
  if (!dlp_keras_validate_layer_config (config, entry, has_activation, error))
    return FALSE;

  g_autofree char *name = NULL;
  if (!dlp_config_get_string (config, "name", &name, error))
    return FALSE;
  if (name == NULL)
    name = auto_name (b, class_name);
  else if (g_hash_table_contains (b->names, name))
    {
      dlp_config_set_error (config, "name", error,
                            "a layer named '%s' comes earlier; "
                            "names must be unique",
                            name);
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

  json_array_add_element (
    out, dlp_keras_object ("keras.layers", class_name,
                           dlp_keras_normalized_config (config, entry, name, has_activation)));
  return TRUE;
}

static gboolean
build_layers (Builder *b, DlpGraph *graph, DlpConfig *architecture, guint *arch_rank,
              gint64 *arch_shape, JsonArray *out, GError **error)
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
  g_autoptr (GPtrArray) layers =
    dlp_config_get_list (architecture, bare_list ? "config" : "config.layers", error);
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
              dlp_config_set_error (item, "class_name", error, "an InputLayer can only come first");
              return FALSE;
            }
          g_autoptr (DlpConfig) config_view = dlp_config_get_section (item, "config", FALSE, error);
          if (config_view == NULL
              || !dlp_keras_read_input_shape (config_view, arch_rank, arch_shape, error))
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
          if (config_view
              && !dlp_keras_read_input_shape (config_view, arch_rank, arch_shape, error))
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
                       "shape %s it is built for",
                       where, declared, given);
          ok = FALSE;
        }
      else if (input_rank == 0 && arch_rank == 0)
        {
          g_autofree char *where = dlp_config_get_location (architecture);
          g_set_error (error, DLP_ERROR, DLP_ERROR_SHAPE,
                       "%s: the architecture declares no input shape (an InputLayer with "
                       "batch_shape, or batch_input_shape on the first layer)",
                       where);
          ok = FALSE;
        }
      else
        {
          graph->in_rank = input_rank > 0 ? input_rank : arch_rank;
          memcpy (graph->in_shape, input_rank > 0 ? input_shape : arch_shape,
                  graph->in_rank * sizeof (gint64));
          if (!dlp_shape_checked_size (graph->in_rank, graph->in_shape, &graph->in_size))
            {
              g_autofree char *shape = dlp_shape_to_string (graph->in_rank, graph->in_shape);
              g_autofree char *what = g_strdup_printf ("input shape %s", shape);
              dlp_limit_set_error (error, DLP_LIMIT_TENSOR_BYTES, what,
                                   "more than %" G_GUINT64_FORMAT " bytes a row",
                                   dlp_limit_get (DLP_LIMIT_TENSOR_BYTES));
              ok = FALSE;
            }
        }
    }
  if (!ok || !plan_nodes (graph, error))
    {
      json_array_unref (layers);
      dlp_graph_free (graph);
      return NULL;
    }
  if (!dlp_graph_allocate_params (graph, error))
    {
      json_array_unref (layers);
      dlp_graph_free (graph);
      return NULL;
    }

  JsonArray *all = json_array_new ();
  json_array_add_element (all, dlp_keras_input_layer (graph->in_rank, graph->in_shape));
  for (guint i = 0; i < json_array_get_length (layers); i++)
    json_array_add_element (all, json_node_ref (json_array_get_element (layers, i)));
  json_array_unref (layers);
  graph->json = dlp_keras_sequential (graph->name, all);
  return graph;
}

DlpGraph *
dlp_graph_new_from_json (DlpRegistry *registry, JsonNode *architecture, const char *what,
                         guint input_rank, const gint64 *input_shape, GError **error)
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

/* --- copies ---
 *
 * A graph is used by one thread at a time, because its activations and
 * scratch live in it. A server that scores on several threads gives each
 * thread a copy: same layers, parameters and state, its own buffers. */

DlpGraph *
dlp_graph_copy (DlpGraph *graph, GError **error)
{
  g_return_val_if_fail (graph != NULL, NULL);
  DlpGraph *copy = dlp_graph_new_from_json (graph->registry, graph->json, graph->name,
                                            graph->in_rank, graph->in_shape, error);
  if (copy == NULL)
    return NULL;
  /* The same JSON plans the same layout; anything else is an engine bug. */
  g_assert (copy->n_params == graph->n_params && copy->n_state == graph->n_state);
  memcpy (copy->params, graph->params, graph->n_params * sizeof (float));
  memcpy (copy->state, graph->state, graph->n_state * sizeof (float));
  copy->seed = graph->seed;
  copy->step = graph->step;
  copy->precision = graph->precision;
  dlp_graph_set_loss (copy, &graph->loss);
  return copy;
}

/* --- freeing, and what a graph tells of itself --- */

void
dlp_graph_free (DlpGraph *graph)
{
  if (graph == NULL)
    return;
  g_clear_pointer (&graph->exec, dlp_exec_free);
  g_ptr_array_unref (graph->nodes);
  g_clear_pointer (&graph->json, json_node_unref);
  free (graph->params);
  free (graph->grads);
  free (graph->state);
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
  g_string_append_printf (s, "%-4s %-36s %-16s %10s\n", "#", "layer (class)", "output shape",
                          "params");
  gsize total = 0;
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      DlpNode *node = g_ptr_array_index (graph->nodes, i);
      gsize n = 0;
      for (guint p = 0; p < node->params->len; p++)
        n += g_array_index (node->params, DlpParamDecl, p).size;
      total += n;
      g_autofree char *what = g_strdup_printf ("%s (%s)", node->name, node->keras_class);
      g_autofree char *shape = dlp_shape_to_string (node->out_rank, node->out_shape);
      g_string_append_printf (s, "%-4u %-36s %-16s %10" G_GSIZE_FORMAT "\n", node->module, what,
                              shape, n);
    }
  g_string_append_printf (s, "Trainable parameters: %" G_GSIZE_FORMAT "\n", total);
  return g_string_free (s, FALSE);
}

const char *
dlp_graph_get_name (DlpGraph *g)
{
  return g->name;
}
guint
dlp_graph_get_input_rank (DlpGraph *g)
{
  return g->in_rank;
}
const gint64 *
dlp_graph_get_input_shape (DlpGraph *g)
{
  return g->in_shape;
}
gint64
dlp_graph_get_input_size (DlpGraph *g)
{
  return g->in_size;
}

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

guint
dlp_graph_get_output_rank (DlpGraph *g)
{
  return last_node (g)->out_rank;
}
const gint64 *
dlp_graph_get_output_shape (DlpGraph *g)
{
  return last_node (g)->out_shape;
}
gint64
dlp_graph_get_output_size (DlpGraph *g)
{
  return last_node (g)->out_size;
}

gboolean
dlp_graph_ends_with_softmax (DlpGraph *graph)
{
  guint n = graph->nodes->len;
  return n > 0 && dlp_graph_node (graph, n - 1)->softmax;
}
