/* impute.c: the impute step, filling missing values.
 *
 *   - impute: {strategy: median}                       # numeric features
 *   - impute: {strategy: most_frequent, columns: [sex]}
 *   - impute: {strategy: constant, value: unknown, columns: [sex]}
 *
 * mean and median fill float columns; most_frequent and constant also fill
 * categorical ones (a constant that is not yet a category becomes one).
 * The fill values are fitted on the training data and saved as state. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "step-util.h"

static const DlpParamSpec impute_params[] = {
  DLP_PARAM_ENUM ("strategy", "How to compute the fill value", "mean",
                  "mean|median|most_frequent|constant"),
  DLP_PARAM_ANY ("value", "The fill value of strategy constant (a number, or a category's text)",
                 NULL),
  DLP_PARAM_LIST ("columns",
                  "Columns to fill (default: the float features, and for most_frequent and "
                  "constant also the categorical features)",
                  NULL),
  DLP_PARAM_END,
};

typedef enum { MEAN, MEDIAN, MOST_FREQUENT, CONSTANT } Strategy;
static const char *const strategy_names[] = { "mean", "median", "most_frequent", "constant" };

typedef struct {
  Strategy strategy;
  JsonNode *constant; /* strategy constant */
  GStrv columns;      /* the setting; NULL = default */
  JsonObject *values; /* fitted: column -> number or category text */
  char *label;
} Impute;

static void
impute_free (gpointer self)
{
  Impute *im = self;
  g_clear_pointer (&im->constant, json_node_unref);
  g_strfreev (im->columns);
  g_clear_pointer (&im->values, json_object_unref);
  g_free (im->label);
  g_free (im);
}

static gpointer
impute_create (DlpConfig *config, GError **error)
{
  Impute *im = g_new0 (Impute, 1);
  g_autofree char *strategy = NULL;
  if (!dlp_config_get_string (config, "strategy", &strategy, error)
      || !step_get_columns (config, &im->columns, error))
    {
      impute_free (im);
      return NULL;
    }
  for (guint i = 0; i < G_N_ELEMENTS (strategy_names); i++)
    if (g_strcmp0 (strategy, strategy_names[i]) == 0)
      im->strategy = (Strategy) i;
  JsonNode *value = dlp_config_lookup (config, "value");
  if (im->strategy == CONSTANT)
    {
      if (value == NULL || !JSON_NODE_HOLDS_VALUE (value))
        {
          dlp_config_set_error (config, "value", error,
                                "strategy constant needs a value (a number or a text)");
          impute_free (im);
          return NULL;
        }
      im->constant = json_node_copy (value);
    }
  else if (value != NULL && !JSON_NODE_HOLDS_NULL (value))
    {
      dlp_config_set_error (config, "value", error, "only strategy constant takes a value");
      impute_free (im);
      return NULL;
    }
  im->values = json_object_new ();
  return im;
}

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* The fill value of a numeric column from its non-missing values. */
static gboolean
fit_numeric (Impute *im, DlpTensor *t, const char *name, double *out, GError **error)
{
  if (im->strategy == CONSTANT)
    {
      if (json_node_get_value_type (im->constant) != G_TYPE_INT64
          && json_node_get_value_type (im->constant) != G_TYPE_DOUBLE)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG,
                       "column '%s' is numeric; value must be a number", name);
          return FALSE;
        }
      *out = json_node_get_double (im->constant);
      return TRUE;
    }
  gsize n = dlp_tensor_get_n_elements (t), k = 0;
  g_autofree double *v = g_new (double, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    {
      double x = dlp_tensor_get_value (t, i);
      if (!isnan (x))
        v[k++] = x;
    }
  if (k == 0)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FAILED,
                   "column '%s' has no values to compute a %s from", name,
                   strategy_names[im->strategy]);
      return FALSE;
    }
  if (im->strategy == MEAN)
    {
      double sum = 0;
      for (gsize i = 0; i < k; i++)
        sum += v[i];
      *out = sum / (double) k;
      return TRUE;
    }
  qsort (v, k, sizeof *v, compare_double);
  if (im->strategy == MEDIAN)
    {
      *out = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
      return TRUE;
    }
  /* most_frequent: the longest run; ties go to the smallest value. */
  gsize best = 0, best_len = 0;
  for (gsize i = 0; i < k;)
    {
      gsize j = i;
      while (j < k && v[j] == v[i])
        j++;
      if (j - i > best_len)
        {
          best = i;
          best_len = j - i;
        }
      i = j;
    }
  *out = v[best];
  return TRUE;
}

