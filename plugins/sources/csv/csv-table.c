/* csv-table.c: accumulating CSV columns and turning them into a dataset. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "csv-dict.h"
#include "csv-number.h"
#include "csv-table.h"

typedef struct {
  char *name;
  CsvType type;
  gboolean categorical; /* how values are being stored now */
  float *values;        /* numeric */
  gint32 *codes;        /* categorical */
  gsize cap;
  CsvDict *dict;
} Column;

typedef struct {
  const char *text;
  gsize len;
} Token;

struct _CsvTable {
  char *path;
  Column *columns;
  guint n_columns;
  gint64 n_rows;
  Token *missing;
  guint n_missing;
};

CsvTable *
csv_table_new (const char *path, char **names, const CsvType *types, const char *const *missing)
{
  CsvTable *t = g_new0 (CsvTable, 1);
  t->path = g_strdup (path);
  t->n_columns = g_strv_length (names);
  t->columns = g_new0 (Column, t->n_columns);
  for (guint i = 0; i < t->n_columns; i++)
    {
      Column *c = &t->columns[i];
      c->name = g_strdup (names[i]);
      c->type = types[i];
      c->categorical = types[i] == CSV_TYPE_CATEGORICAL;
      if (c->categorical)
        c->dict = csv_dict_new ();
    }
  t->n_missing = missing ? g_strv_length ((char **) missing) : 0;
  t->missing = g_new0 (Token, t->n_missing + 1);
  for (guint i = 0; i < t->n_missing; i++)
    t->missing[i] = (Token){ missing[i], strlen (missing[i]) };
  return t;
}

void
csv_table_free (CsvTable *table)
{
  if (table == NULL)
    return;
  for (guint i = 0; i < table->n_columns; i++)
    {
      Column *c = &table->columns[i];
      g_free (c->name);
      g_free (c->values);
      g_free (c->codes);
      g_clear_pointer (&c->dict, csv_dict_free);
    }
  g_free (table->columns);
  g_free (table->missing);
  g_free (table->path);
  g_free (table);
}

gint64
csv_table_get_n_rows (const CsvTable *table)
{
  return table->n_rows;
}

static gboolean
is_missing (const CsvTable *t, const CsvField *f)
{
  for (guint i = 0; i < t->n_missing; i++)
    if (t->missing[i].len == f->len && memcmp (t->missing[i].text, f->data, f->len) == 0)
      return TRUE;
  return FALSE;
}

static void
reserve (CsvTable *t)
{
  gsize need = (gsize) t->n_rows + 1;
  for (guint i = 0; i < t->n_columns; i++)
    {
      Column *c = &t->columns[i];
      if (need <= c->cap)
        continue;
      c->cap = MAX (c->cap * 2, 1024);
      if (c->categorical)
        c->codes = g_renew (gint32, c->codes, c->cap);
      else
        c->values = g_renew (float, c->values, c->cap);
    }
}

static char *
quote_for_message (const CsvField *f)
{
  gsize len = MIN (f->len, 40);
  g_autofree char *text = g_strndup (f->data, len);
  if (!g_utf8_validate (text, -1, NULL))
    return g_strdup ("(invalid UTF-8)");
  return g_strdup_printf ("\"%s%s\"", text, f->len > len ? "..." : "");
}

