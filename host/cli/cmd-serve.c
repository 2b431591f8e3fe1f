/* cmd-serve.c: `dlpipe serve`, a model package behind MLflow's scoring
 * protocol. */
#include <string.h>
#include "commands.h"
#include "../serve/model-source.h"
#include "../serve/server.h"

typedef struct {
  char *model;
  char *host;
  int port;
  int workers;
  int batch_rows;
  int batch_wait_us;
  int drain_timeout_s;
  char *precision;
  char *params_file;
  char *cache_dir;
  gboolean follow;
  int poll_interval_s;
} ServeOptions;

static void
clear_options (ServeOptions *o)
{
  g_free (o->model);
  g_free (o->host);
  g_free (o->precision);
  g_free (o->params_file);
  g_free (o->cache_dir);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ServeOptions, clear_options)

static char *
describe_inputs (DlpPredictor *predictor)
{
  g_autoptr (GString) s = g_string_new (NULL);
  for (guint i = 0; i < dlp_predictor_get_n_inputs (predictor); i++)
    {
      const DlpPredictorInput *in = dlp_predictor_get_input (predictor, i);
      g_string_append_printf (s, "%s%s", i ? ", " : "", in->name);
      if (in->rank > 0)
        {
          g_autofree char *shape = dlp_shape_to_string (in->rank, in->shape);
          g_string_append_printf (s, " %s", shape);
        }
    }
  return g_strdup (s->str);
}

/* The tracking section to reach the registry with: --params's, or
 * params.yaml's when it has a tracker; NULL: MLflow, as the environment
 * says. */
static gboolean
load_tracking (const ServeOptions *o, DlpConfig **tracking, GError **error)
{
  *tracking = NULL;
  if (o->params_file == NULL && !g_file_test ("params.yaml", G_FILE_TEST_IS_REGULAR))
    return TRUE;
  g_autoptr (DlpConfig) params =
    dlp_config_load (o->params_file ? o->params_file : "params.yaml", error);
  if (params == NULL)
    return FALSE;
  g_autoptr (GError) local = NULL;
  g_autoptr (DlpConfig) section = dlp_config_get_section (params, "tracking", TRUE, &local);
  if (local)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  g_autofree char *tracker = NULL;
  if (section && !dlp_config_get_string (section, "tracker", &tracker, error))
    return FALSE;
  if (o->params_file || (tracker && strcmp (tracker, "none") != 0))
    *tracking = g_steal_pointer (&section);
  return TRUE;
}

typedef struct {
  DlpModelSource *source;
  const char *precision;
} Follow;

/* On the server's follower thread: the version the alias names now, if it
 * moved. */
static DlpPredictor *
follow_model (gpointer data, GError **error)
{
  Follow *f = data;
  g_autoptr (DlpPredictor) predictor = dlp_model_source_load (f->source, TRUE, error);
  if (predictor == NULL
      || (f->precision && !dlp_predictor_set_precision (predictor, f->precision, error)))
    return NULL;
  g_message ("--follow: the alias moved; now serving %s", dlp_model_source_describe (f->source));
  return g_steal_pointer (&predictor);
}

static gboolean
serve (DlpApp *app, const ServeOptions *o, GError **error)
{
  g_autoptr (DlpConfig) tracking = NULL;
  if (dlp_model_source_is_uri (o->model) && !load_tracking (o, &tracking, error))
    return FALSE;
  g_autoptr (DlpModelSource) source = dlp_model_source_new (
    o->model, tracking, dlp_app_get_registry (app), o->cache_dir, app->cancellable, error);
  if (source == NULL)
    return FALSE;
  if (o->follow && !dlp_model_source_can_follow (source))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG,
                   "--follow: %s does not move; follow an alias, --model models:/NAME@ALIAS",
                   o->model);
      return FALSE;
    }
  g_autoptr (DlpPredictor) predictor = dlp_model_source_load (source, FALSE, error);
  if (predictor == NULL
      || (o->precision && !dlp_predictor_set_precision (predictor, o->precision, error)))
    return FALSE;
  /* Each worker scores on one thread: OpenBLAS must not add its own. */
  dlp_blas_set_n_threads (1);
  Follow follow = { source, o->precision };
  DlpServerOptions options = {
    .host = o->host,
    .port = (guint) o->port,
    .n_workers = o->workers > 0 ? (guint) o->workers : g_get_num_processors (),
    .batch_rows = o->batch_rows,
    .batch_wait_us = (guint) o->batch_wait_us,
    .drain_timeout_s = (guint) o->drain_timeout_s,
    .follow = o->follow ? follow_model : NULL,
    .follow_data = &follow,
    .follow_interval_ms = (guint) o->poll_interval_s * 1000,
  };
  g_autofree char *inputs = describe_inputs (predictor);
  g_message ("serving %s (inputs: %s; %u classes) with %u worker%s, %s on %s (%s)%s",
             dlp_model_source_describe (source), inputs, dlp_predictor_get_n_classes (predictor),
             options.n_workers, options.n_workers == 1 ? "" : "s",
             dlp_precision_get_name (dlp_predictor_get_precision (predictor)),
             dlp_kernels_get_library (), dlp_kernels_get_isa (),
             o->follow ? "; following the alias" : "");
  return dlp_server_run (predictor, &options, app->cancellable, error);
}

