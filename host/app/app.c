/* app.c: logging, plugin search path and registry for the host. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "app.h"
#include "progress.h"

static GLogWriterOutput
write_log (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  DlpApp *app = user_data;
  const char *message = NULL, *domain = NULL;
  for (gsize i = 0; i < n_fields; i++)
    {
      if (strcmp (fields[i].key, "MESSAGE") == 0)
        message = fields[i].value;
      else if (strcmp (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
    }
  if (message == NULL)
    return G_LOG_WRITER_HANDLED;

  const char *label = NULL;
  gboolean show;
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    show = TRUE, label = "critical: ";
  else if (level & G_LOG_LEVEL_WARNING)
    show = TRUE, label = "warning: ";
  else if (level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO))
    show = app->verbosity >= DLP_VERBOSITY_NORMAL, label = "";
  else
    show = app->verbosity >= DLP_VERBOSITY_VERBOSE, label = "debug: ";
  if (!show)
    return G_LOG_WRITER_HANDLED;
  /* A message replaces the progress line; the next report redraws it. */
  if (app->progress)
    dlp_progress_clear (app->progress);
  if (app->verbosity >= DLP_VERBOSITY_VERBOSE && domain)
    fprintf (stderr, "dlpipe: %s[%s] %s\n", label, domain, message);
  else
    fprintf (stderr, "dlpipe: %s%s\n", label, message);
  fflush (stderr);
  return G_LOG_WRITER_HANDLED;
}

void
dlp_app_setup_logging (DlpApp *app)
{
  g_log_set_writer_func (write_log, app, NULL);
}

/* The executable as built in the build tree, as opposed to installed. */
static gboolean
running_from_build_tree (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  return exe && strcmp (exe, DLP_BUILD_ROOT "/host/dlpipe") == 0;
}

GStrv
dlp_app_plugin_dirs (DlpApp *app, gboolean *recursive)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  const char *sources[] = { app->plugin_path, g_getenv ("DLPIPE_PLUGIN_PATH") };
  for (guint s = 0; s < G_N_ELEMENTS (sources); s++)
    {
      if (sources[s] == NULL)
        continue;
      g_auto (GStrv) parts = g_strsplit (sources[s], G_SEARCHPATH_SEPARATOR_S, -1);
      for (guint i = 0; parts[i]; i++)
        if (*parts[i])
          g_strv_builder_add (b, parts[i]);
    }
  *recursive = running_from_build_tree ();
  g_strv_builder_add (b, *recursive ? DLP_BUILD_ROOT "/plugins" : DLP_PLUGINS_DIR);
  return g_strv_builder_end (b);
}

DlpRegistry *
dlp_app_get_registry (DlpApp *app)
{
  if (app->registry)
    return app->registry;
  app->registry = dlp_registry_new ();
  gboolean recursive;
  g_auto (GStrv) dirs = dlp_app_plugin_dirs (app, &recursive);
  for (guint i = 0; dirs[i]; i++)
    g_debug ("plugin folder: %s", dirs[i]);
  guint n = dlp_registry_load_dirs (app->registry, (const char *const *) dirs, recursive);
  g_debug ("%u plugins loaded", n);
  GPtrArray *failures = dlp_registry_get_failures (app->registry);
  for (guint i = 0; i < failures->len; i++)
    g_warning ("plugin refused: %s", ((GError *) g_ptr_array_index (failures, i))->message);
  return app->registry;
}

void
dlp_app_clear (DlpApp *app)
{
  g_clear_pointer (&app->registry, dlp_registry_unref);
  g_clear_object (&app->cancellable);
  g_clear_pointer (&app->progress, dlp_progress_free);
  g_clear_pointer (&app->plugin_path, g_free);
}

void
dlp_print_error (const GError *error)
{
  fprintf (stderr, "dlpipe: error: %s\n", error->message);
}

int
dlp_usage_error (const char *command, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *msg = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "dlpipe: %s\nTry '%s --help' for more information.\n", msg, command);
  return DLP_EXIT_USAGE;
}

int
dlp_parse_command_options (DlpApp *app, GOptionContext *context, const char *command, int *argc,
                           char ***argv)
{
  /* The global options work after the command too, and its --help lists them. */
  g_autofree char *plugin_path = NULL;
  gboolean verbose = FALSE, quiet = FALSE;
  const GOptionEntry globals[] = {
    { "plugin-path", 0, 0, G_OPTION_ARG_STRING, &plugin_path,
      "Colon-separated folders searched for plugins first (also before the command)", "PATHS" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
      "Print debugging messages, among them every setting read (also before the command)", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
      "Print only warnings and errors (also before the command)", NULL },
    { NULL }
  };
  if (app)
    g_option_context_add_main_entries (context, globals, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (context, argc, argv, &error))
    return dlp_usage_error (command, "%s", error->message);
  if (app == NULL)
    return -1;
  if (verbose && quiet)
    return dlp_usage_error (command, "--verbose and --quiet cannot be combined");
  if (plugin_path)
    g_free (app->plugin_path), app->plugin_path = g_steal_pointer (&plugin_path);
  if (verbose || quiet)
    dlp_app_set_verbosity (app, verbose ? DLP_VERBOSITY_VERBOSE : DLP_VERBOSITY_QUIET);
  return -1;
}

void
dlp_app_set_verbosity (DlpApp *app, DlpVerbosity verbosity)
{
  app->verbosity = verbosity;
  /* So that the SDK formats debug messages only when they are shown. */
  g_log_set_debug_enabled (verbosity == DLP_VERBOSITY_VERBOSE);
  g_clear_pointer (&app->progress, dlp_progress_free);
  app->progress = dlp_progress_new (verbosity);
}
