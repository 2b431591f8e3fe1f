/* app.h: state shared by the host's commands. */
#pragma once

#include <dlpipe/dlpipe-host.h>

G_BEGIN_DECLS

/* Exit statuses: success, failure, misuse of the command line. */
#define DLP_EXIT_OK 0
#define DLP_EXIT_FAILURE 1
#define DLP_EXIT_USAGE 2

typedef enum {
  DLP_VERBOSITY_QUIET,
  DLP_VERBOSITY_NORMAL,
  DLP_VERBOSITY_VERBOSE,
} DlpVerbosity;

typedef struct {
  char *plugin_path; /* --plugin-path, colon-separated */
  DlpVerbosity verbosity;
  DlpRegistry *registry;         /* loaded on first use */
  GCancellable *cancellable;     /* cancelled by SIGINT and SIGTERM */
  struct _DlpProgress *progress; /* the progress line, shared by stages */
  gboolean resume;               /* --resume: continue from a checkpoint */
  /* The stage commands' -p and --set (borrowed), to start a stage again
   * as a data-parallel job. */
  const char *params_file;
  const char *const *overrides;
} DlpApp;

/* Installs the log writer that honours -v and -q. */
void dlp_app_setup_logging (DlpApp *app);
/* The plugin folders, in search order: --plugin-path, DLPIPE_PLUGIN_PATH,
 * then the build tree's plugins when running from it, else the installed
 * ones. Sets *recursive for the build tree, whose plugins live in
 * subfolders. */
GStrv dlp_app_plugin_dirs (DlpApp *app, gboolean *recursive);
/* Loads plugins once; refused plugin files are reported as warnings. */
DlpRegistry *dlp_app_get_registry (DlpApp *app);
void dlp_app_clear (DlpApp *app);

/* Prints "dlpipe: error: MESSAGE" to stderr. */
void dlp_print_error (const GError *error);
/* Prints a usage error with a hint to use --help; returns DLP_EXIT_USAGE. */
int dlp_usage_error (const char *command, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* Parses a command's options, and with @app the global ones, which may
 * follow the command too; handles --help. Returns -1 to go on, or the
 * exit status to return now. */
int dlp_parse_command_options (DlpApp *app, GOptionContext *context, const char *command, int *argc,
                               char ***argv);
/* Sets -v/-q and the progress line that follows them. */
void dlp_app_set_verbosity (DlpApp *app, DlpVerbosity verbosity);

G_END_DECLS
