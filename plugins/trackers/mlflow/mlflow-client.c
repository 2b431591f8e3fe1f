/* mlflow-client.c: requests to an MLflow server, retried as MLflow's own
 * client retries them: statuses 408, 429, 500, 502, 503 and 504 and
 * connection failures, for every method, up to max_retries times, waiting
 * backoff_factor * 2^(n-1) seconds plus up to backoff_jitter random seconds
 * before retry n, or what Retry-After says. */
#include <string.h>
#include <libsoup/soup.h>
#include "mlflow-client.h"
#include "mlflow-json.h"

/* urllib3's cap on one wait, and ours on a server's Retry-After. */
#define MAX_BACKOFF_S 120.0
#define MAX_RETRY_AFTER_S 600.0
/* How much of a non-JSON error body a message quotes. */
#define MAX_QUOTED_BODY 300

struct _DlpMlflowClient {
  DlpMlflowSettings *settings;
  SoupSession *session;
  GTlsCertificate *client_cert;
};

DlpMlflowClient *
dlp_mlflow_client_new (const DlpMlflowSettings *settings)
{
  DlpMlflowClient *c = g_new0 (DlpMlflowClient, 1);
  c->settings = g_new0 (DlpMlflowSettings, 1);
  *c->settings = *settings;
  c->settings->tracking_uri = g_strdup (settings->tracking_uri);
  c->settings->experiment = g_strdup (settings->experiment);
  c->settings->authorization = g_strdup (settings->authorization);
  c->settings->server_cert_path = g_strdup (settings->server_cert_path);
  c->settings->client_cert_path = g_strdup (settings->client_cert_path);
  g_autofree char *agent = g_strdup_printf ("dlpipe/%s", DLP_VERSION);
  c->session = soup_session_new_with_options ("timeout", settings->timeout_s, "idle-timeout", 60,
                                              "user-agent", agent, NULL);
  if (settings->server_cert_path)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GTlsDatabase) db = g_tls_file_database_new (settings->server_cert_path, &error);
      if (db)
        soup_session_set_tls_database (c->session, db);
      else
        g_warning ("MLFLOW_TRACKING_SERVER_CERT_PATH=%s: %s", settings->server_cert_path,
                   error->message);
    }
  if (settings->client_cert_path)
    {
      g_autoptr (GError) error = NULL;
      c->client_cert = g_tls_certificate_new_from_file (settings->client_cert_path, &error);
      if (c->client_cert == NULL)
        g_warning ("MLFLOW_TRACKING_CLIENT_CERT_PATH=%s: %s", settings->client_cert_path,
                   error->message);
    }
  return c;
}

void
dlp_mlflow_client_free (DlpMlflowClient *c)
{
  if (c == NULL)
    return;
  g_clear_object (&c->session);
  g_clear_object (&c->client_cert);
  dlp_mlflow_settings_free (c->settings);
  g_free (c);
}

const DlpMlflowSettings *
dlp_mlflow_client_get_settings (DlpMlflowClient *c)
{
  return c->settings;
}

/* --- waiting --- */

/* Sleeps @seconds unless @cancellable fires first; FALSE if it did. */
static gboolean
wait_cancellable (double seconds, GCancellable *cancellable)
{
  gint64 timeout_ms = (gint64) (seconds * 1000.0);
  if (cancellable == NULL)
    {
      g_usleep ((gulong) timeout_ms * 1000);
      return TRUE;
    }
  GPollFD pfd;
  if (!g_cancellable_make_pollfd (cancellable, &pfd))
    {
      g_usleep ((gulong) timeout_ms * 1000);
      return !g_cancellable_is_cancelled (cancellable);
    }
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;
  while (!g_cancellable_is_cancelled (cancellable))
    {
      gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
      if (left_ms <= 0)
        break;
      g_poll (&pfd, 1, (int) MIN (left_ms, G_MAXINT));
    }
  g_cancellable_release_fd (cancellable);
  return !g_cancellable_is_cancelled (cancellable);
}

