/* rows.c: raw values into the typed columns a package's preprocessing
 * starts from (see dlp-predictor.h). The request readers of `dlpipe
 * serve` and the file readers of `dlpipe predict` set values through it
 * too. */
#include <math.h>
#include <string.h>
#include "predict-private.h"

struct _DlpPredictorRows {
  DlpPredictor *predictor;
  gint64 n_rows;
  DlpTensor **tensors; /* one per input */
  guint8 **data;       /* their writable data */
  gboolean finished;   /* the tensors belong to a dataset now */
};

void
dlp_predictor_rows_free (DlpPredictorRows *table)
{
  if (table == NULL)
    return;
  for (guint i = 0; i < table->predictor->n_inputs; i++)
    g_clear_pointer (&table->tensors[i], dlp_tensor_unref);
  g_free (table->tensors);
  g_free (table->data);
  dlp_predictor_unref (table->predictor);
  g_free (table);
}

DlpPredictorRows *
dlp_predictor_rows_new (DlpPredictor *predictor, gint64 n_rows, GError **error)
{
  g_return_val_if_fail (n_rows >= 0, NULL);
  g_autoptr (DlpPredictorRows) t = g_new0 (DlpPredictorRows, 1);
  t->predictor = dlp_predictor_ref (predictor);
  t->n_rows = n_rows;
  t->tensors = g_new0 (DlpTensor *, predictor->n_inputs);
  t->data = g_new0 (guint8 *, predictor->n_inputs);
  for (guint i = 0; i < predictor->n_inputs; i++)
    {
      const DlpPredictorInput *in = &predictor->inputs[i].info;
      gint64 shape[DLP_TENSOR_MAX_RANK + 1] = { n_rows };
      memcpy (shape + 1, in->shape, in->rank * sizeof (gint64));
      t->tensors[i] = dlp_tensor_new (in->dtype, in->rank + 1, shape, error);
      if (t->tensors[i] == NULL)
        {
          g_prefix_error (error, "input '%s': ", in->name);
          return NULL;
        }
      t->data[i] = dlp_tensor_get_data_mut (t->tensors[i]);
    }
  return g_steal_pointer (&t);
}

/* "row 3, column 'image' value 17: " */
static gboolean G_GNUC_PRINTF (6, 7)
  value_error (DlpPredictorRows *t, guint input, gint64 row, gsize element, GError **error,
               const char *format, ...)
{
  const DlpPredictorInput *in = &t->predictor->inputs[input].info;
  va_list args;
  va_start (args, format);
  g_autofree char *msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_autofree char *value =
    in->n_values > 1 ? g_strdup_printf (" value %" G_GSIZE_FORMAT, element) : g_strdup ("");
  g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "row %" G_GINT64_FORMAT ", column '%s'%s: %s",
               row, in->name, value, msg);
  return FALSE;
}

static inline gboolean
settable (DlpPredictorRows *t, guint input, gint64 row, gsize element)
{
  return !t->finished && input < t->predictor->n_inputs && row >= 0 && row < t->n_rows
         && element < t->predictor->inputs[input].info.n_values;
}

static inline gsize
index_of (DlpPredictorRows *t, guint input, gint64 row, gsize element)
{
  return (gsize) row * t->predictor->inputs[input].info.n_values + element;
}

static gboolean
set_code (DlpPredictorRows *t, guint input, gint64 row, gsize element, const char *name,
          GError **error)
{
  gint32 code = dlp_predictor_input_code (t->predictor, input, name);
  if (code < 0)
    {
      g_autofree char *known = dlp_predictor_list_categories (t->predictor, input);
      return value_error (t, input, row, element, error, "unknown category '%s' (known: %s)", name,
                          known);
    }
  ((gint32 *) t->data[input])[index_of (t, input, row, element)] = code;
  return TRUE;
}

static const char *
dtype_words (DlpDtype dtype)
{
  switch (dtype)
    {
    case DLP_DTYPE_I32:
      return "32-bit integers";
    case DLP_DTYPE_I64:
      return "64-bit integers";
    case DLP_DTYPE_U8:
      return "integers from 0 to 255";
    case DLP_DTYPE_BOOL:
      return "true or false";
    default:
      return "numbers";
    }
}

