/* cmd-serve.c: `dlpipe serve`, a model package behind MLflow's scoring
 * protocol. */
#include <string.h>
#include "commands.h"
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
} ServeOptions;

static void
clear_options (ServeOptions *o)
{
  g_free (o->model);
  g_free (o->host);
  g_free (o->precision);
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

static gboolean
serve (DlpApp *app, const ServeOptions *o, GError **error)
{
  g_autoptr (DlpPredictor) predictor =
    dlp_predictor_new (dlp_app_get_registry (app), o->model, error);
  if (predictor == NULL
      || (o->precision && !dlp_predictor_set_precision (predictor, o->precision, error)))
    return FALSE;
  /* Each worker scores on one thread: OpenBLAS must not add its own. */
  dlp_blas_set_n_threads (1);
  DlpServerOptions options = {
    .host = o->host,
    .port = (guint) o->port,
    .n_workers = o->workers > 0 ? (guint) o->workers : g_get_num_processors (),
    .batch_rows = o->batch_rows,
    .batch_wait_us = (guint) o->batch_wait_us,
    .drain_timeout_s = (guint) o->drain_timeout_s,
  };
  g_autofree char *inputs = describe_inputs (predictor);
  g_message ("serving %s (inputs: %s; %u classes) with %u worker%s, %s on %s (%s)", o->model,
             inputs, dlp_predictor_get_n_classes (predictor), options.n_workers,
             options.n_workers == 1 ? "" : "s",
             dlp_precision_get_name (dlp_predictor_get_precision (predictor)),
             dlp_kernels_get_library (), dlp_kernels_get_isa ());
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
  };
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &o.model, "The model package (default: models/final)",
      "DIR" },
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
