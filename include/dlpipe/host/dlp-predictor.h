/* host/dlp-predictor.h: scoring with a model package, embedded in any
 * program.
 *
 * A model package (the folder model_test writes to models/final) holds
 * the network, its weights, the raw inputs it accepts and the
 * preprocessing fitted on the training data. A #DlpPredictor loads one
 * and scores raw rows: the preprocessing is applied, as `dlpipe serve`
 * and `dlpipe predict` apply it (both are built on this interface).
 *
 *   g_autoptr (DlpPredictor) p = dlp_predictor_new (NULL, "models/final", &error);
 *   g_autoptr (DlpPredictorRows) rows = dlp_predictor_rows_new (p, 2, &error);
 *   dlp_predictor_rows_set_column_strings (rows, 0, islands, 2, &error);
 *   ...one call per input...
 *   g_autoptr (DlpDataset) raw = dlp_predictor_rows_finish (rows, &error);
 *   dlp_predictor_predict (p, raw, probabilities, classes, &error);
 *
 * Threads: a predictor is read-only once loaded, except for
 * dlp_predictor_set_precision() and dlp_predictor_set_n_threads(), which
 * must come before scoring starts. After that any thread may call
 * dlp_predictor_predict() at the same time as others, and each thread may
 * own its #DlpPredictorSession and #DlpPredictorRows. A session or a rows
 * table is used by one thread at a time.
 *
 * Errors about values name the row and the column:
 *   row 2, column 'island': unknown category 'Mars' (known: Biscoe, Dream, Torgersen) */
#pragma once

#include <dlpipe/dlp-dataset.h>
#include <dlpipe/host/dlp-graph.h>
#include <dlpipe/host/dlp-registry.h>

G_BEGIN_DECLS

/* The format dlpipe.json names, and the manifest's file name. */
#define DLP_PACKAGE_FORMAT "dlpipe-package-1" /* Since: API level 4 */
#define DLP_PACKAGE_MANIFEST "dlpipe.json"    /* Since: API level 4 */

typedef struct _DlpPredictor DlpPredictor;

/* One raw input column of a package, as the data stages recorded it.
 * Read-only; it lives as long as its predictor. Categorical inputs hold
 * one I32 code per row (-1 for a missing category). Since: API level 4 */
typedef struct {
  const char *name;
  DlpDtype dtype; /* of the values */
  guint rank;     /* of one row: 0 for a scalar, 2 for a 28x28 image */
  gint64 shape[DLP_TENSOR_MAX_RANK];
  gsize n_values;                /* per row: the product of shape */
  const char *const *categories; /* NULL-terminated; NULL for a numeric input */
  guint n_categories;
} DlpPredictorInput;

/**
 * dlp_predictor_new:
 * @registry: (nullable) (transfer none): where the package's layer, model
 *   and transform types come from; %NULL for a registry of the plugins in
 *   the folders of DLPIPE_PLUGIN_PATH (':'-separated) and in the installed
 *   plugins folder
 * @dir: (transfer none): the package's folder
 * @error: (nullable): return location for an error
 *
 * Reads and checks the package: the manifest (dlpipe.json), the
 * architecture, the weights, and that the preprocessing turns the inputs
 * into the rows the model takes and its outputs are the classes. The
 * precision is the package's, or fp32 with a warning where the CPU lacks
 * the package's bf16.
 *
 * Returns: (transfer full): the predictor, or %NULL with @error set to
 *   DLP_ERROR_NOT_FOUND (no package in @dir, or a type no plugin
 *   provides, naming the type), DLP_ERROR_CONFIG (the manifest, naming its
 *   line and key) or as dlp_graph_load() and dlp_graph_load_weights() set
 *   it
 *
 * Since: API level 4
 */
DLP_API DlpPredictor *dlp_predictor_new (DlpRegistry *registry, const char *dir, GError **error);

/**
 * dlp_predictor_ref:
 * @predictor: the predictor
 *
 * Takes a reference; any thread may.
 *
 * Returns: (transfer full): @predictor
 *
 * Since: API level 4
 */
