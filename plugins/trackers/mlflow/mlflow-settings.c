/* mlflow-settings.c: the tracking section and MLflow's environment
 * variables, with MLflow's defaults and limits. */
#include <string.h>
#include "mlflow-settings.h"

/* MLflow's own defaults (mlflow/environment_variables.py). */
#define DEFAULT_MAX_RETRIES "7"
#define DEFAULT_BACKOFF_FACTOR "2"
#define DEFAULT_BACKOFF_JITTER "1"
#define DEFAULT_TIMEOUT "120"

const DlpParamSpec dlp_mlflow_param_specs[] = {
  DLP_PARAM_STRING ("tracking_uri",
                    "The MLflow server, http:// or https:// (MLFLOW_TRACKING_URI overrides)",
                    "http://127.0.0.1:5000"),
  DLP_PARAM_STRING ("experiment",
                    "The experiment runs go to; created if missing (MLFLOW_EXPERIMENT_NAME "
                    "overrides)",
                    "Default"),
  DLP_PARAM_INT ("max_retries",
                 "Retries of a failed request (MLFLOW_HTTP_REQUEST_MAX_RETRIES overrides)",
                 DEFAULT_MAX_RETRIES, 0, 9),
  DLP_PARAM_DOUBLE ("backoff_factor",
                    "Seconds before retry n: factor * 2^(n-1) (MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR "
                    "overrides)",
                    DEFAULT_BACKOFF_FACTOR, 0, 119),
  DLP_PARAM_DOUBLE ("backoff_jitter",
                    "Random seconds, up to this, added to each wait "
                    "(MLFLOW_HTTP_REQUEST_BACKOFF_JITTER overrides)",
                    DEFAULT_BACKOFF_JITTER, 0, 3600),
  DLP_PARAM_INT ("timeout", "Seconds one request may take (MLFLOW_HTTP_REQUEST_TIMEOUT overrides)",
                 DEFAULT_TIMEOUT, 1, 86400),
  DLP_PARAM_END,
};

void
dlp_mlflow_settings_free (DlpMlflowSettings *s)
{
  if (s == NULL)
    return;
  g_free (s->tracking_uri);
  g_free (s->experiment);
  g_free (s->authorization);
  g_free (s->server_cert_path);
  g_free (s->client_cert_path);
  g_free (s);
}

static gboolean
env_error (GError **error, const char *name, const char *value, const char *expected)
{
  g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG, "environment variable %s=%s: expected %s", name,
               value, expected);
  return FALSE;
}

/* MLflow's booleans: true, false, 1 or 0, in any case. */
static gboolean
env_bool (const char *name, gboolean *out, GError **error)
{
  const char *v = g_getenv (name);
  if (v == NULL || *v == '\0')
    return TRUE;
  if (g_ascii_strcasecmp (v, "true") == 0 || strcmp (v, "1") == 0)
    *out = TRUE;
  else if (g_ascii_strcasecmp (v, "false") == 0 || strcmp (v, "0") == 0)
    *out = FALSE;
  else
    return env_error (error, name, v, "true, false, 1 or 0");
  return TRUE;
}

static gboolean
env_double (const char *name, double min, double max, double *out, GError **error)
{
  const char *v = g_getenv (name);
  if (v == NULL || *v == '\0')
    return TRUE;
  char *end = NULL;
  double d = g_ascii_strtod (v, &end);
  if (end == v || *end != '\0' || !(d >= min && d <= max))
    {
      g_autofree char *expected = g_strdup_printf ("a number from %g to %g", min, max);
      return env_error (error, name, v, expected);
    }
  *out = d;
  return TRUE;
}

static gboolean
env_uint (const char *name, guint min, guint max, guint *out, GError **error)
{
  const char *v = g_getenv (name);
  if (v == NULL || *v == '\0')
    return TRUE;
  guint64 n;
  if (!g_ascii_string_to_unsigned (v, 10, min, max, &n, NULL))
    {
      g_autofree char *expected = g_strdup_printf ("an integer from %u to %u", min, max);
      return env_error (error, name, v, expected);
    }
  *out = (guint) n;
  return TRUE;
}

