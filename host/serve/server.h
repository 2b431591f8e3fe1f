/* server.h: MLflow's scoring protocol over HTTP (libsoup).
 *
 *   GET  /ping, /health   200 "\n" once the model is loaded
 *   GET  /version         200, the dlpipe version
 *   POST /invocations     application/json or text/csv (charset utf-8 at
 *                         most): 200 {"predictions": [...]}; 400 with
 *                         MLflow's error JSON for input it cannot score;
 *                         413 for a body over DLP_LIMIT_HTTP_BODY_BYTES;
 *                         415 for another content type
 *
 * One thread speaks HTTP; the workers (workers.h) parse and score. When
 * the cancellable is cancelled (SIGTERM, SIGINT) the server stops
 * accepting connections, answers the requests in flight, then returns. */
#pragma once

#include "../package/package.h"

G_BEGIN_DECLS

typedef struct {
  const char *host; /* an address or a name to listen on */
  guint port;       /* 0: any free port */
  guint n_workers;
  gint64 batch_rows;     /* rows per forward pass, and requests scored
                                together, at most */
  guint batch_wait_us;   /* how long a worker waits to fill a batch */
  guint drain_timeout_s; /* how long to wait for requests in flight */
  /* With follow set: every follow_interval_ms, on a thread of its own,
   * follow returns the predictor to serve from then on (transfer full),
   * or NULL to go on with the one served, with @error set when it could
   * not tell (the server logs it and asks again later). Requests already
   * queued are answered by the model they came to. */
  DlpPredictor *(*follow) (gpointer data, GError **error);
  gpointer follow_data;
  guint follow_interval_ms;
} DlpServerOptions;

/* Serves @predictor until @cancellable is cancelled. Prints the address it
 * listens on to standard output ("listening on http://127.0.0.1:5001"),
 * which tells a script with --port 0 which port it got. Fails if it
 * cannot listen, or if requests were still in flight when the drain
 * timeout ran out. */
gboolean dlp_server_run (DlpPredictor *predictor, const DlpServerOptions *options,
                         GCancellable *cancellable, GError **error);

G_END_DECLS
