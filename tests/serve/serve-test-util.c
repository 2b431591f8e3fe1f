/* serve-test-util.c: packages from the real stages, a served model and
 * model_test's predictions (see serve-test-util.h). */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <libsoup/soup.h>
#include "serve-test-util.h"

static ServeFixture *images, *table;
static DlpRegistry *registry;
static char *table_csv;

/* --- running dlpipe --- */

static void
run_pipeline (const char *dir)
{
  const char *argv[] = { "-q", "run", NULL };
  g_autofree char *err = NULL;
  int status = dlp_test_run_host (dir, argv, NULL, &err);
  ck_assert_msg (status == 0, "dlpipe run failed in %s (%d): %s", dir, status, err);
}

/* --- the image pipeline --- */

static guint32
next_random (guint32 *state)
{
  *state = *state * 1664525u + 1013904223u;
  return *state >> 8;
}

/* A bright 3x3 patch whose place tells the class, on noise. */
static void
draw_image (guint8 *px, guint label, guint32 *rng)
{
  for (guint i = 0; i < IMAGE_SIDE * IMAGE_SIDE; i++)
    px[i] = (guint8) (next_random (rng) % 60);
  guint corner = 1 + 2 * label;
  for (guint y = corner; y < corner + 3; y++)
    for (guint x = corner; x < corner + 3; x++)
      px[y * IMAGE_SIDE + x] = (guint8) (180 + next_random (rng) % 76);
}

static void
put_be32 (GByteArray *a, guint32 v)
{
  guint8 b[4] = { v >> 24, v >> 16, v >> 8, v };
  g_byte_array_append (a, b, 4);
}

static void
write_idx (const char *dir, const char *prefix, guint n, guint32 seed, guint8 *keep)
{
  g_autoptr (GByteArray) imgs = g_byte_array_new ();
  g_autoptr (GByteArray) lbls = g_byte_array_new ();
  put_be32 (imgs, 0x803);
  put_be32 (imgs, n);
  put_be32 (imgs, IMAGE_SIDE);
  put_be32 (imgs, IMAGE_SIDE);
  put_be32 (lbls, 0x801);
  put_be32 (lbls, n);
  guint32 rng = seed;
  for (guint i = 0; i < n; i++)
    {
      guint8 px[IMAGE_SIDE * IMAGE_SIDE], label = (guint8) (i % 3);
      draw_image (px, label, &rng);
      g_byte_array_append (imgs, px, sizeof px);
      g_byte_array_append (lbls, &label, 1);
      if (keep)
        memcpy (keep + i * sizeof px, px, sizeof px);
    }
  g_autofree char *img_name = g_strdup_printf ("%s-images-idx3-ubyte", prefix);
  g_autofree char *lbl_name = g_strdup_printf ("%s-labels-idx1-ubyte", prefix);
  g_free (dlp_write_test_file (dir, img_name, imgs->data, imgs->len));
  g_free (dlp_write_test_file (dir, lbl_name, lbls->data, lbls->len));
}

const ServeFixture *
serve_fixture_images (void)
{
  if (images)
    return images;
  images = g_new0 (ServeFixture, 1);
  images->dir = dlp_tmpdir_new ();
  images->model = g_build_filename (images->dir, "models", "final", NULL);
  images->test_images = g_new (guint8, IMAGE_TEST_ROWS * IMAGE_SIDE * IMAGE_SIDE);
  write_idx (images->dir, "train", 240, 7, NULL);
  write_idx (images->dir, "t10k", IMAGE_TEST_ROWS, 99, images->test_images);
  g_autofree char *params =
    g_strdup_printf ("data_ingestion: {source: idx, path: %s, class_names: [top, middle, bottom]}\n"
                     "data_transformation:\n"
                     "  steps:\n"
                     "    - normalize: {method: scale, factor: 0.00392156862745098}\n"
                     "    - reshape: {column: image, shape: [%d, %d, 1]}\n"
                     "data_split: {method: predefined}\n"
                     "model: {type: cnn, input_shape: [%d, %d, 1], num_classes: 3,\n"
                     "        cnn: {filters: [4], dense_units: [8]}}\n"
                     "train: {epochs: 2, batch_size: 16, seed: 1}\n"
                     "tracking: {tracker: none}\n",
                     images->dir, IMAGE_SIDE, IMAGE_SIDE, IMAGE_SIDE, IMAGE_SIDE);
  g_free (dlp_write_test_file (images->dir, "params.yaml", params, -1));
  run_pipeline (images->dir);
  return images;
}

/* --- the table pipeline --- */

static const char *const kinds[] = { "alpha", "beta", "gamma" };
static const char *const colors[] = { "red", "green", "blue" };