DLP_API DlpPredictor *dlp_predictor_ref (DlpPredictor *predictor);

/**
 * dlp_predictor_unref:
 * @predictor: (nullable) (transfer full): the predictor
 *
 * Drops a reference, freeing the predictor with the last one. Sessions
 * and rows tables hold a reference of their own.
 *
 * Since: API level 4
 */
DLP_API void dlp_predictor_unref (DlpPredictor *predictor);

/**
 * dlp_predictor_get_dir:
 * @predictor: the predictor
 *
 * Returns: (transfer none): the package's folder, as given
 *
 * Since: API level 4
 */
DLP_API const char *dlp_predictor_get_dir (const DlpPredictor *predictor);

/**
 * dlp_predictor_get_n_inputs:
 * @predictor: the predictor
 *
 * Returns: the number of raw input columns (at least one)
 *
 * Since: API level 4
 */
DLP_API guint dlp_predictor_get_n_inputs (const DlpPredictor *predictor);

/**
 * dlp_predictor_get_input:
 * @predictor: the predictor
 * @input: an index below dlp_predictor_get_n_inputs()
 *
 * Returns: (transfer none): the input's description
 *
 * Since: API level 4
 */
DLP_API const DlpPredictorInput *dlp_predictor_get_input (const DlpPredictor *predictor,
                                                          guint input);

/**
 * dlp_predictor_find_input:
 * @predictor: the predictor
 * @name: (transfer none): a column name
 *
 * Returns: the index of the input called @name, or -1
 *
 * Since: API level 4
 */
DLP_API int dlp_predictor_find_input (const DlpPredictor *predictor, const char *name);

/**
 * dlp_predictor_list_inputs:
 * @predictor: the predictor
 *
 * Returns: (transfer full): the input names, for messages:
 *   "island, bill_length_mm, ..."
 *
 * Since: API level 4
 */
DLP_API char *dlp_predictor_list_inputs (const DlpPredictor *predictor);

/**
 * dlp_predictor_get_n_classes:
 * @predictor: the predictor
 *
 * Returns: the number of classes, the length of a row of probabilities
 *
 * Since: API level 4
 */
DLP_API guint dlp_predictor_get_n_classes (const DlpPredictor *predictor);

/**
 * dlp_predictor_get_class_name:
 * @predictor: the predictor
 * @index: a class index below dlp_predictor_get_n_classes()
 *
 * Returns: (transfer none): the class's name
 *
 * Since: API level 4
 */
DLP_API const char *dlp_predictor_get_class_name (const DlpPredictor *predictor, guint index);

/**
 * dlp_predictor_get_precision:
 * @predictor: the predictor
 *
 * Returns: the precision it scores in
 *
 * Since: API level 4
 */
DLP_API DlpPrecision dlp_predictor_get_precision (const DlpPredictor *predictor);

/**
 * dlp_predictor_set_precision:
 * @predictor: the predictor, before any scoring
 * @name: (transfer none): "fp32", "bf16" or "auto"
 * @error: (nullable): return location for an error
 *
 * Scores in @name instead of the package's precision. Asked for
 * explicitly, bf16 where the CPU or the build cannot compute it is an
 * error, not a fallback.
 *
 * Returns: %TRUE on success; %FALSE with @error set as
 *   dlp_precision_resolve() sets it, the message starting with
 *   "--precision NAME: "
 *
 * Since: API level 4
 */
DLP_API gboolean dlp_predictor_set_precision (DlpPredictor *predictor, const char *name,
                                              GError **error);

/**
 * dlp_predictor_set_n_threads:
 * @predictor: the predictor, before any scoring
 * @n_threads: threads of each dlp_predictor_predict() call, at least 1
 *
 * Splits each dlp_predictor_predict() call's rows over @n_threads threads
 * (1 by default). More than one needs OpenBLAS at one thread
 * (dlp_blas_set_n_threads()); predicting fails otherwise.
 *
 * Since: API level 4
 */