/* Checks a tracking URI; returns it without a trailing '/', or NULL with
 * @reason set. */
static char *
normalize_uri (const char *text, char **reason)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GUri) uri = g_uri_parse (text, G_URI_FLAGS_NONE, &local);
  if (uri == NULL)
    {
      *reason = g_strdup_printf ("not a URI (%s); expected http://HOST:PORT or https://HOST",
                                 local->message);
      return NULL;
    }
  const char *scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    {
      *reason = g_strdup_printf ("dlpipe reaches MLflow through its REST API, so the URI must "
                                 "start with http:// or https://, not %s: (start a server with "
                                 "scripts/mlflow-server.sh)",
                                 scheme);
      return NULL;
    }
  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      *reason = g_strdup ("the URI has no host; expected http://HOST:PORT");
      return NULL;
    }
  if (g_uri_get_query (uri) || g_uri_get_fragment (uri) || g_uri_get_userinfo (uri))
    {
      *reason = g_strdup ("the URI must not carry credentials, a query or a fragment "
                          "(credentials go in MLFLOW_TRACKING_USERNAME and "
                          "MLFLOW_TRACKING_PASSWORD or MLFLOW_TRACKING_TOKEN)");
      return NULL;
    }
  GString *s = g_string_new (text);
  while (s->len && s->str[s->len - 1] == '/')
    g_string_truncate (s, s->len - 1);
  return g_string_free (s, FALSE);
}

static gboolean
read_uri (DlpConfig *config, DlpMlflowSettings *s, GError **error)
{
  g_autofree char *from_params = NULL;
  if (!dlp_config_get_string (config, "tracking_uri", &from_params, error))
    return FALSE;
  const char *env = g_getenv ("MLFLOW_TRACKING_URI");
  g_autofree char *reason = NULL;
  if (env && *env)
    {
      s->tracking_uri = normalize_uri (env, &reason);
      if (s->tracking_uri == NULL)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG,
                       "environment variable MLFLOW_TRACKING_URI=%s: %s", env, reason);
          return FALSE;
        }
      return TRUE;
    }
  s->tracking_uri = normalize_uri (from_params, &reason);
  if (s->tracking_uri == NULL)
    {
      dlp_config_set_error (config, "tracking_uri", error, "'%s': %s", from_params, reason);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_experiment (DlpConfig *config, DlpMlflowSettings *s, GError **error)
{
  if (!dlp_config_get_string (config, "experiment", &s->experiment, error))
    return FALSE;
  const char *env = g_getenv ("MLFLOW_EXPERIMENT_NAME");
  if (env && *env)
    {
      g_free (s->experiment);
      s->experiment = g_strdup (env);
    }
  if (s->experiment == NULL || *s->experiment == '\0' || strlen (s->experiment) > 500)
    {
      if (env && *env)
        return env_error (error, "MLFLOW_EXPERIMENT_NAME", env, "a name of 1 to 500 characters");
      dlp_config_set_error (config, "experiment", error, "expected a name of 1 to 500 characters");
      return FALSE;
    }
  return TRUE;
}

/* ~/.mlflow/credentials, section [mlflow], as MLflow's client reads it. */
static void
read_credentials_file (char **user, char **password)
{
  g_autofree char *path = g_build_filename (g_get_home_dir (), ".mlflow", "credentials", NULL);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL))
    return;
  if (*user == NULL)
    *user = g_key_file_get_string (kf, "mlflow", "mlflow_tracking_username", NULL);
  if (*password == NULL)
    *password = g_key_file_get_string (kf, "mlflow", "mlflow_tracking_password", NULL);
}

/* Basic when a user name and a password are set, else Bearer when a token
 * is: the order of MLflow's client. */
