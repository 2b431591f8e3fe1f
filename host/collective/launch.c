/* launch.c: the mpirun command line of a data-parallel job. */
#include <string.h>
#include <dlpipe/dlpipe-host.h>
#include "launch.h"

GStrv
dlp_launch_argv (gint64 ranks, const char *const *hosts, const char *const *launcher_args,
                 const char *const *command)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_autofree char *n = g_strdup_printf ("%" G_GINT64_FORMAT, ranks);
  g_strv_builder_add_many (b, "mpirun", "-np", n, NULL);
  if (hosts && hosts[0])
    {
      g_autofree char *list = g_strjoinv (",", (char **) hosts);
      g_strv_builder_add_many (b, "--host", list, NULL);
    }
  if (launcher_args)
    g_strv_builder_addv (b, (const char **) launcher_args);
  g_strv_builder_addv (b, (const char **) command);
  return g_strv_builder_end (b);
}

/* Plain words stay as they are, so that dvc.yaml reads naturally. */
static gboolean
needs_quoting (const char *arg)
{
  if (*arg == '\0')
    return TRUE;
  for (const char *c = arg; *c; c++)
    if (!g_ascii_isalnum (*c) && !strchr ("-_./=:,@%+", *c))
      return TRUE;
  return FALSE;
}

char *
dlp_launch_command_line (gint64 ranks, const char *const *hosts, const char *const *launcher_args,
                         const char *const *command)
{
  g_auto (GStrv) argv = dlp_launch_argv (ranks, hosts, launcher_args, command);
  GString *line = g_string_new (NULL);
  for (guint i = 0; argv[i]; i++)
    {
      if (i)
        g_string_append_c (line, ' ');
      if (needs_quoting (argv[i]))
        {
          g_autofree char *quoted = g_shell_quote (argv[i]);
          g_string_append (line, quoted);
        }
      else
        g_string_append (line, argv[i]);
    }
  return g_string_free (line, FALSE);
}

gboolean
dlp_launch_is_inside_job (void)
{
  /* Open MPI's and PMIx's own markers of a launched process. */
  return g_getenv ("OMPI_COMM_WORLD_SIZE") || g_getenv ("PMIX_RANK") || g_getenv ("PMI_RANK");
}

gboolean
dlp_launch_run (const char *const *argv, GError **error)
{
  g_autofree char *line = g_strjoinv (" ", (char **) argv);
  g_info ("starting %s", line);
  int status = 0;
  g_autoptr (GError) local = NULL;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_CHILD_INHERITS_STDIN,
                     NULL, NULL, NULL, NULL, &status, &local))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND,
                   "cannot start the data-parallel job `%s`: %s (Open MPI's openmpi-bin "
                   "has mpirun)",
                   line, local->message);
      return FALSE;
    }
  if (!g_spawn_check_wait_status (status, &local))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FAILED,
                   "the data-parallel job `%s` failed (%s); its ranks' errors are above", line,
                   local->message);
      return FALSE;
    }
  return TRUE;
}
