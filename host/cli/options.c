/* options.c: what every command does with its options. */
#include "commands.h"

int
dlp_cmd_parse_options (DlpApp *app, GOptionContext *ctx, const char *summary,
                       const GOptionEntry *entries, gboolean operands, int *argc, char ***argv)
{
  const char *command = (*argv)[0];
  g_option_context_set_summary (ctx, summary);
  if (entries)
    g_option_context_add_main_entries (ctx, entries, NULL);
  int status = dlp_parse_command_options (app, ctx, command, argc, argv);
  if (status >= 0 || operands || *argc == 1)
    return status;
  return dlp_usage_error (command, "unexpected argument '%s'", (*argv)[1]);
}

gboolean
dlp_cmd_precision_name_valid (const char *name)
{
  return g_strcmp0 (name, "fp32") == 0 || g_strcmp0 (name, "bf16") == 0
         || g_strcmp0 (name, "auto") == 0;
}
