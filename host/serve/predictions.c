/* predictions.c: answers and output files (see predictions.h). */
#include <string.h>
#include "../train/evaluation.h"
#include "json-doc.h"
#include "predictions.h"

/* Nine significant digits: a float read back is the same float. */
static void
append_probability (GString *out, float p)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.9g", (double) p));
}

void
dlp_predictions_append_json (GString *out, DlpPredictor *predictor, const float *rows,
                             gint64 n_rows, gboolean probabilities)
{
  guint n = dlp_predictor_get_n_classes (predictor);
  g_string_append (out, "{\"predictions\": [");
  for (gint64 r = 0; r < n_rows; r++)
    {
      const float *p = rows + r * n;
      const char *label = dlp_predictor_get_class_name (predictor, dlp_argmax (p, n));
      if (r > 0)
        g_string_append (out, ", ");
      if (!probabilities)
        {
          dlp_json_append_string (out, label);
          continue;
        }
      g_string_append (out, "{\"label\": ");
      dlp_json_append_string (out, label);
      g_string_append (out, ", \"probabilities\": {");
      for (guint c = 0; c < n; c++)
        {
          if (c > 0)
            g_string_append (out, ", ");
          dlp_json_append_string (out, dlp_predictor_get_class_name (predictor, c));
          g_string_append (out, ": ");
          append_probability (out, p[c]);
        }
      g_string_append (out, "}}");
    }
  g_string_append (out, "]}\n");
}

/* RFC 4180: quote a field holding a comma, a quote or a line break. */
static void
append_csv_field (GString *out, const char *field)
{
  if (strpbrk (field, ",\"\r\n") == NULL)
    {
      g_string_append (out, field);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *c = field; *c; c++)
    {
      if (*c == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *c);
    }
  g_string_append_c (out, '"');
}

void
dlp_predictions_append_csv_header (GString *out, DlpPredictor *predictor)
{
  g_string_append (out, "row,predicted");
  for (guint c = 0; c < dlp_predictor_get_n_classes (predictor); c++)
    {
      g_autofree char *name = g_strconcat ("p_", dlp_predictor_get_class_name (predictor, c), NULL);
      g_string_append_c (out, ',');
      append_csv_field (out, name);
    }
  g_string_append_c (out, '\n');
}

void
dlp_predictions_append_csv (GString *out, DlpPredictor *predictor, gint64 first_row,
                            const float *rows, gint64 n_rows)
{
  guint n = dlp_predictor_get_n_classes (predictor);
  for (gint64 r = 0; r < n_rows; r++)
    {
      const float *p = rows + r * n;
      g_string_append_printf (out, "%" G_GINT64_FORMAT ",", first_row + r);
      append_csv_field (out, dlp_predictor_get_class_name (predictor, dlp_argmax (p, n)));
      for (guint c = 0; c < n; c++)
        {
          g_string_append_c (out, ',');
          append_probability (out, p[c]);
        }
      g_string_append_c (out, '\n');
    }
}
