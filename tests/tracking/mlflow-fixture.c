/* mlflow-fixture.c: MLflow servers for tests. */
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <gio/gio.h>
#include <libsoup/soup.h>
#include "../unit/dlp-check.h"
#include "mlflow-fixture.h"

static guint
free_port (void)
{
  g_autoptr (GSocket) s =
    g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  ck_assert (g_socket_bind (s, any, FALSE, NULL));
  g_autoptr (GSocketAddress) bound = g_socket_get_local_address (s, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
new_session (gpointer data)
{
  (void) data;
  setsid ();
}

/* GET /health with plain sockets: Check forks each test from this
 * process, and a fork must not inherit GLib's resolver threads. */
static gboolean
healthy (DlpMlflowServer *s)
{
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return FALSE;
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons ((guint16) s->port) };
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  struct timeval tv = { .tv_sec = 2 };
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[64] = { 0 };
  const char *req = "GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  gboolean ok = connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0
                && write (fd, req, strlen (req)) == (ssize_t) strlen (req)
                && read (fd, buf, sizeof buf - 1) > 0 && g_str_has_prefix (buf, "HTTP/1.")
                && strstr (buf, " 200 ") != NULL;
  close (fd);
  return ok;
}

static void
launch (DlpMlflowServer *s)
{
  const char *python = g_getenv ("DLP_TEST_PYTHON");
  ck_assert_msg (python != NULL, "DLP_TEST_PYTHON is not set");
  g_autofree char *port = g_strdup_printf ("%u", s->port);
  g_autofree char *store = g_strdup_printf ("sqlite:///%s/mlflow.db", s->dir);
  g_autofree char *artifacts = g_build_filename (s->dir, "mlartifacts", NULL);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  const char *fixed[] = { python,
                          "-m",
                          "mlflow",
                          "server",
                          "--host",
                          "127.0.0.1",
                          "--port",
                          port,
                          "--backend-store-uri",
                          store,
                          "--artifacts-destination",
                          artifacts,
                          "--workers",
                          "1" };
  for (guint i = 0; i < G_N_ELEMENTS (fixed); i++)
    g_ptr_array_add (argv, g_strdup (fixed[i]));
  for (guint i = 0; s->args && s->args[i]; i++)
    {
      g_auto (GStrv) parts = g_strsplit (s->args[i], "@PORT@", -1);
      g_ptr_array_add (argv, g_strjoinv (port, parts));
    }
  g_ptr_array_add (argv, NULL);
  g_autofree char *log = g_build_filename (s->dir, "server.log", NULL);
  g_autoptr (GError) error = NULL;
  int log_fd = open (log, O_WRONLY | O_CREAT | O_APPEND, 0644);
  ck_assert (log_fd >= 0);
  gboolean ok =
    g_spawn_async_with_fds (s->dir, (char **) argv->pdata, s->env, G_SPAWN_DO_NOT_REAP_CHILD,
                            new_session, NULL, &s->pid, -1, log_fd, log_fd, &error);
  close (log_fd);
  ck_assert_msg (ok, "cannot start mlflow: %s", error ? error->message : "");
  /* A cold start imports MLflow and creates the SQLite tables. */
  for (guint i = 0; i < 600; i++)
    {
      if (healthy (s))
        return;
      int status;
      ck_assert_msg (waitpid (s->pid, &status, WNOHANG) == 0, "mlflow server exited; see %s", log);
      g_usleep (100 * 1000);
    }
  ck_abort_msg ("mlflow server did not answer /health in 60 s; see %s", log);
}

DlpMlflowServer *
dlp_mlflow_server_start (const char *const *args, const char *const *env_extra)
{
  DlpMlflowServer *s = g_new0 (DlpMlflowServer, 1);
  g_autoptr (GError) error = NULL;
  s->dir = g_dir_make_tmp ("dlpipe-mlflow-XXXXXX", &error);
  ck_assert (s->dir != NULL);
  s->port = free_port ();
  s->uri = g_strdup_printf ("http://127.0.0.1:%u", s->port);
  s->args = g_strdupv ((char **) args);
  s->env = g_get_environ ();
  /* dlpipe needs none of MLflow's background jobs. */
  s->env = g_environ_setenv (s->env, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false", TRUE);
  for (guint i = 0; env_extra && env_extra[i]; i++)
    {
      g_auto (GStrv) kv = g_strsplit (env_extra[i], "=", 2);
      s->env = g_environ_setenv (s->env, kv[0], kv[1] ? kv[1] : "", TRUE);
    }
  launch (s);
  return s;
}

static void
stop (DlpMlflowServer *s, int sig)
{
  if (s->pid <= 0)
    return;
  kill (-s->pid, sig);
  int status;
  waitpid (s->pid, &status, 0);
  /* The rest of the group (uvicorn's worker) follows its leader. */
  for (guint i = 0; i < 100 && kill (-s->pid, 0) == 0; i++)
    {
      kill (-s->pid, i < 50 ? sig : SIGKILL);
      g_usleep (100 * 1000);
    }
  s->pid = 0;
}

void
dlp_mlflow_server_kill (DlpMlflowServer *s)
{
  stop (s, SIGKILL);
}

void
dlp_mlflow_server_restart (DlpMlflowServer *s)
{
  stop (s, SIGTERM);
  launch (s);
}

void
dlp_mlflow_server_free (DlpMlflowServer *s)
{
  if (s == NULL)
    return;
  stop (s, SIGTERM);
  dlp_tmpdir_free (s->dir);
  g_free (s->uri);
  g_strfreev (s->args);
  g_strfreev (s->env);
  g_free (s);
}

/* Sends @msg and asserts a 200 answer holding a JSON object. */
static JsonObject *
json_answer (SoupMessage *msg, const char *url)
{
  g_autoptr (SoupSession) session = soup_session_new_with_options ("timeout", 30, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = soup_session_send_and_read (session, msg, NULL, &error);
  ck_assert_msg (body != NULL, "%s: %s", url, error ? error->message : "");
  gsize len;
  const char *data = g_bytes_get_data (body, &len);
  ck_assert_msg (soup_message_get_status (msg) == 200, "%s: HTTP %u: %.*s", url,
                 soup_message_get_status (msg), (int) len, data);
  g_autoptr (JsonParser) parser = json_parser_new ();
  ck_assert (json_parser_load_from_data (parser, data, (gssize) len, NULL));
  ck_assert (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

JsonObject *
dlp_mlflow_get (DlpMlflowServer *s, const char *path_and_query, const char *authorization)
{
  g_autofree char *url = g_strdup_printf ("%s/api/2.0/%s", s->uri, path_and_query);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  ck_assert_msg (msg != NULL, "bad URL %s", url);
  if (authorization)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                  authorization);
  return json_answer (msg, url);
}

JsonObject *
dlp_mlflow_post (DlpMlflowServer *s, const char *path, const char *body)
{
  g_autofree char *url = g_strdup_printf ("%s/api/2.0/%s", s->uri, path);
  g_autoptr (SoupMessage) msg = soup_message_new ("POST", url);
  ck_assert_msg (msg != NULL, "bad URL %s", url);
  g_autoptr (GBytes) bytes = g_bytes_new (body, strlen (body));
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  return json_answer (msg, url);
}

JsonObject *
dlp_mlflow_get_run (DlpMlflowServer *s, const char *run_id, const char *auth)
{
  g_autofree char *q = g_strdup_printf ("mlflow/runs/get?run_id=%s", run_id);
  g_autoptr (JsonObject) answer = dlp_mlflow_get (s, q, auth);
  return json_object_ref (json_object_get_object_member (answer, "run"));
}

/* The value of @key in a [{"key", "value"}] list of a run's data. */
const char *
dlp_mlflow_run_value (JsonObject *run, const char *list, const char *key)
{
  JsonObject *data = json_object_get_object_member (run, "data");
  if (!json_object_has_member (data, list))
    return NULL;
  JsonArray *a = json_object_get_array_member (data, list);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *o = json_array_get_object_element (a, i);
      if (strcmp (json_object_get_string_member (o, "key"), key) == 0)
        return json_object_get_string_member (o, "value");
    }
  return NULL;
}

const char *
dlp_mlflow_run_status (JsonObject *run)
{
  return json_object_get_string_member (json_object_get_object_member (run, "info"), "status");
}

static int
compare_steps (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

char *
dlp_mlflow_history_steps (DlpMlflowServer *s, const char *run_id, const char *key)
{
  g_autofree char *q =
    g_strdup_printf ("mlflow/metrics/get-history?run_id=%s&metric_key=%s", run_id, key);
  g_autoptr (JsonObject) answer = dlp_mlflow_get (s, q, NULL);
  GString *steps = g_string_new (NULL);
  if (!json_object_has_member (answer, "metrics"))
    return g_string_free (steps, FALSE);
  JsonArray *a = json_object_get_array_member (answer, "metrics");
  g_autoptr (GArray) values = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      gint64 step = json_object_get_int_member (json_array_get_object_element (a, i), "step");
      g_array_append_val (values, step);
    }
  g_array_sort (values, compare_steps);
  for (guint i = 0; i < values->len; i++)
    g_string_append_printf (steps, "%s%" G_GINT64_FORMAT, i ? "," : "",
                            g_array_index (values, gint64, i));
  return g_string_free (steps, FALSE);
}

/* Artifact paths under @path, joined by spaces. */
char *
dlp_mlflow_artifacts (DlpMlflowServer *s, const char *run_id, const char *path)
{
  g_autofree char *q = g_strdup_printf ("mlflow/artifacts/list?run_id=%s&path=%s", run_id, path);
  g_autoptr (JsonObject) answer = dlp_mlflow_get (s, q, NULL);
  GString *names = g_string_new (NULL);
  if (!json_object_has_member (answer, "files"))
    return g_string_free (names, FALSE);
  JsonArray *a = json_object_get_array_member (answer, "files");
  for (guint i = 0; i < json_array_get_length (a); i++)
    g_string_append_printf (
      names, "%s%s", i ? " " : "",
      json_object_get_string_member (json_array_get_object_element (a, i), "path"));
  return g_string_free (names, FALSE);
}

int
dlp_run_tool (const char *const *argv, const char *const *env_extra, const char *cwd, char **out,
              char **err)
{
  g_auto (GStrv) env = g_get_environ ();
  for (guint i = 0; env_extra && env_extra[i]; i++)
    {
      g_auto (GStrv) kv = g_strsplit (env_extra[i], "=", 2);
      env = kv[1] ? g_environ_setenv (env, kv[0], kv[1], TRUE) : g_environ_unsetenv (env, kv[0]);
    }
  int status = -1;
  g_autoptr (GError) error = NULL;
  gboolean ok =
    g_spawn_sync (cwd, (char **) argv, env, G_SPAWN_DEFAULT, NULL, NULL, out, err, &status, &error);
  ck_assert_msg (ok, "cannot run %s: %s", argv[0], error ? error->message : "");
  ck_assert_msg (WIFEXITED (status), "%s did not exit normally", argv[0]);
  return WEXITSTATUS (status);
}