gboolean
dlp_predictor_rows_set_number (DlpPredictorRows *t, guint input, gint64 row, gsize element,
                               double value, GError **error)
{
  g_return_val_if_fail (settable (t, input, row, element), FALSE);
  const DlpPredictorInput *in = &t->predictor->inputs[input].info;
  gsize i = index_of (t, input, row, element);
  if (in->categories)
    {
      char text[G_ASCII_DTOSTR_BUF_SIZE];
      if (value == floor (value) && fabs (value) < 1e15)
        g_snprintf (text, sizeof text, "%.0f", value);
      else
        g_ascii_dtostr (text, sizeof text, value);
      return set_code (t, input, row, element, text, error);
    }
  /* Range first: the casts below are only defined within it. */
  switch (in->dtype)
    {
    case DLP_DTYPE_F32:
      ((float *) t->data[input])[i] = (float) value;
      return TRUE;
    case DLP_DTYPE_F64:
      ((double *) t->data[input])[i] = value;
      return TRUE;
    case DLP_DTYPE_U8:
      if (!(value >= 0 && value <= 255) || (double) (guint8) value != value)
        break;
      t->data[input][i] = (guint8) value;
      return TRUE;
    case DLP_DTYPE_I32:
      if (!(value >= G_MININT32 && value <= G_MAXINT32) || (double) (gint32) value != value)
        break;
      ((gint32 *) t->data[input])[i] = (gint32) value;
      return TRUE;
    case DLP_DTYPE_I64:
      /* Beyond 2^53 a double no longer tells neighbouring integers apart. */
      if (!(fabs (value) <= 9007199254740992.0) || (double) (gint64) value != value)
        break;
      ((gint64 *) t->data[input])[i] = (gint64) value;
      return TRUE;
    case DLP_DTYPE_BOOL:
      if (value != 0 && value != 1)
        break;
      t->data[input][i] = (guint8) value;
      return TRUE;
    default:
      break;
    }
  char shown[G_ASCII_DTOSTR_BUF_SIZE];
  return value_error (t, input, row, element, error, "expected %s, got %s", dtype_words (in->dtype),
                      g_ascii_dtostr (shown, sizeof shown, value));
}

gboolean
dlp_predictor_rows_set_bool (DlpPredictorRows *t, guint input, gint64 row, gsize element,
                             gboolean value, GError **error)
{
  g_return_val_if_fail (settable (t, input, row, element), FALSE);
  const DlpPredictorInput *in = &t->predictor->inputs[input].info;
  if (in->categories)
    return set_code (t, input, row, element, value ? "true" : "false", error);
  return dlp_predictor_rows_set_number (t, input, row, element, value ? 1 : 0, error);
}

gboolean
dlp_predictor_rows_set_category (DlpPredictorRows *t, guint input, gint64 row, gsize element,
                                 const char *name, GError **error)
{
  g_return_val_if_fail (settable (t, input, row, element), FALSE);
  const DlpPredictorInput *in = &t->predictor->inputs[input].info;
  if (in->categories == NULL)
    return value_error (t, input, row, element, error, "expected %s, got the text \"%s\"",
                        dtype_words (in->dtype), name);
  return set_code (t, input, row, element, name, error);
}

gboolean
dlp_predictor_rows_set_missing (DlpPredictorRows *t, guint input, gint64 row, gsize element,
                                GError **error)
{
  g_return_val_if_fail (settable (t, input, row, element), FALSE);
  const DlpPredictorInput *in = &t->predictor->inputs[input].info;
  gsize i = index_of (t, input, row, element);
  if (in->categories)
    ((gint32 *) t->data[input])[i] = -1;
  else if (in->dtype == DLP_DTYPE_F32)
    ((float *) t->data[input])[i] = NAN;
  else if (in->dtype == DLP_DTYPE_F64)
    ((double *) t->data[input])[i] = NAN;
  else
    return value_error (t, input, row, element, error,
                        "a value is required (%s takes %s, "
                        "which cannot be missing)",
                        in->name, dtype_words (in->dtype));
  return TRUE;
}

/* What pandas reads as missing by default. */
static gboolean
is_missing_text (const char *text)
{
  static const char *const words[] = {
    "", "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "null", "NULL", "None", "<NA>", "#N/A",
  };
  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    if (strcmp (text, words[i]) == 0)
      return TRUE;
  return FALSE;
}