/* The fill text of a categorical column. */
static char *
fit_categorical (Impute *im, DlpDataset *ds, guint index, GError **error)
{
  const char *name = dlp_dataset_get_column_name (ds, index);
  if (im->strategy == CONSTANT)
    {
      if (json_node_get_value_type (im->constant) == G_TYPE_STRING)
        return g_strdup (json_node_get_string (im->constant));
      g_autoptr (JsonGenerator) gen = json_generator_new ();
      json_generator_set_root (gen, im->constant);
      return json_generator_to_data (gen, NULL);
    }
  if (im->strategy != MOST_FREQUENT)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_DTYPE,
                   "column '%s' is categorical; strategy %s needs numbers (use "
                   "most_frequent or constant)",
                   name, strategy_names[im->strategy]);
      return NULL;
    }
  guint n_cats = 0;
  const char *const *cats = dlp_dataset_get_column_categories (ds, index, &n_cats);
  g_autofree gint64 *counts = g_new0 (gint64, n_cats + 1);
  const gint32 *codes = dlp_tensor_get_data (dlp_dataset_get_column_tensor (ds, index));
  for (gint64 r = 0; r < dlp_dataset_get_n_rows (ds); r++)
    if (codes[r] >= 0)
      counts[codes[r]]++;
  guint best = 0;
  for (guint c = 1; c < n_cats; c++)
    if (counts[c] > counts[best])
      best = c;
  if (n_cats == 0 || counts[best] == 0)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FAILED,
                   "column '%s' has no values to find the most frequent of", name);
      return NULL;
    }
  return g_strdup (cats[best]);
}

static gboolean
impute_fit (gpointer self, DlpDataset *ds, DlpContext *context, GError **error)
{
  Impute *im = self;
  (void) context;
  StepKinds kinds = STEP_NUMERIC | STEP_FLOAT;
  if (im->strategy == MOST_FREQUENT || im->strategy == CONSTANT)
    kinds |= STEP_CATEGORICAL;
  g_auto (GStrv) columns =
    step_pick_columns (ds, (const char *const *) im->columns, kinds, "impute", error);
  if (columns == NULL)
    return FALSE;
  g_free (im->label);
  im->label = g_strdup (step_label_name (ds));
  for (guint i = 0; columns[i]; i++)
    {
      guint index = (guint) dlp_dataset_find_column (ds, columns[i]);
      if (dlp_dataset_column_is_categorical (ds, index))
        {
          g_autofree char *text = fit_categorical (im, ds, index, error);
          if (text == NULL)
            return FALSE;
          json_object_set_string_member (im->values, columns[i], text);
          continue;
        }
      double value;
      if (!fit_numeric (im, dlp_dataset_get_column_tensor (ds, index), columns[i], &value, error))
        return FALSE;
      json_object_set_double_member (im->values, columns[i], value);
    }
  return TRUE;
}

static DlpDataset *
fill_categorical (DlpDataset *ds, guint index, const char *text, GError **error)
{
  guint n = 0;
  const char *const *cats = dlp_dataset_get_column_categories (ds, index, &n);
  gint32 code = -1;
  for (guint c = 0; c < n; c++)
    if (strcmp (cats[c], text) == 0)
      code = (gint32) c;
  g_autoptr (DlpTensor) codes = dlp_tensor_copy (dlp_dataset_get_column_tensor (ds, index));
  gint32 *v = dlp_tensor_get_data_mut (codes);
  g_autofree const char **names = g_new0 (const char *, n + 2);
  for (guint c = 0; c < n; c++)
    names[c] = cats[c];
  if (code < 0)
    {
      names[n] = text;
      code = (gint32) n++;
    }
  for (gint64 r = 0; r < dlp_dataset_get_n_rows (ds); r++)
    if (v[r] < 0)
      v[r] = code;
  return step_with_column (ds, index, codes, names, n, error);
}