DLP_API void dlp_predictor_set_n_threads (DlpPredictor *predictor, guint n_threads);

/**
 * dlp_predictor_is_preprocessed:
 * @predictor: the predictor
 * @dataset: (transfer none): a dataset
 *
 * Returns: %TRUE if @dataset went through this package's preprocessing
 *   already (a split that data_split wrote), so that its features are the
 *   model's rows
 *
 * Since: API level 4
 */
DLP_API gboolean dlp_predictor_is_preprocessed (const DlpPredictor *predictor, DlpDataset *dataset);

/**
 * dlp_predictor_predict:
 * @predictor: the predictor
 * @rows: (transfer none): raw rows (dlp_predictor_rows_finish()), or rows
 *   preprocessed already (dlp_predictor_is_preprocessed())
 * @probabilities: (out) (nullable): room for n_rows x n_classes floats,
 *   each row's class probabilities
 * @classes: (out) (nullable): room for n_rows class indices, each row's
 *   most probable class (the first of equals)
 * @error: (nullable): return location for an error
 *
 * Scores @rows. Any thread may call it, several at a time: each call
 * takes a session of the predictor's that no other call is using, or
 * makes one.
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_FORMAT (a
 *   value the preprocessing or the model cannot take, naming the row and
 *   the column) or DLP_ERROR_LIMIT (out of memory); the outputs are then
 *   undefined
 *
 * Since: API level 4
 */
DLP_API gboolean dlp_predictor_predict (DlpPredictor *predictor, DlpDataset *rows,
                                        float *probabilities, gint32 *classes, GError **error);

/**
 * dlp_precision_for_scoring:
 * @trained_in: (nullable) (transfer none): the precision a model was
 *   trained in ("fp32", "bf16"; %NULL for fp32)
 * @where: (transfer none): what the model is, for the warning
 *
 * Returns: the precision to score that model in: fp32, with a warning
 *   naming @where, where this CPU has no bf16
 *
 * Since: API level 4
 */
DLP_API DlpPrecision dlp_precision_for_scoring (const char *trained_in, const char *where);

/* --- rows to score: raw values into typed columns --- */

typedef struct _DlpPredictorRows DlpPredictorRows;

/**
 * dlp_predictor_rows_new:
 * @predictor: the predictor
 * @n_rows: the number of rows, at least 0
 * @error: (nullable): return location for an error
 *
 * Makes a table of @n_rows rows of @predictor's inputs, every value zero.
 * Values are set one at a time or a column at a time; each is converted
 * to its input's element type, categories are coded by their names, and
 * a value that does not fit is an error naming its row and column.
 *
 * Returns: (transfer full): the table, or %NULL with @error set to
 *   DLP_ERROR_LIMIT (too many rows for memory)
 *
 * Since: API level 4
 */
DLP_API DlpPredictorRows *dlp_predictor_rows_new (DlpPredictor *predictor, gint64 n_rows,
                                                  GError **error);

/**
 * dlp_predictor_rows_free:
 * @rows: (nullable) (transfer full): the table
 *
 * Since: API level 4
 */
DLP_API void dlp_predictor_rows_free (DlpPredictorRows *rows);

/**
 * dlp_predictor_rows_set_number:
 * @rows: the table
 * @input: the input's index
 * @row: the row, below the table's rows
 * @element: the value within the row, below the input's n_values (0 for
 *   a one-value input)
 * @value: the value
 * @error: (nullable): return location for an error
 *
 * Sets a value. A number goes to a numeric input as it is (integers must
 * be whole and in range) and to a categorical one as its decimal text.
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_FORMAT,
 *   naming the row and the column
 *
 * Since: API level 4
 */
DLP_API gboolean dlp_predictor_rows_set_number (DlpPredictorRows *rows, guint input, gint64 row,
                                                gsize element, double value, GError **error);

/**
 * dlp_predictor_rows_set_bool:
 * @rows: the table
 * @input: the input's index
 * @row: the row
 * @element: the value within the row
 * @value: the value
 * @error: (nullable): return location for an error
 *
 * Sets a boolean: true or false for BOOL inputs, 1 or 0 for numeric
 * ones, "true" or "false" for categorical ones.
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_FORMAT
 *
 * Since: API level 4
 */
