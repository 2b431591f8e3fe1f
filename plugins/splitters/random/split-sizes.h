/* split-sizes.h: part sizes and per-class shares of a split. */
#pragma once

#include <dlpipe/dlpipe.h>

/* The size setting @key as a row count: a float is a fraction in (0, 1)
 * (rounded up, as scikit-learn does), an integer a count. 0 is accepted
 * only if @allow_zero. */
gboolean split_size (DlpConfig *config, const char *key, gint64 n_rows, gboolean allow_zero,
                     gint64 *out, GError **error);

/* Row indices (GArray of gint64) per class of the label, in class order,
 * or one group of every row. Rows without a label are an error. */
GPtrArray *split_groups (DlpDataset *ds, gboolean stratify, GError **error);

/* How many of @total rows each group gives: proportional to its size,
 * rounding by largest remainders; never more than a group has left after
 * @taken (may be NULL). */
gint64 *split_allocate (GPtrArray *groups, gint64 total, gint64 n_rows, const gint64 *taken);
