/* test-serve.c: `dlpipe serve` over HTTP: every endpoint and error status,
 * MLflow's four JSON forms and CSV, answers equal to model_test's for the
 * same rows, concurrent requests, and draining on SIGTERM. */
#include <math.h>
#include <signal.h>
#include <string.h>
#include <libsoup/soup.h>
#include "serve-test-util.h"

static ServeServer *image_server, *table_server;
/* The table server takes bodies up to this size. */
#define BODY_LIMIT 4096

static void
start_servers (void)
{
  const char *workers[] = { "--workers", "2", NULL };
  image_server = serve_server_start (serve_fixture_images ()->model, workers, NULL);
  g_autofree char *limit = g_strdup_printf ("DLPIPE_LIMIT_HTTP_BODY_BYTES=%d", BODY_LIMIT);
  table_server = serve_server_start (serve_fixture_table ()->model, NULL, limit);
}

static void
stop_servers (void)
{
  ck_assert_int_eq (serve_server_stop (image_server), 0);
  ck_assert_int_eq (serve_server_stop (table_server), 0);
  serve_fixtures_free ();
}

static ServeReply *
post_json (const ServeServer *s, const char *path, const char *body)
{
  return serve_http (s, "POST", path, "application/json", body, -1);
}

/* Asserts MLflow's error JSON with @status and a message holding @needle. */
static void
assert_error (ServeReply *r, guint status, const char *code, const char *needle)
{
  ck_assert_msg (r->status == status, "status %u, expected %u: %s", r->status, status, r->body);
  ck_assert_str_eq (r->content_type, "application/json");
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = json_from_string (r->body, &error);
  dlp_assert_no_error (error);
  JsonObject *o = json_node_get_object (root);
  ck_assert_str_eq (json_object_get_string_member (o, "error_code"), code);
  const char *message = json_object_get_string_member (o, "message");
  ck_assert_msg (strstr (message, needle) != NULL, "message \"%s\" lacks \"%s\"", message, needle);
}

/* --- rows as requests --- */

/* Image @i of the test set as nested lists, or one flat list. */
static void
append_image (GString *s, guint i, gboolean nested)
{
  const guint8 *px = serve_fixture_images ()->test_images + i * IMAGE_SIDE * IMAGE_SIDE;
  g_string_append_c (s, '[');
  for (guint y = 0; y < IMAGE_SIDE; y++)
    {
      if (nested)
        g_string_append_printf (s, "%s[", y ? ", " : "");
      for (guint x = 0; x < IMAGE_SIDE; x++)
        g_string_append_printf (s, "%s%u", x || (y && !nested) ? ", " : "", px[y * IMAGE_SIDE + x]);
      if (nested)
        g_string_append_c (s, ']');
    }
  g_string_append_c (s, ']');
}

/* The test rows of the table pipeline, as raw values rebuilt from the
 * preprocessed test split: one_hot is undone by the package's categories,
 * size and weight are as they were read. */
typedef struct {
  gint64 n_rows;
  char **color;
  float *size, *weight;
} TableRows;

static void
table_rows_free (TableRows *t)
{
  g_strfreev (t->color);
  g_free (t->size);
  g_free (t->weight);
}

