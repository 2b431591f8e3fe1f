/* cmd-version.c: `dlpipe version [--json | --components [-o FILE]]`. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "commands.h"

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* What decides the stages' results, machine aside: dlpipe's version and
 * ABI and every plugin's version, one per line, sorted. A dvc.yaml
 * depends on it so that DVC reruns the stages when dlpipe or a plugin is
 * upgraded. */
static char *
components_text (DlpApp *app)
{
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "dlpipe %s abi %d api %d\n", DLP_VERSION, DLP_ABI_VERSION,
                          DLP_API_LEVEL);
  g_autoptr (GPtrArray) plugins = dlp_registry_list_plugins (dlp_app_get_registry (app));
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < plugins->len; i++)
    {
      const DlpPluginInfo *p = g_ptr_array_index (plugins, i);
      g_ptr_array_add (lines, g_strdup_printf ("plugin %s %s\n", dlp_plugin_info_get_name (p),
                                               dlp_plugin_info_get_version (p)));
    }
  g_ptr_array_sort (lines, compare_names);
  for (guint i = 0; i < lines->len; i++)
    g_string_append (s, g_ptr_array_index (lines, i));
  return g_string_free (s, FALSE);
}

static int
print_components (DlpApp *app, const char *output)
{
  g_autofree char *text = components_text (app);
  if (output == NULL)
    {
      fputs (text, stdout);
      return DLP_EXIT_OK;
    }
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (output);
  if (g_mkdir_with_parents (dir, 0777) != 0
      || !dlp_write_file_atomic (output, text, strlen (text), &error))
    {
      if (error == NULL)
        g_set_error (&error, DLP_ERROR, DLP_ERROR_IO, "cannot create %s: %s", dir,
                     g_strerror (errno));
      dlp_print_error (error);
      return DLP_EXIT_FAILURE;
    }
  return DLP_EXIT_OK;
}

int
dlp_cmd_version (DlpApp *app, int argc, char **argv)
{
  gboolean json = FALSE, components = FALSE;
  g_autofree char *output = NULL;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { "components", 0, 0, G_OPTION_ARG_NONE, &components,
      "Print only what decides results: the versions of dlpipe, its ABI and every plugin "
      "(what a dvc.yaml depends on)",
      NULL },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      "With --components, write to FILE (its folder is made)", "FILE" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  int status = dlp_cmd_parse_options (app, ctx,
                                      "Prints the versions of dlpipe, its plugin ABI and "
                                      "its libraries, and the OpenBLAS kernels in use.",
                                      entries, FALSE, &argc, &argv);
  if (status >= 0)
    return status;
  if (output && !components)
    return dlp_usage_error (argv[0], "--output goes with --components");
  if (components && json)
    return dlp_usage_error (argv[0], "--components and --json cannot be combined");
  if (components)
    return print_components (app, output);

  g_autofree char *glib =
    g_strdup_printf ("%u.%u.%u", glib_major_version, glib_minor_version, glib_micro_version);
  const char *coretype = g_getenv ("OPENBLAS_CORETYPE");
  DlpPrecision automatic = DLP_PRECISION_FP32;
  dlp_precision_resolve ("auto", &automatic, NULL);
  if (json)
    {
      JsonObject *o = json_object_new ();
      json_object_set_string_member (o, "dlpipe", DLP_VERSION);
      json_object_set_int_member (o, "abi_version", DLP_ABI_VERSION);
      json_object_set_int_member (o, "api_level", DLP_API_LEVEL);
      json_object_set_string_member (o, "build_signature", DLP_BUILD_SIGNATURE);
      json_object_set_string_member (o, "glib", glib);
      json_object_set_string_member (o, "json_glib", JSON_VERSION_S);
      json_object_set_string_member (o, "openblas_core", dlp_blas_get_core ());
      json_object_set_int_member (o, "openblas_threads", dlp_blas_get_n_threads ());
      json_object_set_string_member (o, "openblas_config", dlp_blas_get_config ());
      json_object_set_string_member (o, "kernels", dlp_kernels_get_library ());
      json_object_set_string_member (o, "kernels_isa", dlp_kernels_get_isa ());
      json_object_set_boolean_member (o, "native_bf16", dlp_kernels_has_native_bf16 ());
      json_object_set_string_member (o, "precision_auto", dlp_precision_get_name (automatic));
      g_autoptr (JsonNode) node = dlp_json_node_new_object (o);
      dlp_print_json (node);
      return DLP_EXIT_OK;
    }
  printf ("dlpipe           %s\n", DLP_VERSION);
  printf ("plugin ABI       %d (API level %d)\n", DLP_ABI_VERSION, DLP_API_LEVEL);
  printf ("GLib             %s\n", glib);
  printf ("json-glib        %s\n", JSON_VERSION_S);
  printf ("OpenBLAS core    %s%s%s%s\n", dlp_blas_get_core (),
          coretype ? " (OPENBLAS_CORETYPE=" : "", coretype ? coretype : "", coretype ? ")" : "");
  printf ("OpenBLAS threads %d\n", dlp_blas_get_n_threads ());
  printf ("OpenBLAS config  %s\n", dlp_blas_get_config ());
  printf ("kernels          %s on %s\n", dlp_kernels_get_library (), dlp_kernels_get_isa ());
  printf ("precision auto   %s (%s)\n", dlp_precision_get_name (automatic),
          dlp_kernels_has_native_bf16 () ? "this CPU computes bf16 natively"
                                         : "no native bf16 on this CPU");
  return DLP_EXIT_OK;
}
