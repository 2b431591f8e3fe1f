/* mlflow-fixture.h: a real `mlflow server` on 127.0.0.1 for the tracking
 * tests (SQLite store and artifacts in a temporary folder), and the tools
 * the tests run. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct {
  char *dir; /* the server's folder; removed at the end */
  guint port;
  char *uri;  /* http://127.0.0.1:PORT */
  GStrv args; /* extra `mlflow server` arguments */
  GStrv env;  /* the server's environment */
  GPid pid;   /* leader of the server's process group */
} DlpMlflowServer;

/* Starts a server and waits until /health answers. @args and @env_extra
 * (KEY=VALUE) may be NULL; "@PORT@" in an argument becomes the port. */
DlpMlflowServer *dlp_mlflow_server_start (const char *const *args, const char *const *env_extra);
/* Kills the server at once (SIGKILL to its process group). */
void dlp_mlflow_server_kill (DlpMlflowServer *server);
/* Starts it again on the same port and store. */
void dlp_mlflow_server_restart (DlpMlflowServer *server);
void dlp_mlflow_server_free (DlpMlflowServer *server);

/* GET /api/2.0/PATH_AND_QUERY, asserting a JSON object answer with status
 * 200; @authorization may be NULL. */
JsonObject *dlp_mlflow_get (DlpMlflowServer *server, const char *path_and_query,
                            const char *authorization);

/* POST /api/2.0/PATH with the JSON @body, asserting a JSON object answer
 * with status 200. */
JsonObject *dlp_mlflow_post (DlpMlflowServer *server, const char *path, const char *body);

/* The "run" of runs/get (a new reference). */
JsonObject *dlp_mlflow_get_run (DlpMlflowServer *server, const char *run_id,
                                const char *authorization);
/* The value of @key in the run's data list @list ("params", "tags"), or
 * NULL. */
const char *dlp_mlflow_run_value (JsonObject *run, const char *list, const char *key);
/* "FINISHED", "KILLED", ... */
const char *dlp_mlflow_run_status (JsonObject *run);
/* The steps of the history of metric @key, in order, as "0,1,2". */
char *dlp_mlflow_history_steps (DlpMlflowServer *server, const char *run_id, const char *key);
/* The artifact paths under @path ("" for the root), joined by spaces. */
char *dlp_mlflow_artifacts (DlpMlflowServer *server, const char *run_id, const char *path);

/* Runs a program with extra environment (KEY=VALUE, or KEY alone to unset
 * it) in @cwd; returns its exit status and its output. */
int dlp_run_tool (const char *const *argv, const char *const *env_extra, const char *cwd,
                  char **out, char **err);

G_END_DECLS
