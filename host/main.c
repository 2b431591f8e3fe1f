/* main.c: `dlpipe [GLOBAL OPTIONS] COMMAND [ARGS]`. */
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include "app/app.h"
#include "cli/commands.h"
#include "app/signals.h"
#include "app/progress.h"

static const DlpCommand commands[] = {
  { "run", "Run the whole pipeline (the stage DAG) in one process", dlp_cmd_run },
  { "stage", "Run one stage, as dvc.yaml does", dlp_cmd_stage },
  { "dag", "Print the stages and what each depends on", dlp_cmd_dag },
  { "dvc-yaml", "Write dvc.yaml from what the stages read and write", dlp_cmd_dvc_yaml },
  { "plugins", "List the registered plugin types", dlp_cmd_plugins },
  { "inspect", "Describe a plugin type and its settings", dlp_cmd_inspect },
  { "version", "Print versions of dlpipe, its ABI and its libraries", dlp_cmd_version },
  { "mlflow", "Deliver or list tracking records kept in the spool", dlp_cmd_mlflow },
  { "predict", "Score a file with a model package", dlp_cmd_predict },
#ifdef DLP_HAVE_SERVE
  { "serve", "Serve a model package over HTTP (MLflow's scoring protocol)", dlp_cmd_serve },
#endif
};

static const DlpCommand *
find_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

static char *
commands_summary (void)
{
  GString *s = g_string_new ("Commands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (s, "  %-10s %s\n", commands[i].name, commands[i].summary);
  g_string_append (s, "  help       Show help for a command\n\n"
                      "Run 'dlpipe COMMAND --help' for a command's options.");
  return g_string_free (s, FALSE);
}

static int
run_command (DlpApp *app, const DlpCommand *cmd, int argc, char **argv)
{
  g_autofree char *prgname = g_strdup_printf ("dlpipe %s", cmd->name);
  g_set_prgname (prgname);
  char *saved = argv[0];
  argv[0] = prgname;
  int status = cmd->run (app, argc, argv);
  argv[0] = saved;
  return status;
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  /* Numbers in files and messages use '.', whatever the locale. */
  setlocale (LC_NUMERIC, "C");
  g_set_prgname ("dlpipe");

  DlpApp app = { .verbosity = DLP_VERBOSITY_NORMAL };
  gboolean verbose = FALSE, quiet = FALSE, version = FALSE;
  const GOptionEntry entries[] = {
    { "plugin-path", 0, 0, G_OPTION_ARG_STRING, &app.plugin_path,
      "Colon-separated folders searched for plugins first", "PATHS" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Print debugging messages", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print only warnings and errors", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("COMMAND [ARGS...]");
  g_option_context_set_summary (ctx, "dlpipe: deep-learning pipelines for classification, "
                                     "from params.yaml to a served model.");
  g_autofree char *description = commands_summary ();
  g_option_context_set_description (ctx, description);
  g_option_context_add_main_entries (ctx, entries, NULL);
  /* Options after the command belong to the command. */
  g_option_context_set_strict_posix (ctx, TRUE);

  int status = dlp_parse_command_options (NULL, ctx, "dlpipe", &argc, &argv);
  if (status >= 0)
    return status;
  if (verbose && quiet)
    return dlp_usage_error ("dlpipe", "--verbose and --quiet cannot be combined");
  dlp_app_set_verbosity (&app, verbose ? DLP_VERBOSITY_VERBOSE
                               : quiet ? DLP_VERBOSITY_QUIET
                                       : DLP_VERBOSITY_NORMAL);
  dlp_app_setup_logging (&app);
  app.cancellable = g_cancellable_new ();
  dlp_signals_install (app.cancellable);

  if (version)
    {
      printf ("dlpipe %s\n", DLP_VERSION);
      dlp_app_clear (&app);
      return DLP_EXIT_OK;
    }
  if (argc < 2)
    {
      g_autofree char *help = g_option_context_get_help (ctx, TRUE, NULL);
      fputs (help, stderr);
      dlp_app_clear (&app);
      return DLP_EXIT_USAGE;
    }

  const char *name = argv[1];
  if (strcmp (name, "help") == 0)
    {
      if (argc < 3)
        {
          g_autofree char *help = g_option_context_get_help (ctx, TRUE, NULL);
          fputs (help, stdout);
          dlp_app_clear (&app);
          return DLP_EXIT_OK;
        }
      const DlpCommand *cmd = find_command (argv[2]);
      if (cmd == NULL)
        status = dlp_usage_error ("dlpipe", "unknown command '%s'", argv[2]);
      else
        {
          char *help_argv[] = { argv[2], "--help", NULL };
          status = run_command (&app, cmd, 2, help_argv);
        }
      dlp_app_clear (&app);
      return status;
    }

  const DlpCommand *cmd = find_command (name);
  if (cmd == NULL)
    status = dlp_usage_error ("dlpipe", "unknown command '%s'", name);
  else
    status = run_command (&app, cmd, argc - 1, argv + 1);
  dlp_app_clear (&app);
  return status;
}
