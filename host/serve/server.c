/* server.c: the scoring server's HTTP side (see server.h).
 *
 * Everything here runs on the thread that called dlp_server_run, in its
 * own main context; libsoup objects never leave it. A request to
 * /invocations is checked as soon as its headers arrive (method, content
 * type, size), paused while a worker scores it, and resumed with the
 * answer when the worker's batch comes back.
 *
 * Connections are accepted here and handed to libsoup: libsoup 3.2's own
 * listener (Debian 12's) leaks the socket object of every connection it
 * accepts, a few hundred bytes each, which a long-running server cannot
 * afford. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <libsoup/soup.h>
#include "server.h"
#include "workers.h"

typedef struct {
  const DlpServerOptions *options;
  GMainContext *context;
  GMainLoop *loop;
  SoupServer *soup;
  DlpWorkers *workers; /* swapped by the follower under workers_lock */
  GMutex workers_lock;
  DlpPredictor *followed; /* the predictor served since the last swap */
  GThread *follower;
  GMutex follow_lock;
  GCond follow_wake;
  gboolean follow_stop;
  GSocketService *service; /* accepts connections */
  GSocket *placeholder[2]; /* see keep_alive_placeholder */
  guint64 body_limit;
  GHashTable *in_flight; /* SoupServerMessage: requests begun, not done */
  gboolean draining;
  gboolean timed_out;
  GSource *drain_timer;
} Server;

/* A request waiting for its answer. */
typedef struct {
  DlpJob job; /* first: the workers hand back DlpJob pointers */
  SoupServerMessage *msg;
  gboolean gone; /* the client left; nobody to answer */
} Pending;

static const char *const endpoints = "/ping, /health, /version, /invocations";

/* --- answers --- */

static void
respond (Server *s, SoupServerMessage *msg, guint status, const char *type, char *body,
         gsize length)
{
  if (s->draining)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                  "close");
  soup_server_message_set_response (msg, type, SOUP_MEMORY_TAKE, body, length);
  soup_server_message_set_status (msg, status, NULL);
}

/* With -v: why a request was refused. */
static void
log_refusal (SoupServerMessage *msg, guint status, const char *message)
{
  g_debug ("%s %s: %u: %s", soup_server_message_get_method (msg),
           g_uri_get_path (soup_server_message_get_uri (msg)), status, message);
}

static void
respond_error (Server *s, SoupServerMessage *msg, guint status, const char *code,
               const char *message)
{
  log_refusal (msg, status, message);
  gsize length;
  char *body = dlp_error_json (code, message, &length);
  respond (s, msg, status, "application/json", body, length);
}

/* MLflow answers content-type problems in plain text. */
static void
respond_text (Server *s, SoupServerMessage *msg, guint status, const char *message)
{
  log_refusal (msg, status, message);
  char *body = g_strconcat (message, "\n", NULL);
  respond (s, msg, status, "text/plain", body, strlen (body));
}

static gboolean
method_is (SoupServerMessage *msg, const char *method)
{
  return strcmp (soup_server_message_get_method (msg), method) == 0;
}

static void
method_not_allowed (Server *s, SoupServerMessage *msg, const char *path, const char *allow)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allow);
  g_autofree char *text =
    g_strdup_printf ("%s takes %s, not %s", path, allow, soup_server_message_get_method (msg));
  respond_error (s, msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "BAD_REQUEST", text);
}

static void
not_found (Server *s, SoupServerMessage *msg, const char *path)
{
  g_autofree char *text = g_strdup_printf ("no endpoint %s (endpoints: %s)", path, endpoints);
  respond_error (s, msg, SOUP_STATUS_NOT_FOUND, "ENDPOINT_NOT_FOUND", text);
}

/* --- /ping, /health, /version and the rest --- */

