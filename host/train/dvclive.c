/* dvclive.c: DVCLive-layout metric files. */
#include <math.h>
#include "dvclive.h"

typedef struct {
  const char *name;
  gsize offset;
} Metric;

/* clang-format off */
#define METRIC(field) { #field, G_STRUCT_OFFSET (DlpEpochResult, field) }
/* clang-format on */

static const Metric metrics[] = {
  METRIC (loss),         METRIC (accuracy),      METRIC (val_loss),
  METRIC (val_accuracy), METRIC (learning_rate), METRIC (samples_per_second),
};

static double
value_of (const DlpEpochResult *r, const Metric *m)
{
  return *(const double *) ((const guint8 *) r + m->offset);
}

/* As Python prints floats; DVCLive writes non-finite values as strings. */
static void
append_value (GString *s, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_string_append (s, dlp_config_format_double (v, buf));
}

gboolean
dlp_dvclive_write (const char *dir, GArray *history, GError **error)
{
  if (history->len == 0)
    return TRUE;
  const DlpEpochResult *last = &g_array_index (history, DlpEpochResult, history->len - 1);
  g_autoptr (JsonNode) root = dlp_json_node_new_object (NULL);
  JsonObject *o = json_node_get_object (root);
  for (guint m = 0; m < G_N_ELEMENTS (metrics); m++)
    {
      if (isnan (value_of (last, &metrics[m])))
        continue;
      json_object_set_double_member (o, metrics[m].name, value_of (last, &metrics[m]));

      g_autoptr (GString) tsv = g_string_new (NULL);
      g_string_append_printf (tsv, "step\t%s\n", metrics[m].name);
      for (guint i = 0; i < history->len; i++)
        {
          g_string_append_printf (tsv, "%u\t", i);
          append_value (tsv, value_of (&g_array_index (history, DlpEpochResult, i), &metrics[m]));
          g_string_append_c (tsv, '\n');
        }
      g_autofree char *file = g_strdup_printf ("%s.tsv", metrics[m].name);
      g_autofree char *path = g_build_filename (dir, "plots", "metrics", file, NULL);
      if (!dlp_write_file_atomic (path, tsv->str, tsv->len, error))
        return FALSE;
    }
  json_object_set_int_member (o, "step", history->len - 1);
  g_autofree char *path = g_build_filename (dir, "metrics.json", NULL);
  return dlp_write_json_atomic (path, root, error);
}