static TableRows
table_test_rows (void)
{
  const ServeFixture *f = serve_fixture_table ();
  g_autofree char *path = g_build_filename (f->dir, "data/split/test.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpDataset) ds = dlp_dataset_load (path, &error);
  dlp_assert_no_error (error);
  g_autoptr (DlpPredictor) package = serve_test_load (f);
  const DlpPredictorInput *color =
    dlp_predictor_get_input (package, dlp_predictor_find_input (package, "color"));
  TableRows t = { dlp_dataset_get_n_rows (ds) };
  t.color = g_new0 (char *, t.n_rows + 1);
  t.size = g_new (float, t.n_rows);
  t.weight = g_new (float, t.n_rows);
  const float *onehot = dlp_tensor_get_data (
    dlp_dataset_get_column_tensor (ds, (guint) dlp_dataset_find_column (ds, "color")));
  guint width = (guint) dlp_tensor_get_row_size (
    dlp_dataset_get_column_tensor (ds, (guint) dlp_dataset_find_column (ds, "color")));
  ck_assert_uint_eq (width, color->n_categories);
  const float *size = dlp_tensor_get_data (
    dlp_dataset_get_column_tensor (ds, (guint) dlp_dataset_find_column (ds, "size")));
  const float *weight = dlp_tensor_get_data (
    dlp_dataset_get_column_tensor (ds, (guint) dlp_dataset_find_column (ds, "weight")));
  for (gint64 r = 0; r < t.n_rows; r++)
    {
      for (guint c = 0; c < width; c++)
        if (onehot[r * width + c] == 1.0f)
          t.color[r] = g_strdup (color->categories[c]);
      ck_assert_msg (t.color[r] != NULL, "row %" G_GINT64_FORMAT " has no colour", r);
      t.size[r] = size[r];
      t.weight[r] = weight[r];
    }
  return t;
}

static void
append_float (GString *s, float v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.9g", (double) v));
}

/* Checks the answers of a request for every test row against
 * reports/predictions.csv. */
static void
assert_matches_model_test (const ServeFixture *f, ServeReply *r)
{
  g_autofree char *path = g_build_filename (f->dir, "reports", "predictions.csv", NULL);
  g_autoptr (ServePredictions) want = serve_predictions_read (path, TRUE);
  g_autoptr (JsonNode) root = NULL;
  JsonArray *got = serve_reply_predictions (r, &root);
  ck_assert_int_eq (json_array_get_length (got), want->n_rows);
  for (guint i = 0; i < json_array_get_length (got); i++)
    {
      JsonObject *row = json_array_get_object_element (got, i);
      JsonObject *probs = json_object_get_object_member (row, "probabilities");
      g_autofree double *p = g_new (double, want->n_classes);
      g_autoptr (DlpPredictor) package = serve_test_load (f);
      for (guint c = 0; c < want->n_classes; c++)
        p[c] = json_object_get_double_member (probs, dlp_predictor_get_class_name (package, c));
      serve_assert_row (want, i, json_object_get_string_member (row, "label"), p);
    }
}

/* --- status endpoints --- */

START_TEST (test_ping_health_version)
{
  const char *paths[] = { "/ping", "/health" };
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr (ServeReply) r = serve_http (image_server, "GET", paths[i], NULL, NULL, 0);
      ck_assert_uint_eq (r->status, 200);
      ck_assert_str_eq (r->body, "\n");
      ck_assert_str_eq (r->content_type, "application/json");
    }
  g_autoptr (ServeReply) v = serve_http (image_server, "GET", "/version", NULL, NULL, 0);
  ck_assert_uint_eq (v->status, 200);
  ck_assert_str_eq (v->body, DLP_VERSION);
}
END_TEST

START_TEST (test_unknown_endpoint_and_method)
{
  g_autoptr (ServeReply) r = serve_http (image_server, "GET", "/predict", NULL, NULL, 0);
  assert_error (r, 404, "ENDPOINT_NOT_FOUND", "/invocations");
  g_autoptr (ServeReply) get = serve_http (image_server, "GET", "/invocations", NULL, NULL, 0);
  assert_error (get, 405, "BAD_REQUEST", "takes POST");
  g_autoptr (ServeReply) post = post_json (image_server, "/ping", "{}");
  assert_error (post, 405, "BAD_REQUEST", "takes GET");
  g_autoptr (ServeReply) below = post_json (image_server, "/invocations/x", "{}");
  assert_error (below, 404, "ENDPOINT_NOT_FOUND", "/invocations/x");
}
END_TEST

/* --- content types and sizes --- */

