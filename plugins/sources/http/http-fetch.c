/* http-fetch.c: one URL to one file, with limits, over libsoup 3.
 *
 * Redirects are followed by hand so that their number is bounded. The
 * body streams into an atomic file in the cache folder while its SHA-256
 * is computed; it is renamed into place only when complete, within
 * max_size and with the expected digest. The connect timeout is a
 * watchdog that cancels the request if the response headers take too
 * long; the read timeout is libsoup's I/O timeout. */
#include <string.h>
#include <libsoup/soup.h>
#include "http-fetch.h"
#include "source-sha256.h"

#define READ_CHUNK (256u * 1024u)

void
http_download_free (HttpDownload *d)
{
  if (d == NULL)
    return;
  g_free (d->path);
  g_free (d->sha256);
  g_free (d->content_type);
  g_free (d->final_url);
  g_free (d);
}

/* Cancels @cancellable unless stopped within @seconds. */
typedef struct {
  GMutex lock;
  GCond cond;
  gboolean stop;
  gboolean fired;
  gint64 deadline;
  GCancellable *cancellable;
  GThread *thread;
} Watchdog;

static gpointer
watchdog_run (gpointer data)
{
  Watchdog *w = data;
  g_mutex_lock (&w->lock);
  while (!w->stop)
    if (!g_cond_wait_until (&w->cond, &w->lock, w->deadline))
      {
        w->fired = TRUE;
        g_cancellable_cancel (w->cancellable);
        break;
      }
  g_mutex_unlock (&w->lock);
  return NULL;
}

static void
watchdog_start (Watchdog *w, guint seconds, GCancellable *cancellable)
{
  g_mutex_init (&w->lock);
  g_cond_init (&w->cond);
  w->stop = w->fired = FALSE;
  w->deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
  w->cancellable = cancellable;
  w->thread = g_thread_new ("http-watchdog", watchdog_run, w);
}

/* Returns whether it fired. */
static gboolean
watchdog_stop (Watchdog *w)
{
  g_mutex_lock (&w->lock);
  w->stop = TRUE;
  g_cond_signal (&w->cond);
  g_mutex_unlock (&w->lock);
  g_thread_join (w->thread);
  g_mutex_clear (&w->lock);
  g_cond_clear (&w->cond);
  return w->fired;
}

static gboolean
accept_any_certificate (SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags errors,
                        gpointer data)
{
  (void) msg;
  (void) cert;
  (void) errors;
  (void) data;
  return TRUE;
}

/* Maps a libsoup or GIO error to a DLP_ERROR_NETWORK naming the URL. */
static void
network_error (GError **error, const char *url, GError *cause, const HttpLimits *limits,
               gboolean connect_timed_out)
{
  if (connect_timed_out)
    g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                 "%s: timed out: no response within %u s (connect_timeout)", url,
                 limits->connect_timeout);
  else if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                 "%s: timed out: no data for %u s (read_timeout)", url, limits->read_timeout);
  else if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_set_error (error, DLP_ERROR, DLP_ERROR_CANCELLED, "%s: stopped on request", url);
  else if (cause->domain == G_TLS_ERROR)
    g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                 "%s: TLS: %s (tls_verify: false accepts any certificate)", url, cause->message);
  else
    g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK, "%s: %s", url, cause->message);
}

/* Sends a GET for @url and follows redirects; returns the body stream of
 * the final 2xx response. */
static GInputStream *
open_url (SoupSession *session, const char *url, const HttpLimits *limits,
          GCancellable *cancellable, SoupMessage **msg_out, char **final_url, GError **error)
{
  g_autofree char *current = g_strdup (url);
  for (guint hops = 0;; hops++)
    {
      g_autoptr (GError) local = NULL;
      g_autoptr (SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, current);
      if (msg == NULL)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG, "%s: not a valid http or https URL",
                       current);
          return NULL;
        }
      soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
      if (!limits->tls_verify)
        g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
      Watchdog dog;
      watchdog_start (&dog, limits->connect_timeout, cancellable);
      g_autoptr (GInputStream) body = soup_session_send (session, msg, cancellable, &local);
      gboolean fired = watchdog_stop (&dog);
      if (body == NULL)
        {
          network_error (error, current, local, limits, fired);
          return NULL;
        }
      guint status = soup_message_get_status (msg);
      if (SOUP_STATUS_IS_REDIRECTION (status))
        {
          const char *location =
            soup_message_headers_get_one (soup_message_get_response_headers (msg), "Location");
          if (location == NULL)
            {
              g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                           "%s: HTTP %u redirect without a Location", current, status);
              return NULL;
            }
          if (hops + 1 > limits->max_redirects)
            {
              g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                           "%s: more than %u redirects (max_redirects)", url,
                           limits->max_redirects);
              return NULL;
            }
          g_autoptr (GUri) next = g_uri_parse_relative (soup_message_get_uri (msg), location,
                                                        SOUP_HTTP_URI_FLAGS, &local);
          if (next == NULL)
            {
              g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                           "%s: bad redirect Location '%s': %s", current, location, local->message);
              return NULL;
            }
          g_free (current);
          current = g_uri_to_string (next);
          g_input_stream_close (body, NULL, NULL);
          continue;
        }
      if (!SOUP_STATUS_IS_SUCCESSFUL (status))
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_NETWORK, "%s: HTTP %u %s", current, status,
                       soup_message_get_reason_phrase (msg));
          return NULL;
        }
      *msg_out = g_steal_pointer (&msg);
      *final_url = g_steal_pointer (&current);
      return g_steal_pointer (&body);
    }
}

