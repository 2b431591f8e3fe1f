/* mlflow-client.h: MLflow's REST API over libsoup 3, with MLflow's retry
 * policy. A client belongs to the thread that made it (the tracker's worker
 * thread), like its SoupSession. */
#pragma once

#include <dlpipe/dlpipe.h>
#include "mlflow-settings.h"

G_BEGIN_DECLS

typedef struct _DlpMlflowClient DlpMlflowClient;

/* Called before a retry of a request whose earlier try may have reached the
 * server (and before the first try of a redelivered record): looks at the
 * server and either sets *@done to the answer the request would have had,
 * so nothing more is sent, or leaves it NULL, possibly after shrinking
 * *@body to what is still missing. */
typedef gboolean (*DlpMlflowRedoFunc) (gpointer data, JsonNode **body, JsonObject **done,
                                       const DlpTrackerCall *call, GError **error);

typedef struct {
  const char *method;     /* "GET" or "POST" */
  const char *path;       /* after /api/2.0/, e.g. "mlflow/runs/create" */
  JsonNode *body;         /* POST: the JSON body; GET: an object of query
                               arguments (strings or numbers) */
  DlpMlflowRedoFunc redo; /* or NULL for requests safe to repeat */
  gpointer redo_data;
  /* Set when the server answered with an MLflow error. */
  guint status;
  char *error_code; /* "RESOURCE_ALREADY_EXISTS"; free with g_free */
} DlpMlflowRequest;

/* Frees what a sent request owns: its body and its error code. */
void dlp_mlflow_request_clear (DlpMlflowRequest *request);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DlpMlflowRequest, dlp_mlflow_request_clear)

DlpMlflowClient *dlp_mlflow_client_new (const DlpMlflowSettings *settings);
void dlp_mlflow_client_free (DlpMlflowClient *client);
const DlpMlflowSettings *dlp_mlflow_client_get_settings (DlpMlflowClient *client);

/* Sends @request and returns the answer's JSON object. Errors (see
 * dlp-tracker.h): DLP_ERROR_NETWORK when the server cannot be reached, keeps
 * failing, refuses the credentials or does not answer as MLflow does;
 * DLP_ERROR_CANCELLED; DLP_ERROR_FAILED when MLflow refused the request
 * (request->error_code says why). Messages start with "METHOD PATH: ". */
JsonObject *dlp_mlflow_client_call (DlpMlflowClient *client, DlpMlflowRequest *request,
                                    const DlpTrackerCall *call, GError **error);
/* Convenience: builds the request and clears it. */
JsonObject *dlp_mlflow_client_get (DlpMlflowClient *client, const char *path, JsonNode *query,
                                   char **error_code, const DlpTrackerCall *call, GError **error);
JsonObject *dlp_mlflow_client_post (DlpMlflowClient *client, const char *path, JsonNode *body,
                                    char **error_code, const DlpTrackerCall *call, GError **error);

/* PUTs the file @local_path as the body of @url (an absolute URL). */
gboolean dlp_mlflow_client_upload (DlpMlflowClient *client, const char *url, const char *local_path,
                                   const DlpTrackerCall *call, GError **error);
/* GETs the absolute @url into the file @local_path (replaced), with the
 * same retries; the body is streamed, not held. */
gboolean dlp_mlflow_client_download (DlpMlflowClient *client, const char *url,
                                     const char *local_path, const DlpTrackerCall *call,
                                     GError **error);

G_END_DECLS