START_TEST (test_unsupported_content_types)
{
  const char *body = "{\"inputs\": [[1]]}";
  struct {
    const char *type;
    const char *needle;
  } cases[] = {
    { "text/plain", "only supports the following content types" },
    { "application/x-www-form-urlencoded", "Got 'application/x-www-form-urlencoded'" },
    { "application/json; charset=latin-1", "only supports UTF-8" },
    { "application/json; format=pandas-split", "Unrecognized content type parameter: format" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (ServeReply) r =
        serve_http (table_server, "POST", "/invocations", cases[i].type, body, -1);
      ck_assert_msg (r->status == 415, "%s: status %u", cases[i].type, r->status);
      ck_assert_str_eq (r->content_type, "text/plain");
      ck_assert_msg (strstr (r->body, cases[i].needle), "%s: %s", cases[i].type, r->body);
    }
  /* An explicit UTF-8 charset is fine. */
  g_autoptr (ServeReply) ok =
    serve_http (table_server, "POST", "/invocations", "application/json; charset=UTF-8",
                "{\"dataframe_records\": [{\"color\": \"red\", \"size\": 1.5, "
                "\"weight\": 11, \"batch\": 1}]}",
                -1);
  ck_assert_msg (ok->status == 200, "%u: %s", ok->status, ok->body);
}
END_TEST

/* A raw HTTP exchange, for what a client library will not send. */
static char *
raw_exchange (guint port, const char *request, gsize length)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketConnection) c =
    g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  dlp_assert_no_error (error);
  /* An answer that does not come fails the read instead of hanging it. */
  g_socket_set_timeout (g_socket_connection_get_socket (c), 10);
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (c));
  ck_assert (g_output_stream_write_all (out, request, length, NULL, NULL, &error));
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (c));
  char buf[8192];
  gsize n = 0;
  /* The answer ends when the server closes, which a 413 does. */
  g_input_stream_read_all (in, buf, sizeof buf - 1, &n, NULL, NULL);
  buf[n] = '\0';
  return g_strdup (buf);
}

START_TEST (test_body_too_large)
{
  g_autoptr (GString) big = g_string_new ("{\"dataframe_records\": [");
  while (big->len <= BODY_LIMIT)
    g_string_append (big, "{\"color\": \"red\", \"size\": 1.5, \"weight\": 11, \"batch\": 1}, ");
  g_string_append (big, "{\"color\": \"red\", \"size\": 1.5, \"weight\": 11, \"batch\": 1}]}");
  g_autoptr (ServeReply) r = post_json (table_server, "/invocations", big->str);
  assert_error (r, 413, "BAD_REQUEST", "DLPIPE_LIMIT_HTTP_BODY_BYTES");
  ck_assert_str_eq (r->connection, "close");

  /* Without a Content-Length, the body is counted as it comes, and the 413
   * comes as soon as the limit is passed: this body never ends. */
  g_autoptr (GString) chunked =
    g_string_new ("POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n");
  for (gsize at = 0; at < big->len; at += 1000)
    {
      gsize n = MIN (1000, big->len - at);
      g_string_append_printf (chunked, "%zx\r\n", n);
      g_string_append_len (chunked, big->str + at, (gssize) n);
      g_string_append (chunked, "\r\n");
    }
  g_autofree char *answer = raw_exchange (table_server->port, chunked->str, chunked->len);
  ck_assert_msg (g_str_has_prefix (answer, "HTTP/1.1 413"), "%s", answer);
  ck_assert_msg (strstr (answer, "Connection: close"), "%s", answer);
  g_autofree char *limit =
    g_strdup_printf ("request body: more than the %d bytes allowed", BODY_LIMIT);
  ck_assert_msg (strstr (answer, limit) && strstr (answer, "DLPIPE_LIMIT_HTTP_BODY_BYTES"), "%s",
                 answer);

  /* A chunked body within the limit is scored. */
  const char *small = "{\"dataframe_records\": [{\"color\": \"blue\", \"size\": 5.5, "
                      "\"weight\": 20, \"batch\": 2}]}";
  g_autofree char *ok_request = g_strdup_printf (
    "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n%zx\r\n%s\r\n0\r\n\r\n",
    strlen (small), small);
  g_autofree char *ok = raw_exchange (table_server->port, ok_request, strlen (ok_request));
  ck_assert_msg (g_str_has_prefix (ok, "HTTP/1.1 200"), "%s", ok);
  ck_assert_msg (strstr (ok, "{\"predictions\": [\""), "%s", ok);
}
END_TEST

/* --- bad input: 400 with MLflow's error JSON --- */

