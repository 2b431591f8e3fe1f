/* fake-mlflow.h: a small HTTP server inside a test process, on 127.0.0.1,
 * for what a real MLflow server does not easily produce (503s, a plain-text
 * 401, a body that is not JSON, any bytes at all).
 *
 * It runs on a thread of its own and answers each request either from a
 * script (answers in order; the last one repeats once the script is
 * over; 200 "{}" when there is none) or through a function. It logs every
 * request it gets. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DlpFakeServer DlpFakeServer;

typedef struct {
  guint status;
  char *content_type; /* NULL: application/json */
  GBytes *body;       /* NULL: empty */
  char *retry_after;  /* a Retry-After header, or NULL */
} DlpFakeAnswer;

typedef struct {
  char *method;
  char *path;          /* with the query, e.g. "/api/2.0/mlflow/runs/get?run_id=1" */
  char *authorization; /* the Authorization header, or NULL */
  char *content_type;  /* the Content-Type header, or NULL */
  GBytes *body;
  gint64 time_us; /* g_get_monotonic_time () when it arrived */
} DlpFakeRequest;

/* Answers @request on the server's thread by filling @answer (its members
 * are taken). */
typedef void (*DlpFakeAnswerFunc) (const DlpFakeRequest *request, DlpFakeAnswer *answer,
                                   gpointer data);

/* Starts a server on a free port of 127.0.0.1; @func NULL answers from the
 * script. */
DlpFakeServer *dlp_fake_server_new (DlpFakeAnswerFunc func, gpointer data);
/* "http://127.0.0.1:PORT" */
const char *dlp_fake_server_get_uri (DlpFakeServer *server);
/* Appends an answer to the script; @body of @len bytes (a C string when
 * @len < 0), @content_type and @retry_after may be NULL. */
void dlp_fake_server_add (DlpFakeServer *server, guint status, const char *content_type,
                          const char *body, gssize len, const char *retry_after);
/* Empties the script and the request log. */
void dlp_fake_server_reset (DlpFakeServer *server);
guint dlp_fake_server_get_n_requests (DlpFakeServer *server);
/* A copy of request @i of the log; free with dlp_fake_request_free. */
DlpFakeRequest *dlp_fake_server_dup_request (DlpFakeServer *server, guint i);
void dlp_fake_request_free (DlpFakeRequest *request);
void dlp_fake_answer_clear (DlpFakeAnswer *answer);
/* Stops the thread, closes every connection and frees. */
void dlp_fake_server_free (DlpFakeServer *server);

/* Unsets every MLFLOW_ variable of the process, so that the tracker
 * reads only the settings a test gives it. */
void dlp_fake_clear_mlflow_env (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpFakeServer, dlp_fake_server_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpFakeRequest, dlp_fake_request_free)

G_END_DECLS