DLP_API gboolean dlp_predictor_rows_set_bool (DlpPredictorRows *rows, guint input, gint64 row,
                                              gsize element, gboolean value, GError **error);

/**
 * dlp_predictor_rows_set_category:
 * @rows: the table
 * @input: the index of a categorical input
 * @row: the row
 * @element: the value within the row
 * @name: (transfer none): the category's name
 * @error: (nullable): return location for an error
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_FORMAT
 *   (a numeric input, or a category the package does not know, listing
 *   those it knows)
 *
 * Since: API level 4
 */
DLP_API gboolean dlp_predictor_rows_set_category (DlpPredictorRows *rows, guint input, gint64 row,
                                                  gsize element, const char *name, GError **error);

/**
 * dlp_predictor_rows_set_text:
 * @rows: the table
 * @input: the input's index
 * @row: the row
 * @element: the value within the row
 * @text: (transfer none): the value as CSV holds it
 * @error: (nullable): return location for an error
 *
 * Sets a value from text: a category, a decimal number, true or false,
 * or a missing value (empty, NA, NaN, null, None and the other words
 * pandas reads as missing) unless a category has that name.
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_FORMAT
 *
 * Since: API level 4
 */
DLP_API gboolean dlp_predictor_rows_set_text (DlpPredictorRows *rows, guint input, gint64 row,
                                              gsize element, const char *text, GError **error);

/**
 * dlp_predictor_rows_set_missing:
 * @rows: the table
 * @input: the input's index
 * @row: the row
 * @element: the value within the row
 * @error: (nullable): return location for an error
 *
 * Marks a value missing: NaN in a float input, no category in a
 * categorical one. The preprocessing decides what becomes of it.
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_FORMAT
 *   (an integer or boolean input, which cannot hold a missing value)
 *
 * Since: API level 4
 */
DLP_API gboolean dlp_predictor_rows_set_missing (DlpPredictorRows *rows, guint input, gint64 row,
                                                 gsize element, GError **error);

/**
 * dlp_predictor_rows_set_column_doubles:
 * @rows: the table
 * @input: the input's index
 * @values: (array length=n_values): every value of the column, row after
 *   row, each row's n_values in a row; NaN for a missing value
 * @n_values: rows x the input's n_values
 * @error: (nullable): return location for an error
 *
 * Sets a whole column from numbers, as dlp_predictor_rows_set_number()
 * sets each.
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_FORMAT
 *   (a value that does not fit, or a count other than the table's)
 *
 * Since: API level 4
 */
DLP_API gboolean dlp_predictor_rows_set_column_doubles (DlpPredictorRows *rows, guint input,
                                                        const double *values, gsize n_values,
                                                        GError **error);

/**
 * dlp_predictor_rows_set_column_strings:
 * @rows: the table
 * @input: the input's index
 * @values: (array length=n_values): every value of the column as text;
 *   %NULL for a missing value
 * @n_values: rows x the input's n_values
 * @error: (nullable): return location for an error
 *
 * Sets a whole column from text, as dlp_predictor_rows_set_text() sets
 * each.
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_FORMAT
 *
 * Since: API level 4
 */
DLP_API gboolean dlp_predictor_rows_set_column_strings (DlpPredictorRows *rows, guint input,
                                                        const char *const *values, gsize n_values,
                                                        GError **error);

/**
 * dlp_predictor_rows_finish:
 * @rows: the table
 * @error: (nullable): return location for an error
 *
 * Ends the table: the dataset shares its values, so that nothing may be
 * set after; free the table.
 *
 * Returns: (transfer full): the raw rows, every input a feature column,
 *   for dlp_predictor_predict() or a session, or %NULL with @error set to
 *   DLP_ERROR_LIMIT
 *
 * Since: API level 4
 */
DLP_API DlpDataset *dlp_predictor_rows_finish (DlpPredictorRows *rows, GError **error);