START_TEST (test_malformed_json)
{
  struct {
    const char *body;
    const char *needle;
  } cases[] = {
    { "{\"inputs\": [[1, 2]", "invalid JSON at byte 18 (line 1, column 19)" },
    { "[1, 2]", "exactly one of the input fields" },
    { "{\"rows\": []}", "got fields [\"rows\"]" },
    { "{\"inputs\": [], \"instances\": []}", "exactly one of the input fields" },
    { "{\"inputs\": []}", "no rows to score" },
    { "{\"inputs\": [[1, 2, 3]]}",
      "expected nested lists of shape [8, 8] or one list of 64 values, got a list of 3" },
    { "{\"inputs\": {\"picture\": [[1]]}}", "no values for 'image'" },
    { "{\"dataframe_split\": {\"columns\": [\"img\"], \"data\": [[1]]}}",
      "no column for input 'image' (or 'image_0' to 'image_63')" },
    { "{\"dataframe_split\": {\"columns\": [\"image\"]}}", "no \"data\" member" },
    { "{\"dataframe_records\": [7]}", "dataframe_records[0] (byte 23): expected an object" },
    { "{\"inputs\": [[1]], \"params\": {\"temperature\": 1}}", "unknown parameter 'temperature'" },
    { "{\"inputs\": [[1]], \"params\": {\"probabilities\": \"yes\"}}", "expected true or false" },
    { "{\"inputs\": [\"\\ud800\"]}", "high surrogate" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (ServeReply) r = post_json (image_server, "/invocations", cases[i].body);
      assert_error (r, 400, "BAD_REQUEST", cases[i].needle);
    }
  /* A body nested 100,000 deep is refused before it is parsed. */
  g_autoptr (GString) deep = g_string_new ("{\"inputs\": ");
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, ']');
  g_string_append_c (deep, '}');
  g_autoptr (ServeReply) deep_reply = post_json (image_server, "/invocations", deep->str);
  assert_error (deep_reply, 400, "BAD_REQUEST", "JSON nested deeper than 64 levels");
  /* A pixel out of range names its row, column and value. */
  g_autoptr (GString) s = g_string_new ("{\"inputs\": [");
  append_image (s, 0, FALSE);
  g_string_append (s, ", [");
  for (guint k = 0; k < IMAGE_SIDE * IMAGE_SIDE; k++)
    g_string_append_printf (s, "%s%s", k ? ", " : "", k == 9 ? "256" : "0");
  g_string_append (s, "]]}");
  g_autoptr (ServeReply) r = post_json (image_server, "/invocations", s->str);
  assert_error (r, 400, "BAD_REQUEST",
                "row 1, column 'image' value 9: expected integers from 0 to 255, got 256");
  g_autoptr (ServeReply) q =
    post_json (image_server, "/invocations?probabilities=maybe", "{\"inputs\": [[1]]}");
  assert_error (q, 400, "BAD_REQUEST", "expected true or false, got 'maybe'");
}
END_TEST

