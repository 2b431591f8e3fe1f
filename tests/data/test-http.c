/* test-http.c: the http source against a server this test runs on
 * 127.0.0.1: downloads, the cache, redirects and every failure mode. */
#include <libsoup/soup.h>
#include "../unit/soup-listen.h"
#include "data-test-util.h"

static const char csv_body[] = "x,y\n1,a\n2,b\n3,a\n";

typedef struct {
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  GMutex lock;
  GCond ready;
  guint port;
  gint csv_hits;
} Server;

static Server server;
static char *tmp;

static gboolean
finish_slow (gpointer data)
{
  SoupServerMessage *msg = data;
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "text/csv", SOUP_MEMORY_STATIC, csv_body,
                                    sizeof csv_body - 1);
  soup_server_message_unpause (msg);
  g_object_unref (msg);
  return G_SOURCE_REMOVE;
}

static void
handle (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
        gpointer data)
{
  (void) soup;
  (void) query;
  (void) data;
  if (g_str_equal (path, "/data/penguins.csv") || g_str_equal (path, "/download"))
    {
      g_atomic_int_inc (&server.csv_hits);
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "text/csv", SOUP_MEMORY_STATIC, csv_body,
                                        sizeof csv_body - 1);
    }
  else if (g_str_equal (path, "/redirect"))
    soup_server_message_set_redirect (msg, 302, "/data/penguins.csv");
  else if (g_str_equal (path, "/loop"))
    soup_server_message_set_redirect (msg, 302, "/loop");
  else if (g_str_equal (path, "/error"))
    soup_server_message_set_status (msg, 500, NULL);
  else if (g_str_equal (path, "/slow.csv"))
    {
      /* Answers after the client has given up. */
      soup_server_message_pause (msg);
      GSource *source = g_timeout_source_new (3000);
      g_source_set_callback (source, finish_slow, g_object_ref (msg), NULL);
      g_source_attach (source, server.context);
      g_source_unref (source);
    }
  else if (g_str_equal (path, "/big.csv"))
    {
      g_autofree char *body = g_strnfill (4096, 'x');
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "text/csv", SOUP_MEMORY_COPY, body, 4096);
    }
  else if (g_str_equal (path, "/chunked.csv"))
    {
      SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
      soup_message_headers_set_encoding (h, SOUP_ENCODING_CHUNKED);
      SoupMessageBody *body = soup_server_message_get_response_body (msg);
      for (int i = 0; i < 8; i++)
        soup_message_body_append (body, SOUP_MEMORY_COPY,
                                  "0123456789abcdef0123456789abcdef"
                                  "0123456789abcdef0123456789abcdef",
                                  64);
      soup_message_body_complete (body);
      soup_server_message_set_status (msg, 200, NULL);
    }
  else if (g_str_has_suffix (path, "-ubyte"))
    {
      gboolean images = strstr (path, "images") != NULL;
      static const guint8 img[] = { 0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 1, 2, 3, 4 };
      static const guint8 lbl[] = { 0, 0, 8, 1, 0, 0, 0, 2, 0, 1 };
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_STATIC,
                                        images ? (const char *) img : (const char *) lbl,
                                        images ? sizeof img : sizeof lbl);
    }
  else
    soup_server_message_set_status (msg, 404, NULL);
}

static gpointer
server_run (gpointer data)
{
  (void) data;
  g_main_context_push_thread_default (server.context);
  SoupServer *soup = soup_server_new (NULL, NULL);
  soup_server_add_handler (soup, NULL, handle, NULL, NULL);
  g_autoptr (GError) error = NULL;
  GSocketService *service = NULL;
  guint port = dlp_test_soup_listen (soup, &service, &error);
  g_mutex_lock (&server.lock);
  server.port = port ? port : 1;
  g_cond_signal (&server.ready);
  g_mutex_unlock (&server.lock);
  if (port)
    g_main_loop_run (server.loop);
  dlp_test_soup_stop (soup, service);
  g_object_unref (soup);
  g_main_context_pop_thread_default (server.context);
  return NULL;
}