static DlpDataset *
impute_apply (gpointer self, DlpDataset *ds, DlpContext *context, GError **error)
{
  Impute *im = self;
  (void) context;
  g_autoptr (DlpDataset) out = dlp_dataset_copy (ds);
  g_autoptr (GList) names = json_object_get_members (im->values);
  for (GList *l = names; l; l = l->next)
    {
      const char *name = l->data;
      int index = step_find_column (out, name, im->label, error);
      if (index < 0)
        {
          if (error && *error)
            return NULL;
          continue;
        }
      JsonNode *value = json_object_get_member (im->values, name);
      if (dlp_dataset_column_is_categorical (out, (guint) index))
        {
          if (json_node_get_value_type (value) != G_TYPE_STRING)
            {
              g_set_error (error, DLP_ERROR, DLP_ERROR_DTYPE,
                           "column '%s' is categorical, but was numeric when fitted", name);
              return NULL;
            }
          DlpDataset *next =
            fill_categorical (out, (guint) index, json_node_get_string (value), error);
          if (next == NULL)
            return NULL;
          dlp_dataset_unref (out);
          out = next;
          continue;
        }
      DlpTensor *t = dlp_dataset_get_column_tensor (out, (guint) index);
      DlpDtype dt = dlp_tensor_get_dtype (t);
      if (json_node_get_value_type (value) == G_TYPE_STRING
          || (dt != DLP_DTYPE_F32 && dt != DLP_DTYPE_F64))
        {
          /* Integer columns have no missing values to fill. */
          if (json_node_get_value_type (value) != G_TYPE_STRING)
            continue;
          g_set_error (error, DLP_ERROR, DLP_ERROR_DTYPE,
                       "column '%s' is numeric, but was categorical when fitted", name);
          return NULL;
        }
      double fill = json_node_get_double (value);
      g_autoptr (DlpTensor) copy = dlp_tensor_copy (t);
      gsize n = dlp_tensor_get_n_elements (copy);
      if (dt == DLP_DTYPE_F32)
        {
          float *v = dlp_tensor_get_data_mut (copy);
          for (gsize i = 0; i < n; i++)
            if (isnan (v[i]))
              v[i] = (float) fill;
        }
      else
        {
          double *v = dlp_tensor_get_data_mut (copy);
          for (gsize i = 0; i < n; i++)
            if (isnan (v[i]))
              v[i] = fill;
        }
      if (!dlp_dataset_replace_column (out, (guint) index, copy, error))
        return NULL;
    }
  return g_steal_pointer (&out);
}

static JsonNode *
impute_save_state (gpointer self)
{
  Impute *im = self;
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "strategy", strategy_names[im->strategy]);
  json_object_set_object_member (o, "values", json_object_ref (im->values));
  return step_state_to_json (o, im->label);
}

static gboolean
impute_load_state (gpointer self, JsonNode *state, GError **error)
{
  Impute *im = self;
  JsonNode *values = step_state_member (state, "values", "impute", error);
  if (values == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (values))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "impute: state values is not a mapping");
      return FALSE;
    }
  JsonObject *vo = json_node_get_object (values);
  g_autoptr (GList) names = json_object_get_members (vo);
  for (GList *l = names; l; l = l->next)
    {
      GType t = json_node_get_value_type (json_object_get_member (vo, l->data));
      if (t != G_TYPE_STRING && t != G_TYPE_DOUBLE && t != G_TYPE_INT64)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                       "impute: state value of '%s' is not a number or text",
                       (const char *) l->data);
          return FALSE;
        }
    }
  json_object_unref (im->values);
  im->values = json_object_ref (vo);
  g_free (im->label);
  im->label = step_state_get_label (state);
  return TRUE;
}

static const DlpTransformClass impute_transform = {
  .struct_size = sizeof (DlpTransformClass),
  .name = "impute",
  .description = "Fills missing values with a mean, median, most frequent value or constant",
  .params = impute_params,
  .create = impute_create,
  .destroy = impute_free,
  .fit = impute_fit,
  .apply = impute_apply,
  .save_state = impute_save_state,
  .load_state = impute_load_state,
};

static gboolean
plugin_init (DlpRegistry *registry, GError **error)
{
  return dlp_registry_add_transform (registry, &impute_transform, error);
}

DLP_PLUGIN_DEFINE (transform_impute, "0.1.0", "LGPL-2.1-or-later", "The impute transform step",
                   plugin_init)