START_TEST (test_table_values)
{
  /* An unknown category lists the known ones. */
  g_autoptr (ServeReply) r = post_json (
    table_server, "/invocations",
    "{\"dataframe_records\": [{\"color\": \"red\", \"size\": 1, \"weight\": 11, \"batch\": 1},"
    " {\"color\": \"purple\", \"size\": 1, \"weight\": 11, \"batch\": 1}]}");
  assert_error (r, 400, "BAD_REQUEST", "row 1, column 'color': unknown category 'purple' (known: ");
  ck_assert (strstr (r->body, "blue") && strstr (r->body, "green") && strstr (r->body, "red"));
  /* A missing input is named; extra columns are ignored. */
  g_autoptr (ServeReply) m =
    post_json (table_server, "/invocations",
               "{\"dataframe_records\": [{\"color\": \"red\", \"size\": 1, \"extra\": 3}]}");
  assert_error (m, 400, "BAD_REQUEST", "no column for input 'weight', 'batch'");
  /* A value the preprocessing does not fill. */
  g_autoptr (ServeReply) n = post_json (
    table_server, "/invocations",
    "{\"dataframe_records\": [{\"color\": \"red\", \"size\": 1, \"weight\": null, \"batch\": 1}]}");
  assert_error (n, 400, "BAD_REQUEST", "row 0: feature 'weight' is missing after preprocessing");
  /* Text where a number belongs. */
  g_autoptr (ServeReply) t = post_json (table_server, "/invocations",
                                        "{\"dataframe_records\": [{\"color\": \"red\", \"size\": "
                                        "\"big\", \"weight\": 1, \"batch\": 1}]}");
  assert_error (t, 400, "BAD_REQUEST",
                "row 0, column 'size': expected numbers, got the text \"big\"");
  /* A missing colour is imputed, a number is a category's name, null
   * works as missing too. */
  g_autoptr (ServeReply) ok = post_json (
    table_server, "/invocations",
    "{\"dataframe_records\": [{\"color\": null, \"size\": 1, \"weight\": 11, \"batch\": 2},"
    " {\"color\": \"green\", \"size\": 3.5, \"weight\": 15.5, \"batch\": \"1\"}]}");
  g_autoptr (JsonNode) root = NULL;
  ck_assert_uint_eq (json_array_get_length (serve_reply_predictions (ok, &root)), 2);
  g_autoptr (ServeReply) bad_batch = post_json (
    table_server, "/invocations",
    "{\"dataframe_records\": [{\"color\": \"red\", \"size\": 1, \"weight\": 11, \"batch\": 3}]}");
  assert_error (bad_batch, 400, "BAD_REQUEST", "unknown category '3' (known: 1, 2)");
}
END_TEST

/* --- the four JSON forms and CSV give model_test's answers --- */

START_TEST (test_image_forms_match_model_test)
{
  const ServeFixture *f = serve_fixture_images ();
  const char *probs = "/invocations?probabilities=true";
  /* inputs: nested lists; instances: flat lists. */
  for (guint form = 0; form < 6; form++)
    {
      g_autoptr (GString) s = g_string_new (NULL);
      const char *open[] = {
        "{\"inputs\": [",
        "{\"instances\": [",
        "{\"dataframe_split\": {\"columns\": [\"image\"], \"data\": [",
        "{\"dataframe_records\": [",
        "{\"inputs\": {\"image\": [",
        "{\"dataframe_split\": {\"data\": [",
      };
      const char *close[] = { "]}", "]}", "]}}", "]}", "]}}", "]}}" };
      g_string_append (s, open[form]);
      for (guint i = 0; i < IMAGE_TEST_ROWS; i++)
        {
          if (i)
            g_string_append (s, ", ");
          if (form == 2)
            g_string_append_c (s, '[');
          if (form == 3)
            g_string_append (s, "{\"image\": ");
          append_image (s, i, form != 1 && form != 5);
          if (form == 2)
            g_string_append_c (s, ']');
          if (form == 3)
            g_string_append_c (s, '}');
        }
      g_string_append (s, close[form]);
      g_autoptr (ServeReply) r = post_json (image_server, probs, s->str);
      assert_matches_model_test (f, r);
    }
  /* CSV: one column per pixel, named image_0... or anyhow. */
  for (guint named = 0; named < 2; named++)
    {
      g_autoptr (GString) csv = g_string_new (NULL);
      for (guint k = 0; k < IMAGE_SIDE * IMAGE_SIDE; k++)
        g_string_append_printf (csv, "%s%s%u", k ? "," : "", named ? "image_" : "pixel", k);
      g_string_append_c (csv, '\n');
      for (guint i = 0; i < IMAGE_TEST_ROWS; i++)
        {
          const guint8 *px = f->test_images + i * IMAGE_SIDE * IMAGE_SIDE;
          for (guint k = 0; k < IMAGE_SIDE * IMAGE_SIDE; k++)
            g_string_append_printf (csv, "%s%u", k ? "," : "", px[k]);
          g_string_append (csv, "\r\n");
        }
      g_autoptr (ServeReply) r = serve_http (image_server, "POST", probs, "text/csv", csv->str, -1);
      assert_matches_model_test (f, r);
    }
}
END_TEST

