/* test-mlflow-answers.c: the mlflow tracker against a fake server in this
 * process, for answers a real MLflow server does not easily give: 503 and
 * 429 retried with backoff, Retry-After honoured, a plain-text 401, bodies
 * that are not JSON, hostile answers; each ends in a clear message naming
 * the call, and a stage whose server keeps failing keeps its records in
 * the spool. */
#include <string.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include "../unit/dlp-check.h"
#include "fake-mlflow.h"
#include "mlflow-fixture.h"

static DlpFakeServer *server;
static DlpRegistry *registry;
static const DlpTrackerClass *klass;

static void
setup (void)
{
  dlp_fake_clear_mlflow_env ();
  registry = dlp_test_registry_new ();
  const DlpTypeEntry *entry = dlp_registry_lookup_entry (registry, DLP_KIND_TRACKER, "mlflow");
  ck_assert_ptr_nonnull (entry);
  klass = dlp_type_entry_get_class (entry);
  server = dlp_fake_server_new (NULL, NULL);
}

static void
teardown (void)
{
  g_clear_pointer (&server, dlp_fake_server_free);
  g_clear_pointer (&registry, dlp_registry_unref);
}

/* A tracker of the fake server with @retries retries, waiting @factor *
 * 2^(n-1) seconds before retry n. */
static gpointer
tracker_new (guint retries, double factor)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_autofree char *yaml = g_strdup_printf (
    "{tracking_uri: '%s', experiment: answers, max_retries: %u, backoff_factor: %s, "
    "backoff_jitter: 0, timeout: 20}",
    dlp_fake_server_get_uri (server), retries, g_ascii_dtostr (buf, sizeof buf, factor));
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpConfig) config = dlp_config_parse ("params.yaml", yaml, -1, &error);
  ck_assert (dlp_config_validate (config, klass->params, NULL, &error));
  gpointer self = klass->create (config, &error);
  dlp_assert_no_error (error);
  return self;
}

static const DlpTrackerCall call = { sizeof (DlpTrackerCall), 0, NULL };

static gboolean
log_one_param (gpointer self, GError **error)
{
  const DlpTag p = { "train.epochs", "3" };
  return klass->log_params (self, "r1", &p, 1, &call, error);
}

static char *
start_run (gpointer self, GError **error)
{
  DlpTrackerRun run = { .struct_size = sizeof run,
                        .run_key = "0123456789abcdef0123456789abcdef",
                        .start_time_ms = 1700000000000,
                        .user = "tester" };
  return klass->start_run (self, &run, &call, error);
}

static double
seconds_between (guint a, guint b)
{
  g_autoptr (DlpFakeRequest) ra = dlp_fake_server_dup_request (server, a);
  g_autoptr (DlpFakeRequest) rb = dlp_fake_server_dup_request (server, b);
  return (double) (rb->time_us - ra->time_us) / G_USEC_PER_SEC;
}

static void
assert_request (guint i, const char *method, const char *path)
{
  g_autoptr (DlpFakeRequest) r = dlp_fake_server_dup_request (server, i);
  ck_assert_ptr_nonnull (r);
  ck_assert_str_eq (r->method, method);
  ck_assert_str_eq (r->path, path);
}

/* clang-format off */
#define GET_BY_NAME "/api/2.0/mlflow/experiments/get-by-name?experiment_name=answers"
#define EXPERIMENT "{\"experiment\": {\"experiment_id\": \"7\", \"lifecycle_stage\": \"active\"}}"
#define CREATED "{\"run\": {\"info\": {\"run_id\": \"r1\", " \
  "\"artifact_uri\": \"mlflow-artifacts:/7/r1/artifacts\"}}}"
/* clang-format on */

/* 503 and 429 are retried, waiting factor * 2^(n-1) before retry n, and
 * the request goes on where it was. */
START_TEST (test_503_and_429_retried_with_backoff)
{
  dlp_fake_server_add (server, 503, "text/plain", "Service Unavailable", -1, NULL);
  dlp_fake_server_add (server, 429, NULL,
                       "{\"error_code\": \"REQUEST_LIMIT_EXCEEDED\", "
                       "\"message\": \"slow down\"}",
                       -1, NULL);
  dlp_fake_server_add (server, 503, NULL, "", 0, NULL);
  dlp_fake_server_add (server, 200, NULL, EXPERIMENT, -1, NULL);
  dlp_fake_server_add (server, 200, NULL, CREATED, -1, NULL);
  gpointer self = tracker_new (3, 0.1);
  g_autoptr (GError) error = NULL;
  g_autofree char *run_id = start_run (self, &error);
  dlp_assert_no_error (error);
  ck_assert_str_eq (run_id, "r1");
  ck_assert_uint_eq (dlp_fake_server_get_n_requests (server), 5);
  for (guint i = 0; i < 4; i++)
    assert_request (i, "GET", GET_BY_NAME);
  assert_request (4, "POST", "/api/2.0/mlflow/runs/create");
  /* The waits can only be longer than asked, never shorter. */
  ck_assert_double_ge (seconds_between (0, 1), 0.1);
  ck_assert_double_ge (seconds_between (1, 2), 0.2);
  ck_assert_double_ge (seconds_between (2, 3), 0.4);
  klass->destroy (self);
}
END_TEST