static void
read_authorization (DlpMlflowSettings *s)
{
  const char *env_user = g_getenv ("MLFLOW_TRACKING_USERNAME");
  const char *env_password = g_getenv ("MLFLOW_TRACKING_PASSWORD");
  g_autofree char *user = env_user && *env_user ? g_strdup (env_user) : NULL;
  g_autofree char *password = env_password && *env_password ? g_strdup (env_password) : NULL;
  read_credentials_file (&user, &password);
  const char *token = g_getenv ("MLFLOW_TRACKING_TOKEN");
  if (user && password)
    {
      g_autofree char *pair = g_strconcat (user, ":", password, NULL);
      g_autofree char *b64 = g_base64_encode ((const guchar *) pair, strlen (pair));
      s->authorization = g_strconcat ("Basic ", b64, NULL);
    }
  else if (token && *token)
    s->authorization = g_strconcat ("Bearer ", token, NULL);
}

static gboolean
read_tls (DlpMlflowSettings *s, GError **error)
{
  if (!env_bool ("MLFLOW_TRACKING_INSECURE_TLS", &s->insecure_tls, error))
    return FALSE;
  const char *ca = g_getenv ("MLFLOW_TRACKING_SERVER_CERT_PATH");
  const char *client = g_getenv ("MLFLOW_TRACKING_CLIENT_CERT_PATH");
  if (ca && *ca)
    {
      if (s->insecure_tls)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG,
                       "environment variables MLFLOW_TRACKING_INSECURE_TLS and "
                       "MLFLOW_TRACKING_SERVER_CERT_PATH: only one of them may be set");
          return FALSE;
        }
      if (!g_file_test (ca, G_FILE_TEST_IS_REGULAR))
        return env_error (error, "MLFLOW_TRACKING_SERVER_CERT_PATH", ca,
                          "a CA bundle file that exists");
      s->server_cert_path = g_strdup (ca);
    }
  if (client && *client)
    {
      if (!g_file_test (client, G_FILE_TEST_IS_REGULAR))
        return env_error (error, "MLFLOW_TRACKING_CLIENT_CERT_PATH", client,
                          "a PEM file (certificate and key) that exists");
      s->client_cert_path = g_strdup (client);
    }
  return TRUE;
}

static gboolean
read_retry_policy (DlpConfig *config, DlpMlflowSettings *s, GError **error)
{
  gint64 retries = 7, timeout = 120;
  if (!dlp_config_get_int (config, "max_retries", &retries, error)
      || !dlp_config_get_double (config, "backoff_factor", &s->backoff_factor, error)
      || !dlp_config_get_double (config, "backoff_jitter", &s->backoff_jitter, error)
      || !dlp_config_get_int (config, "timeout", &timeout, error))
    return FALSE;
  s->max_retries = (guint) retries;
  s->timeout_s = (guint) timeout;
  s->respect_retry_after = TRUE;
  /* MLflow refuses 10 or more retries and factors of 120 or more. */
  return env_uint ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", 0, 9, &s->max_retries, error)
         && env_double ("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", 0, 119, &s->backoff_factor, error)
         && env_double ("MLFLOW_HTTP_REQUEST_BACKOFF_JITTER", 0, 3600, &s->backoff_jitter, error)
         && env_uint ("MLFLOW_HTTP_REQUEST_TIMEOUT", 1, 86400, &s->timeout_s, error)
         && env_bool ("MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER", &s->respect_retry_after, error);
}

DlpMlflowSettings *
dlp_mlflow_settings_new (DlpConfig *config, GError **error)
{
  g_autoptr (DlpMlflowSettings) s = g_new0 (DlpMlflowSettings, 1);
  s->backoff_factor = 2;
  s->backoff_jitter = 1;
  if (!read_uri (config, s, error) || !read_experiment (config, s, error) || !read_tls (s, error)
      || !read_retry_policy (config, s, error))
    return NULL;
  read_authorization (s);
  return g_steal_pointer (&s);
}

JsonNode *
dlp_mlflow_settings_to_json (const DlpMlflowSettings *s)
{
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "tracking_uri", s->tracking_uri);
  json_object_set_string_member (o, "experiment", s->experiment);
  json_object_set_int_member (o, "max_retries", s->max_retries);
  json_object_set_double_member (o, "backoff_factor", s->backoff_factor);
  json_object_set_double_member (o, "backoff_jitter", s->backoff_jitter);
  json_object_set_int_member (o, "timeout", s->timeout_s);
  return dlp_json_node_new_object (o);
}