/* Seconds a Retry-After header asks for, or -1. */
static double
retry_after_seconds (SoupMessage *msg)
{
  const char *v =
    soup_message_headers_get_one (soup_message_get_response_headers (msg), "Retry-After");
  if (v == NULL)
    return -1;
  guint64 n;
  g_autofree char *trimmed = g_strstrip (g_strdup (v));
  if (g_ascii_string_to_unsigned (trimmed, 10, 0, G_MAXINT, &n, NULL))
    return MIN ((double) n, MAX_RETRY_AFTER_S);
  g_autoptr (GDateTime) when = soup_date_time_new_from_http_string (v);
  if (when == NULL)
    return -1;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  double s = (double) g_date_time_difference (when, now) / G_USEC_PER_SEC;
  return CLAMP (s, 0.0, MAX_RETRY_AFTER_S);
}

static double
backoff_seconds (const DlpMlflowSettings *s, guint retry)
{
  double wait = s->backoff_factor * (double) (1u << MIN (retry - 1, 20u));
  wait = MIN (wait, MAX_BACKOFF_S);
  if (s->backoff_jitter > 0)
    wait += g_random_double_range (0, s->backoff_jitter);
  return wait;
}

/* --- one try --- */

typedef SoupMessage *(*MakeMessageFunc) (DlpMlflowClient *c, gpointer data, GError **error);

static gboolean
accept_any_certificate (SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags errors,
                        gpointer data)
{
  (void) msg, (void) cert, (void) errors, (void) data;
  return TRUE;
}

static void
prepare_message (DlpMlflowClient *c, SoupMessage *msg)
{
  SoupMessageHeaders *h = soup_message_get_request_headers (msg);
  soup_message_headers_replace (h, "Accept", "application/json");
  if (c->settings->authorization)
    soup_message_headers_replace (h, "Authorization", c->settings->authorization);
  if (c->client_cert)
    soup_message_set_tls_client_certificate (msg, c->client_cert);
  if (c->settings->insecure_tls)
    g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
}

/* Retries, and the longest wait between them, when the connection is
 * refused. */
#define REFUSED_RETRIES 2
#define REFUSED_WAIT 0.5

static gboolean
is_retried_status (guint status)
{
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503
         || status == 504;
}

/* Whether a transport error leaves open that the server got the request. */
static gboolean
may_have_arrived (const GError *error)
{
  return !(g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED)
           || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE)
           || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE)
           || error->domain == G_RESOLVER_ERROR);
}

static char *
quote_body (GBytes *body)
{
  gsize len = 0;
  const char *data = body ? g_bytes_get_data (body, &len) : NULL;
  if (len == 0)
    return g_strdup ("(empty body)");
  /* Enough bytes for MAX_QUOTED_BODY characters of up to 4 bytes. */
  gsize head = MIN (len, MAX_QUOTED_BODY * 4);
  return dlp_mlflow_printable (data, head, MAX_QUOTED_BODY, head < len);
}

/* The JSON object of an answer body, or NULL with *@why (when not NULL)
 * saying what the body is instead. A body nested deeper than the limit
 * is not parsed: json-glib recurses once per level. */
