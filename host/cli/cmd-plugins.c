/* cmd-plugins.c: `dlpipe plugins [--json]`. */
#include <stdio.h>
#include <string.h>
#include "commands.h"

static JsonNode *
type_to_json (const DlpTypeEntry *t)
{
  const DlpPluginInfo *p = dlp_type_entry_get_plugin (t);
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "kind", dlp_kind_name (dlp_type_entry_get_kind (t)));
  json_object_set_string_member (o, "name", dlp_type_entry_get_name (t));
  json_object_set_string_member (o, "plugin", dlp_plugin_info_get_name (p));
  json_object_set_string_member (o, "plugin_version", dlp_plugin_info_get_version (p));
  json_object_set_string_member (o, "description", dlp_type_entry_get_description (t));
  return dlp_json_node_new_object (o);
}

static JsonNode *
plugin_to_json (const DlpPluginInfo *p)
{
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "name", dlp_plugin_info_get_name (p));
  json_object_set_string_member (o, "version", dlp_plugin_info_get_version (p));
  json_object_set_string_member (o, "license", dlp_plugin_info_get_license (p));
  json_object_set_string_member (o, "description", dlp_plugin_info_get_description (p));
  json_object_set_string_member (o, "file", dlp_plugin_info_get_filename (p));
  json_object_set_int_member (o, "api_level", dlp_plugin_info_get_api_level (p));
  return dlp_json_node_new_object (o);
}

static JsonNode *
plugins_to_json (DlpRegistry *registry)
{
  JsonObject *o = json_object_new ();
  JsonArray *types = json_array_new ();
  g_autoptr (GPtrArray) entries = dlp_registry_list_types (registry, -1);
  for (guint i = 0; i < entries->len; i++)
    json_array_add_element (types, type_to_json (g_ptr_array_index (entries, i)));
  json_object_set_array_member (o, "types", types);

  JsonArray *plugins = json_array_new ();
  g_autoptr (GPtrArray) infos = dlp_registry_list_plugins (registry);
  for (guint i = 0; i < infos->len; i++)
    json_array_add_element (plugins, plugin_to_json (g_ptr_array_index (infos, i)));
  json_object_set_array_member (o, "plugins", plugins);

  JsonArray *refused = json_array_new ();
  GPtrArray *failures = dlp_registry_get_failures (registry);
  for (guint i = 0; i < failures->len; i++)
    json_array_add_string_element (refused, ((GError *) g_ptr_array_index (failures, i))->message);
  json_object_set_array_member (o, "refused", refused);
  return dlp_json_node_new_object (o);
}

int
dlp_cmd_plugins (DlpApp *app, int argc, char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = { { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
                                   { NULL } };
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  int status = dlp_cmd_parse_options (app, ctx,
                                      "Lists every registered plugin type with its kind, "
                                      "plugin, plugin version and description.",
                                      entries, FALSE, &argc, &argv);
  if (status >= 0)
    return status;

  DlpRegistry *registry = dlp_app_get_registry (app);
  if (json)
    {
      g_autoptr (JsonNode) node = plugins_to_json (registry);
      dlp_print_json (node);
      return DLP_EXIT_OK;
    }
  g_autoptr (GPtrArray) types = dlp_registry_list_types (registry, -1);
  /* Columns as wide as their longest entry. */
  int w_type = 4, w_plugin = 6, w_version = 7;
  for (guint i = 0; i < types->len; i++)
    {
      const DlpTypeEntry *t = g_ptr_array_index (types, i);
      const DlpPluginInfo *p = dlp_type_entry_get_plugin (t);
      w_type = MAX (w_type, (int) strlen (dlp_type_entry_get_name (t)));
      w_plugin = MAX (w_plugin, (int) strlen (dlp_plugin_info_get_name (p)));
      w_version = MAX (w_version, (int) strlen (dlp_plugin_info_get_version (p)));
    }
  printf ("%-10s %-*s %-*s %-*s %s\n", "KIND", w_type, "TYPE", w_plugin, "PLUGIN", w_version,
          "VERSION", "DESCRIPTION");
  for (guint i = 0; i < types->len; i++)
    {
      const DlpTypeEntry *t = g_ptr_array_index (types, i);
      const DlpPluginInfo *p = dlp_type_entry_get_plugin (t);
      printf ("%-10s %-*s %-*s %-*s %s\n", dlp_kind_name (dlp_type_entry_get_kind (t)), w_type,
              dlp_type_entry_get_name (t), w_plugin, dlp_plugin_info_get_name (p), w_version,
              dlp_plugin_info_get_version (p), dlp_type_entry_get_description (t));
    }
  g_autoptr (GPtrArray) plugins = dlp_registry_list_plugins (registry);
  printf ("\n%u types from %u plugins\n", types->len, plugins->len);
  return DLP_EXIT_OK;
}
