/* cmd-version.c: `dlpipe version [--json]`. */
#include <stdio.h>
#include "commands.h"

int
dlp_cmd_version (DlpApp *app, int argc, char **argv)
{
  (void) app;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  g_option_context_set_summary (ctx, "Prints the versions of dlpipe, its plugin ABI and "
                                     "its libraries, and the OpenBLAS kernels in use.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  int status = dlp_parse_command_options (app, ctx, argv[0], &argc, &argv);
  if (status >= 0)
    return status;
  if (argc != 1)
    return dlp_usage_error (argv[0], "unexpected argument '%s'", argv[1]);

  g_autofree char *glib = g_strdup_printf ("%u.%u.%u", glib_major_version,
                                           glib_minor_version, glib_micro_version);
  const char *coretype = g_getenv ("OPENBLAS_CORETYPE");
  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "dlpipe");
      json_builder_add_string_value (b, DLP_VERSION);
      json_builder_set_member_name (b, "abi_version");
      json_builder_add_int_value (b, DLP_ABI_VERSION);
      json_builder_set_member_name (b, "api_level");
      json_builder_add_int_value (b, DLP_API_LEVEL);
      json_builder_set_member_name (b, "build_signature");
      json_builder_add_string_value (b, DLP_BUILD_SIGNATURE);
      json_builder_set_member_name (b, "glib");
      json_builder_add_string_value (b, glib);
      json_builder_set_member_name (b, "json_glib");
      json_builder_add_string_value (b, JSON_VERSION_S);
      json_builder_set_member_name (b, "openblas_core");
      json_builder_add_string_value (b, dlp_blas_get_core ());
      json_builder_set_member_name (b, "openblas_threads");
      json_builder_add_int_value (b, dlp_blas_get_n_threads ());
      json_builder_set_member_name (b, "openblas_config");
      json_builder_add_string_value (b, dlp_blas_get_config ());
      json_builder_end_object (b);
      g_autoptr (JsonNode) node = json_builder_get_root (b);
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
  return DLP_EXIT_OK;
}
