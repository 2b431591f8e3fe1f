/* cmd-mlflow.c: `dlpipe mlflow sync` and `dlpipe mlflow status`, the
 * tracking spool seen from the command line, and the dispatch of the
 * registry's commands (cmd-mlflow-models.c). */
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "../tracking/replay.h"
#include "../tracking/spool.h"
#include "../tracking/tracking.h"

typedef struct {
  char *params_file;
  char *spool_dir;
  gboolean json;
} SpoolOptions;

static void
clear_spool_options (SpoolOptions *o)
{
  g_free (o->params_file);
  g_free (o->spool_dir);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SpoolOptions, clear_spool_options)

/* The spool folder: --spool, else tracking.spool_dir of the params file
 * (an absent default params.yaml is no error), else the default. */
static char *
spool_dir (SpoolOptions *o, GError **error)
{
  if (o->spool_dir)
    return g_canonicalize_filename (o->spool_dir, NULL);
  const char *file = o->params_file ? o->params_file : "params.yaml";
  g_autoptr (DlpConfig) params = NULL;
  if (o->params_file || g_file_test (file, G_FILE_TEST_EXISTS))
    {
      params = dlp_config_load (file, error);
      if (params == NULL)
        return NULL;
    }
  return dlp_tracking_get_spool_dir (params, error);
}

static int
parse (DlpApp *app, const char *summary, SpoolOptions *o, gboolean with_json, int *argc,
       char ***argv)
{
  const GOptionEntry entries[] = {
    { "params", 'p', 0, G_OPTION_ARG_FILENAME, &o->params_file,
      "The params file whose tracking.spool_dir to use (default: params.yaml)", "FILE" },
    { "spool", 0, 0, G_OPTION_ARG_FILENAME, &o->spool_dir,
      "The spool folder (default: tracking.spool_dir, else .dlpipe/tracking-spool)", "DIR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &o->json, "Print JSON", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  int status = dlp_cmd_parse_options (app, ctx, summary, entries, TRUE, argc, argv);
  if (status >= 0)
    return status;
  if (!with_json && o->json)
    return dlp_usage_error ((*argv)[0], "--json is an option of 'status'");
  if (*argc != 1)
    return dlp_usage_error ((*argv)[0], "unexpected argument '%s'", (*argv)[1]);
  return -1;
}

static guint
count_pending (const char *dir)
{
  g_autoptr (GPtrArray) names = dlp_spool_list (dir, NULL);
  guint n = 0;
  for (guint i = 0; names && i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, g_ptr_array_index (names, i), NULL);
      gboolean busy;
      g_autoptr (DlpSpoolFile) f = dlp_spool_file_open (path, &busy, NULL);
      if (f)
        n += dlp_spool_file_get_records (f)->len - dlp_spool_file_get_n_done (f);
    }
  return n;
}

static int
cmd_sync (DlpApp *app, int argc, char **argv)
{
  g_auto (SpoolOptions) o = { 0 };
  int status = parse (app,
                      "Delivers the tracking records that stages kept in the spool because "
                      "the server could not be reached, in the order they were made, each "
                      "once. Records the server refuses are moved to rejected.jsonl.",
                      &o, FALSE, &argc, &argv);
  if (status >= 0)
    return status;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = spool_dir (&o, &error);
  if (dir == NULL)
    {
      dlp_print_error (error);
      return DLP_EXIT_FAILURE;
    }
  DlpRegistry *registry = dlp_app_get_registry (app);
  DlpReplayStats stats = { 0 };
  gboolean ok = dlp_tracking_replay_all (registry, dir, app->cancellable, &stats, &error);
  printf ("delivered %u records from %u spool files in %s\n", stats.n_delivered, stats.n_files,
          dir);
  if (stats.n_rejected)
    fprintf (stderr,
             "dlpipe: error: %u records were refused by the server; they are kept "
             "in %s/%s\n",
             stats.n_rejected, dir, DLP_SPOOL_REJECTED);
  if (!ok)
    {
      dlp_print_error (error);
      fprintf (stderr, "dlpipe: %u records wait in %s; run 'dlpipe mlflow sync' again\n",
               count_pending (dir), dir);
      return DLP_EXIT_FAILURE;
    }
  return stats.n_rejected ? DLP_EXIT_FAILURE : DLP_EXIT_OK;
}

static guint
count_lines (const char *path)
{
  g_autofree char *text = NULL;
  guint n = 0;
  if (g_file_get_contents (path, &text, NULL, NULL))
    for (const char *p = text; *p; p++)
      n += *p == '\n';
  return n;
}

static int
cmd_status (DlpApp *app, int argc, char **argv)
{
  (void) app;
  g_auto (SpoolOptions) o = { 0 };
  int status = parse (app,
                      "Lists the spool files that wait for 'dlpipe mlflow sync', with their "
                      "undelivered records, and the records the server refused.",
                      &o, TRUE, &argc, &argv);
  if (status >= 0)
    return status;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = spool_dir (&o, &error);
  g_autoptr (GPtrArray) names = dir ? dlp_spool_list (dir, &error) : NULL;
  if (names == NULL)
    {
      dlp_print_error (error);
      return DLP_EXIT_FAILURE;
    }
  g_autofree char *rejected_path = g_build_filename (dir, DLP_SPOOL_REJECTED, NULL);
  guint n_rejected = count_lines (rejected_path);
  JsonObject *report = json_object_new ();
  json_object_set_string_member (report, "spool", dir);
  JsonArray *files = json_array_new ();
  guint total = 0;
  if (!o.json)
    printf ("spool %s\n", dir);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      gboolean busy = FALSE;
      g_autoptr (GError) local = NULL;
      g_autoptr (DlpSpoolFile) f = dlp_spool_file_open (path, &busy, &local);
      guint pending = f ? dlp_spool_file_get_records (f)->len - dlp_spool_file_get_n_done (f) : 0;
      JsonObject *h = f ? dlp_spool_file_get_header (f) : NULL;
      const char *stage = h ? json_object_get_string_member_with_default (h, "stage", "?") : "?";
      const char *tracker =
        h ? json_object_get_string_member_with_default (h, "tracker", "?") : "?";
      const char *state = busy ? "in use" : local ? local->message : "waiting";
      total += pending;
      if (!o.json)
        printf ("  %s  %-14s %-8s %5u records  %s\n", name, stage, tracker, pending, state);
      JsonObject *file = json_object_new ();
      json_object_set_string_member (file, "file", name);
      json_object_set_string_member (file, "stage", stage);
      json_object_set_string_member (file, "tracker", tracker);
      json_object_set_int_member (file, "pending", pending);
      json_object_set_string_member (file, "state",
                                     busy    ? "in use"
                                     : local ? "unreadable"
                                             : "waiting");
      json_array_add_object_element (files, file);
    }
  json_object_set_array_member (report, "files", files);
  json_object_set_int_member (report, "pending", total);
  json_object_set_int_member (report, "rejected", n_rejected);
  g_autoptr (JsonNode) root = dlp_json_node_new_object (report);
  if (o.json)
    dlp_print_json (root);
  else
    printf ("%u records wait for 'dlpipe mlflow sync'; %u were refused (%s)\n", total, n_rejected,
            rejected_path);
  return DLP_EXIT_OK;
}

