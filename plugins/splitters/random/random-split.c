/* random-split.c: the random splitter, shuffled and (by default)
 * stratified by label.
 *
 *   data_split: {test_size: 0.2, val_size: 0.1, seed: 42}
 *
 * Sizes follow scikit-learn's convention: a float is a fraction of the
 * rows, an integer a count. With stratify, each class gives its share of
 * every part (largest remainders decide the rounding), so every part
 * keeps the class proportions. The same seed gives the same split. */
#include "split-sizes.h"

static const DlpParamSpec random_params[] = {
  DLP_PARAM_DOUBLE_UNBOUNDED (
    "test_size", "The test part: a fraction in (0, 1), or an integer count of rows", "0.2"),
  DLP_PARAM_DOUBLE_UNBOUNDED ("val_size", "A validation part, like test_size; 0 for none", "0"),
  DLP_PARAM_INT_UNBOUNDED ("seed", "Seed of the shuffle", "42"),
  DLP_PARAM_BOOL ("stratify", "Keep the class proportions in every part", "true"),
  DLP_PARAM_END,
};

/* Shuffles @rows[0..n) with @rand (Fisher-Yates). */
static void
shuffle (gint64 *rows, gsize n, GRand *rand)
{
  for (gsize i = n; i > 1; i--)
    {
      gsize j = (gsize) g_rand_int_range (rand, 0, (gint32) i);
      gint64 t = rows[i - 1];
      rows[i - 1] = rows[j];
      rows[j] = t;
    }
}

static gboolean
random_split (DlpConfig *config, DlpDataset *ds, DlpContext *context, DlpDataset **train_out,
              DlpDataset **test_out, DlpDataset **val_out, GError **error)
{
  (void) context;
  gint64 seed = 42;
  gboolean stratify = TRUE;
  if (!dlp_config_get_int (config, "seed", &seed, error)
      || !dlp_config_get_bool (config, "stratify", &stratify, error))
    return FALSE;
  gint64 n_rows = dlp_dataset_get_n_rows (ds);
  gint64 n_test = 0, n_val = 0;
  if (!split_size (config, "test_size", n_rows, FALSE, &n_test, error)
      || !split_size (config, "val_size", n_rows, TRUE, &n_val, error))
    return FALSE;
  if (n_test + n_val >= n_rows)
    {
      dlp_config_set_error (config, n_val ? "val_size" : "test_size", error,
                            "test and validation parts (%" G_GINT64_FORMAT " + %" G_GINT64_FORMAT
                            " rows) leave no training rows of %" G_GINT64_FORMAT,
                            n_test, n_val, n_rows);
      return FALSE;
    }

  /* Groups of rows: one per class when stratifying, else one. */
  g_autoptr (GPtrArray) groups = split_groups (ds, stratify, error);
  if (groups == NULL)
    return FALSE;
  g_autoptr (GRand) rand = g_rand_new_with_seed ((guint32) seed);
  g_autofree gint64 *group_test = split_allocate (groups, n_test, n_rows, NULL);
  g_autofree gint64 *group_val = split_allocate (groups, n_val, n_rows, group_test);
  g_autoptr (GArray) train = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GArray) test = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GArray) val = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint g = 0; g < groups->len; g++)
    {
      GArray *rows = g_ptr_array_index (groups, g);
      gint64 *r = (gint64 *) rows->data;
      shuffle (r, rows->len, rand);
      g_array_append_vals (test, r, (guint) group_test[g]);
      g_array_append_vals (val, r + group_test[g], (guint) group_val[g]);
      g_array_append_vals (train, r + group_test[g] + group_val[g],
                           rows->len - (guint) (group_test[g] + group_val[g]));
    }
  /* Stratified parts are grouped by class: mix them again. */
  shuffle ((gint64 *) train->data, train->len, rand);
  shuffle ((gint64 *) test->data, test->len, rand);
  shuffle ((gint64 *) val->data, val->len, rand);

  g_autoptr (DlpDataset) tr = dlp_dataset_take_rows (ds, (gint64 *) train->data, train->len, error);
  g_autoptr (DlpDataset) te =
    tr ? dlp_dataset_take_rows (ds, (gint64 *) test->data, test->len, error) : NULL;
  if (te == NULL)
    return FALSE;
  if (n_val > 0)
    {
      *val_out = dlp_dataset_take_rows (ds, (gint64 *) val->data, val->len, error);
      if (*val_out == NULL)
        return FALSE;
    }
  *train_out = g_steal_pointer (&tr);
  *test_out = g_steal_pointer (&te);
  return TRUE;
}

static const DlpSplitterClass random_splitter = {
  .struct_size = sizeof (DlpSplitterClass),
  .name = "random",
  .description = "Shuffled train/test (and validation) parts, stratified by label",
  .params = random_params,
  .split = random_split,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_splitter (registry, &random_splitter, error);
}

DLP_PLUGIN_DEFINE (splitter_random, "0.1.0", "LGPL-2.1-or-later", "The random splitter",
                   plugin_init)