static JsonObject *
parse_object (GBytes *body, char **why)
{
  gsize len = 0;
  const char *data = body ? g_bytes_get_data (body, &len) : NULL;
  if (len == 0)
    return json_object_new ();
  g_autoptr (GError) local = NULL;
  g_autoptr (JsonNode) root = dlp_json_parse (data, (gssize) len, "JSON", &local);
  if (g_error_matches (local, DLP_ERROR, DLP_ERROR_LIMIT))
    {
      /* "JSON: JSON nested deeper than ..." said once. */
      if (why)
        *why = g_strdup (local->message + strlen ("JSON: "));
      return NULL;
    }
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      if (why)
        *why = g_strdup ("a body that is not a JSON object");
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

/* The whole body of @in; NULL on a read error, or with *@too_large set
 * when it is longer than the limit (a server may send without end). */
static GBytes *
read_body (GInputStream *in, GCancellable *cancellable, gboolean *too_large, GError **error)
{
  guint64 limit = dlp_limit_get (DLP_LIMIT_HTTP_BODY_BYTES);
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  guint8 chunk[16384];
  for (;;)
    {
      gssize n = g_input_stream_read (in, chunk, sizeof chunk, cancellable, error);
      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      if (bytes->len + (guint64) n > limit)
        {
          *too_large = TRUE;
          return NULL;
        }
      g_byte_array_append (bytes, chunk, (guint) n);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
}

/* Streams @in into the file @path (replaced); an empty GBytes when all
 * of it arrived. A failed write sets *@write_failed: no retry mends it. */
static GBytes *
stream_to_file (GInputStream *in, const char *path, GCancellable *cancellable,
                gboolean *write_failed, GError **error)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileOutputStream) out =
    g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, cancellable, error);
  if (out == NULL)
    {
      *write_failed = TRUE;
      return NULL;
    }
  guint8 chunk[65536];
  for (;;)
    {
      gssize n = g_input_stream_read (in, chunk, sizeof chunk, cancellable, error);
      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      if (!g_output_stream_write_all (G_OUTPUT_STREAM (out), chunk, (gsize) n, NULL, cancellable,
                                      error))
        {
          *write_failed = TRUE;
          return NULL;
        }
    }
  if (!g_output_stream_close (G_OUTPUT_STREAM (out), cancellable, error))
    {
      *write_failed = TRUE;
      return NULL;
    }
  return g_bytes_new (NULL, 0);
}

/* The error for an answer that will not be retried (or no longer). */
static void
set_status_error (DlpMlflowClient *c, const char *what, SoupMessage *msg, GBytes *body, guint tries,
                  DlpMlflowRequest *request, GError **error)
{
  guint status = soup_message_get_status (msg);
  const char *phrase = soup_message_get_reason_phrase (msg);
  g_autofree char *reason =
    phrase ? dlp_mlflow_printable (phrase, strlen (phrase), 100, FALSE) : NULL;
  g_autoptr (JsonObject) obj = parse_object (body, NULL);
  const char *code = dlp_json_get_string (obj, "error_code");
  g_autofree char *after = tries > 1 ? g_strdup_printf (" (after %u tries)", tries) : g_strdup ("");
  if (request)
    {
      request->status = status;
      g_free (request->error_code);
      request->error_code = g_strdup (code);
    }
  if (status == 401)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK, "%s: HTTP 401 %s: %s", what,
                   reason ? reason : "Unauthorized",
                   c->settings->authorization
                     ? "the server refused the credentials from MLFLOW_TRACKING_USERNAME and "
                       "MLFLOW_TRACKING_PASSWORD (or MLFLOW_TRACKING_TOKEN)"
                     : "the server wants credentials: set MLFLOW_TRACKING_USERNAME and "
                       "MLFLOW_TRACKING_PASSWORD (or MLFLOW_TRACKING_TOKEN)");
      return;
    }
  if (code)
    {
      const char *message = dlp_json_get_string (obj, "message");
      g_autofree char *shown =
        message ? dlp_mlflow_printable (message, strlen (message), 500, FALSE) : g_strdup ("");
      /* 403: the credentials lack a permission, which no retry fixes but
       * new credentials do, so the record waits in the spool. */
      int domain_code = status == 403 || status >= 500 ? DLP_ERROR_NETWORK : DLP_ERROR_FAILED;
      g_set_error (error, DLP_ERROR, domain_code, "%s: HTTP %u %s: %s%s", what, status, code, shown,
                   after);
      return;
    }
  /* Not an MLflow answer: a proxy, MLflow's host check, the wrong server. */
  g_autofree char *quoted = quote_body (body);
  const char *hint = "";
  if (status == 403 && strstr (quoted, "Host header"))
    hint = " (the server refuses this host name: use the address it listens on, "
           "or start it with --allowed-hosts)";
  else if (status == 404)
    hint = " (is the tracking URI an MLflow server?)";
  g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK, "%s: HTTP %u %s: %s%s%s", what, status,
               reason ? reason : "", quoted, hint, after);
}