int
dlp_cmd_mlflow (DlpApp *app, int argc, char **argv)
{
  static const struct {
    const char *name;
    const char *summary;
    int (*run) (DlpApp *app, int argc, char **argv);
  } subcommands[] = {
    { "sync", "Deliver the records kept in the tracking spool", cmd_sync },
    { "status", "List what waits in the tracking spool", cmd_status },
    { "models", "List a registered model's versions, aliases and metrics", dlp_cmd_mlflow_models },
    { "promote", "Point an alias (champion) at a version", dlp_cmd_mlflow_promote },
  };
  const char *name = argc >= 2 ? argv[1] : NULL;
  for (guint i = 0; name && i < G_N_ELEMENTS (subcommands); i++)
    if (strcmp (name, subcommands[i].name) == 0)
      {
        g_autofree char *prgname = g_strdup_printf ("%s %s", argv[0], name);
        g_autofree char *outer = g_strdup (g_get_prgname ());
        char *saved = argv[1];
        argv[1] = prgname;
        g_set_prgname (prgname);
        int status = subcommands[i].run (app, argc - 1, argv + 1);
        g_set_prgname (outer);
        argv[1] = saved;
        return status;
      }
  if (name && strcmp (name, "--help") != 0 && strcmp (name, "-h") != 0)
    return dlp_usage_error (argv[0], "unknown command '%s' (sync, status, models, promote)", name);
  FILE *out = name ? stdout : stderr;
  fprintf (out,
           "Usage:\n  %s COMMAND [OPTIONS]\n\nThe tracking spool (records that could "
           "not reach the MLflow server) and the model registry.\n\nCommands:\n",
           argv[0]);
  for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
    fprintf (out, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
  return name ? DLP_EXIT_OK : DLP_EXIT_USAGE;
}