static void
handle_status (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
               gpointer data)
{
  Server *s = data;
  (void) soup, (void) query;
  gboolean version = strcmp (path, "/version") == 0;
  if (!version && strcmp (path, "/ping") != 0 && strcmp (path, "/health") != 0)
    {
      not_found (s, msg, path);
      return;
    }
  if (!method_is (msg, SOUP_METHOD_GET) && !method_is (msg, SOUP_METHOD_HEAD))
    {
      method_not_allowed (s, msg, path, "GET, HEAD");
      return;
    }
  /* As MLflow's server: "\n", or the version, labelled application/json. */
  char *body = g_strdup (version ? DLP_VERSION : "\n");
  respond (s, msg, SOUP_STATUS_OK, "application/json", body, strlen (body));
}

static void
handle_other (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
              gpointer data)
{
  (void) soup, (void) query;
  not_found (data, msg, path);
}

/* --- /invocations --- */

static void
too_large (Server *s, SoupServerMessage *msg, guint64 size)
{
  g_autoptr (GError) error = NULL;
  dlp_limit_set_error (&error, DLP_LIMIT_HTTP_BODY_BYTES, "request body",
                       "%" G_GUINT64_FORMAT " bytes, more than the %" G_GUINT64_FORMAT
                       " bytes allowed",
                       size, s->body_limit);
  /* Whatever else the client sends is read and dropped, not kept. */
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  soup_message_body_truncate (soup_server_message_get_request_body (msg));
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                "close");
  respond_error (s, msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "BAD_REQUEST", error->message);
}

/* A body without a length (chunked) is counted as it arrives. libsoup
 * answers only once a body is read whole, so past the limit the
 * connection is taken from it: the 413 goes out at once and the
 * connection closes, without waiting for the rest of the body. */
static void
count_chunk (SoupServerMessage *msg, GBytes *chunk, gpointer data)
{
  Server *s = data;
  (void) chunk;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  if ((guint64) body->length <= s->body_limit)
    return;
  g_autoptr (GError) error = NULL;
  dlp_limit_set_error (&error, DLP_LIMIT_HTTP_BODY_BYTES, "request body",
                       "more than the %" G_GUINT64_FORMAT " bytes allowed (%" G_GOFFSET_FORMAT
                       " bytes of chunks came before the answer)",
                       s->body_limit, body->length);
  log_refusal (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, error->message);
  gsize length;
  g_autofree char *json = dlp_error_json ("BAD_REQUEST", error->message, &length);
  g_autofree char *head = g_strdup_printf ("HTTP/1.1 413 Request Entity Too Large\r\n"
                                           "Content-Type: application/json\r\n"
                                           "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                                           "Connection: close\r\n\r\n",
                                           length);
  g_signal_handlers_disconnect_by_func (msg, count_chunk, data);
  g_autoptr (GIOStream) io = soup_server_message_steal_connection (msg);
  GOutputStream *out = g_io_stream_get_output_stream (io);
  /* A client gone already gets nothing; the connection closes all the same. */
  if (g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL))
    g_output_stream_write_all (out, json, length, NULL, NULL, NULL);
  g_io_stream_close (io, NULL, NULL);
}

/* Content types as MLflow takes them: JSON or CSV, charset utf-8 at most. */
static gboolean
check_content_type (Server *s, SoupServerMessage *msg, gboolean *csv)
{
  g_autoptr (GHashTable) params = NULL;
  const char *type =
    soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), &params);
  if (type == NULL
      || (g_ascii_strcasecmp (type, "application/json") != 0
          && g_ascii_strcasecmp (type, "text/csv") != 0))
    {
      g_autofree char *text = g_strdup_printf (
        "This predictor only supports the following content types: application/json, "
        "text/csv. Got '%s'.",
        type ? type : "no Content-Type");
      respond_text (s, msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, text);
      return FALSE;
    }
  *csv = g_ascii_strcasecmp (type, "text/csv") == 0;
  GHashTableIter iter;
  gpointer key, value;
  if (params)
    g_hash_table_iter_init (&iter, params);
  while (params && g_hash_table_iter_next (&iter, &key, &value))
    {
      if (g_ascii_strcasecmp (key, "charset") != 0)
        {
          g_autofree char *text =
            g_strdup_printf ("Unrecognized content type parameter: %s", (const char *) key);
          respond_text (s, msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, text);
          return FALSE;
        }
      if (value == NULL
          || (g_ascii_strcasecmp (value, "utf-8") != 0 && g_ascii_strcasecmp (value, "utf8") != 0))
        {
          respond_text (s, msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
                        "The scoring server only supports UTF-8");
          return FALSE;
        }
    }
  return TRUE;
}

