/* cmd-dvc-yaml.c: `dlpipe dvc-yaml`, dvc.yaml from the stage declarations. */
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "../stages/dvc-yaml.h"

int
dlp_cmd_dvc_yaml (DlpApp *app, int argc, char **argv)
{
  (void) app;
  g_autofree char *params_file = NULL, *code_root = NULL, *output = NULL;
  gboolean check = FALSE;
  const GOptionEntry entries[] = {
    { "params", 'p', 0, G_OPTION_ARG_FILENAME, &params_file,
      "The params file the stages read (default: params.yaml)", "FILE" },
    { "code-root", 0, 0, G_OPTION_ARG_FILENAME, &code_root,
      "The dlpipe source folder, relative to the pipeline: stages then depend on "
      "the code that decides their result",
      "DIR" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      "Write to FILE (e.g. dvc.yaml) instead of standard output", "FILE" },
    { "check", 0, 0, G_OPTION_ARG_NONE, &check,
      "Exit with status 1 if --output differs from what would be written", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  int status = dlp_cmd_parse_options (app, ctx,
                                      "Writes dvc.yaml for the pipeline of the params file: "
                                      "each stage's command, the files and params sections it "
                                      "reads, and its outputs, metrics and plots, as the stages "
                                      "declare them.",
                                      entries, FALSE, &argc, &argv);
  if (status >= 0)
    return status;
  if (check && output == NULL)
    return dlp_usage_error (argv[0], "--check needs --output");

  g_autoptr (GError) error = NULL;
  g_autoptr (DlpConfig) params =
    dlp_config_load (params_file ? params_file : "params.yaml", &error);
  if (params == NULL)
    {
      dlp_print_error (error);
      return DLP_EXIT_FAILURE;
    }
  gboolean default_params = params_file == NULL || strcmp (params_file, "params.yaml") == 0;
  g_autofree char *text =
    dlp_dvc_yaml_generate (params, default_params ? NULL : params_file, code_root);
  if (output == NULL)
    {
      fputs (text, stdout);
      return DLP_EXIT_OK;
    }
  if (check)
    {
      g_autofree char *current = NULL;
      if (g_file_get_contents (output, &current, NULL, NULL) && strcmp (current, text) == 0)
        return DLP_EXIT_OK;
      fprintf (stderr,
               "dlpipe: error: %s is not what the stages declare; regenerate it with "
               "'dlpipe dvc-yaml%s%s%s%s -o %s'\n",
               output, default_params ? "" : " -p ", default_params ? "" : params_file,
               code_root ? " --code-root " : "", code_root ? code_root : "", output);
      return DLP_EXIT_FAILURE;
    }
  if (!dlp_write_file_atomic (output, text, strlen (text), &error))
    {
      dlp_print_error (error);
      return DLP_EXIT_FAILURE;
    }
  return DLP_EXIT_OK;
}
