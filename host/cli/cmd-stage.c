/* cmd-stage.c: `dlpipe stage NAME`, `dlpipe run` and `dlpipe dag`. */
#include <stdio.h>
#include "commands.h"
#include "../stages/dag.h"

typedef struct {
  char *params_file;
  char **overrides;
  gboolean resume;
} ParamsOptions;

static void
add_params_options (GOptionContext *ctx, ParamsOptions *opts)
{
  const GOptionEntry entries[] = {
    { "params", 'p', 0, G_OPTION_ARG_FILENAME, &opts->params_file,
      "The params file (default: params.yaml)", "FILE" },
    { "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opts->overrides,
      "Override a value, e.g. --set train.epochs=5 (repeatable)", "KEY=VALUE" },
    { "resume", 0, 0, G_OPTION_ARG_NONE, &opts->resume,
      "Continue an interrupted model_trainer from its checkpoint", NULL },
    { NULL }
  };
  g_option_context_add_main_entries (ctx, entries, NULL);
}

static void
clear_params_options (ParamsOptions *opts)
{
  g_free (opts->params_file);
  g_strfreev (opts->overrides);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ParamsOptions, clear_params_options)

static DlpConfig *
load_params (DlpApp *app, ParamsOptions *opts, GError **error)
{
  app->resume = opts->resume;
  app->params_file = opts->params_file ? opts->params_file : "params.yaml";
  app->overrides = (const char *const *) opts->overrides;
  return dlp_stages_load_params (app->params_file, opts->overrides, error);
}

int
dlp_cmd_stage (DlpApp *app, int argc, char **argv)
{
  g_auto (ParamsOptions) opts = { 0 };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("NAME");
  g_autofree char *names = dlp_stages_list_names ();
  g_autofree char *summary = g_strdup_printf ("Runs one pipeline stage. Stages: %s.", names);
  add_params_options (ctx, &opts);
  int status = dlp_cmd_parse_options (app, ctx, summary, NULL, TRUE, &argc, &argv);
  if (status >= 0)
    return status;
  if (argc != 2)
    return dlp_usage_error (argv[0], "expected one stage name (%s)", names);
  const DlpStageInfo *stage = dlp_stages_find (argv[1]);
  if (stage == NULL)
    return dlp_usage_error (argv[0], "unknown stage '%s' (stages: %s)", argv[1], names);

  g_autoptr (GError) error = NULL;
  g_autoptr (DlpConfig) params = load_params (app, &opts, &error);
  if (params == NULL || !dlp_stage_execute (app, stage, params, &error))
    {
      dlp_print_error (error);
      return dlp_stage_exit_status (error);
    }
  return DLP_EXIT_OK;
}

int
dlp_cmd_run (DlpApp *app, int argc, char **argv)
{
  g_auto (ParamsOptions) opts = { 0 };
  g_auto (GStrv) only = NULL;
  gboolean dry_run = FALSE;
  int jobs = 2;
  const GOptionEntry entries[] = {
    { "only", 0, 0, G_OPTION_ARG_STRING_ARRAY, &only,
      "Run just this stage, using existing outputs of the stages it needs (repeatable)", "STAGE" },
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, "Print what would run, in order", NULL },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &jobs, "Stages that may run at the same time (default 2)",
      "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  add_params_options (ctx, &opts);
  int status = dlp_cmd_parse_options (app, ctx,
                                      "Runs the pipeline's stages in one process, in dependency "
                                      "order, starting independent stages (model_builder and "
                                      "the data stages) at the same time.",
                                      entries, FALSE, &argc, &argv);
  if (status >= 0)
    return status;
  if (jobs < 1)
    return dlp_usage_error (argv[0], "--jobs must be at least 1");
  for (guint i = 0; only && only[i]; i++)
    if (dlp_stages_find (only[i]) == NULL)
      {
        g_autofree char *names = dlp_stages_list_names ();
        return dlp_usage_error (argv[0], "unknown stage '%s' (stages: %s)", only[i], names);
      }

  g_autoptr (GError) error = NULL;
  g_autoptr (DlpConfig) params = load_params (app, &opts, &error);
  DlpDagOptions options = { .only = only, .dry_run = dry_run, .max_parallel = (guint) jobs };
  if (params == NULL || !dlp_dag_run (app, params, &options, &error))
    {
      dlp_print_error (error);
      return dlp_stage_exit_status (error);
    }
  return DLP_EXIT_OK;
}

int
dlp_cmd_dag (DlpApp *app, int argc, char **argv)
{
  (void) app;
  gboolean dot = FALSE;
  const GOptionEntry entries[] = {
    { "dot", 0, 0, G_OPTION_ARG_NONE, &dot, "Print the DAG in Graphviz dot format", NULL }, { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  int status =
    dlp_cmd_parse_options (app, ctx, "Prints the pipeline's stages and the stages each one needs.",
                           entries, FALSE, &argc, &argv);
  if (status >= 0)
    return status;

  guint n;
  const DlpStageInfo *stages = dlp_stages_get_all (&n);
  if (dot)
    printf ("digraph dlpipe {\n");
  for (guint i = 0; i < n; i++)
    {
      const DlpStageInfo *s = &stages[i];
      if (dot)
        {
          printf ("  \"%s\";\n", s->name);
          for (guint j = 0; s->needs[j]; j++)
            printf ("  \"%s\" -> \"%s\";\n", s->needs[j], s->name);
          continue;
        }
      g_autofree char *needs = g_strjoinv (", ", (char **) s->needs);
      if (*needs)
        printf ("%-20s <- %s\n", s->name, needs);
      else
        printf ("%s\n", s->name);
    }
  if (dot)
    printf ("}\n");
  return DLP_EXIT_OK;
}
