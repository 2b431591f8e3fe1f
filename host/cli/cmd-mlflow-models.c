/* cmd-mlflow-models.c: `dlpipe mlflow models` and `dlpipe mlflow promote`,
 * the model registry of params.yaml's tracker seen from the command line. */
#include <math.h>
#include <stdio.h>
#include "commands.h"
#include "../tracking/model-registry.h"

typedef struct {
  char *params_file;
  char *alias;
  gboolean json;
} RegistryOptions;

static void
clear_registry_options (RegistryOptions *o)
{
  g_free (o->params_file);
  g_free (o->alias);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RegistryOptions, clear_registry_options)

/* The registry of the params file's tracking section (MLFLOW_TRACKING_URI
 * and the credentials variables apply, as in the stages). */
static DlpModelRegistry *
open_registry (DlpApp *app, RegistryOptions *o, GError **error)
{
  const char *file = o->params_file ? o->params_file : "params.yaml";
  g_autoptr (DlpConfig) params = dlp_config_load (file, error);
  if (params == NULL)
    return NULL;
  g_autoptr (GError) local = NULL;
  g_autoptr (DlpConfig) section = dlp_config_get_section (params, "tracking", TRUE, &local);
  if (local)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  return dlp_model_registry_open (section, dlp_app_get_registry (app), DLP_MODEL_REGISTRY_WAIT,
                                  app->cancellable, error);
}

/* A tracker's string, or "?" where it gave none. */
static const char *
text (JsonObject *o, const char *name)
{
  const char *s = dlp_json_get_string (o, name);
  return s ? s : "?";
}

static void
print_version (JsonObject *v)
{
  g_autoptr (GString) aliases = g_string_new (NULL);
  JsonArray *a = dlp_json_get_array (v, "aliases");
  for (guint i = 0; a && i < json_array_get_length (a); i++)
    {
      JsonNode *alias = json_array_get_element (a, i);
      if (JSON_NODE_HOLDS_VALUE (alias) && json_node_get_value_type (alias) == G_TYPE_STRING)
        g_string_append_printf (aliases, "%s%s", aliases->len ? "," : "",
                                json_node_get_string (alias));
    }
  JsonObject *metrics = dlp_json_get_object (v, "metrics");
  double accuracy = dlp_json_get_double (metrics, "test_accuracy", NAN);
  double f1 = dlp_json_get_double (metrics, "test_macro_f1", NAN);
  printf ("%-24s %7s  %-20s %8.4f %8.4f  %s\n", text (v, "name"), text (v, "version"),
          aliases->len ? aliases->str : "-", accuracy, f1, text (v, "run_id"));
}

static int
fail (GError *error)
{
  dlp_print_error (error);
  return DLP_EXIT_FAILURE;
}

static const GOptionEntry *
params_entry (RegistryOptions *o, GOptionEntry *entries)
{
  entries[0] = (GOptionEntry){ "params",
                               'p',
                               0,
                               G_OPTION_ARG_FILENAME,
                               &o->params_file,
                               "The params file whose tracking section names the server "
                               "(default: params.yaml)",
                               "FILE" };
  return entries;
}

int
dlp_cmd_mlflow_models (DlpApp *app, int argc, char **argv)
{
  g_auto (RegistryOptions) o = { 0 };
  GOptionEntry entries[3] = { { 0 } };
  params_entry (&o, entries);
  entries[1] = (GOptionEntry){ "json", 0, 0, G_OPTION_ARG_NONE, &o.json, "Print JSON", NULL };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("[NAME]");
  int status = dlp_cmd_parse_options (app, ctx,
                                      "Lists the registered versions of the model NAME (default: "
                                      "every model), newest first, with their aliases and the "
                                      "test metrics of the runs that made them.",
                                      entries, TRUE, &argc, &argv);
  if (status >= 0)
    return status;
  if (argc > 2)
    return dlp_usage_error (argv[0], "unexpected argument '%s'", argv[2]);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpModelRegistry) registry = open_registry (app, &o, &error);
  g_autoptr (JsonArray) versions =
    registry ? dlp_model_registry_list (registry, argc == 2 ? argv[1] : NULL, &error) : NULL;
  if (versions == NULL)
    return fail (error);
  if (o.json)
    {
      g_autoptr (JsonNode) root = dlp_json_node_new_array (json_array_ref (versions));
      dlp_print_json (root);
      return DLP_EXIT_OK;
    }
  printf ("%-24s %7s  %-20s %8s %8s  %s\n", "model", "version", "aliases", "accuracy", "macro_f1",
          "run");
  for (guint i = 0; i < json_array_get_length (versions); i++)
    {
      JsonObject *v = dlp_json_array_get_object (versions, i);
      if (v)
        print_version (v);
    }
  return DLP_EXIT_OK;
}

int
dlp_cmd_mlflow_promote (DlpApp *app, int argc, char **argv)
{
  g_auto (RegistryOptions) o = { 0 };
  GOptionEntry entries[3] = { { 0 } };
  params_entry (&o, entries);
  entries[1] = (GOptionEntry){ "alias",  'a',
                               0,        G_OPTION_ARG_STRING,
                               &o.alias, "The alias to point at VERSION (default: champion)",
                               "ALIAS" };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("NAME VERSION");
  int status = dlp_cmd_parse_options (
    app, ctx,
    "Points an alias of the registered model NAME (default: champion) at VERSION, moving it "
    "from the version it named; serving from models:/NAME@ALIAS then scores with VERSION.",
    entries, TRUE, &argc, &argv);
  if (status >= 0)
    return status;
  if (argc != 3)
    return dlp_usage_error (argv[0],
                            argc < 3 ? "expected NAME VERSION" : "unexpected argument '%s'",
                            argv[argc < 3 ? 0 : 3]);
  const char *alias = o.alias ? o.alias : "champion";
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpModelRegistry) registry = open_registry (app, &o, &error);
  if (registry == NULL || !dlp_model_registry_set_alias (registry, argv[1], alias, argv[2], &error))
    return fail (error);
  printf ("%s@%s is version %s\n", argv[1], alias, argv[2]);
  return DLP_EXIT_OK;
}