gboolean
dlp_predictor_rows_set_text (DlpPredictorRows *t, guint input, gint64 row, gsize element,
                             const char *text, GError **error)
{
  g_return_val_if_fail (settable (t, input, row, element), FALSE);
  const DlpPredictorInput *in = &t->predictor->inputs[input].info;
  if (in->categories)
    {
      if (is_missing_text (text) && dlp_predictor_input_code (t->predictor, input, text) < 0)
        return dlp_predictor_rows_set_missing (t, input, row, element, error);
      return set_code (t, input, row, element, text, error);
    }
  if (is_missing_text (text))
    return dlp_predictor_rows_set_missing (t, input, row, element, error);
  if (in->dtype == DLP_DTYPE_BOOL)
    {
      if (g_ascii_strcasecmp (text, "true") == 0)
        return dlp_predictor_rows_set_bool (t, input, row, element, TRUE, error);
      if (g_ascii_strcasecmp (text, "false") == 0)
        return dlp_predictor_rows_set_bool (t, input, row, element, FALSE, error);
    }
  char *end = NULL;
  double value = g_ascii_strtod (text, &end);
  /* strtod also reads hexadecimal and "infinity"; a CSV number is decimal. */
  gboolean decimal = strpbrk (text, "xXiI") == NULL;
  if (end == text || *end != '\0' || !decimal || g_ascii_isspace (text[0]))
    return value_error (t, input, row, element, error, "expected %s, got \"%s\"",
                        dtype_words (in->dtype), text);
  return dlp_predictor_rows_set_number (t, input, row, element, value, error);
}

/* A whole column's count, or an error saying what it should be. */
static gboolean
check_column (DlpPredictorRows *t, guint input, gsize n_values, GError **error)
{
  const DlpPredictorInput *in = &t->predictor->inputs[input].info;
  gsize expected = (gsize) t->n_rows * in->n_values;
  if (n_values == expected)
    return TRUE;
  g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
               "column '%s': %" G_GSIZE_FORMAT " values, expected %" G_GINT64_FORMAT
               " rows of %" G_GSIZE_FORMAT,
               in->name, n_values, t->n_rows, in->n_values);
  return FALSE;
}

/* Sets value @k of a column from @values (doubles or strings). */
typedef gboolean (*ColumnSetter) (DlpPredictorRows *t, guint input, gint64 row, gsize element,
                                  gconstpointer values, gsize k, GError **error);

static gboolean
set_double (DlpPredictorRows *t, guint input, gint64 row, gsize element, gconstpointer values,
            gsize k, GError **error)
{
  double v = ((const double *) values)[k];
  return isnan (v) ? dlp_predictor_rows_set_missing (t, input, row, element, error)
                   : dlp_predictor_rows_set_number (t, input, row, element, v, error);
}

static gboolean
set_string (DlpPredictorRows *t, guint input, gint64 row, gsize element, gconstpointer values,
            gsize k, GError **error)
{
  const char *v = ((const char *const *) values)[k];
  return v == NULL ? dlp_predictor_rows_set_missing (t, input, row, element, error)
                   : dlp_predictor_rows_set_text (t, input, row, element, v, error);
}

/* A whole column, row after row, each row's values in a row. */
static gboolean
set_column (DlpPredictorRows *t, guint input, gconstpointer values, gsize n_values,
            ColumnSetter set, GError **error)
{
  g_return_val_if_fail (!t->finished && input < t->predictor->n_inputs, FALSE);
  if (!check_column (t, input, n_values, error))
    return FALSE;
  gsize per_row = t->predictor->inputs[input].info.n_values;
  for (gsize k = 0; k < n_values; k++)
    if (!set (t, input, (gint64) (k / per_row), k % per_row, values, k, error))
      return FALSE;
  return TRUE;
}

gboolean
dlp_predictor_rows_set_column_doubles (DlpPredictorRows *t, guint input, const double *values,
                                       gsize n_values, GError **error)
{
  return set_column (t, input, values, n_values, set_double, error);
}

gboolean
dlp_predictor_rows_set_column_strings (DlpPredictorRows *t, guint input, const char *const *values,
                                       gsize n_values, GError **error)
{
  return set_column (t, input, values, n_values, set_string, error);
}

DlpDataset *
dlp_predictor_rows_finish (DlpPredictorRows *t, GError **error)
{
  g_return_val_if_fail (!t->finished, NULL);
  t->finished = TRUE;
  g_autoptr (DlpDataset) ds = dlp_dataset_new (t->n_rows);
  for (guint i = 0; i < t->predictor->n_inputs; i++)
    {
      const DlpPredictorInput *in = &t->predictor->inputs[i].info;
      gboolean ok =
        in->categories
          ? dlp_dataset_add_categorical (ds, in->name, t->tensors[i],
                                         (const char *const *) in->categories, in->n_categories,
                                         DLP_COLUMN_FEATURE, error)
          : dlp_dataset_add_column (ds, in->name, t->tensors[i], DLP_COLUMN_FEATURE, error);
      if (!ok)
        return NULL;
    }
  return g_steal_pointer (&ds);
}