static char *
make_table_csv (void)
{
  GString *s = g_string_new ("color,size,weight,batch,kind\n");
  guint32 rng = 5;
  for (guint i = 0; i < TABLE_ROWS; i++)
    {
      guint kind = i % 3;
      /* Mostly the kind's own colour, sometimes another, sometimes none. */
      guint c = next_random (&rng) % 4 == 0 ? next_random (&rng) % 3 : kind;
      const char *color = i % 17 == 5 ? "" : colors[c];
      double size = 1.0 + 2.0 * kind + (next_random (&rng) % 100) / 100.0;
      double weight = 10.0 + 5.0 * kind + (next_random (&rng) % 300) / 100.0;
      g_string_append_printf (s, "%s,%.2f,", color, size);
      if (i % 23 == 7)
        g_string_append (s, "NA");
      else
        g_string_append_printf (s, "%.2f", weight);
      g_string_append_printf (s, ",%u,%s\n", 1 + i % 2, kinds[kind]);
    }
  return g_string_free (s, FALSE);
}

const char *
serve_table_csv (void)
{
  if (table_csv == NULL)
    table_csv = make_table_csv ();
  return table_csv;
}

const ServeFixture *
serve_fixture_table (void)
{
  if (table)
    return table;
  table = g_new0 (ServeFixture, 1);
  table->dir = dlp_tmpdir_new ();
  table->model = g_build_filename (table->dir, "models", "final", NULL);
  g_free (dlp_write_test_file (table->dir, "data.csv", serve_table_csv (), -1));
  g_free (dlp_write_test_file (
    table->dir, "params.yaml",
    "data_ingestion: {source: csv, path: data.csv, label: kind, missing: [NA, \"\"],\n"
    "                 types: {batch: categorical}}\n"
    "data_transformation:\n"
    "  steps:\n"
    "    - drop_nulls: {columns: [size, weight]}\n"
    "    - impute: {strategy: most_frequent, columns: [color]}\n"
    "    - drop: {columns: [batch]}\n"
    "    - one_hot: {columns: [color]}\n"
    "data_split: {test_size: 0.3, seed: 3}\n"
    "model: {type: mlp, input_shape: [5], num_classes: 3, mlp: {hidden_units: [8]}}\n"
    "train: {epochs: 3, batch_size: 16, seed: 1, optimizer: {type: adam, learning_rate: 0.01}}\n"
    "tracking: {tracker: none}\n",
    -1));
  run_pipeline (table->dir);
  return table;
}

static void
fixture_free (ServeFixture **f)
{
  if (*f == NULL)
    return;
  dlp_tmpdir_free ((*f)->dir);
  g_free ((*f)->model);
  g_free ((*f)->test_images);
  g_clear_pointer (f, g_free);
}

void
serve_fixtures_free (void)
{
  fixture_free (&images);
  fixture_free (&table);
  g_clear_pointer (&table_csv, g_free);
  g_clear_pointer (&registry, dlp_registry_unref);
}

static void
fixtures_setup (void)
{
  serve_fixture_images ();
  serve_fixture_table ();
}

TCase *
serve_test_case (const char *name)
{
  TCase *tc = tcase_create (name);
  tcase_add_unchecked_fixture (tc, fixtures_setup, serve_fixtures_free);
  dlp_tcase_add_tmpdir (tc);
  tcase_set_timeout (tc, 120);
  return tc;
}

DlpRegistry *
serve_test_registry (void)
{
  if (registry == NULL)
    registry = dlp_test_registry_new ();
  return registry;
}

DlpPredictor *
serve_test_load (const ServeFixture *fixture)
{
  g_autoptr (GError) error = NULL;
  DlpPredictor *p = dlp_predictor_new (serve_test_registry (), fixture->model, &error);
  dlp_assert_no_error (error);
  return p;
}

/* --- model_test's predictions --- */

void
serve_predictions_free (ServePredictions *p)
{
  if (p == NULL)
    return;
  g_strfreev (p->predicted);
  g_free (p->probabilities);
  g_free (p);
}

/* Splits a line of predictions.csv (class names here have no commas). */
ServePredictions *
serve_predictions_read (const char *path, gboolean has_actual)
{
  g_autofree char *text = NULL;
  ck_assert_msg (g_file_get_contents (path, &text, NULL, NULL), "cannot read %s", path);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint skip = has_actual ? 3 : 2; /* row, [actual,] predicted */
  g_auto (GStrv) header = g_strsplit (lines[0], ",", -1);
  ServePredictions *p = g_new0 (ServePredictions, 1);
  p->n_classes = g_strv_length (header) - skip;
  g_autoptr (GStrvBuilder) predicted = g_strv_builder_new ();
  g_autoptr (GArray) probs = g_array_new (FALSE, FALSE, sizeof (double));
  for (guint i = 1; lines[i] && *lines[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], ",", -1);
      ck_assert_uint_eq (g_strv_length (f), skip + p->n_classes);
      g_strv_builder_add (predicted, f[skip - 1]);
      for (guint c = 0; c < p->n_classes; c++)
        {
          double v = g_ascii_strtod (f[skip + c], NULL);
          g_array_append_val (probs, v);
        }
      p->n_rows++;
    }
  p->predicted = g_strv_builder_end (predicted);
  p->probabilities = (double *) g_array_free (g_steal_pointer (&probs), FALSE);
  return p;
}

