/* serve-test-util.h: model packages made by the real stages on small
 * data, a running `dlpipe serve`, and what model_test predicted. */
#pragma once

#include "../unit/dlp-check.h"
#include "package/package.h"

/* 8x8 grey images of three classes written as IDX files (train and t10k,
 * so that data_split's predefined method keeps the test images in
 * order), through normalize + reshape to a small CNN. */
#define IMAGE_SIDE 8
#define IMAGE_TEST_ROWS 30

/* Rows of a CSV with a categorical column (color, with gaps), two numeric
 * ones (size, weight, with NA), a categorical one of numbers that the
 * preprocessing drops (batch: 1 or 2) and the label (kind), through
 * drop_nulls, impute, drop and one_hot to a small MLP. */
#define TABLE_ROWS 150

typedef struct {
  char *dir;           /* the pipeline's folder; models/final inside */
  char *model;         /* dir/models/final */
  guint8 *test_images; /* [IMAGE_TEST_ROWS][IMAGE_SIDE * IMAGE_SIDE] */
} ServeFixture;

/* Runs the default stages of a small image / table pipeline in a new
 * temporary folder (once per process; later calls return the same). */
const ServeFixture *serve_fixture_images (void);
const ServeFixture *serve_fixture_table (void);
/* Removes the folders made (for the suites' unchecked teardown). */
void serve_fixtures_free (void);

/* A test case whose tests share both fixtures (made once, freed at the
 * end) and each get a new temporary folder, dlp_test_tmpdir. */
TCase *serve_test_case (const char *name);
extern /* The CSV the table pipeline ingested. */
  const char *
  serve_table_csv (void);

/* A registry of the build's plugins (loaded once). */
DlpRegistry *serve_test_registry (void);
DlpPredictor *serve_test_load (const ServeFixture *fixture);

/* reports/predictions.csv of a fixture: per test row, the predicted
 * class and the probabilities. */
typedef struct {
  gint64 n_rows;
  guint n_classes;
  GStrv predicted;
  double *probabilities; /* [n_rows][n_classes] */
} ServePredictions;

ServePredictions *serve_predictions_read (const char *path, gboolean has_actual);
void serve_predictions_free (ServePredictions *p);
/* Asserts that row @row predicts @label with @probabilities (within
 * 1e-5: the file keeps 6 digits, and thread counts may reorder sums). */
void serve_assert_row (const ServePredictions *p, gint64 row, const char *label,
                       const double *probabilities);

/* A `dlpipe serve` on a free port. */
typedef struct {
  GPid pid;
  char *url; /* http://127.0.0.1:PORT */
  guint port;
} ServeServer;

/* Starts `dlpipe serve --model MODEL --port 0 EXTRA...` with @env_set
 * ("NAME=VALUE", may be NULL) in its environment; waits for its address. */
ServeServer *serve_server_start (const char *model, const char *const *extra, const char *env_set);
void serve_server_signal (ServeServer *server, int signo);
/* Waits for it to exit and frees @server; returns the exit status (128 +
 * the signal if one ended it). */
int serve_server_wait (ServeServer *server);
/* SIGTERM, then waits. */
int serve_server_stop (ServeServer *server);

/* One HTTP exchange with a fresh connection. */
typedef struct {
  guint status;
  char *content_type;
  char *body;
  char *connection; /* the Connection header, or NULL */
} ServeReply;

ServeReply *serve_http (const ServeServer *server, const char *method, const char *path,
                        const char *content_type, const char *body, gssize length);
void serve_reply_free (ServeReply *reply);
/* The "predictions" of a 200 answer, as a JSON array (owned by @root). */
JsonArray *serve_reply_predictions (ServeReply *reply, JsonNode **root);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServeReply, serve_reply_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ServePredictions, serve_predictions_free)