/* Runs as soon as the headers are in, before the body is read. */
static void
invocations_early (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
                   gpointer data)
{
  Server *s = data;
  (void) soup, (void) query;
  if (strcmp (path, "/invocations") != 0)
    {
      not_found (s, msg, path);
      return;
    }
  if (!method_is (msg, SOUP_METHOD_POST))
    {
      method_not_allowed (s, msg, path, "POST");
      return;
    }
  gboolean csv;
  if (!check_content_type (s, msg, &csv))
    return;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH)
    {
      goffset size = soup_message_headers_get_content_length (headers);
      if ((guint64) size > s->body_limit)
        too_large (s, msg, (guint64) size);
    }
  else
    g_signal_connect (msg, "got-chunk", G_CALLBACK (count_chunk), s);
}

static void
pending_free (Pending *p)
{
  g_signal_handlers_disconnect_by_data (p->msg, p);
  g_object_unref (p->msg);
  g_bytes_unref (p->job.body);
  g_free (p->job.answer);
  g_free (p);
}

static void
client_gone (SoupServerMessage *msg, gpointer data)
{
  Pending *p = data;
  (void) msg;
  p->gone = TRUE;
}

static gboolean
read_query (Server *s, SoupServerMessage *msg, GHashTable *query, DlpScoreOptions *options)
{
  const char *value = query ? g_hash_table_lookup (query, "probabilities") : NULL;
  if (value == NULL)
    return TRUE;
  if (strcmp (value, "true") == 0 || strcmp (value, "1") == 0)
    options->probabilities = TRUE;
  else if (strcmp (value, "false") != 0 && strcmp (value, "0") != 0)
    {
      g_autofree char *text = g_strdup_printf ("query parameter probabilities: expected true "
                                               "or false, got '%s'",
                                               value);
      respond_error (s, msg, SOUP_STATUS_BAD_REQUEST, "BAD_REQUEST", text);
      return FALSE;
    }
  return TRUE;
}

/* Runs once the whole body is in. */
static void
invocations (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
             gpointer data)
{
  Server *s = data;
  (void) soup, (void) path;
  DlpScoreOptions options = { 0 };
  gboolean csv = FALSE;
  if (!check_content_type (s, msg, &csv) || !read_query (s, msg, query, &options))
    return;
  Pending *p = g_new0 (Pending, 1);
  p->msg = g_object_ref (msg);
  p->job.body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  p->job.csv = csv;
  p->job.options = options;
  g_signal_connect (msg, "finished", G_CALLBACK (client_gone), p);
  g_signal_connect (msg, "disconnected", G_CALLBACK (client_gone), p);
  soup_server_message_pause (msg);
  g_mutex_lock (&s->workers_lock);
  dlp_workers_push (s->workers, &p->job);
  g_mutex_unlock (&s->workers_lock);
}

/* A batch of answers from a worker. */
static void
jobs_done (GPtrArray *jobs, gpointer data)
{
  Server *s = data;
  for (guint i = 0; i < jobs->len; i++)
    {
      Pending *p = g_ptr_array_index (jobs, i);
      g_signal_handlers_disconnect_by_data (p->msg, p);
      if (!p->gone)
        {
          if (p->job.status != SOUP_STATUS_OK)
            g_debug ("POST /invocations: %u: %.*s", p->job.status, (int) p->job.answer_length - 1,
                     p->job.answer);
          respond (s, p->msg, p->job.status, "application/json", g_steal_pointer (&p->job.answer),
                   p->job.answer_length);
          soup_server_message_unpause (p->msg);
        }
      pending_free (p);
    }
}