void
serve_assert_row (const ServePredictions *p, gint64 row, const char *label,
                  const double *probabilities)
{
  ck_assert_msg (row < p->n_rows, "row %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT, row, p->n_rows);
  ck_assert_msg (strcmp (p->predicted[row], label) == 0,
                 "row %" G_GINT64_FORMAT ": model_test predicted %s, got %s", row,
                 p->predicted[row], label);
  for (guint c = 0; c < p->n_classes; c++)
    {
      double want = p->probabilities[row * p->n_classes + c];
      ck_assert_msg (fabs (want - probabilities[c]) <= 1e-5 + 1e-4 * fabs (want),
                     "row %" G_GINT64_FORMAT ", class %u: model_test gave %g, got %g", row, c, want,
                     probabilities[c]);
    }
}

/* --- a served model --- */

/* Spawned with g_spawn rather than GSubprocess: Check runs each test in a
 * forked process, which has none of GLib's worker thread that GSubprocess
 * signals and reaps through. */
ServeServer *
serve_server_start (const char *model, const char *const *extra, const char *env_set)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_strv_builder_add_many (b, g_getenv ("DLP_TEST_HOST"), "serve", "--model", model, "--port", "0",
                           NULL);
  if (extra)
    g_strv_builder_addv (b, (const char **) extra);
  g_auto (GStrv) argv = g_strv_builder_end (b);
  g_auto (GStrv) env = g_get_environ ();
  if (env_set)
    {
      g_auto (GStrv) kv = g_strsplit (env_set, "=", 2);
      env = g_environ_setenv (env, kv[0], kv[1], TRUE);
    }
  ServeServer *s = g_new0 (ServeServer, 1);
  int out = -1;
  g_autoptr (GError) error = NULL;
  gboolean ok = g_spawn_async_with_pipes (NULL, argv, env,
                                          G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL,
                                          NULL, NULL, &s->pid, NULL, &out, NULL, &error);
  dlp_assert_no_error (error);
  ck_assert (ok);
  /* The first line says where it listens. */
  g_autoptr (GString) line = g_string_new (NULL);
  char c;
  while (read (out, &c, 1) == 1 && c != '\n')
    g_string_append_c (line, c);
  close (out);
  ck_assert_msg (g_str_has_prefix (line->str, "listening on http://127.0.0.1:"),
                 "dlpipe serve did not start: %s", line->len ? line->str : "(no output)");
  s->url = g_strdup (line->str + strlen ("listening on "));
  s->port = (guint) atoi (strrchr (s->url, ':') + 1);
  return s;
}

void
serve_server_signal (ServeServer *s, int signo)
{
  ck_assert_int_eq (kill (s->pid, signo), 0);
}

int
serve_server_wait (ServeServer *s)
{
  int status = 0;
  ck_assert_int_eq (waitpid (s->pid, &status, 0), s->pid);
  g_spawn_close_pid (s->pid);
  g_free (s->url);
  g_free (s);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

int
serve_server_stop (ServeServer *s)
{
  serve_server_signal (s, SIGTERM);
  return serve_server_wait (s);
}

void
serve_reply_free (ServeReply *r)
{
  if (r == NULL)
    return;
  g_free (r->content_type);
  g_free (r->body);
  g_free (r->connection);
  g_free (r);
}

ServeReply *
serve_http (const ServeServer *server, const char *method, const char *path,
            const char *content_type, const char *body, gssize length)
{
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autofree char *uri = g_strconcat (server->url, path, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new (method, uri);
  ck_assert_msg (msg != NULL, "bad URI %s", uri);
  if (body)
    {
      g_autoptr (GBytes) bytes = g_bytes_new (body, length < 0 ? strlen (body) : (gsize) length);
      soup_message_set_request_body_from_bytes (msg, content_type, bytes);
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) reply = soup_session_send_and_read (session, msg, NULL, &error);
  dlp_assert_no_error (error);
  ServeReply *r = g_new0 (ServeReply, 1);
  r->status = soup_message_get_status (msg);
  SoupMessageHeaders *h = soup_message_get_response_headers (msg);
  r->content_type = g_strdup (soup_message_headers_get_content_type (h, NULL));
  r->connection = g_strdup (soup_message_headers_get_one (h, "Connection"));
  gsize n;
  const char *data = g_bytes_get_data (reply, &n);
  r->body = g_strndup (data ? data : "", n);
  return r;
}

JsonArray *
serve_reply_predictions (ServeReply *reply, JsonNode **root)
{
  ck_assert_msg (reply->status == 200, "status %u: %s", reply->status, reply->body);
  g_autoptr (GError) error = NULL;
  *root = json_from_string (reply->body, &error);
  dlp_assert_no_error (error);
  JsonObject *o = json_node_get_object (*root);
  ck_assert (json_object_has_member (o, "predictions"));
  return json_object_get_array_member (o, "predictions");
}
