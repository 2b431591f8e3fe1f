/* dvc-yaml.c: writing dvc.yaml (DVC's stage schema) from the stage table. */
#include "dvc-yaml.h"
#include "../collective/launch.h"

static void
list_files (GString *y, const char *key, const DlpStageFile *files, DlpFileKind kind,
            DlpConfig *params)
{
  gboolean opened = FALSE;
  for (const DlpStageFile *f = files; f->path; f++)
    {
      if (f->kind != kind || (f->when && !f->when (params)))
        continue;
      if (!opened)
        g_string_append_printf (y, "    %s:\n", key);
      opened = TRUE;
      if (kind == DLP_FILE_OUT)
        {
          g_string_append_printf (y, "    - %s\n", f->path);
          continue;
        }
      /* Metrics and plots are small and change every run: not cached. */
      g_string_append_printf (y, "    - %s:\n", f->path);
      for (guint i = 0; f->plot && f->plot[i]; i++)
        g_string_append_printf (y, "        %s\n", f->plot[i]);
      g_string_append (y, "        cache: false\n");
    }
}

/* `dlpipe stage NAME [-p FILE]`, under mpirun when train.distributed
 * asks for several ranks. */
static char *
stage_command (const DlpStageInfo *s, DlpConfig *params, const char *params_file)
{
  const char *command[] = { "dlpipe", "stage", s->name, "-p", params_file, NULL };
  if (params_file == NULL)
    command[3] = NULL;
  gint64 ranks = 1;
  g_auto (GStrv) hosts = NULL, args = NULL;
  if (!s->distributed || !dlp_config_get_int (params, "train.distributed.ranks", &ranks, NULL)
      || ranks <= 1)
    return g_strjoinv (" ", (char **) command);
  dlp_config_get_strv (params, "train.distributed.hosts", &hosts, NULL);
  dlp_config_get_strv (params, "train.distributed.launcher_args", &args, NULL);
  return dlp_launch_command_line (ranks, (const char *const *) hosts, (const char *const *) args,
                                  command);
}

static void
write_stage (GString *y, const DlpStageInfo *s, DlpConfig *params, const char *params_file,
             const char *code_root)
{
  g_string_append_printf (y, "  %s:\n", s->name);
  g_autofree char *cmd = stage_command (s, params, params_file);
  g_string_append_printf (y, "    cmd: %s\n", cmd);

  gboolean deps = FALSE;
  for (const DlpStageFile *f = s->inputs; f->path; f++)
    {
      if (f->when && !f->when (params))
        continue;
      g_string_append_printf (y, "%s    - %s\n", deps ? "" : "    deps:\n", f->path);
      deps = TRUE;
    }
  g_autoptr (GPtrArray) named = g_ptr_array_new_with_free_func (g_free);
  if (s->params_inputs)
    s->params_inputs (params, named);
  for (guint i = 0; i < named->len; i++)
    {
      g_string_append_printf (y, "%s    - %s\n", deps ? "" : "    deps:\n",
                              (const char *) g_ptr_array_index (named, i));
      deps = TRUE;
    }
  /* Installed: the versions of dlpipe and its plugins stand for the code. */
  if (code_root == NULL)
    {
      g_string_append_printf (y, "%s    - %s\n", deps ? "" : "    deps:\n", DLP_DVC_VERSIONS_FILE);
      deps = TRUE;
    }
  for (guint i = 0; code_root && s->code[i]; i++)
    {
      g_autofree char *path = g_strcmp0 (code_root, ".") == 0
                                ? g_strdup (s->code[i])
                                : g_build_filename (code_root, s->code[i], NULL);
      g_string_append_printf (y, "%s    - %s\n", deps ? "" : "    deps:\n", path);
      deps = TRUE;
    }

  g_string_append (y, "    params:\n");
  if (params_file)
    {
      g_string_append_printf (y, "    - %s:\n", params_file);
      for (guint i = 0; s->params[i]; i++)
        g_string_append_printf (y, "      - %s\n", s->params[i]);
    }
  else
    for (guint i = 0; s->params[i]; i++)
      g_string_append_printf (y, "    - %s\n", s->params[i]);

  list_files (y, "outs", s->outputs, DLP_FILE_OUT, params);
  list_files (y, "metrics", s->outputs, DLP_FILE_METRIC, params);
  list_files (y, "plots", s->outputs, DLP_FILE_PLOT, params);
}

char *
dlp_dvc_yaml_generate (DlpConfig *params, const char *params_file, const char *code_root)
{
  GString *y =
    g_string_new ("# The stages of this pipeline for DVC, written by `dlpipe dvc-yaml` from what\n"
                  "# each stage reads and writes. Regenerate it rather than edit it.\n"
                  "stages:\n");
  /* DVC runs it every time; its file changes only when dlpipe or a plugin
   * does, and only then do the stages rerun. */
  if (code_root == NULL)
    g_string_append (y, "  dlpipe_versions:\n"
                        "    cmd: dlpipe version --components -o " DLP_DVC_VERSIONS_FILE "\n"
                        "    always_changed: true\n"
                        "    outs:\n"
                        "    - " DLP_DVC_VERSIONS_FILE ":\n"
                        "        cache: false\n");
  guint n;
  const DlpStageInfo *stages = dlp_stages_get_all (&n);
  for (guint i = 0; i < n; i++)
    write_stage (y, &stages[i], params, params_file, code_root);
  return g_string_free (y, FALSE);
}