/* --- requests in flight and draining --- */

static void
request_gone (gpointer data, GObject *msg)
{
  Server *s = data;
  g_hash_table_remove (s->in_flight, msg);
  if (s->draining && g_hash_table_size (s->in_flight) == 0)
    g_main_loop_quit (s->loop);
}

/* The answer is written. The message lives on until its connection is
 * closed, which may wait for the client. */
static void
request_finished (SoupServerMessage *msg, gpointer data)
{
  Server *s = data;
  g_signal_handlers_disconnect_by_func (msg, request_finished, s);
  g_object_weak_unref (G_OBJECT (msg), request_gone, s);
  request_gone (s, G_OBJECT (msg));
}

/* A request is in flight from the moment its headers are in until its
 * answer is written, or, if it never gets that far (the client gone),
 * until libsoup lets go of it. */
static void
request_got_headers (SoupServerMessage *msg, gpointer data)
{
  Server *s = data;
  g_signal_handlers_disconnect_by_func (msg, request_got_headers, s);
  g_hash_table_add (s->in_flight, msg);
  g_object_weak_ref (G_OBJECT (msg), request_gone, s);
  g_signal_connect (msg, "finished", G_CALLBACK (request_finished), s);
}

/* libsoup starts a message for every new connection, and for the next
 * request on a kept-alive one as soon as bytes arrive: not a request
 * yet. */
static void
request_started (SoupServer *soup, SoupServerMessage *msg, gpointer data)
{
  (void) soup;
  g_signal_connect (msg, "got-headers", G_CALLBACK (request_got_headers), data);
}

static gboolean
drain_timeout (gpointer data)
{
  Server *s = data;
  s->timed_out = TRUE;
  g_main_loop_quit (s->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
begin_drain (gpointer data)
{
  Server *s = data;
  if (s->draining)
    return G_SOURCE_REMOVE;
  s->draining = TRUE;
  /* New connections are refused; connections kept alive are closed after
   * their next answer. */
  g_socket_service_stop (s->service);
  g_socket_listener_close (G_SOCKET_LISTENER (s->service));
  guint n = g_hash_table_size (s->in_flight);
  g_message ("stopping: answering the %u request%s in flight", n, n == 1 ? "" : "s");
  if (n == 0)
    g_main_loop_quit (s->loop);
  else
    {
      s->drain_timer = g_timeout_source_new_seconds (MAX (s->options->drain_timeout_s, 1));
      g_source_set_callback (s->drain_timer, drain_timeout, s, NULL);
      g_source_attach (s->drain_timer, s->context);
    }
  return G_SOURCE_REMOVE;
}

/* --- following a model that moves (--follow) --- */

/* New requests go to a pool scoring @predictor; the old pool answers what
 * it holds, then goes. */
static gboolean
swap_in (Server *s, DlpPredictor *predictor, GError **error)
{
  const DlpServerOptions *o = s->options;
  DlpWorkers *fresh = dlp_workers_new (predictor, o->n_workers, o->batch_rows, o->batch_wait_us,
                                       s->context, jobs_done, s, error);
  if (fresh == NULL)
    return FALSE;
  g_mutex_lock (&s->workers_lock);
  DlpWorkers *old = s->workers;
  s->workers = fresh;
  g_mutex_unlock (&s->workers_lock);
  dlp_workers_free (old);
  g_clear_pointer (&s->followed, dlp_predictor_unref);
  s->followed = predictor;
  return TRUE;
}

static gpointer
follow_main (gpointer data)
{
  Server *s = data;
  const DlpServerOptions *o = s->options;
  g_mutex_lock (&s->follow_lock);
  for (;;)
    {
      gint64 next = g_get_monotonic_time () + (gint64) o->follow_interval_ms * 1000;
      while (!s->follow_stop && g_cond_wait_until (&s->follow_wake, &s->follow_lock, next))
        ;
      if (s->follow_stop)
        break;
      g_mutex_unlock (&s->follow_lock);
      g_autoptr (GError) error = NULL;
      DlpPredictor *predictor = o->follow (o->follow_data, &error);
      if (predictor && !swap_in (s, predictor, &error))
        dlp_predictor_unref (predictor);
      if (error)
        g_warning ("--follow: %s; still serving the model before", error->message);
      g_mutex_lock (&s->follow_lock);
    }
  g_mutex_unlock (&s->follow_lock);
  return NULL;
}

static void
stop_following (Server *s)
{
  if (s->follower == NULL)
    return;
  g_mutex_lock (&s->follow_lock);
  s->follow_stop = TRUE;
  g_cond_signal (&s->follow_wake);
  g_mutex_unlock (&s->follow_lock);
  g_clear_pointer (&s->follower, g_thread_join);
}

/* On the thread that cancelled (the signal thread). */
static void
cancelled (GCancellable *cancellable, gpointer data)
{
  Server *s = data;
  (void) cancellable;
  g_main_context_invoke (s->context, begin_drain, s);
}

/* --- set-up --- */

static GInetAddress *
resolve (const char *host, GError **error)
{
  GInetAddress *address = g_inet_address_new_from_string (host);
  if (address)
    return address;
  g_autoptr (GResolver) resolver = g_resolver_get_default ();
  g_autoptr (GError) local = NULL;
  GList *found = g_resolver_lookup_by_name (resolver, host, NULL, &local);
  if (found == NULL)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK, "cannot listen on %s: %s", host,
                   local->message);
      return NULL;
    }
  address = g_object_ref (found->data);
  g_resolver_free_addresses (found);
  return address;
}

