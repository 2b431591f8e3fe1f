/* column-map.c: which named columns (a CSV header, the columns of a
 * dataframe_split) hold which input's values (see request.h). */
#include <string.h>
#include "request.h"

void
dlp_column_map_free (DlpColumnMap *map)
{
  if (map == NULL)
    return;
  for (guint i = 0; i < map->n_inputs; i++)
    g_free (map->spread[i]);
  g_free (map->spread);
  g_free (map->whole);
  g_free (map);
}

/* Index of column @name, or -1 (the first, if repeated). */
static int
find_name (GHashTable *index, const char *name)
{
  return GPOINTER_TO_INT (g_hash_table_lookup (index, name)) - 1;
}

/* NAME_0 ... NAME_{n-1}, if all are there. */
static guint *
find_spread (const DlpPredictorInput *in, GHashTable *index, guint n_names)
{
  if (in->n_values < 2 || in->n_values > n_names)
    return NULL;
  g_autofree guint *columns = g_new (guint, in->n_values);
  for (gsize e = 0; e < in->n_values; e++)
    {
      char name[256];
      g_snprintf (name, sizeof name, "%s_%" G_GSIZE_FORMAT, in->name, e);
      int c = find_name (index, name);
      if (c < 0)
        return NULL;
      columns[e] = (guint) c;
    }
  return g_steal_pointer (&columns);
}

/* The sole input of several values, read from every column in order. */
static gboolean
positional (DlpPredictor *predictor, GHashTable *index, guint n_names)
{
  if (dlp_predictor_get_n_inputs (predictor) != 1
      || dlp_predictor_get_input (predictor, 0)->n_values != n_names || n_names < 2)
    return FALSE;
  return find_name (index, dlp_predictor_get_input (predictor, 0)->name) < 0;
}

DlpColumnMap *
dlp_column_map_new (DlpPredictor *predictor, const char *const *names, guint n_names,
                    GError **error)
{
  g_autoptr (DlpColumnMap) map = g_new0 (DlpColumnMap, 1);
  map->n_inputs = dlp_predictor_get_n_inputs (predictor);
  map->whole = g_new (int, dlp_predictor_get_n_inputs (predictor));
  map->spread = g_new0 (guint *, dlp_predictor_get_n_inputs (predictor));
  g_autoptr (GHashTable) index = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint c = n_names; c-- > 0;)
    g_hash_table_insert (index, (gpointer) names[c], GINT_TO_POINTER (c + 1));
  g_autoptr (GString) missing = g_string_new (NULL);
  for (guint i = 0; i < dlp_predictor_get_n_inputs (predictor); i++)
    {
      const DlpPredictorInput *in = dlp_predictor_get_input (predictor, i);
      map->whole[i] = find_name (index, in->name);
      if (map->whole[i] >= 0)
        continue;
      map->spread[i] = find_spread (in, index, n_names);
      if (map->spread[i] == NULL && positional (predictor, index, n_names))
        {
          map->spread[i] = g_new (guint, n_names);
          for (guint c = 0; c < n_names; c++)
            map->spread[i][c] = c;
        }
      if (map->spread[i] == NULL)
        {
          g_string_append_printf (missing, "%s'%s'", missing->len ? ", " : "", in->name);
          if (in->n_values > 1)
            g_string_append_printf (missing, " (or '%s_0' to '%s_%" G_GSIZE_FORMAT "')", in->name,
                                    in->name, in->n_values - 1);
        }
    }
  if (missing->len > 0)
    {
      g_autofree char *inputs = dlp_predictor_list_inputs (predictor);
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "no column for input %s (the model's inputs: %s)", missing->str, inputs);
      return NULL;
    }
  return g_steal_pointer (&map);
}
