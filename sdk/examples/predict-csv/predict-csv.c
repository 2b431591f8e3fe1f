/* predict-csv: scores the rows of a CSV file with a dlpipe model package
 * and prints, per row, the predicted class and each class's probability.
 *
 *   predict-csv MODEL_DIR FILE.csv
 *
 * The first line of the file names the columns; a column per input of the
 * model, by the input's name (others are ignored). Fields are split at
 * commas, without quoting, which is enough for numbers and category names.
 * Inputs of several values (images) need their values set from a
 * numeric array instead: see dlp_predictor_rows_set_column_doubles(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dlpipe/dlpipe-host.h>

static int
fail (GError *error)
{
  fprintf (stderr, "predict-csv: %s\n", error->message);
  g_error_free (error);
  return 1;
}

/* The file's lines, without the empty ones. */
static GPtrArray *
read_lines (const char *path, GError **error)
{
  char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  char **split = g_strsplit (text, "\n", -1);
  g_free (text);
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  for (char **l = split; *l; l++)
    {
      g_strchomp (*l);
      if (**l != '\0')
        g_ptr_array_add (lines, g_strdup (*l));
    }
  g_strfreev (split);
  return lines;
}

/* Fills @rows from the CSV lines after the header. */
static gboolean
fill_rows (DlpPredictor *predictor, DlpPredictorRows *rows, GPtrArray *lines, GError **error)
{
  char **header = g_strsplit (lines->pdata[0], ",", -1);
  guint n_columns = g_strv_length (header);
  int *input_of = g_new (int, n_columns);
  guint n_found = 0;
  for (guint c = 0; c < n_columns; c++)
    {
      input_of[c] = dlp_predictor_find_input (predictor, header[c]);
      n_found += input_of[c] >= 0;
    }
  gboolean ok = TRUE;
  if (n_found != dlp_predictor_get_n_inputs (predictor))
    {
      char *wanted = dlp_predictor_list_inputs (predictor);
      g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT,
                   "the header names %u of the model's inputs (%s), expected all of them", n_found,
                   wanted);
      g_free (wanted);
      ok = FALSE;
    }
  for (guint r = 1; ok && r < lines->len; r++)
    {
      char **fields = g_strsplit (lines->pdata[r], ",", -1);
      if (g_strv_length (fields) != n_columns)
        {
          g_set_error (error, DLP_ERROR, DLP_ERROR_FORMAT, "line %u: %u fields, expected %u", r + 1,
                       g_strv_length (fields), n_columns);
          ok = FALSE;
        }
      for (guint c = 0; ok && c < n_columns; c++)
        if (input_of[c] >= 0)
          ok = dlp_predictor_rows_set_text (rows, (guint) input_of[c], r - 1, 0, fields[c], error);
      g_strfreev (fields);
    }
  g_free (input_of);
  g_strfreev (header);
  return ok;
}

int
main (int argc, char **argv)
{
  if (argc != 3)
    {
      fprintf (stderr, "usage: predict-csv MODEL_DIR FILE.csv\n");
      return 2;
    }
  GError *error = NULL;
  /* NULL: the plugins installed with dlpipe, and those on DLPIPE_PLUGIN_PATH. */
  DlpPredictor *predictor = dlp_predictor_new (NULL, argv[1], &error);
  if (predictor == NULL)
    return fail (error);
  GPtrArray *lines = read_lines (argv[2], &error);
  if (lines == NULL || lines->len == 0)
    {
      dlp_predictor_unref (predictor);
      if (lines)
        g_ptr_array_unref (lines);
      return error ? fail (error) : (fprintf (stderr, "predict-csv: %s is empty\n", argv[2]), 1);
    }
  gint64 n_rows = lines->len - 1;
  DlpPredictorRows *rows = dlp_predictor_rows_new (predictor, n_rows, &error);
  DlpDataset *dataset = NULL;
  if (rows && fill_rows (predictor, rows, lines, &error))
    dataset = dlp_predictor_rows_finish (rows, &error);
  dlp_predictor_rows_free (rows);
  g_ptr_array_unref (lines);

  guint n_classes = dlp_predictor_get_n_classes (predictor);
  float *probabilities = g_new (float, (gsize) n_rows *n_classes);
  gint32 *classes = g_new (gint32, n_rows);
  int status = 0;
  if (dataset == NULL
      || !dlp_predictor_predict (predictor, dataset, probabilities, classes, &error))
    status = fail (error);
  for (gint64 r = 0; status == 0 && r < n_rows; r++)
    {
      printf ("%s", dlp_predictor_get_class_name (predictor, (guint) classes[r]));
      for (guint c = 0; c < n_classes; c++)
        printf (",%.6f", probabilities[r * n_classes + c]);
      printf ("\n");
    }
  g_free (classes);
  g_free (probabilities);
  if (dataset)
    dlp_dataset_unref (dataset);
  dlp_predictor_unref (predictor);
  return status;
}