static gboolean
incoming (GSocketService *service, GSocketConnection *connection, GObject *source, gpointer data)
{
  Server *s = data;
  (void) service, (void) source;
  /* Answers are small: send them at once. */
  g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP, TCP_NODELAY, TRUE,
                       NULL);
  g_autoptr (GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr (GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  soup_server_accept_iostream (s->soup, G_IO_STREAM (connection), local, remote, NULL);
  return TRUE;
}

/* libsoup keeps a connection alive after an answer only if the server
 * has a listener of its own. Ours is one end of a socket pair that
 * nothing ever writes to: it accepts nothing and opens no port. */
static gboolean
keep_alive_placeholder (Server *s, GError **error)
{
  int fds[2];
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK, "cannot make a socket pair: %s",
                   g_strerror (errno));
      return FALSE;
    }
  for (guint i = 0; i < 2; i++)
    {
      s->placeholder[i] = g_socket_new_from_fd (fds[i], error);
      if (s->placeholder[i] == NULL)
        {
          close (fds[i]);
          if (i == 0)
            close (fds[1]);
          return FALSE;
        }
    }
  return soup_server_listen_socket (s->soup, s->placeholder[0], 0, error);
}

static gboolean
start_listening (Server *s, GError **error)
{
  const DlpServerOptions *o = s->options;
  g_autoptr (GInetAddress) address = resolve (o->host, error);
  if (address == NULL || !keep_alive_placeholder (s, error))
    return FALSE;
  g_autoptr (GSocketAddress) where = g_inet_socket_address_new (address, (guint16) o->port);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GError) local = NULL;
  s->service = g_socket_service_new ();
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (s->service), where, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &bound, &local))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK, "cannot listen on %s port %u: %s", o->host,
                   o->port, local->message);
      return FALSE;
    }
  g_signal_connect (s->service, "incoming", G_CALLBACK (incoming), s);
  g_socket_service_start (s->service);
  guint port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_autofree char *shown = g_inet_address_to_string (address);
  gboolean v6 = g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6;
  printf ("listening on http://%s%s%s:%u\n", v6 ? "[" : "", shown, v6 ? "]" : "", port);
  fflush (stdout);
  return TRUE;
}