START_TEST (test_table_forms_match_model_test)
{
  const ServeFixture *f = serve_fixture_table ();
  TableRows t = table_test_rows ();
  g_autoptr (GString) records = g_string_new ("{\"dataframe_records\": [");
  g_autoptr (GString) split = g_string_new ("{\"dataframe_split\": {\"columns\": [\"weight\", "
                                            "\"batch\", \"color\", \"size\"], \"data\": [");
  g_autoptr (GString) positional = g_string_new ("{\"instances\": [");
  g_autoptr (GString) columns = g_string_new ("{\"inputs\": {");
  g_autoptr (GString) csv = g_string_new ("id,size,color,weight,batch\n");
  GString *col[4] = { g_string_new ("\"color\": ["), g_string_new ("\"size\": ["),
                      g_string_new ("\"weight\": ["), g_string_new ("\"batch\": [") };
  for (gint64 r = 0; r < t.n_rows; r++)
    {
      const char *sep = r ? ", " : "";
      g_string_append_printf (records, "%s{\"color\": \"%s\", \"size\": ", sep, t.color[r]);
      append_float (records, t.size[r]);
      g_string_append (records, ", \"weight\": ");
      append_float (records, t.weight[r]);
      g_string_append (records, ", \"batch\": 1}");

      g_string_append_printf (split, "%s[", sep);
      append_float (split, t.weight[r]);
      g_string_append_printf (split, ", \"2\", \"%s\", ", t.color[r]);
      append_float (split, t.size[r]);
      g_string_append_c (split, ']');

      g_string_append_printf (positional, "%s[\"%s\", ", sep, t.color[r]);
      append_float (positional, t.size[r]);
      g_string_append (positional, ", ");
      append_float (positional, t.weight[r]);
      g_string_append (positional, ", 2]");

      g_string_append_printf (col[0], "%s\"%s\"", sep, t.color[r]);
      g_string_append (col[1], sep);
      append_float (col[1], t.size[r]);
      g_string_append (col[2], sep);
      append_float (col[2], t.weight[r]);
      g_string_append_printf (col[3], "%s1", sep);

      g_string_append_printf (csv, "%" G_GINT64_FORMAT ",", r);
      append_float (csv, t.size[r]);
      g_string_append_printf (csv, ",\"%s\",", t.color[r]);
      append_float (csv, t.weight[r]);
      g_string_append (csv, ",2\n");
    }
  g_string_append (records, "]}");
  g_string_append (split, "]}}");
  g_string_append (positional, "]}");
  for (guint k = 0; k < 4; k++)
    {
      g_string_append_printf (columns, "%s%s]", k ? ", " : "", col[k]->str);
      g_string_free (col[k], TRUE);
    }
  g_string_append (columns, "}}");
  const char *bodies[] = { records->str, split->str, positional->str, columns->str };
  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr (ServeReply) r =
        post_json (table_server, "/invocations?probabilities=1", bodies[i]);
      assert_matches_model_test (f, r);
    }
  g_autoptr (ServeReply) c = serve_http (table_server, "POST", "/invocations?probabilities=true",
                                         "text/csv; charset=utf-8", csv->str, -1);
  assert_matches_model_test (f, c);
  table_rows_free (&t);
}
END_TEST

START_TEST (test_labels_and_probabilities)
{
  g_autoptr (GString) s = g_string_new ("{\"inputs\": [");
  append_image (s, 0, TRUE);
  g_string_append (s, ", ");
  append_image (s, 1, TRUE);
  g_string_append (s, "]");
  g_autofree char *plain = g_strconcat (s->str, "}", NULL);
  g_autofree char *with = g_strconcat (s->str, ", \"params\": {\"probabilities\": true}}", NULL);
  g_autoptr (ServeReply) a = post_json (image_server, "/invocations", plain);
  g_autoptr (JsonNode) ra = NULL;
  JsonArray *labels = serve_reply_predictions (a, &ra);
  ck_assert_uint_eq (json_array_get_length (labels), 2);
  g_autoptr (ServeReply) b = post_json (image_server, "/invocations", with);
  g_autoptr (JsonNode) rb = NULL;
  JsonArray *rows = serve_reply_predictions (b, &rb);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);
      ck_assert_str_eq (json_object_get_string_member (row, "label"),
                        json_array_get_string_element (labels, i));
      JsonObject *p = json_object_get_object_member (row, "probabilities");
      ck_assert_uint_eq (json_object_get_size (p), 3);
      double sum = json_object_get_double_member (p, "top")
                   + json_object_get_double_member (p, "middle")
                   + json_object_get_double_member (p, "bottom");
      ck_assert_msg (fabs (sum - 1) < 1e-5, "probabilities sum to %g", sum);
    }
}
END_TEST