/* When every retry fails: the last answer, how many tries, the call. */
START_TEST (test_503_until_the_retries_run_out)
{
  dlp_fake_server_add (server, 503, "text/plain", "upstream connect error", -1, NULL);
  gpointer self = tracker_new (2, 0.01);
  g_autoptr (GError) error = NULL;
  ck_assert (!log_one_param (self, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                    "POST mlflow/runs/log-batch: HTTP 503 Service Unavailable: "
                    "upstream connect error (after 3 tries)");
  ck_assert_uint_eq (dlp_fake_server_get_n_requests (server), 3);
  klass->destroy (self);
}
END_TEST

/* A Retry-After in seconds or as a date replaces the backoff (a minute
 * here, which the test would not survive). */
START_TEST (test_retry_after_is_honoured)
{
  for (guint i = 0; i < 2; i++)
    {
      /* An HTTP date has whole seconds: 3 s ahead is at least 2 s ahead. */
      g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
      g_autoptr (GDateTime) later = g_date_time_add_seconds (now, 3);
      g_autofree char *wait =
        i == 0 ? g_strdup ("1") : soup_date_time_to_string (later, SOUP_DATE_HTTP);
      dlp_fake_server_reset (server);
      dlp_fake_server_add (server, 429, "text/plain", "Too Many Requests", -1, wait);
      dlp_fake_server_add (server, 200, NULL, "{}", -1, NULL);
      gpointer self = tracker_new (3, 60);
      g_autoptr (GError) error = NULL;
      ck_assert (log_one_param (self, &error));
      dlp_assert_no_error (error);
      ck_assert_uint_eq (dlp_fake_server_get_n_requests (server), 2);
      ck_assert_double_ge (seconds_between (0, 1), 1.0);
      klass->destroy (self);
    }
}
END_TEST

/* MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER=false: the backoff, not the
 * server's hour. */
START_TEST (test_retry_after_ignored_when_asked)
{
  g_setenv ("MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER", "false", TRUE);
  dlp_fake_server_add (server, 503, "text/plain", "busy", -1, "3600");
  dlp_fake_server_add (server, 200, NULL, "{}", -1, NULL);
  gpointer self = tracker_new (1, 0.2);
  g_autoptr (GError) error = NULL;
  ck_assert (log_one_param (self, &error));
  dlp_assert_no_error (error);
  ck_assert_uint_eq (dlp_fake_server_get_n_requests (server), 2);
  ck_assert_double_ge (seconds_between (0, 1), 0.2);
  klass->destroy (self);
}
END_TEST

/* A plain-text 401 is not retried; the message says which variables to
 * set, or that the credentials given were refused. */
START_TEST (test_plain_401)
{
  dlp_fake_server_add (server, 401, "text/plain", "Unauthorized", -1, NULL);
  gpointer self = tracker_new (3, 0.01);
  g_autoptr (GError) error = NULL;
  g_autofree char *run_id = start_run (self, &error);
  ck_assert_ptr_null (run_id);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                    "GET mlflow/experiments/get-by-name: HTTP 401 Unauthorized: the server wants "
                    "credentials: set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD");
  ck_assert_uint_eq (dlp_fake_server_get_n_requests (server), 1);
  g_autoptr (DlpFakeRequest) first = dlp_fake_server_dup_request (server, 0);
  ck_assert_ptr_null (first->authorization);
  klass->destroy (self);

  /* A token alone is a bearer; a user name and password win over it. */
  g_setenv ("MLFLOW_TRACKING_TOKEN", "t0ken", TRUE);
  self = tracker_new (3, 0.01);
  g_clear_error (&error);
  ck_assert (!log_one_param (self, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                    "POST mlflow/runs/log-batch: HTTP 401 Unauthorized: the server refused the "
                    "credentials");
  g_autoptr (DlpFakeRequest) bearer = dlp_fake_server_dup_request (server, 1);
  ck_assert_str_eq (bearer->authorization, "Bearer t0ken");
  klass->destroy (self);
  g_setenv ("MLFLOW_TRACKING_USERNAME", "ann", TRUE);
  g_setenv ("MLFLOW_TRACKING_PASSWORD", "secret", TRUE);
  self = tracker_new (3, 0.01);
  g_clear_error (&error);
  ck_assert (!log_one_param (self, &error));
  g_autoptr (DlpFakeRequest) basic = dlp_fake_server_dup_request (server, 2);
  g_autofree char *b64 = g_base64_encode ((const guchar *) "ann:secret", 10);
  g_autofree char *expected = g_strconcat ("Basic ", b64, NULL);
  ck_assert_str_eq (basic->authorization, expected);
  ck_assert_uint_eq (dlp_fake_server_get_n_requests (server), 3);
  klass->destroy (self);
}
END_TEST

/* A 500 whose body is an HTML page: retried, then quoted. */
START_TEST (test_non_json_500)
{
  dlp_fake_server_add (server, 500, "text/html",
                       "<html><body><h1>Internal Server Error</h1></body></html>\n", -1, NULL);
  gpointer self = tracker_new (2, 0.01);
  g_autoptr (GError) error = NULL;
  g_autofree char *run_id = start_run (self, &error);
  ck_assert_ptr_null (run_id);
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                    "GET mlflow/experiments/get-by-name: HTTP 500 Internal Server Error: "
                    "<html><body><h1>Internal Server Error</h1></body></html> (after 3 tries)");
  ck_assert_uint_eq (dlp_fake_server_get_n_requests (server), 3);
  klass->destroy (self);
}
END_TEST

