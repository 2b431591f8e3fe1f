/* cmd-plugins.c: `dlpipe plugins [--json]`. */
#include <stdio.h>
#include <string.h>
#include "commands.h"

static JsonNode *
plugins_to_json (DlpRegistry *registry)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);

  json_builder_set_member_name (b, "types");
  json_builder_begin_array (b);
  g_autoptr (GPtrArray) types = dlp_registry_list_types (registry, -1);
  for (guint i = 0; i < types->len; i++)
    {
      const DlpTypeEntry *t = g_ptr_array_index (types, i);
      const DlpPluginInfo *p = dlp_type_entry_get_plugin (t);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, dlp_kind_name (dlp_type_entry_get_kind (t)));
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, dlp_type_entry_get_name (t));
      json_builder_set_member_name (b, "plugin");
      json_builder_add_string_value (b, dlp_plugin_info_get_name (p));
      json_builder_set_member_name (b, "plugin_version");
      json_builder_add_string_value (b, dlp_plugin_info_get_version (p));
      json_builder_set_member_name (b, "description");
      json_builder_add_string_value (b, dlp_type_entry_get_description (t));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "plugins");
  json_builder_begin_array (b);
  g_autoptr (GPtrArray) plugins = dlp_registry_list_plugins (registry);
  for (guint i = 0; i < plugins->len; i++)
    {
      const DlpPluginInfo *p = g_ptr_array_index (plugins, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, dlp_plugin_info_get_name (p));
      json_builder_set_member_name (b, "version");
      json_builder_add_string_value (b, dlp_plugin_info_get_version (p));
      json_builder_set_member_name (b, "license");
      json_builder_add_string_value (b, dlp_plugin_info_get_license (p));
      json_builder_set_member_name (b, "description");
      json_builder_add_string_value (b, dlp_plugin_info_get_description (p));
      json_builder_set_member_name (b, "file");
      json_builder_add_string_value (b, dlp_plugin_info_get_filename (p));
      json_builder_set_member_name (b, "api_level");
      json_builder_add_int_value (b, dlp_plugin_info_get_api_level (p));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "refused");
  json_builder_begin_array (b);
  GPtrArray *failures = dlp_registry_get_failures (registry);
  for (guint i = 0; i < failures->len; i++)
    json_builder_add_string_value (b, ((GError *) g_ptr_array_index (failures, i))->message);
  json_builder_end_array (b);

  json_builder_end_object (b);
  return json_builder_get_root (b);
}

int
dlp_cmd_plugins (DlpApp *app, int argc, char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL }
  };
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
  printf ("%-10s %-*s %-*s %-*s %s\n", "KIND", w_type, "TYPE", w_plugin, "PLUGIN",
          w_version, "VERSION", "DESCRIPTION");
  for (guint i = 0; i < types->len; i++)
    {
      const DlpTypeEntry *t = g_ptr_array_index (types, i);
      const DlpPluginInfo *p = dlp_type_entry_get_plugin (t);
      printf ("%-10s %-*s %-*s %-*s %s\n", dlp_kind_name (dlp_type_entry_get_kind (t)),
              w_type, dlp_type_entry_get_name (t), w_plugin, dlp_plugin_info_get_name (p),
              w_version, dlp_plugin_info_get_version (p), dlp_type_entry_get_description (t));
    }
  g_autoptr (GPtrArray) plugins = dlp_registry_list_plugins (registry);
  printf ("\n%u types from %u plugins\n", types->len, plugins->len);
  return DLP_EXIT_OK;
}