/* --- many clients at once --- */

typedef struct {
  guint first;
  guint n_wrong;
  char *problem;
} Client;

static const char *expected_labels[IMAGE_TEST_ROWS];

static gpointer
client_main (gpointer data)
{
  Client *c = data;
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autofree char *uri = g_strconcat (image_server->url, "/invocations", NULL);
  for (guint k = 0; k < 3 * IMAGE_TEST_ROWS; k++)
    {
      guint i = (c->first + k) % IMAGE_TEST_ROWS;
      g_autoptr (GString) s = g_string_new ("{\"instances\": [");
      append_image (s, i, FALSE);
      g_string_append (s, "]}");
      g_autoptr (SoupMessage) msg = soup_message_new ("POST", uri);
      g_autoptr (GBytes) body = g_bytes_new (s->str, s->len);
      soup_message_set_request_body_from_bytes (msg, "application/json", body);
      g_autoptr (GBytes) reply = soup_session_send_and_read (session, msg, NULL, NULL);
      g_autofree char *want = g_strdup_printf ("{\"predictions\": [\"%s\"]}\n", expected_labels[i]);
      gsize n = 0;
      const char *got = reply ? g_bytes_get_data (reply, &n) : NULL;
      if (got == NULL || n != strlen (want) || memcmp (got, want, n) != 0)
        {
          c->n_wrong++;
          if (c->problem == NULL)
            c->problem =
              g_strdup_printf ("image %u: got %.*s, want %s", i, (int) n, got ? got : "", want);
        }
    }
  return NULL;
}

START_TEST (test_concurrent_clients)
{
  const ServeFixture *f = serve_fixture_images ();
  g_autofree char *path = g_build_filename (f->dir, "reports", "predictions.csv", NULL);
  g_autoptr (ServePredictions) want = serve_predictions_read (path, TRUE);
  for (guint i = 0; i < IMAGE_TEST_ROWS; i++)
    expected_labels[i] = want->predicted[i];
  /* Single-row requests from several clients at once are batched
   * together; each must get its own row's answer. */
  Client clients[8] = { { 0 } };
  GThread *threads[8];
  for (guint t = 0; t < 8; t++)
    {
      clients[t].first = t * 7;
      threads[t] = g_thread_new ("client", client_main, &clients[t]);
    }
  for (guint t = 0; t < 8; t++)
    {
      g_thread_join (threads[t]);
      ck_assert_msg (clients[t].n_wrong == 0, "client %u: %u wrong answers, first %s", t,
                     clients[t].n_wrong, clients[t].problem);
    }
}
END_TEST

/* --- clients that leave --- */

START_TEST (test_clients_leaving)
{
  /* Clients that send a request and hang up before the answer: the
   * answer has nobody to go to, and the server carries on. */
  g_autoptr (GString) body = g_string_new ("{\"instances\": [");
  append_image (body, 5, FALSE);
  g_string_append (body, "]}");
  g_autofree char *request = g_strdup_printf ("POST /invocations HTTP/1.1\r\nHost: x\r\n"
                                              "Content-Type: application/json\r\n"
                                              "Content-Length: %zu\r\n\r\n%s",
                                              body->len, body->str);
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  for (guint i = 0; i < 50; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GSocketConnection) c =
        g_socket_client_connect_to_host (client, "127.0.0.1", image_server->port, NULL, &error);
      dlp_assert_no_error (error);
      GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (c));
      /* Half of them cut the request short. */
      gsize n = i % 2 ? strlen (request) : strlen (request) / 2;
      ck_assert (g_output_stream_write_all (out, request, n, NULL, NULL, &error));
      ck_assert (g_io_stream_close (G_IO_STREAM (c), NULL, &error));
    }
  g_autoptr (ServeReply) r =
    serve_http (image_server, "POST", "/invocations", "application/json", body->str, -1);
  g_autoptr (JsonNode) root = NULL;
  ck_assert_uint_eq (json_array_get_length (serve_reply_predictions (r, &root)), 1);
}
END_TEST

