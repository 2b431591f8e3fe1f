/* cmd-inspect.c: `dlpipe inspect TYPE`, one type and its settings. */
#include <stdio.h>
#include "commands.h"

static void
print_param (const DlpParamSpec *p)
{
  g_autofree char *type = p->type == DLP_PARAM_ENUM ? g_strdup_printf ("enum (%s)", p->choices)
                                                    : g_strdup (dlp_param_type_name (p->type));
  printf ("  %s\n", p->name);
  printf ("      type:     %s\n", type);
  char lo[G_ASCII_DTOSTR_BUF_SIZE], hi[G_ASCII_DTOSTR_BUF_SIZE];
  if (p->has_range)
    printf ("      range:    %s to %s\n", dlp_config_format_double (p->minimum, lo),
            dlp_config_format_double (p->maximum, hi));
  if (p->required)
    printf ("      required\n");
  else if (p->flags & DLP_PARAM_FLAG_KERAS_DEFAULT)
    printf ("      only:     %s (Keras' default; dlpipe lacks the feature)\n", p->default_value);
  else if (p->default_value)
    printf ("      default:  %s\n", p->default_value);
  if (p->description)
    printf ("      %s\n", p->description);
}

static void
print_entry (const DlpTypeEntry *t)
{
  const DlpPluginInfo *p = dlp_type_entry_get_plugin (t);
  printf ("Type:         %s\n", dlp_type_entry_get_name (t));
  printf ("Kind:         %s\n", dlp_kind_name (dlp_type_entry_get_kind (t)));
  printf ("Description:  %s\n", dlp_type_entry_get_description (t));
  if (dlp_type_entry_get_kind (t) == DLP_KIND_LAYER)
    printf ("Keras class:  %s\n",
            ((const DlpLayerClass *) dlp_type_entry_get_class (t))->keras_class);
  printf ("\nPlugin:       %s %s (%s)\n", dlp_plugin_info_get_name (p),
          dlp_plugin_info_get_version (p), dlp_plugin_info_get_license (p));
  printf ("              %s\n", dlp_plugin_info_get_description (p));
  if (dlp_plugin_info_get_filename (p))
    printf ("File:         %s\n", dlp_plugin_info_get_filename (p));
  printf ("API level:    %u\n", dlp_plugin_info_get_api_level (p));

  const DlpParamSpec *params = dlp_type_entry_get_params (t);
  printf ("\nSettings:%s\n", params->name ? "" : " none");
  for (const DlpParamSpec *s = params; s->name; s++)
    print_param (s);
}

static JsonNode *
param_to_json (const DlpParamSpec *s)
{
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "name", s->name);
  json_object_set_string_member (o, "type", dlp_param_type_name (s->type));
  json_object_set_boolean_member (o, "required", s->required);
  if (s->flags & DLP_PARAM_FLAG_KERAS_DEFAULT)
    json_object_set_boolean_member (o, "keras_default_only", TRUE);
  if (s->default_value)
    json_object_set_string_member (o, "default", s->default_value);
  if (s->choices)
    {
      JsonArray *choices = json_array_new ();
      g_auto (GStrv) names = g_strsplit (s->choices, "|", -1);
      for (guint i = 0; names[i]; i++)
        json_array_add_string_element (choices, names[i]);
      json_object_set_array_member (o, "choices", choices);
    }
  if (s->has_range)
    {
      json_object_set_double_member (o, "minimum", s->minimum);
      json_object_set_double_member (o, "maximum", s->maximum);
    }
  if (s->description)
    json_object_set_string_member (o, "description", s->description);
  return dlp_json_node_new_object (o);
}

static JsonNode *
entry_to_json (const DlpTypeEntry *t)
{
  const DlpPluginInfo *p = dlp_type_entry_get_plugin (t);
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "name", dlp_type_entry_get_name (t));
  json_object_set_string_member (o, "kind", dlp_kind_name (dlp_type_entry_get_kind (t)));
  json_object_set_string_member (o, "description", dlp_type_entry_get_description (t));
  json_object_set_string_member (o, "plugin", dlp_plugin_info_get_name (p));
  json_object_set_string_member (o, "plugin_version", dlp_plugin_info_get_version (p));
  JsonArray *settings = json_array_new ();
  for (const DlpParamSpec *s = dlp_type_entry_get_params (t); s->name; s++)
    json_array_add_element (settings, param_to_json (s));
  json_object_set_array_member (o, "settings", settings);
  return dlp_json_node_new_object (o);
}

int
dlp_cmd_inspect (DlpApp *app, int argc, char **argv)
{
  gboolean json = FALSE;
  g_autofree char *kind_name = NULL;
  const GOptionEntry entries[] = {
    { "kind", 'k', 0, G_OPTION_ARG_STRING, &kind_name,
      "Only this kind (source, transform, splitter, layer, model, optimizer, tracker)", "KIND" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("TYPE");
  int status = dlp_cmd_parse_options (app, ctx,
                                      "Describes a plugin type: its kind, its plugin and the "
                                      "settings it reads from params.yaml. A name used by "
                                      "several kinds (lstm is a layer and a model) shows all.",
                                      entries, TRUE, &argc, &argv);
  if (status >= 0)
    return status;
  if (argc != 2)
    return dlp_usage_error (argv[0], "expected one type name");
  DlpKind only = 0;
  if (kind_name && !dlp_kind_from_name (kind_name, &only))
    return dlp_usage_error (argv[0], "unknown kind '%s'", kind_name);

  DlpRegistry *registry = dlp_app_get_registry (app);
  g_autoptr (GPtrArray) matches = g_ptr_array_new ();
  for (guint k = 0; k < DLP_N_KINDS; k++)
    {
      if (kind_name && k != only)
        continue;
      const DlpTypeEntry *t = dlp_registry_lookup_entry (registry, k, argv[1]);
      if (t)
        g_ptr_array_add (matches, (gpointer) t);
    }
  if (matches->len == 0)
    {
      fprintf (stderr,
               "dlpipe: error: no plugin type named '%s'%s%s; "
               "'dlpipe plugins' lists them\n",
               argv[1], kind_name ? " of kind " : "", kind_name ? kind_name : "");
      return DLP_EXIT_FAILURE;
    }
  if (json)
    {
      g_autoptr (JsonArray) array = json_array_new ();
      for (guint i = 0; i < matches->len; i++)
        json_array_add_element (array, entry_to_json (g_ptr_array_index (matches, i)));
      g_autoptr (JsonNode) node = json_node_init_array (json_node_alloc (), array);
      dlp_print_json (node);
      return DLP_EXIT_OK;
    }
  for (guint i = 0; i < matches->len; i++)
    {
      if (i)
        printf ("\n");
      print_entry (g_ptr_array_index (matches, i));
    }
  return DLP_EXIT_OK;
}