static void
setup (void)
{
  tmp = dlp_tmpdir_new ();
  server.context = g_main_context_new ();
  server.loop = g_main_loop_new (server.context, FALSE);
  server.port = 0;
  g_atomic_int_set (&server.csv_hits, 0);
  g_mutex_init (&server.lock);
  g_cond_init (&server.ready);
  g_mutex_lock (&server.lock);
  server.thread = g_thread_new ("test-server", server_run, NULL);
  while (server.port == 0)
    g_cond_wait (&server.ready, &server.lock);
  g_mutex_unlock (&server.lock);
  ck_assert_uint_gt (server.port, 1);
}

static void
teardown (void)
{
  g_main_loop_quit (server.loop);
  g_thread_join (server.thread);
  g_main_loop_unref (server.loop);
  g_main_context_unref (server.context);
  g_mutex_clear (&server.lock);
  g_cond_clear (&server.ready);
  dlp_tmpdir_free (tmp);
  tmp = NULL;
}

/* Settings for URL path @path on the test server, plus @more. */
static DlpDataset *
fetch (const char *path, const char *more, GError **error)
{
  g_autofree char *yaml = g_strdup_printf ("url: http://127.0.0.1:%u%s\ncache_dir: %s/cache\n%s",
                                           server.port, path, tmp, more ? more : "");
  return data_test_load ("http", yaml, error);
}

static guint
cache_entries (void)
{
  g_autofree char *dir = g_build_filename (tmp, "cache", NULL);
  return dlp_count_dir_entries (dir);
}

START_TEST (test_download_and_cache)
{
  g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, csv_body, -1);
  g_autofree char *more = g_strdup_printf ("sha256: %s\nparse: {label: y}\n", sha);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpDataset) ds = fetch ("/data/penguins.csv", more, &error);
  dlp_assert_no_error (error);
  ck_assert_int_eq (dlp_dataset_get_n_rows (ds), 3);
  ck_assert_float_eq (data_test_floats (ds, "x")[2], 3.0f);
  JsonObject *p = json_object_get_object_member (dlp_dataset_get_metadata (ds), "provenance");
  ck_assert_str_eq (json_object_get_string_member (p, "source"), "http");
  ck_assert_str_eq (json_object_get_string_member (p, "sha256"), sha);
  ck_assert_int_eq (json_object_get_int_member (p, "size"), sizeof csv_body - 1);
  ck_assert_int_eq (json_object_get_int_member (p, "rows"), 3);
  ck_assert (!json_object_get_boolean_member (p, "cached"));
  ck_assert_int_eq (g_atomic_int_get (&server.csv_hits), 1);

  /* The same URL and checksum again: served from the cache. */
  g_autoptr (DlpDataset) again = fetch ("/data/penguins.csv", more, &error);
  dlp_assert_no_error (error);
  ck_assert_int_eq (g_atomic_int_get (&server.csv_hits), 1);
  p = json_object_get_object_member (dlp_dataset_get_metadata (again), "provenance");
  ck_assert (json_object_get_boolean_member (p, "cached"));
  ck_assert_uint_eq (cache_entries (), 1);

  /* Without a checksum every run downloads. */
  g_autoptr (DlpDataset) fresh = fetch ("/data/penguins.csv", "parse: {label: y}\n", &error);
  dlp_assert_no_error (error);
  ck_assert_int_eq (g_atomic_int_get (&server.csv_hits), 2);
}
END_TEST

START_TEST (test_redirects)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpDataset) ds = fetch ("/redirect", "format: csv\nparse: {label: y}\n", &error);
  dlp_assert_no_error (error);
  ck_assert_int_eq (dlp_dataset_get_n_rows (ds), 3);
  g_autoptr (DlpDataset) loop = fetch ("/loop", "max_redirects: 2\nparse: {label: y}\n", &error);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NETWORK, "/loop: more than 2 redirects");
}
END_TEST