/* Sends the messages @make builds until one succeeds or the policy gives
 * up. Returns the body of a 2xx answer, and its status in *@status; with
 * @sink_path, the body of a 2xx answer goes into that file instead (and
 * an empty body is returned). */
static GBytes *
send_with_retries (DlpMlflowClient *c, const char *what, MakeMessageFunc make, gpointer make_data,
                   DlpMlflowRequest *request, const char *sink_path, const DlpTrackerCall *call,
                   guint *status_out, GError **error)
{
  GCancellable *cancellable = call ? call->cancellable : NULL;
  gboolean redeliver = call && (call->flags & DLP_TRACKER_CALL_REDELIVERY);
  const DlpMlflowSettings *s = c->settings;
  for (guint retry = 0;; retry++)
    {
      if (redeliver && request && request->redo)
        {
          JsonObject *done = NULL;
          g_autoptr (GError) local = NULL;
          if (!request->redo (request->redo_data, &request->body, &done, call, &local))
            {
              g_propagate_prefixed_error (error, g_steal_pointer (&local), "%s: ", what);
              return NULL;
            }
          if (done)
            {
              g_autoptr (JsonNode) node = dlp_json_node_new_object (done);
              char *text = json_to_string (node, FALSE);
              *status_out = 200;
              return g_bytes_new_take (text, strlen (text));
            }
        }
      g_autoptr (GError) make_error = NULL;
      g_autoptr (SoupMessage) msg = make (c, make_data, &make_error);
      if (msg == NULL)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&make_error), "%s: ", what);
          return NULL;
        }
      prepare_message (c, msg);
      g_autoptr (GError) local = NULL;
      g_autoptr (GInputStream) in = soup_session_send (c->session, msg, cancellable, &local);
      gboolean too_large = FALSE, write_failed = FALSE;
      g_autoptr (GBytes) body = NULL;
      if (in && sink_path && SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
        body = stream_to_file (in, sink_path, cancellable, &write_failed, &local);
      else if (in)
        body = read_body (in, cancellable, &too_large, &local);
      if (write_failed)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_IO, "%s: cannot write %s: %s", what, sink_path,
                       local->message);
          return NULL;
        }
      if (too_large)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                       "%s: HTTP %u with an answer longer than %" G_GUINT64_FORMAT " bytes "
                       "(raise the limit with %s)",
                       what, soup_message_get_status (msg),
                       dlp_limit_get (DLP_LIMIT_HTTP_BODY_BYTES),
                       dlp_limit_env_name (DLP_LIMIT_HTTP_BODY_BYTES));
          return NULL;
        }
      double wait;
      if (body == NULL)
        {
          if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_set_error (error, DLP_ERROR, DLP_ERROR_CANCELLED, "%s: stopped waiting for %s",
                           what, s->tracking_uri);
              return NULL;
            }
          /* Nothing listening: a server that is down does not come back
           * within a backoff, so give up quickly and let the host spool. */
          gboolean refused = g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
          if (local->domain == G_TLS_ERROR || retry >= s->max_retries
              || (refused && retry >= REFUSED_RETRIES))
            {
              g_autofree char *after =
                retry ? g_strdup_printf (" (after %u tries)", retry + 1) : g_strdup ("");
              g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK, "%s: cannot reach %s: %s%s", what,
                           s->tracking_uri, local->message, after);
              return NULL;
            }
          redeliver = redeliver || may_have_arrived (local);
          wait = refused ? MIN (backoff_seconds (s, retry + 1), REFUSED_WAIT)
                         : backoff_seconds (s, retry + 1);
          g_debug ("%s: %s; retry %u of %u in %.1f s", what, local->message, retry + 1,
                   s->max_retries, wait);
        }
      else
        {
          guint status = soup_message_get_status (msg);
          if (status >= 200 && status < 300)
            {
              *status_out = status;
              return g_steal_pointer (&body);
            }
          if (!is_retried_status (status) || retry >= s->max_retries)
            {
              set_status_error (c, what, msg, body, retry + 1, request, error);
              return NULL;
            }
          /* A server error may come after a partial write. */
          redeliver = redeliver || status >= 500;
          double after = s->respect_retry_after ? retry_after_seconds (msg) : -1;
          wait = after >= 0 ? after : backoff_seconds (s, retry + 1);
          g_debug ("%s: HTTP %u; retry %u of %u in %.1f s", what, status, retry + 1, s->max_retries,
                   wait);
        }
      if (!wait_cancellable (wait, cancellable))
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_CANCELLED, "%s: stopped waiting for %s", what,
                       s->tracking_uri);
          return NULL;
        }
    }
}

