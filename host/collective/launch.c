/* launch.c: the mpirun command line of a data-parallel job. */
#include <string.h>
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
