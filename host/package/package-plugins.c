/* package-plugins.c: the plugin types a package needs to be scored: the
 * layers of its architecture and the transforms of its preprocessing,
 * each with the plugin and version that provided it here. */
#include <string.h>
#include "package.h"

static void
add_type (JsonArray *out, GHashTable *seen, const DlpTypeEntry *entry)
{
  DlpKind kind = dlp_type_entry_get_kind (entry);
  const char *type = dlp_type_entry_get_name (entry);
  g_autofree char *key = g_strdup_printf ("%s/%s", dlp_kind_name (kind), type);
  if (!g_hash_table_add (seen, g_steal_pointer (&key)))
    return;
  const DlpPluginInfo *plugin = dlp_type_entry_get_plugin (entry);
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "kind", dlp_kind_name (kind));
  json_object_set_string_member (o, "type", type);
  json_object_set_string_member (o, "plugin", dlp_plugin_info_get_name (plugin));
  json_object_set_string_member (o, "version", dlp_plugin_info_get_version (plugin));
  json_array_add_object_element (out, o);
}

/* Every "class_name" under @node that names a layer class, and the
 * activation layers that layers' settings ask for. */
static void
add_layers (JsonArray *out, GHashTable *seen, GHashTable *by_class, JsonNode *node)
{
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (a); i++)
        add_layers (out, seen, by_class, json_array_get_element (a, i));
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return;
  JsonObject *o = json_node_get_object (node);
  const char *class_name = json_object_get_string_member_with_default (o, "class_name", NULL);
  const DlpTypeEntry *entry = class_name ? g_hash_table_lookup (by_class, class_name) : NULL;
  if (entry)
    add_type (out, seen, entry);
  /* A layer's "activation" setting is an Activation layer of its own. */
  const char *activation = json_object_get_string_member_with_default (o, "activation", NULL);
  entry = activation && strcmp (activation, "linear") != 0
            ? g_hash_table_lookup (by_class, "Activation")
            : NULL;
  if (entry)
    add_type (out, seen, entry);
  g_autoptr (GList) members = json_object_get_values (o);
  for (GList *l = members; l; l = l->next)
    add_layers (out, seen, by_class, l->data);
}

JsonArray *
dlp_package_plugins (DlpRegistry *registry, DlpGraph *graph, JsonNode *steps)
{
  JsonArray *out = json_array_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) by_class = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) layers = dlp_registry_list_types (registry, DLP_KIND_LAYER);
  for (guint i = 0; i < layers->len; i++)
    {
      const DlpTypeEntry *entry = g_ptr_array_index (layers, i);
      const DlpLayerClass *klass = dlp_type_entry_get_class (entry);
      g_hash_table_insert (by_class, (gpointer) klass->keras_class, (gpointer) entry);
    }
  g_autoptr (JsonNode) architecture = dlp_graph_to_json (graph);
  add_layers (out, seen, by_class, architecture);
  JsonArray *list = steps && JSON_NODE_HOLDS_ARRAY (steps) ? json_node_get_array (steps) : NULL;
  for (guint i = 0; list && i < json_array_get_length (list); i++)
    {
      JsonObject *step = json_array_get_object_element (list, i);
      const char *type =
        step ? json_object_get_string_member_with_default (step, "type", NULL) : NULL;
      const DlpTypeEntry *entry =
        type ? dlp_registry_lookup_entry (registry, DLP_KIND_TRANSFORM, type) : NULL;
      if (entry)
        add_type (out, seen, entry);
    }
  return out;
}