int
dlp_cmd_serve (DlpApp *app, int argc, char **argv)
{
  g_auto (ServeOptions) o = {
    .port = 5001,
    .batch_rows = 32,
    .batch_wait_us = 0,
    .drain_timeout_s = 30,
    .poll_interval_s = 10,
  };
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &o.model,
      "The model package (default: models/final), or a registered model: models:/NAME@ALIAS, "
      "models:/NAME/VERSION, runs:/RUN_ID/PATH",
      "DIR|URI" },
    { "follow", 0, 0, G_OPTION_ARG_NONE, &o.follow,
      "With models:/NAME@ALIAS: serve each version the alias moves to, with no request lost",
      NULL },
    { "poll-interval", 0, 0, G_OPTION_ARG_INT, &o.poll_interval_s,
      "Seconds between two looks at the alias with --follow (default 10)", "S" },
    { "cache-dir", 0, 0, G_OPTION_ARG_FILENAME, &o.cache_dir,
      "Where registered models are downloaded (default: ~/.cache/dlpipe/models)", "DIR" },
    { "params", 0, 0, G_OPTION_ARG_FILENAME, &o.params_file,
      "The params file whose tracking section reaches the registry (default: params.yaml, if "
      "it names a tracker; else MLflow at MLFLOW_TRACKING_URI)",
      "FILE" },
    { "host", 'H', 0, G_OPTION_ARG_STRING, &o.host, "The address to listen on (default: 127.0.0.1)",
      "HOST" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &o.port, "The port (default: 5001; 0 picks a free one)",
      "PORT" },
    { "workers", 'w', 0, G_OPTION_ARG_INT, &o.workers,
      "Scoring threads (default: one per processor)", "N" },
    { "batch-rows", 0, 0, G_OPTION_ARG_INT, &o.batch_rows,
      "Rows per forward pass, and requests a worker scores together, at most (default 32)", "N" },
    { "batch-wait", 0, 0, G_OPTION_ARG_INT, &o.batch_wait_us,
      "Microseconds a worker waits for more requests to fill a batch (default 0: "
      "it takes what is queued)",
      "US" },
    { "precision", 0, 0, G_OPTION_ARG_STRING, &o.precision,
      "fp32, bf16 or auto (default: the package's, which the model was trained in)", "P" },
    { "drain-timeout", 0, 0, G_OPTION_ARG_INT, &o.drain_timeout_s,
      "Seconds to answer the requests in flight after SIGTERM (default 30)", "S" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  int status = dlp_cmd_parse_options (app, ctx,
                                      "Serves a model package over HTTP with MLflow's scoring "
                                      "protocol: GET /ping, /health, /version; POST "
                                      "/invocations with JSON (dataframe_split, "
                                      "dataframe_records, instances, inputs) or CSV. SIGTERM "
                                      "answers the requests in flight, then exits.",
                                      entries, FALSE, &argc, &argv);
  if (status >= 0)
    return status;
  if (o.port < 0 || o.port > 65535)
    return dlp_usage_error (argv[0], "--port: expected 0 to 65535, got %d", o.port);
  if (o.workers < 0 || o.workers > 1024)
    return dlp_usage_error (argv[0], "--workers: expected 1 to 1024, got %d", o.workers);
  if (o.batch_rows < 1)
    return dlp_usage_error (argv[0], "--batch-rows must be at least 1");
  if (o.batch_wait_us < 0 || o.batch_wait_us > 1000000)
    return dlp_usage_error (argv[0], "--batch-wait: expected 0 to 1000000 microseconds");
  if (o.drain_timeout_s < 1)
    return dlp_usage_error (argv[0], "--drain-timeout must be at least 1 second");
  if (o.poll_interval_s < 1 || o.poll_interval_s > 86400)
    return dlp_usage_error (argv[0], "--poll-interval: expected 1 to 86400 seconds, got %d",
                            o.poll_interval_s);
  if (o.precision && !dlp_cmd_precision_name_valid (o.precision))
    return dlp_usage_error (argv[0], "--precision: expected fp32, bf16 or auto, got '%s'",
                            o.precision);
  if (o.model == NULL)
    o.model = g_strdup ("models/final");
  if (o.host == NULL)
    o.host = g_strdup ("127.0.0.1");

  g_autoptr (GError) error = NULL;
  if (!serve (app, &o, &error))
    {
      dlp_print_error (error);
      return DLP_EXIT_FAILURE;
    }
  return DLP_EXIT_OK;
}