CsvAddResult
csv_table_add_row (CsvTable *t, const CsvField *fields, guint64 line, guint *retype_column,
                   GError **error)
{
  reserve (t);
  gsize row = (gsize) t->n_rows;
  for (guint i = 0; i < t->n_columns; i++)
    {
      Column *c = &t->columns[i];
      const CsvField *f = &fields[i];
      gboolean missing = is_missing (t, f);
      if (c->categorical)
        {
          if (missing)
            {
              c->codes[row] = -1;
              continue;
            }
          gboolean added;
          c->codes[row] = csv_dict_intern (c->dict, f->data, f->len, &added);
          if (added && !g_utf8_validate_len (f->data, f->len, NULL))
            {
              g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                           "%s:%" G_GUINT64_FORMAT ": column '%s': invalid UTF-8 text", t->path,
                           line, c->name);
              return CSV_ADD_ERROR;
            }
          continue;
        }
      double v;
      if (missing)
        c->values[row] = NAN;
      else if (csv_parse_number (f->data, f->len, &v))
        c->values[row] = (float) v;
      else if (c->type == CSV_TYPE_AUTO)
        {
          *retype_column = i;
          return CSV_ADD_RETYPE;
        }
      else
        {
          g_autofree char *got = quote_for_message (f);
          g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                       "%s:%" G_GUINT64_FORMAT ": column '%s': expected a number "
                       "(the column is declared numeric), got %s",
                       t->path, line, c->name, got);
          return CSV_ADD_ERROR;
        }
    }
  t->n_rows++;
  return CSV_ADD_OK;
}

/* Sorting categories: numerically when every name is a number ("2" before
 * "10"), otherwise by their UTF-8 bytes. */
typedef struct {
  const char *text;
  double number;
  gint32 code;
} SortItem;

static int
compare_text (const void *a, const void *b)
{
  return strcmp (((const SortItem *) a)->text, ((const SortItem *) b)->text);
}

static int
compare_number (const void *a, const void *b)
{
  double x = ((const SortItem *) a)->number, y = ((const SortItem *) b)->number;
  return x < y ? -1 : x > y ? 1 : compare_text (a, b);
}

static gboolean
add_categorical (DlpDataset *ds, Column *c, gint64 n_rows, DlpColumnRole role, GError **error)
{
  guint n = csv_dict_get_size (c->dict);
  g_autofree SortItem *items = g_new0 (SortItem, n + 1);
  gboolean all_numbers = n > 0;
  for (guint i = 0; i < n; i++)
    {
      items[i].code = (gint32) i;
      items[i].text = csv_dict_get_text (c->dict, (gint32) i);
      all_numbers =
        all_numbers && csv_parse_number (items[i].text, strlen (items[i].text), &items[i].number);
    }
  qsort (items, n, sizeof *items, all_numbers ? compare_number : compare_text);
  g_autofree gint32 *remap = g_new0 (gint32, n + 1);
  g_autofree const char **names = g_new0 (const char *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      remap[items[i].code] = (gint32) i;
      names[i] = items[i].text;
    }
  g_autoptr (DlpTensor) codes = dlp_tensor_new_1d (DLP_DTYPE_I32, n_rows, error);
  if (codes == NULL)
    return FALSE;
  gint32 *out = dlp_tensor_get_data_mut (codes);
  for (gint64 r = 0; r < n_rows; r++)
    out[r] = c->codes[r] < 0 ? -1 : remap[c->codes[r]];
  return dlp_dataset_add_categorical (ds, c->name, codes, names, n, role, error);
}

DlpDataset *
csv_table_to_dataset (CsvTable *t, const char *label, GError **error)
{
  g_autoptr (DlpDataset) ds = dlp_dataset_new (t->n_rows);
  for (guint i = 0; i < t->n_columns; i++)
    {
      Column *c = &t->columns[i];
      DlpColumnRole role = g_strcmp0 (c->name, label) == 0 ? DLP_COLUMN_LABEL : DLP_COLUMN_FEATURE;
      if (c->categorical)
        {
          if (!add_categorical (ds, c, t->n_rows, role, error))
            return NULL;
          continue;
        }
      /* The tensor takes the column's buffer rather than a copy of it. */
      gsize nbytes = (gsize) t->n_rows * sizeof (float);
      g_autoptr (GBytes) bytes = g_bytes_new_take (g_steal_pointer (&c->values), nbytes);
      c->cap = 0;
      gint64 shape[] = { t->n_rows };
      g_autoptr (DlpTensor) values =
        dlp_tensor_new_from_bytes (DLP_DTYPE_F32, 1, shape, bytes, 0, error);
      if (values == NULL)
        return NULL;
      if (!dlp_dataset_add_column (ds, c->name, values, role, error))
        return NULL;
    }
  return g_steal_pointer (&ds);
}