START_TEST (test_http_errors)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpDataset) a = fetch ("/missing.csv", "parse: {label: y}\n", &error);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NETWORK, "/missing.csv: HTTP 404 Not Found");
  g_clear_error (&error);
  g_autoptr (DlpDataset) b = fetch ("/error", "parse: {label: y}\n", &error);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NETWORK, "/error: HTTP 500 Internal Server Error");
  ck_assert_uint_eq (cache_entries (), 0);
}
END_TEST

START_TEST (test_timeout)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpDataset) ds = fetch ("/slow.csv",
                                     "connect_timeout: 1\nread_timeout: 1\n"
                                     "parse: {label: y}\n",
                                     &error);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NETWORK, "/slow.csv: timed out");
  ck_assert_uint_eq (cache_entries (), 0);
}
END_TEST

START_TEST (test_oversize)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpDataset) a = fetch ("/big.csv", "max_size: 1000\nparse: {label: y}\n", &error);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_LIMIT,
                    "the body is 4096 bytes, more than max_size (1000)");
  g_clear_error (&error);
  /* Without a Content-Length the limit applies while reading. */
  g_autoptr (DlpDataset) b = fetch ("/chunked.csv", "max_size: 100\nparse: {label: y}\n", &error);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_LIMIT, "the body exceeds max_size (100 bytes)");
  ck_assert_uint_eq (cache_entries (), 0);
}
END_TEST

START_TEST (test_wrong_checksum)
{
  g_autoptr (GError) error = NULL;
  const char *more = "sha256: 0000000000000000000000000000000000000000000000000000000000000000\n"
                     "parse: {label: y}\n";
  g_autoptr (DlpDataset) ds = fetch ("/data/penguins.csv", more, &error);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "wrong checksum");
  ck_assert_uint_eq (cache_entries (), 0);
  g_clear_error (&error);
  g_autoptr (DlpDataset) bad = fetch ("/data/penguins.csv", "sha256: abc\n", &error);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_CONFIG, "sha256: expected 64 hexadecimal digits");
}
END_TEST

START_TEST (test_formats)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpDataset) ds =
    fetch ("/t10k-images-idx3-ubyte", "labels_url: http://127.0.0.1:1/unused\nparse: {}\n", &error);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NETWORK, "127.0.0.1:1/unused");
  g_clear_error (&error);
  g_autofree char *more =
    g_strdup_printf ("labels_url: http://127.0.0.1:%u/t10k-labels-idx1-ubyte\n", server.port);
  g_autoptr (DlpDataset) idx = fetch ("/t10k-images-idx3-ubyte", more, &error);
  dlp_assert_no_error (error);
  ck_assert_int_eq (dlp_dataset_get_n_rows (idx), 2);
  JsonObject *p = json_object_get_object_member (dlp_dataset_get_metadata (idx), "provenance");
  ck_assert_str_eq (json_object_get_string_member (p, "format"), "idx");

  /* text/csv without a telling file name. */
  g_autoptr (DlpDataset) typed = fetch ("/download", "parse: {label: y}\n", &error);
  dlp_assert_no_error (error);
  ck_assert_int_eq (dlp_dataset_get_n_rows (typed), 3);

  /* The parser's own settings are checked where they are written. */
  g_autoptr (DlpDataset) nolabel = fetch ("/data/penguins.csv", "parse: {header: true}\n", &error);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_CONFIG, "parse.label: required key is missing");
}
END_TEST

static Suite *
http_suite (void)
{
  Suite *s = suite_create ("http");
  TCase *tc = tcase_create ("http");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_download_and_cache);
  tcase_add_test (tc, test_redirects);
  tcase_add_test (tc, test_http_errors);
  tcase_add_test (tc, test_timeout);
  tcase_add_test (tc, test_oversize);
  tcase_add_test (tc, test_wrong_checksum);
  tcase_add_test (tc, test_formats);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (http_suite)