/* --- JSON requests --- */

static char *
query_string (JsonNode *query)
{
  GString *q = g_string_new (NULL);
  if (query == NULL || !JSON_NODE_HOLDS_OBJECT (query))
    return g_string_free (q, FALSE);
  JsonObject *obj = json_node_get_object (query);
  g_autoptr (GList) members = json_object_get_members (obj);
  for (GList *l = members; l; l = l->next)
    {
      JsonNode *v = json_object_get_member (obj, l->data);
      g_autofree char *text = NULL;
      if (json_node_get_value_type (v) == G_TYPE_STRING)
        text = g_strdup (json_node_get_string (v));
      else if (json_node_get_value_type (v) == G_TYPE_INT64)
        text = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (v));
      else
        continue;
      g_autofree char *k = g_uri_escape_string (l->data, NULL, FALSE);
      g_autofree char *e = g_uri_escape_string (text, NULL, FALSE);
      g_string_append_printf (q, "%c%s=%s", q->len ? '&' : '?', k, e);
    }
  return g_string_free (q, FALSE);
}

static SoupMessage *
make_json_message (DlpMlflowClient *c, gpointer data, GError **error)
{
  DlpMlflowRequest *r = data;
  gboolean get = strcmp (r->method, "GET") == 0;
  g_autofree char *query = get ? query_string (r->body) : g_strdup ("");
  g_autofree char *url =
    g_strdup_printf ("%s/api/2.0/%s%s", c->settings->tracking_uri, r->path, query);
  SoupMessage *msg = soup_message_new (r->method, url);
  if (msg == NULL)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FAILED, "%s %s: cannot make a request of %s",
                   r->method, r->path, url);
      return NULL;
    }
  if (!get)
    {
      g_autofree char *text = r->body ? json_to_string (r->body, FALSE) : g_strdup ("{}");
      gsize len = strlen (text);
      g_autoptr (GBytes) bytes = g_bytes_new_take (g_steal_pointer (&text), len);
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  return msg;
}

JsonObject *
dlp_mlflow_client_call (DlpMlflowClient *c, DlpMlflowRequest *request, const DlpTrackerCall *call,
                        GError **error)
{
  g_autofree char *what = g_strdup_printf ("%s %s", request->method, request->path);
  guint status = 0;
  g_autoptr (GBytes) body =
    send_with_retries (c, what, make_json_message, request, request, NULL, call, &status, error);
  if (body == NULL)
    return NULL;
  g_autofree char *why = NULL;
  JsonObject *obj = parse_object (body, &why);
  if (obj == NULL)
    {
      g_autofree char *quoted = quote_body (body);
      g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                   "%s: HTTP %u with %s (is the tracking URI an MLflow server?): %s", what, status,
                   why, quoted);
    }
  return obj;
}