static void
server_clear (Server *s)
{
  /* Scores still queued are delivered, then every connection closed. */
  stop_following (s);
  g_clear_pointer (&s->workers, dlp_workers_free);
  g_clear_pointer (&s->followed, dlp_predictor_unref);
  while (g_main_context_iteration (s->context, FALSE))
    ;
  if (s->soup)
    soup_server_disconnect (s->soup);
  while (g_main_context_iteration (s->context, FALSE))
    ;
  GHashTableIter iter;
  gpointer msg;
  g_hash_table_iter_init (&iter, s->in_flight);
  while (g_hash_table_iter_next (&iter, &msg, NULL))
    {
      g_signal_handlers_disconnect_by_func (msg, request_finished, s);
      g_object_weak_unref (msg, request_gone, s);
    }
  if (s->service)
    {
      g_socket_service_stop (s->service);
      g_socket_listener_close (G_SOCKET_LISTENER (s->service));
      g_signal_handlers_disconnect_by_data (s->service, s);
    }
  g_clear_object (&s->service);
  g_clear_object (&s->soup);
  for (guint i = 0; i < 2; i++)
    g_clear_object (&s->placeholder[i]);
  if (s->drain_timer)
    {
      g_source_destroy (s->drain_timer);
      g_source_unref (s->drain_timer);
    }
  g_hash_table_unref (s->in_flight);
  g_main_loop_unref (s->loop);
  g_mutex_clear (&s->workers_lock);
  g_mutex_clear (&s->follow_lock);
  g_cond_clear (&s->follow_wake);
}

gboolean
dlp_server_run (DlpPredictor *predictor, const DlpServerOptions *options, GCancellable *cancellable,
                GError **error)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  Server s = {
    .options = options,
    .context = context,
    .loop = g_main_loop_new (context, FALSE),
    .body_limit = dlp_limit_get (DLP_LIMIT_HTTP_BODY_BYTES),
    .in_flight = g_hash_table_new (NULL, NULL),
  };
  gboolean ok = FALSE;
  gulong cancel_id = 0;
  g_mutex_init (&s.workers_lock);
  g_mutex_init (&s.follow_lock);
  g_cond_init (&s.follow_wake);
  g_autofree char *header = g_strdup_printf ("dlpipe/%s", DLP_VERSION);
  s.workers = dlp_workers_new (predictor, options->n_workers, options->batch_rows,
                               options->batch_wait_us, context, jobs_done, &s, error);
  if (s.workers == NULL)
    goto out;
  s.soup = soup_server_new ("server-header", header, NULL);
  soup_server_add_handler (s.soup, NULL, handle_other, &s, NULL);
  soup_server_add_handler (s.soup, "/ping", handle_status, &s, NULL);
  soup_server_add_handler (s.soup, "/health", handle_status, &s, NULL);
  soup_server_add_handler (s.soup, "/version", handle_status, &s, NULL);
  soup_server_add_early_handler (s.soup, "/invocations", invocations_early, &s, NULL);
  soup_server_add_handler (s.soup, "/invocations", invocations, &s, NULL);
  g_signal_connect (s.soup, "request-started", G_CALLBACK (request_started), &s);
  if (!start_listening (&s, error))
    goto out;

  if (options->follow)
    s.follower = g_thread_new ("dlp-follow", follow_main, &s);
  if (cancellable)
    cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (cancelled), &s, NULL);
  g_main_loop_run (s.loop);
  if (cancellable)
    g_cancellable_disconnect (cancellable, cancel_id);
  /* No swap while the last answers go out. */
  stop_following (&s);
  ok = !s.timed_out;
  if (s.timed_out)
    g_set_error (error, DLP_ERROR, DLP_ERROR_CANCELLED,
                 "stopped after %u s with %u "
                 "request%s still unanswered",
                 options->drain_timeout_s, g_hash_table_size (s.in_flight),
                 g_hash_table_size (s.in_flight) == 1 ? "" : "s");

out:
  server_clear (&s);
  g_main_context_pop_thread_default (context);
  return ok;
}