static void
cancel_other (GCancellable *cancellable, gpointer other)
{
  (void) cancellable;
  g_cancellable_cancel (other);
}

static char *
hash_file (const char *path, gint64 *size)
{
  g_autoptr (GMappedFile) map = g_mapped_file_new (path, FALSE, NULL);
  if (map == NULL)
    return NULL;
  *size = (gint64) g_mapped_file_get_length (map);
  g_autoptr (SourceSha256) hash = source_sha256_new ();
  source_sha256_update (hash, g_mapped_file_get_contents (map), g_mapped_file_get_length (map));
  return g_strdup (source_sha256_finish (hash));
}

/* cache_dir/KEY-NAME: KEY hashes the URL and the expected digest, NAME is
 * the URL's last path segment (the parsers look at its extension). */
static char *
cache_path (const char *url, const char *sha256, const char *cache_dir)
{
  g_autofree char *keytext = g_strdup_printf ("%s\n%s", url, sha256 ? sha256 : "");
  g_autofree char *key = g_compute_checksum_for_string (G_CHECKSUM_SHA256, keytext, -1);
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  g_autofree char *base = uri ? g_path_get_basename (g_uri_get_path (uri)) : NULL;
  if (base == NULL || !g_strcmp0 (base, "/") || !g_strcmp0 (base, ".") || strchr (base, '/'))
    {
      g_free (base);
      base = g_strdup ("download");
    }
  g_autofree char *name = g_strdup_printf ("%.16s-%s", key, base);
  return g_build_filename (cache_dir, name, NULL);
}

static HttpDownload *
from_cache (const char *path, const char *url, const char *sha256)
{
  if (sha256 == NULL || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return NULL;
  gint64 size = 0;
  g_autofree char *digest = hash_file (path, &size);
  if (digest == NULL || g_ascii_strcasecmp (digest, sha256) != 0)
    return NULL;
  HttpDownload *d = g_new0 (HttpDownload, 1);
  d->path = g_strdup (path);
  d->sha256 = g_steal_pointer (&digest);
  d->size = size;
  d->final_url = g_strdup (url);
  d->cached = TRUE;
  return d;
}

HttpDownload *
http_fetch (const char *url, const char *sha256, const HttpLimits *limits, DlpContext *context,
            GError **error)
{
  g_autofree char *path = cache_path (url, sha256, limits->cache_dir);
  HttpDownload *cached = from_cache (path, url, sha256);
  if (cached)
    {
      g_info ("%s: using the cached download %s", url, path);
      return cached;
    }

  g_autoptr (SoupSession) session = soup_session_new_with_options (
    "timeout", limits->read_timeout, "user-agent", "dlpipe/" DLP_VERSION, NULL);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  gulong link =
    g_cancellable_connect (dlp_context_get_cancellable (context), G_CALLBACK (cancel_other),
                           g_object_ref (cancellable), g_object_unref);
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (HttpDownload) d = g_new0 (HttpDownload, 1);
  g_autoptr (GInputStream) body =
    open_url (session, url, limits, cancellable, &msg, &d->final_url, error);
  gboolean ok = body != NULL;
  if (ok)
    {
      SoupMessageHeaders *headers = soup_message_get_response_headers (msg);
      d->content_type = g_strdup (soup_message_headers_get_content_type (headers, NULL));
      goffset declared = soup_message_headers_get_content_length (headers);
      if (declared > limits->max_size)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_LIMIT,
                       "%s: the body is %" G_GINT64_FORMAT
                       " bytes, more than max_size (%" G_GINT64_FORMAT ")",
                       url, (gint64) declared, limits->max_size);
          ok = FALSE;
        }
    }
  g_autoptr (DlpAtomicFile) file = ok ? dlp_atomic_file_new (path, error) : NULL;
  ok = ok && file != NULL;
  g_autoptr (SourceSha256) checksum = source_sha256_new ();
  g_autofree guint8 *buf = g_malloc (READ_CHUNK);
  g_autofree char *task = g_strdup_printf ("downloading %s", url);
  goffset total =
    ok ? soup_message_headers_get_content_length (soup_message_get_response_headers (msg)) : 0;
  while (ok)
    {
      g_autoptr (GError) local = NULL;
      gssize n = g_input_stream_read (body, buf, READ_CHUNK, cancellable, &local);
      if (n < 0)
        {
          network_error (error, url, local, limits, FALSE);
          ok = FALSE;
          break;
        }
      if (n == 0)
        break;
      d->size += n;
      if (d->size > limits->max_size)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_LIMIT,
                       "%s: the body exceeds max_size (%" G_GINT64_FORMAT " bytes)", url,
                       limits->max_size);
          ok = FALSE;
          break;
        }
      source_sha256_update (checksum, buf, (gsize) n);
      ok = dlp_atomic_file_write (file, buf, (gsize) n, error);
      dlp_context_progress (context, task, (guint64) d->size, (guint64) MAX (total, 0));
    }
  g_cancellable_disconnect (dlp_context_get_cancellable (context), link);
  if (!ok)
    return NULL;
  d->sha256 = g_strdup (source_sha256_finish (checksum));
  if (sha256 && g_ascii_strcasecmp (d->sha256, sha256) != 0)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "%s: wrong checksum: the body's sha256 is %s, params say %s", url, d->sha256,
                   sha256);
      return NULL;
    }
  if (!dlp_atomic_file_commit (file, error))
    return NULL;
  d->path = g_steal_pointer (&path);
  return g_steal_pointer (&d);
}