/* --- draining --- */

START_TEST (test_sigterm_drains)
{
  ServeServer *s = serve_server_start (serve_fixture_images ()->model, NULL, NULL);
  g_autoptr (GString) body = g_string_new ("{\"instances\": [");
  append_image (body, 3, FALSE);
  g_string_append (body, "]}");
  g_autofree char *head = g_strdup_printf ("POST /invocations HTTP/1.1\r\nHost: x\r\n"
                                           "Content-Type: application/json\r\n"
                                           "Content-Length: %zu\r\n\r\n",
                                           body->len);
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketConnection) idle =
    g_socket_client_connect_to_host (client, "127.0.0.1", s->port, NULL, &error);
  g_autoptr (GSocketConnection) c =
    g_socket_client_connect_to_host (client, "127.0.0.1", s->port, NULL, &error);
  dlp_assert_no_error (error);
  ck_assert_ptr_nonnull (idle);
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (c));
  /* The headers and half the body: a request in flight. */
  ck_assert (g_output_stream_write_all (out, head, strlen (head), NULL, NULL, &error));
  ck_assert (g_output_stream_write_all (out, body->str, body->len / 2, NULL, NULL, &error));
  ck_assert (g_output_stream_flush (out, NULL, &error));
  /* Make sure the server has the headers before the signal: a second
   * client's ping is answered after them on the same thread. */
  g_autoptr (ServeReply) ping = serve_http (s, "GET", "/ping", NULL, NULL, 0);
  ck_assert_uint_eq (ping->status, 200);
  serve_server_signal (s, SIGTERM);

  /* No new connections once the signal is handled. */
  gboolean refused = FALSE;
  for (guint attempt = 0; attempt < 100 && !refused; attempt++)
    {
      g_autoptr (GError) e = NULL;
      g_autoptr (GSocketConnection) late =
        g_socket_client_connect_to_host (client, "127.0.0.1", s->port, NULL, &e);
      refused = late == NULL;
      if (!refused)
        g_usleep (50000);
    }
  ck_assert_msg (refused, "new connections are still accepted after SIGTERM");

  /* The request in flight is answered, and the connection closed. */
  ck_assert (g_output_stream_write_all (out, body->str + body->len / 2, body->len - body->len / 2,
                                        NULL, NULL, &error));
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (c));
  char answer[4096];
  gsize n = 0;
  g_input_stream_read_all (in, answer, sizeof answer - 1, &n, NULL, &error);
  answer[n] = '\0';
  ck_assert_msg (g_str_has_prefix (answer, "HTTP/1.1 200"), "%s", answer);
  ck_assert_msg (strstr (answer, "Connection: close"), "%s", answer);
  ck_assert_msg (strstr (answer, "{\"predictions\": [\""), "%s", answer);

  /* Then it exits 0, though a client still holds an idle connection. */
  ck_assert_int_eq (serve_server_wait (s), 0);
}
END_TEST

static Suite *
serve_suite (void)
{
  Suite *s = suite_create ("serve");
  TCase *tc = tcase_create ("http");
  tcase_add_unchecked_fixture (tc, start_servers, stop_servers);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_ping_health_version);
  tcase_add_test (tc, test_unknown_endpoint_and_method);
  tcase_add_test (tc, test_unsupported_content_types);
  tcase_add_test (tc, test_body_too_large);
  tcase_add_test (tc, test_malformed_json);
  tcase_add_test (tc, test_table_values);
  tcase_add_test (tc, test_image_forms_match_model_test);
  tcase_add_test (tc, test_table_forms_match_model_test);
  tcase_add_test (tc, test_labels_and_probabilities);
  tcase_add_test (tc, test_concurrent_clients);
  tcase_add_test (tc, test_clients_leaving);
  tcase_add_test (tc, test_sigterm_drains);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (serve_suite)
