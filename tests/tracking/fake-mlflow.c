/* fake-mlflow.c: the test server of fake-mlflow.h.
 *
 * It listens through tests/unit/soup-listen.h. With no listener of its
 * own, libsoup closes each connection after its answer, which is as well:
 * a connection kept alive stays open on this side after the client has
 * closed it (libsoup 3.2), and a fuzzer makes thousands. */
#include <string.h>
#include <gio/gio.h>
#include <libsoup/soup.h>
#include "../unit/soup-listen.h"
#include "fake-mlflow.h"

struct _DlpFakeServer {
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  char *uri;
  DlpFakeAnswerFunc func;
  gpointer func_data;

  /* The server's thread alone. */
  SoupServer *soup;
  GSocketService *service;

  /* Shared, under lock. */
  GMutex lock;
  GCond cond;
  gboolean ready;
  guint port;
  GPtrArray *script; /* DlpFakeAnswer */
  guint next;
  GPtrArray *requests; /* DlpFakeRequest */
};

void
dlp_fake_answer_clear (DlpFakeAnswer *a)
{
  g_clear_pointer (&a->content_type, g_free);
  g_clear_pointer (&a->body, g_bytes_unref);
  g_clear_pointer (&a->retry_after, g_free);
}

static void
answer_free (gpointer data)
{
  dlp_fake_answer_clear (data);
  g_free (data);
}

void
dlp_fake_request_free (DlpFakeRequest *r)
{
  if (r == NULL)
    return;
  g_free (r->method);
  g_free (r->path);
  g_free (r->authorization);
  g_free (r->content_type);
  g_clear_pointer (&r->body, g_bytes_unref);
  g_free (r);
}

static DlpFakeRequest *
request_copy (const DlpFakeRequest *r)
{
  DlpFakeRequest *c = g_new0 (DlpFakeRequest, 1);
  c->method = g_strdup (r->method);
  c->path = g_strdup (r->path);
  c->authorization = g_strdup (r->authorization);
  c->content_type = g_strdup (r->content_type);
  c->body = r->body ? g_bytes_ref (r->body) : NULL;
  c->time_us = r->time_us;
  return c;
}

/* The next scripted answer (the last repeats). */
static void
scripted (DlpFakeServer *s, DlpFakeAnswer *answer)
{
  g_mutex_lock (&s->lock);
  if (s->script->len == 0)
    {
      answer->status = 200;
      answer->body = g_bytes_new_static ("{}", 2);
    }
  else
    {
      const DlpFakeAnswer *a = g_ptr_array_index (s->script, MIN (s->next, s->script->len - 1));
      s->next++;
      answer->status = a->status;
      answer->content_type = g_strdup (a->content_type);
      answer->body = a->body ? g_bytes_ref (a->body) : NULL;
      answer->retry_after = g_strdup (a->retry_after);
    }
  g_mutex_unlock (&s->lock);
}

static void
handle (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
        gpointer data)
{
  DlpFakeServer *s = data;
  (void) soup, (void) path, (void) query;
  GUri *uri = soup_server_message_get_uri (msg);
  SoupMessageHeaders *in = soup_server_message_get_request_headers (msg);
  DlpFakeRequest *r = g_new0 (DlpFakeRequest, 1);
  r->time_us = g_get_monotonic_time ();
  r->method = g_strdup (soup_server_message_get_method (msg));
  r->path = g_uri_get_query (uri)
              ? g_strconcat (g_uri_get_path (uri), "?", g_uri_get_query (uri), NULL)
              : g_strdup (g_uri_get_path (uri));
  r->authorization = g_strdup (soup_message_headers_get_one (in, "Authorization"));
  r->content_type = g_strdup (soup_message_headers_get_one (in, "Content-Type"));
  r->body = soup_message_body_flatten (soup_server_message_get_request_body (msg));

  DlpFakeAnswer answer = { 0 };
  if (s->func)
    s->func (r, &answer, s->func_data);
  else
    scripted (s, &answer);
  g_mutex_lock (&s->lock);
  g_ptr_array_add (s->requests, r);
  g_mutex_unlock (&s->lock);

  soup_server_message_set_status (msg, answer.status, NULL);
  gsize len = 0;
  const char *bytes = answer.body ? g_bytes_get_data (answer.body, &len) : "";
  soup_server_message_set_response (msg,
                                    answer.content_type ? answer.content_type : "application/json",
                                    SOUP_MEMORY_COPY, bytes, len);
  if (answer.retry_after)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After",
                                  answer.retry_after);
  dlp_fake_answer_clear (&answer);
}

