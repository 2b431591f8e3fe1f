/* launch.h: the command line that starts a data-parallel job.
 *
 * dvc.yaml's cmd and the hint of a stage started alone use the same
 * line, so that what dlpipe tells the user to run is what dvc repro runs. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "mpirun -np RANKS [--host HOSTS] [LAUNCHER_ARGS] COMMAND...": @hosts
 * and @launcher_args may be NULL. */
GStrv dlp_launch_argv (gint64 ranks, const char *const *hosts, const char *const *launcher_args,
                       const char *const *command);
/* The same as one line for a shell, each argument quoted when needed. */
char *dlp_launch_command_line (gint64 ranks, const char *const *hosts,
                               const char *const *launcher_args, const char *const *command);

/* Whether this process was started by a launcher, as a rank of a job. */
gboolean dlp_launch_is_inside_job (void);
/* Runs @argv (from dlp_launch_argv), its output this process's, and
 * waits; an error names the command and its exit status. */
gboolean dlp_launch_run (const char *const *argv, GError **error);

G_END_DECLS
