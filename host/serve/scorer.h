/* scorer.h: scoring rows with a package, on one thread.
 *
 * A scorer holds its own copy of the package's graph and its own
 * preprocessing steps, so that several scorers (the server's workers)
 * share one loaded package and run at the same time. Rows from several
 * requests are queued, then scored together: one forward pass per
 * @batch_rows rows. */
#pragma once

#include "../package/package.h"

G_BEGIN_DECLS

typedef struct _DlpScorer DlpScorer;

/* @n_threads split each forward pass (more than 1 needs OpenBLAS set to
 * one thread). */
DlpScorer *dlp_scorer_new (DlpPackage *package, gint64 batch_rows, guint n_threads, GError **error);
void dlp_scorer_free (DlpScorer *scorer);

/* Preprocesses @raw (columns of the package's inputs) and queues its
 * rows; returns the index of the first, or -1 with @error set and the
 * queue unchanged (bad values are DLP_ERROR_FORMAT and the like). Errors
 * number the rows from @row_base. */
gint64 dlp_scorer_add_raw (DlpScorer *scorer, DlpDataset *raw, gint64 row_base, GError **error);
/* Queues rows that went through the package's preprocessing already. */
gint64 dlp_scorer_add_preprocessed (DlpScorer *scorer, DlpDataset *processed, gint64 row_base,
                                    GError **error);
gint64 dlp_scorer_get_n_rows (DlpScorer *scorer);

/* Scores the queued rows. */
gboolean dlp_scorer_run (DlpScorer *scorer, GError **error);
/* The class probabilities of queued row @row, after a run. */
const float *dlp_scorer_get_probabilities (DlpScorer *scorer, gint64 row);
/* Empties the queue. */
void dlp_scorer_clear (DlpScorer *scorer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpScorer, dlp_scorer_free)

G_END_DECLS