/* --- sessions: one thread's scoring state, for batching by hand --- */

typedef struct _DlpPredictorSession DlpPredictorSession;

/**
 * dlp_predictor_session_new:
 * @predictor: the predictor
 * @batch_rows: rows per forward pass, at least 1
 * @n_threads: threads splitting each pass (more than 1 needs OpenBLAS at
 *   one thread)
 * @error: (nullable): return location for an error
 *
 * Makes a session: its own copy of the network and of the preprocessing
 * steps, so that sessions of one predictor score at the same time. Rows
 * are queued, from several requests if need be, then scored together.
 *
 * Returns: (transfer full): the session, or %NULL with @error set as
 *   dlp_graph_prepare() sets it
 *
 * Since: API level 4
 */
DLP_API DlpPredictorSession *dlp_predictor_session_new (DlpPredictor *predictor, gint64 batch_rows,
                                                        guint n_threads, GError **error);

/**
 * dlp_predictor_session_free:
 * @session: (nullable) (transfer full): the session
 *
 * Since: API level 4
 */
DLP_API void dlp_predictor_session_free (DlpPredictorSession *session);

/**
 * dlp_predictor_session_add:
 * @session: the session
 * @raw: (transfer none): raw rows (columns of the package's inputs)
 * @row_base: the number of @raw's first row in error messages
 * @error: (nullable): return location for an error
 *
 * Preprocesses @raw and queues its rows.
 *
 * Returns: the queue index of the first row, or -1 with @error set to
 *   DLP_ERROR_FORMAT (a value that does not fit, naming the row from
 *   @row_base and the column) or DLP_ERROR_LIMIT; the queue is then
 *   unchanged
 *
 * Since: API level 4
 */
DLP_API gint64 dlp_predictor_session_add (DlpPredictorSession *session, DlpDataset *raw,
                                          gint64 row_base, GError **error);

/**
 * dlp_predictor_session_add_preprocessed:
 * @session: the session
 * @processed: (transfer none): rows that went through the package's
 *   preprocessing already
 * @row_base: the number of the first row in error messages
 * @error: (nullable): return location for an error
 *
 * Queues rows without preprocessing them.
 *
 * Returns: the queue index of the first row, or -1 with @error set as
 *   dlp_predictor_session_add() sets it
 *
 * Since: API level 4
 */
DLP_API gint64 dlp_predictor_session_add_preprocessed (DlpPredictorSession *session,
                                                       DlpDataset *processed, gint64 row_base,
                                                       GError **error);

/**
 * dlp_predictor_session_get_n_rows:
 * @session: the session
 *
 * Returns: the number of rows queued
 *
 * Since: API level 4
 */
DLP_API gint64 dlp_predictor_session_get_n_rows (DlpPredictorSession *session);

/**
 * dlp_predictor_session_run:
 * @session: the session
 * @error: (nullable): return location for an error
 *
 * Scores the queued rows, one forward pass per batch_rows of them.
 *
 * Returns: %TRUE on success; %FALSE with @error set as dlp_graph_forward()
 *   sets it
 *
 * Since: API level 4
 */
DLP_API gboolean dlp_predictor_session_run (DlpPredictorSession *session, GError **error);

/**
 * dlp_predictor_session_get_probabilities:
 * @session: the session, after a run
 * @row: a queue index
 *
 * Returns: (transfer none): the class probabilities of queued row @row
 *   and of the rows queued after it (n_classes floats a row), valid until
 *   the queue changes
 *
 * Since: API level 4
 */
DLP_API const float *dlp_predictor_session_get_probabilities (DlpPredictorSession *session,
                                                              gint64 row);

/**
 * dlp_predictor_session_clear:
 * @session: the session
 *
 * Empties the queue.
 *
 * Since: API level 4
 */
DLP_API void dlp_predictor_session_clear (DlpPredictorSession *session);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpPredictor, dlp_predictor_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpPredictorRows, dlp_predictor_rows_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpPredictorSession, dlp_predictor_session_free)

G_END_DECLS