static guint
start_listening (DlpFakeServer *s, GError **error)
{
  s->soup = soup_server_new ("server-header", "fake-mlflow", NULL);
  soup_server_add_handler (s->soup, NULL, handle, s, NULL);
  return dlp_test_soup_listen (s->soup, &s->service, error);
}

static void
stop_listening (DlpFakeServer *s)
{
  if (s->soup)
    dlp_test_soup_stop (s->soup, g_steal_pointer (&s->service));
  g_clear_object (&s->soup);
}

static gpointer
server_main (gpointer data)
{
  DlpFakeServer *s = data;
  g_main_context_push_thread_default (s->context);
  g_autoptr (GError) error = NULL;
  guint port = start_listening (s, &error);
  if (port == 0)
    g_error ("fake MLflow server: %s", error ? error->message : "cannot listen");
  g_mutex_lock (&s->lock);
  s->port = port;
  s->ready = TRUE;
  g_cond_broadcast (&s->cond);
  g_mutex_unlock (&s->lock);
  g_main_loop_run (s->loop);
  stop_listening (s);
  g_main_context_pop_thread_default (s->context);
  return NULL;
}

DlpFakeServer *
dlp_fake_server_new (DlpFakeAnswerFunc func, gpointer data)
{
  DlpFakeServer *s = g_new0 (DlpFakeServer, 1);
  s->func = func;
  s->func_data = data;
  s->context = g_main_context_new ();
  s->loop = g_main_loop_new (s->context, FALSE);
  s->script = g_ptr_array_new_with_free_func (answer_free);
  s->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) dlp_fake_request_free);
  g_mutex_init (&s->lock);
  g_cond_init (&s->cond);
  s->thread = g_thread_new ("fake-mlflow", server_main, s);
  g_mutex_lock (&s->lock);
  while (!s->ready)
    g_cond_wait (&s->cond, &s->lock);
  g_mutex_unlock (&s->lock);
  s->uri = g_strdup_printf ("http://127.0.0.1:%u", s->port);
  return s;
}

const char *
dlp_fake_server_get_uri (DlpFakeServer *s)
{
  return s->uri;
}

void
dlp_fake_server_add (DlpFakeServer *s, guint status, const char *content_type, const char *body,
                     gssize len, const char *retry_after)
{
  DlpFakeAnswer *a = g_new0 (DlpFakeAnswer, 1);
  a->status = status;
  a->content_type = g_strdup (content_type);
  if (body)
    a->body = g_bytes_new (body, len < 0 ? strlen (body) : (gsize) len);
  a->retry_after = g_strdup (retry_after);
  g_mutex_lock (&s->lock);
  g_ptr_array_add (s->script, a);
  g_mutex_unlock (&s->lock);
}

void
dlp_fake_server_reset (DlpFakeServer *s)
{
  g_mutex_lock (&s->lock);
  g_ptr_array_set_size (s->script, 0);
  g_ptr_array_set_size (s->requests, 0);
  s->next = 0;
  g_mutex_unlock (&s->lock);
}

guint
dlp_fake_server_get_n_requests (DlpFakeServer *s)
{
  g_mutex_lock (&s->lock);
  guint n = s->requests->len;
  g_mutex_unlock (&s->lock);
  return n;
}

DlpFakeRequest *
dlp_fake_server_dup_request (DlpFakeServer *s, guint i)
{
  g_mutex_lock (&s->lock);
  DlpFakeRequest *r =
    i < s->requests->len ? request_copy (g_ptr_array_index (s->requests, i)) : NULL;
  g_mutex_unlock (&s->lock);
  return r;
}

static gboolean
quit (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
dlp_fake_server_free (DlpFakeServer *s)
{
  if (s == NULL)
    return;
  /* Through the loop's own context: a quit before it runs would be lost. */
  g_main_context_invoke (s->context, quit, s->loop);
  g_thread_join (s->thread);
  g_main_loop_unref (s->loop);
  g_main_context_unref (s->context);
  g_ptr_array_unref (s->script);
  g_ptr_array_unref (s->requests);
  g_mutex_clear (&s->lock);
  g_cond_clear (&s->cond);
  g_free (s->uri);
  g_free (s);
}

void
dlp_fake_clear_mlflow_env (void)
{
  g_auto (GStrv) names = g_listenv ();
  for (guint i = 0; names[i]; i++)
    if (g_str_has_prefix (names[i], "MLFLOW_"))
      g_unsetenv (names[i]);
}