/* Answers that are not MLflow's: a 200 that is not JSON, a bare 404. */
START_TEST (test_answers_not_from_mlflow)
{
  dlp_fake_server_add (server, 200, "text/html", "<html>proxy login</html>", -1, NULL);
  gpointer self = tracker_new (0, 0);
  g_autoptr (GError) error = NULL;
  ck_assert (!log_one_param (self, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                    "POST mlflow/runs/log-batch: HTTP 200 with a body that is not a JSON object "
                    "(is the tracking URI an MLflow server?): <html>proxy login</html>");
  dlp_fake_server_reset (server);
  dlp_fake_server_add (server, 404, "text/plain", "", 0, NULL);
  g_clear_error (&error);
  ck_assert (!log_one_param (self, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                    "POST mlflow/runs/log-batch: HTTP 404 Not Found: (empty body) (is the "
                    "tracking URI an MLflow server?)");
  /* A terminal's escape sequences do not reach the terminal. */
  dlp_fake_server_reset (server);
  dlp_fake_server_add (server, 502, "text/plain", "\x1b[2J\x1b]0;owned\x07gateway", -1, NULL);
  g_clear_error (&error);
  ck_assert (!log_one_param (self, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                    "POST mlflow/runs/log-batch: HTTP 502 Bad Gateway: ?[2J?]0;owned?gateway");
  klass->destroy (self);
}
END_TEST

/* MLflow's own errors: a refused record (400) is not for the spool, a
 * missing permission (403) is. */
START_TEST (test_mlflow_errors_classified)
{
  dlp_fake_server_add (server, 400, NULL,
                       "{\"error_code\": \"INVALID_PARAMETER_VALUE\", "
                       "\"message\": \"Changing param values is not allowed.\"}",
                       -1, NULL);
  gpointer self = tracker_new (3, 0.01);
  g_autoptr (GError) error = NULL;
  ck_assert (!log_one_param (self, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_FAILED,
                    "POST mlflow/runs/log-batch: HTTP 400 INVALID_PARAMETER_VALUE: Changing param "
                    "values is not allowed.");
  ck_assert_uint_eq (dlp_fake_server_get_n_requests (server), 1);
  dlp_fake_server_reset (server);
  dlp_fake_server_add (server, 403, NULL,
                       "{\"error_code\": \"PERMISSION_DENIED\", "
                       "\"message\": \"Permission denied\"}",
                       -1, NULL);
  g_clear_error (&error);
  ck_assert (!log_one_param (self, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                    "POST mlflow/runs/log-batch: HTTP 403 PERMISSION_DENIED: Permission denied");
  klass->destroy (self);
}
END_TEST

/* Answers a hostile or broken server may give end in errors that say so:
 * JSON too deep to parse safely, pages of a history without end, a body
 * longer than the limit. */
START_TEST (test_hostile_answers)
{
  /* Wide but shallow is fine, brackets and quotes in strings too: depth
   * is not a count of brackets. */
  JsonArray *tags = json_array_new ();
  for (guint i = 0; i < 200; i++)
    {
      JsonObject *tag = json_object_new ();
      json_object_set_string_member (tag, "key", "mlflow.log-model.history");
      json_object_set_string_member (tag, "value", "[{\"a\": \"\\\"[[[\"}]");
      json_array_add_object_element (tags, tag);
    }
  JsonObject *wide = json_object_new ();
  json_object_set_array_member (wide, "tags", tags);
  JsonNode *wide_node = dlp_json_node_new_object (wide);
  g_autofree char *wide_text = json_to_string (wide_node, TRUE);
  json_node_unref (wide_node);
  dlp_fake_server_add (server, 200, NULL, wide_text, -1, NULL);
  gpointer self = tracker_new (0, 0);
  g_autoptr (GError) error = NULL;
  ck_assert (log_one_param (self, &error));
  dlp_assert_no_error (error);

  dlp_fake_server_reset (server);
  g_autofree char *deep = g_strnfill (100000, '[');
  dlp_fake_server_add (server, 200, NULL, deep, -1, NULL);
  ck_assert (!log_one_param (self, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                    "POST mlflow/runs/log-batch: HTTP 200 with JSON nested deeper than 64 levels "
                    "(raise the limit with DLPIPE_LIMIT_YAML_DEPTH)");

  /* Ids go into URLs, files and messages: only MLflow's kind are taken. */
  dlp_fake_server_reset (server);
  dlp_fake_server_add (server, 200, NULL, EXPERIMENT, -1, NULL);
  dlp_fake_server_add (server, 200, NULL, "{\"run\": {\"info\": {\"run_id\": \"../../x\"}}}", -1,
                       NULL);
  g_clear_error (&error);
  g_autofree char *run_id = start_run (self, &error);
  ck_assert_ptr_null (run_id);
  dlp_assert_error (
    error, DLP_ERROR, DLP_ERROR_NETWORK,
    "POST mlflow/runs/create: the answer has no run id (letters, digits, '_' or '-')");

  /* A redelivered metric looks at the history first. */
  dlp_fake_server_reset (server);
  dlp_fake_server_add (server, 200, NULL, "{\"metrics\": [], \"next_page_token\": \"again\"}", -1,
                       NULL);
  DlpTrackerCall again = { sizeof again, DLP_TRACKER_CALL_REDELIVERY, NULL };
  DlpMetric m = { "loss", 0.5, 0, 1700000000000 };
  g_clear_error (&error);
  ck_assert (!klass->log_metrics (self, "r1", &m, 1, &again, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                    "GET mlflow/metrics/get-history: the server gave page token 'again' of "
                    "metric 'loss' twice");
  ck_assert_uint_eq (dlp_fake_server_get_n_requests (server), 2);
  klass->destroy (self);

  /* A body longer than DLPIPE_LIMIT_HTTP_BODY_BYTES: the stage warns and
   * keeps its records. */
  dlp_fake_server_reset (server);
  g_autofree char *long_body = g_strnfill (5000, ' ');
  dlp_fake_server_add (server, 200, NULL, long_body, -1, NULL);
  g_autofree char *dir = dlp_tmpdir_new ();
  g_autofree char *params = g_strdup_printf ("tracking: {tracker: mlflow, tracking_uri: '%s'}\n",
                                             dlp_fake_server_get_uri (server));
  g_free (dlp_write_test_file (dir, "params.yaml", params, -1));
  const char *argv[] = { g_getenv ("DLP_TEST_TRACK_STAGE"),
                         "--params",
                         "params.yaml",
                         "--stage",
                         "model_trainer",
                         "--epochs",
                         "1",
                         NULL };
  const char *env[] = { "DLPIPE_LIMIT_HTTP_BODY_BYTES=1000", NULL };
  g_autofree char *out = NULL, *err = NULL;
  ck_assert_int_eq (dlp_run_tool (argv, env, dir, &out, &err), 0);
  ck_assert_msg (strstr (err, "GET mlflow/experiments/get-by-name: HTTP 200 with an answer longer "
                              "than 1000 bytes (raise the limit with DLPIPE_LIMIT_HTTP_BODY_BYTES)")
                   && strstr (err, "records go to the spool"),
                 "%s", err);
  dlp_tmpdir_free (g_steal_pointer (&dir));
}
END_TEST

/* --- MLflow 3's logged models --- */

/* What the fake MLflow 3 server below knows. It answers on its own thread;
 * the test reads it between calls. */
typedef struct {
  gint fail_model_puts;  /* PUTs into the logged model's artifacts fail */
  gint no_logged_models; /* a server before MLflow 3 */
  gint created;          /* logged models made */
  GMutex lock;
  char *status; /* the logged model's, after the last PATCH */
} Mlflow3;

#define RUN_ROOT "mlflow-artifacts:/1/r1/artifacts"
#define MODEL_ROOT "mlflow-artifacts:/1/models/m-1/artifacts"
#define ARTIFACTS "/api/2.0/mlflow-artifacts/artifacts/1"

static void
reply (DlpFakeAnswer *a, guint status, const char *content_type, const char *text)
{
  a->status = status;
  a->content_type = g_strdup (content_type);
  a->body = g_bytes_new (text, strlen (text));
}

static char *
model_json (Mlflow3 *m)
{
  g_mutex_lock (&m->lock);
  char *text =
    g_strdup_printf ("{\"model_id\": \"m-1\", \"experiment_id\": \"1\", \"name\": \"model\", "
                     "\"source_run_id\": \"r1\", \"artifact_uri\": \"" MODEL_ROOT "\", "
                     "\"status\": \"%s\"}",
                     m->status ? m->status : "LOGGED_MODEL_PENDING");
  g_mutex_unlock (&m->lock);
  return text;
}

static void
answer_mlflow3 (const DlpFakeRequest *r, DlpFakeAnswer *a, gpointer data)
{
  Mlflow3 *m = data;
  const char *lm = "/api/2.0/mlflow/logged-models";
  if (g_str_has_prefix (r->path, "/api/2.0/mlflow/runs/get"))
    reply (a, 200, NULL,
           "{\"run\": {\"info\": {\"run_id\": \"r1\", \"experiment_id\": \"1\", "
           "\"artifact_uri\": \"" RUN_ROOT "\"}, \"data\": {\"params\": [{\"key\": \"a\", "
           "\"value\": \"1\"}], \"metrics\": [{\"key\": \"test_accuracy\", \"value\": 0.9, "
           "\"timestamp\": 5, \"step\": 0}]}}}");
  else if (g_str_has_prefix (r->path, lm) && g_atomic_int_get (&m->no_logged_models))
    reply (a, 404, "text/html", "<title>404 Not Found</title>");
  else if (g_str_has_prefix (r->path, ARTIFACTS "/models/")
           && g_atomic_int_get (&m->fail_model_puts))
    reply (a, 500, "text/plain", "disk full");
  else if (strcmp (r->method, "POST") == 0 && strcmp (r->path, lm) == 0)
    {
      g_atomic_int_inc (&m->created);
      g_autofree char *info = model_json (m);
      g_autofree char *text = g_strdup_printf ("{\"model\": {\"info\": %s}}", info);
      reply (a, 200, NULL, text);
    }
  else if (g_str_has_prefix (r->path, "/api/2.0/mlflow/logged-models/search"))
    {
      g_autofree char *info = model_json (m);
      g_autofree char *text = g_strdup_printf ("{\"models\": [{\"info\": %s}]}", info);
      reply (a, 200, NULL, g_atomic_int_get (&m->created) ? text : "{}");
    }
  else if (strcmp (r->method, "PATCH") == 0)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      gsize len;
      const char *body = g_bytes_get_data (r->body, &len);
      ck_assert (json_parser_load_from_data (parser, body, (gssize) len, NULL));
      g_mutex_lock (&m->lock);
      g_free (m->status);
      m->status = g_strdup (json_object_get_string_member (
        json_node_get_object (json_parser_get_root (parser)), "status"));
      g_mutex_unlock (&m->lock);
      g_autofree char *info = model_json (m);
      g_autofree char *text = g_strdup_printf ("{\"model\": {\"info\": %s}}", info);
      reply (a, 200, NULL, text);
    }
  else if (strstr (r->path, "model-versions/create"))
    reply (a, 200, NULL, "{\"model_version\": {\"version\": \"1\"}}");
  else
    reply (a, 200, NULL, "{}");
}

/* How many requests of the log have @method and a path starting with
 * @prefix; the body of the last one in *@body when not NULL. */
static guint
count_requests (const char *method, const char *prefix, char **body)
{
  guint n = 0;
  for (guint i = 0; i < dlp_fake_server_get_n_requests (server); i++)
    {
      g_autoptr (DlpFakeRequest) r = dlp_fake_server_dup_request (server, i);
      if (strcmp (r->method, method) != 0 || !g_str_has_prefix (r->path, prefix))
        continue;
      n++;
      if (body)
        {
          g_free (*body);
          gsize len;
          const char *data = g_bytes_get_data (r->body, &len);
          *body = g_strndup (data, len);
        }
    }
  return n;
}

static void
mlflow3_serve (Mlflow3 *m)
{
  g_mutex_init (&m->lock);
  g_clear_pointer (&server, dlp_fake_server_free);
  server = dlp_fake_server_new (answer_mlflow3, m);
}

static void
mlflow3_clear (Mlflow3 *m)
{
  g_free (m->status);
  g_mutex_clear (&m->lock);
}

/* @n versions were made, the last with @source, and a model_id iff @linked. */
static void
assert_version_made (guint n, const char *source, gboolean linked)
{
  g_autofree char *create = NULL;
  ck_assert_uint_eq (count_requests ("POST", "/api/2.0/mlflow/model-versions/create", &create), n);
  ck_assert_msg (strstr (create, source) && !strstr (create, "model_id") == !linked, "%s", create);
}

static char *
model_package (void)
{
  char *dir = dlp_tmpdir_new ();
  g_free (dlp_write_test_file (dir, "MLmodel",
                               "flavors: {dlpipe: {}}\nutc_time_created: '2026-01-01'\n", -1));
  return dir;
}

/* The package's files do not reach the logged model: it is finalized
 * UPLOAD_FAILED, the record waits (a network error), and a version made
 * meanwhile keeps the run's copy; delivered again, the same model is
 * found, filled and finalized READY, and the next version points at it. */
START_TEST (test_logged_model_upload_failure)
{
  Mlflow3 m = { 0 };
  mlflow3_serve (&m);
  g_atomic_int_set (&m.fail_model_puts, 1);
  gpointer self = tracker_new (0, 0);
  g_autofree char *package = model_package ();
  g_autoptr (GError) error = NULL;
  ck_assert (!klass->log_model (self, "r1", package, "model", &call, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NETWORK, "logged model m-1: PUT http://127.0.0.1:");
  ck_assert_str_eq (m.status, "LOGGED_MODEL_UPLOAD_FAILED");
  /* The run's copy went up before. */
  ck_assert_uint_eq (count_requests ("PUT", ARTIFACTS "/r1/artifacts/model/MLmodel", NULL), 1);
  g_autofree char *metrics = NULL;
  ck_assert_uint_eq (count_requests ("POST", "/api/2.0/mlflow/runs/log-batch", &metrics), 1);
  ck_assert_msg (strstr (metrics, "\"model_id\":\"m-1\"") && strstr (metrics, "test_accuracy"),
                 "%s", metrics);

  /* No version points at a model without its files. */
  g_clear_error (&error);
  const char *aliases[] = { NULL };
  g_autofree char *first_version =
    klass->register_model (self, "r1", "named", "model", aliases, &call, &error);
  dlp_assert_no_error (error);
  assert_version_made (1, "\"source\":\"" RUN_ROOT "/model\"", FALSE);

  g_atomic_int_set (&m.fail_model_puts, 0);
  DlpTrackerCall again = { sizeof again, DLP_TRACKER_CALL_REDELIVERY, NULL };
  g_clear_error (&error);
  ck_assert (klass->log_model (self, "r1", package, "model", &again, &error));
  dlp_assert_no_error (error);
  ck_assert_int_eq (g_atomic_int_get (&m.created), 1);
  ck_assert_str_eq (m.status, "LOGGED_MODEL_READY");
  ck_assert_uint_eq (count_requests ("PUT", ARTIFACTS "/models/m-1/artifacts/MLmodel", NULL), 2);

  g_autofree char *version =
    klass->register_model (self, "r1", "named", "model", aliases, &call, &error);
  dlp_assert_no_error (error);
  assert_version_made (2, "\"source\":\"models:/m-1\"", TRUE);
  klass->destroy (self);
  dlp_tmpdir_free (g_steal_pointer (&package));
  mlflow3_clear (&m);
}
END_TEST

/* A server before MLflow 3 has no logged models: the package goes to the
 * run as before and the version's source is the run's copy. */
START_TEST (test_server_without_logged_models)
{
  Mlflow3 m = { 0 };
  mlflow3_serve (&m);
  g_atomic_int_set (&m.no_logged_models, 1);
  gpointer self = tracker_new (0, 0);
  g_autofree char *package = model_package ();
  g_autoptr (GError) error = NULL;
  DlpTrackerCall again = { sizeof again, DLP_TRACKER_CALL_REDELIVERY, NULL };
  ck_assert (klass->log_model (self, "r1", package, "model", &again, &error));
  dlp_assert_no_error (error);
  ck_assert_uint_eq (count_requests ("PUT", ARTIFACTS "/r1/artifacts/model/MLmodel", NULL), 1);
  const char *aliases[] = { NULL };
  g_autofree char *version =
    klass->register_model (self, "r1", "named", "model", aliases, &call, &error);
  dlp_assert_no_error (error);
  assert_version_made (1, "\"source\":\"" RUN_ROOT "/model\"", FALSE);
  klass->destroy (self);
  dlp_tmpdir_free (g_steal_pointer (&package));
  mlflow3_clear (&m);
}
END_TEST

/* A stage whose server keeps answering 503: it succeeds with a warning
 * that names the call, and every record waits in the spool. */
START_TEST (test_failing_server_keeps_records_in_spool)
{
  dlp_fake_server_add (server, 503, "text/plain", "Service Unavailable", -1, NULL);
  g_autofree char *dir = dlp_tmpdir_new ();
  g_autofree char *params = g_strdup_printf ("train: {epochs: 3}\n"
                                             "tracking:\n"
                                             "  tracker: mlflow\n"
                                             "  tracking_uri: %s\n"
                                             "  experiment: answers\n"
                                             "  flush_timeout: 30\n",
                                             dlp_fake_server_get_uri (server));
  g_free (dlp_write_test_file (dir, "params.yaml", params, -1));
  const char *argv[] = { g_getenv ("DLP_TEST_TRACK_STAGE"),
                         "--params",
                         "params.yaml",
                         "--stage",
                         "model_trainer",
                         "--epochs",
                         "3",
                         NULL };
  const char *env[] = { "MLFLOW_HTTP_REQUEST_MAX_RETRIES=2",
                        "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR=0.01", NULL };
  g_autofree char *out = NULL, *err = NULL;
  ck_assert_int_eq (dlp_run_tool (argv, env, dir, &out, &err), 0);
  ck_assert_msg (strstr (err, "GET mlflow/experiments/get-by-name: HTTP 503 Service Unavailable: "
                              "Service Unavailable (after 3 tries)")
                   && strstr (err, "records go to the spool"),
                 "%s", err);
  /* Once offline, the stage stops asking. */
  ck_assert_uint_eq (dlp_fake_server_get_n_requests (server), 3);

  g_autofree char *spool = g_build_filename (dir, ".dlpipe", "tracking-spool", NULL);
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDir) d = g_dir_open (spool, 0, NULL);
  ck_assert_ptr_nonnull (d);
  const char *name;
  while ((name = g_dir_read_name (d)))
    if (g_str_has_suffix (name, ".jsonl"))
      g_ptr_array_add (files, g_build_filename (spool, name, NULL));
  ck_assert_uint_eq (files->len, 1);
  g_autofree char *text = NULL;
  ck_assert (g_file_get_contents (g_ptr_array_index (files, 0), &text, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (g_strstrip (text), "\n", -1);
  guint n_lines = g_strv_length (lines);
  ck_assert (strstr (lines[0], "\"dlpipe_spool\"")
             && strstr (lines[0], dlp_fake_server_get_uri (server)));
  /* start_run, the params, 3 epochs of 2 metrics (queued records of
   * metrics may have gone as one), the status tag and end_run. */
  GString *ops = g_string_new (NULL);
  guint n_points = 0;
  for (guint i = 1; i < n_lines; i++)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      ck_assert_msg (json_parser_load_from_data (parser, lines[i], -1, NULL), "%s", lines[i]);
      JsonObject *record = json_node_get_object (json_parser_get_root (parser));
      const char *op = json_object_get_string_member (record, "op");
      if (strcmp (op, "log_metrics") == 0)
        n_points += json_array_get_length (json_object_get_array_member (record, "metrics"));
      if (!g_str_has_suffix (ops->str, op))
        g_string_append_printf (ops, "%s%s", ops->len ? " " : "", op);
    }
  g_autofree char *seen = g_string_free (ops, FALSE);
  ck_assert_str_eq (seen, "start_run log_params log_metrics set_tags end_run");
  ck_assert_uint_eq (n_points, 6);

  /* dlpipe mlflow status lists what waits. */
  const char *status_argv[] = { g_getenv ("DLP_TEST_HOST"), "mlflow", "status", NULL };
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  ck_assert_int_eq (dlp_run_tool (status_argv, NULL, dir, &out, &err), 0);
  g_autofree char *waiting = g_strdup_printf ("%u records wait", n_lines - 1);
  ck_assert_msg (strstr (out, "model_trainer") && strstr (out, waiting), "%s", out);
  dlp_tmpdir_free (g_steal_pointer (&dir));
}
END_TEST

/* The registry's readers take what a server gives apart with care: an
 * alias list with members of other types, a version whose run was
 * deleted, an answer without its object, paged searches; and say which
 * name does not exist. */
START_TEST (test_registry_answers)
{
  gpointer self = tracker_new (0, 0);
  g_autoptr (GError) error = NULL;
  dlp_fake_server_add (server, 200, NULL,
                       "{\"registered_model\": {\"name\": \"m\", \"aliases\": [5, {\"alias\": 7}, "
                       "{\"alias\": \"champion\", \"version\": \"2\"}, "
                       "{\"alias\": \"staging\", \"version\": \"1\"}]}}",
                       -1, NULL);
  dlp_fake_server_add (server, 200, NULL,
                       "{\"model_version\": {\"name\": \"m\", \"version\": \"2\", "
                       "\"run_id\": \"r1\", \"source\": \"models:/m-1\"}}",
                       -1, NULL);
  dlp_fake_server_add (server, 404, NULL,
                       "{\"error_code\": \"RESOURCE_DOES_NOT_EXIST\", \"message\": \"no run\"}", -1,
                       NULL);
  g_autoptr (JsonNode) v = klass->get_model_version (self, "m", "champion", &call, &error);
  dlp_assert_no_error (error);
  g_autofree char *text = json_to_string (v, FALSE);
  ck_assert_str_eq (text, "{\"name\":\"m\",\"version\":\"2\",\"run_id\":\"r1\",\"source\":"
                          "\"models:/m-1\",\"aliases\":[\"champion\"],\"metrics\":{},\"tags\":{}}");
  assert_request (0, "GET", "/api/2.0/mlflow/registered-models/get?name=m");
  assert_request (2, "GET", "/api/2.0/mlflow/runs/get?run_id=r1");

  /* No such alias, no such model, an answer without its object. */
  dlp_fake_server_reset (server);
  dlp_fake_server_add (server, 200, NULL, "{\"registered_model\": {\"name\": \"m\"}}", -1, NULL);
  ck_assert_ptr_null (klass->get_model_version (self, "m", "champion", &call, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND, "model 'm' has no alias 'champion'");
  g_clear_error (&error);
  dlp_fake_server_reset (server);
  dlp_fake_server_add (server, 404, NULL,
                       "{\"error_code\": \"RESOURCE_DOES_NOT_EXIST\", "
                       "\"message\": \"Registered Model with name=x not found\"}",
                       -1, NULL);
  ck_assert_ptr_null (klass->list_model_versions (self, "x", &call, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND, "name=x not found");
  g_clear_error (&error);
  ck_assert (!klass->set_model_alias (self, "x", "champion", "1", &call, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND, "not found");
  g_clear_error (&error);
  dlp_fake_server_reset (server);
  dlp_fake_server_add (server, 200, NULL, "{}", -1, NULL);
  ck_assert_ptr_null (klass->get_model_version (self, "m", "champion", &call, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NETWORK, "the answer has no registered_model");
  g_clear_error (&error);

  /* Two pages, out of order, with a member that is no version: newest
   * first; a version id that is no id is refused. */
  dlp_fake_server_reset (server);
  dlp_fake_server_add (server, 200, NULL, "{\"registered_model\": {\"name\": \"m\"}}", -1, NULL);
  dlp_fake_server_add (server, 200, NULL,
                       "{\"model_versions\": [{\"name\": \"m\", \"version\": \"1\"}, 3, "
                       "{\"name\": \"m\", \"version\": \"10\"}], \"next_page_token\": \"p2\"}",
                       -1, NULL);
  dlp_fake_server_add (server, 200, NULL,
                       "{\"model_versions\": [{\"name\": \"m\", \"version\": \"2\"}]}", -1, NULL);
  g_autoptr (JsonNode) list = klass->list_model_versions (self, "m", &call, &error);
  dlp_assert_no_error (error);
  JsonArray *a = json_node_get_array (list);
  ck_assert_uint_eq (json_array_get_length (a), 3);
  const char *order[] = { "10", "2", "1" };
  for (guint i = 0; i < 3; i++)
    ck_assert_str_eq (dlp_json_get_string (json_array_get_object_element (a, i), "version"),
                      order[i]);
  g_autoptr (DlpFakeRequest) page2 = dlp_fake_server_dup_request (server, 2);
  ck_assert_msg (strstr (page2->path, "page_token=p2"), "%s", page2->path);
  dlp_fake_server_reset (server);
  dlp_fake_server_add (server, 200, NULL, "{\"registered_model\": {\"name\": \"m\"}}", -1, NULL);
  dlp_fake_server_add (server, 200, NULL,
                       "{\"model_versions\": [{\"name\": \"m\", \"version\": \"../1\"}]}", -1,
                       NULL);
  ck_assert_ptr_null (klass->list_model_versions (self, "m", &call, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NETWORK, "without a name or a version number");
  klass->destroy (self);
}
END_TEST

/* A logged model's package downloaded through the artifact proxy: its
 * root looked up, folders listed and walked, each file checked against
 * the listed size; hostile names and empty listings refused. */
START_TEST (test_download_answers)
{
  gpointer self = tracker_new (0, 0);
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("dlp-download-XXXXXX", &error);
  dlp_assert_no_error (error);
  const char *logged = "{\"model\": {\"info\": {\"model_id\": \"m-1\", "
                       "\"artifact_uri\": \"mlflow-artifacts:/7/models/m-1/artifacts\"}}}";
  dlp_fake_server_add (server, 200, NULL, logged, -1, NULL);
  dlp_fake_server_add (server, 200, NULL,
                       "{\"files\": [{\"path\": \"MLmodel\", \"is_dir\": false, "
                       "\"file_size\": 5}, {\"path\": \"sub\", \"is_dir\": true}]}",
                       -1, NULL);
  dlp_fake_server_add (server, 200, "application/octet-stream", "hello", -1, NULL);
  dlp_fake_server_add (server, 200, NULL,
                       "{\"files\": [{\"path\": \"sub/w.bin\", \"file_size\": \"10\"}]}", -1, NULL);
  dlp_fake_server_add (server, 200, "application/octet-stream", "short", -1, NULL);
  ck_assert (!klass->download_artifacts (self, "models:/m-1", dir, &call, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NETWORK,
                    "sub/w.bin: got 5 bytes, the store lists 10");
  g_clear_error (&error);
  assert_request (0, "GET", "/api/2.0/mlflow/logged-models/m-1");
  assert_request (1, "GET",
                  "/api/2.0/mlflow-artifacts/artifacts?path=7%2Fmodels%2Fm-1%2Fartifacts");
  assert_request (2, "GET", "/api/2.0/mlflow-artifacts/artifacts/7/models/m-1/artifacts/MLmodel");
  assert_request (4, "GET", "/api/2.0/mlflow-artifacts/artifacts/7/models/m-1/artifacts/sub/w.bin");
  g_autofree char *mlmodel = g_build_filename (dir, "MLmodel", NULL);
  g_autofree char *text = NULL;
  ck_assert (g_file_get_contents (mlmodel, &text, NULL, NULL));
  ck_assert_str_eq (text, "hello");

  /* A name that climbs out of the folder; nothing there at all. */
  dlp_fake_server_reset (server);
  dlp_fake_server_add (server, 200, NULL, logged, -1, NULL);
  dlp_fake_server_add (server, 200, NULL, "{\"files\": [{\"path\": \"..\"}]}", -1, NULL);
  ck_assert (!klass->download_artifacts (self, "models:/m-1", dir, &call, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NETWORK, "'..' is not a file name one can write");
  g_clear_error (&error);
  dlp_fake_server_reset (server);
  dlp_fake_server_add (server, 200, NULL, logged, -1, NULL);
  dlp_fake_server_add (server, 200, NULL, "{}", -1, NULL);
  ck_assert (!klass->download_artifacts (self, "models:/m-1", dir, &call, &error));
  dlp_assert_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND, "no artifacts there");
  klass->destroy (self);
  g_autofree char *sub = g_build_filename (dir, "sub", NULL);
  g_autofree char *w = g_build_filename (sub, "w.bin", NULL);
  g_remove (w);
  g_rmdir (sub);
  g_remove (mlmodel);
  g_rmdir (dir);
}
END_TEST

static Suite *
answers_suite (void)
{
  Suite *s = suite_create ("mlflow-answers");
  TCase *tc = tcase_create ("fake-server");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 30);
  tcase_add_test (tc, test_503_and_429_retried_with_backoff);
  tcase_add_test (tc, test_503_until_the_retries_run_out);
  tcase_add_test (tc, test_retry_after_is_honoured);
  tcase_add_test (tc, test_retry_after_ignored_when_asked);
  tcase_add_test (tc, test_plain_401);
  tcase_add_test (tc, test_non_json_500);
  tcase_add_test (tc, test_answers_not_from_mlflow);
  tcase_add_test (tc, test_mlflow_errors_classified);
  tcase_add_test (tc, test_hostile_answers);
  tcase_add_test (tc, test_failing_server_keeps_records_in_spool);
  tcase_add_test (tc, test_logged_model_upload_failure);
  tcase_add_test (tc, test_server_without_logged_models);
  tcase_add_test (tc, test_registry_answers);
  tcase_add_test (tc, test_download_answers);
  suite_add_tcase (s, tc);
  return s;
}

DLP_CHECK_MAIN (answers_suite)
