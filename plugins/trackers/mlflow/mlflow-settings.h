/* mlflow-settings.h: where and how the mlflow tracker talks to its server.
 *
 * The tracking section of params.yaml gives the defaults; MLflow's own
 * environment variables override them, as they do for MLflow's Python
 * client (MLFLOW_TRACKING_URI, MLFLOW_EXPERIMENT_NAME, the credentials, the
 * TLS and retry variables). */
#pragma once

#include <dlpipe/dlpipe.h>

G_BEGIN_DECLS

typedef struct {
  char *tracking_uri; /* http(s)://host[:port][/prefix], no trailing '/' */
  char *experiment;   /* experiment name */
  /* "Basic base64(user:password)" or "Bearer TOKEN", or NULL. */
  char *authorization;
  gboolean insecure_tls;
  char *server_cert_path; /* a CA bundle, or NULL */
  char *client_cert_path; /* a PEM with certificate and key, or NULL */
  guint max_retries;
  double backoff_factor;
  double backoff_jitter;
  guint timeout_s;
  gboolean respect_retry_after;
} DlpMlflowSettings;

extern const DlpParamSpec dlp_mlflow_param_specs[];

/* Reads @config and the environment. Errors name the key of params.yaml
 * (file and line) or the environment variable that is wrong. */
DlpMlflowSettings *dlp_mlflow_settings_new (DlpConfig *config, GError **error);
void dlp_mlflow_settings_free (DlpMlflowSettings *settings);
/* The settings a later replay needs, without secrets. */
JsonNode *dlp_mlflow_settings_to_json (const DlpMlflowSettings *settings);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpMlflowSettings, dlp_mlflow_settings_free)

G_END_DECLS
