/* request-csv.c: a CSV table as rows of a package's inputs (see request.h).
 *
 * A one-value input reads its column; an input of several values (an
 * image) reads NAME_0, NAME_1, ... or, as the package's only input, every
 * column in order (a CSV of 784 pixel columns). A cell cannot hold a
 * whole image. */
#include "request.h"

DlpDataset *
dlp_request_read_csv_doc (DlpPredictor *predictor, const DlpCsvDoc *csv, GError **error)
{
  guint n_columns = dlp_csv_doc_get_n_columns (csv);
  g_autofree const char **names = g_new (const char *, n_columns + 1);
  for (guint c = 0; c < n_columns; c++)
    names[c] = dlp_csv_doc_get_header (csv, c);
  g_autoptr (DlpColumnMap) map = dlp_column_map_new (predictor, names, n_columns, error);
  if (map == NULL)
    {
      g_prefix_error (error, "CSV header: ");
      return NULL;
    }
  for (guint i = 0; i < dlp_predictor_get_n_inputs (predictor); i++)
    if (map->whole[i] >= 0 && dlp_predictor_get_input (predictor, i)->n_values > 1)
      {
        const DlpPredictorInput *in = dlp_predictor_get_input (predictor, i);
        g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                     "CSV header: input '%s' has %" G_GSIZE_FORMAT " values per row, which "
                     "a CSV cell cannot hold: give them as columns '%s_0' to '%s_%" G_GSIZE_FORMAT
                     "'",
                     in->name, in->n_values, in->name, in->name, in->n_values - 1);
        return NULL;
      }
  gint64 n_rows = dlp_csv_doc_get_n_rows (csv);
  if (n_rows == 0)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "CSV body: no rows to score after the "
                   "header");
      return NULL;
    }
  g_autoptr (DlpPredictorRows) table = dlp_predictor_rows_new (predictor, n_rows, error);
  if (table == NULL)
    return NULL;
  for (gint64 r = 0; r < n_rows; r++)
    for (guint i = 0; i < dlp_predictor_get_n_inputs (predictor); i++)
      {
        gsize n = map->whole[i] >= 0 ? 1 : dlp_predictor_get_input (predictor, i)->n_values;
        for (gsize e = 0; e < n; e++)
          {
            guint column = map->whole[i] >= 0 ? (guint) map->whole[i] : map->spread[i][e];
            const char *text = dlp_csv_doc_get_field (csv, r, column, NULL);
            if (!dlp_predictor_rows_set_text (table, i, r, e, text, error))
              {
                g_prefix_error (error, "CSV line %" G_GUINT64_FORMAT ": ",
                                dlp_csv_doc_get_line (csv, r));
                return NULL;
              }
          }
      }
  return dlp_predictor_rows_finish (table, error);
}

DlpDataset *
dlp_request_read_csv (DlpPredictor *predictor, const char *body, gsize length, GError **error)
{
  g_autoptr (DlpCsvDoc) csv = dlp_csv_doc_parse (body, length, error);
  return csv ? dlp_request_read_csv_doc (predictor, csv, error) : NULL;
}