void
dlp_mlflow_request_clear (DlpMlflowRequest *r)
{
  g_clear_pointer (&r->body, json_node_unref);
  g_clear_pointer (&r->error_code, g_free);
}

static JsonObject *
simple_call (DlpMlflowClient *c, const char *method, const char *path, JsonNode *body,
             char **error_code, const DlpTrackerCall *call, GError **error)
{
  DlpMlflowRequest r = { .method = method, .path = path, .body = body };
  JsonObject *obj = dlp_mlflow_client_call (c, &r, call, error);
  if (error_code)
    *error_code = g_steal_pointer (&r.error_code);
  g_free (r.error_code);
  return obj;
}

JsonObject *
dlp_mlflow_client_get (DlpMlflowClient *c, const char *path, JsonNode *query, char **error_code,
                       const DlpTrackerCall *call, GError **error)
{
  return simple_call (c, "GET", path, query, error_code, call, error);
}

JsonObject *
dlp_mlflow_client_post (DlpMlflowClient *c, const char *path, JsonNode *body, char **error_code,
                        const DlpTrackerCall *call, GError **error)
{
  return simple_call (c, "POST", path, body, error_code, call, error);
}

/* --- uploads --- */

typedef struct {
  const char *url;
  const char *local_path;
} Upload;

static SoupMessage *
make_upload_message (DlpMlflowClient *c, gpointer data, GError **error)
{
  (void) c;
  Upload *u = data;
  g_autoptr (GFile) file = g_file_new_for_path (u->local_path);
  g_autoptr (GFileInfo) info =
    g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE, NULL, error);
  if (info == NULL)
    return NULL;
  g_autoptr (GFileInputStream) in = g_file_read (file, NULL, error);
  if (in == NULL)
    return NULL;
  SoupMessage *msg = soup_message_new ("PUT", u->url);
  if (msg == NULL)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FAILED, "not a URL one can send to");
      return NULL;
    }
  g_autofree char *type = g_content_type_guess (u->local_path, NULL, 0, NULL);
  g_autofree char *mime = g_content_type_get_mime_type (type);
  soup_message_set_request_body (msg, mime ? mime : "application/octet-stream", G_INPUT_STREAM (in),
                                 (gssize) g_file_info_get_size (info));
  return msg;
}

gboolean
dlp_mlflow_client_upload (DlpMlflowClient *c, const char *url, const char *local_path,
                          const DlpTrackerCall *call, GError **error)
{
  Upload u = { url, local_path };
  /* The URL holds the run's artifact root, which the server chose. */
  g_autofree char *shown = dlp_mlflow_printable (url, strlen (url), 300, FALSE);
  g_autofree char *what = g_strdup_printf ("PUT %s", shown);
  guint status = 0;
  g_autoptr (GBytes) body =
    send_with_retries (c, what, make_upload_message, &u, NULL, NULL, call, &status, error);
  return body != NULL;
}

/* --- downloads --- */

static SoupMessage *
make_download_message (DlpMlflowClient *c, gpointer data, GError **error)
{
  (void) c;
  SoupMessage *msg = soup_message_new ("GET", data);
  if (msg == NULL)
    g_set_error (error, DLP_ERROR, DLP_ERROR_FAILED, "not a URL one can send to");
  return msg;
}

gboolean
dlp_mlflow_client_download (DlpMlflowClient *c, const char *url, const char *local_path,
                            const DlpTrackerCall *call, GError **error)
{
  g_autofree char *shown = dlp_mlflow_printable (url, strlen (url), 300, FALSE);
  g_autofree char *what = g_strdup_printf ("GET %s", shown);
  guint status = 0;
  g_autoptr (GBytes) body = send_with_retries (c, what, make_download_message, (gpointer) url, NULL,
                                               local_path, call, &status, error);
  return body != NULL;
}
