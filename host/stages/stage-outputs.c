/* stage-outputs.c: writing several outputs of a stage all or nothing. */
#include <errno.h>
#include <glib/gstdio.h>
#include "stage-outputs.h"

typedef struct {
  char *path;
  char *staged;
} Output;

struct _DlpStageOutputs {
  GArray *outputs; /* of Output */
  gboolean committed;
};

DlpStageOutputs *
dlp_stage_outputs_new (void)
{
  DlpStageOutputs *o = g_new0 (DlpStageOutputs, 1);
  o->outputs = g_array_new (FALSE, TRUE, sizeof (Output));
  return o;
}

void
dlp_stage_outputs_free (DlpStageOutputs *outputs)
{
  if (outputs == NULL)
    return;
  for (guint i = 0; i < outputs->outputs->len; i++)
    {
      Output *out = &g_array_index (outputs->outputs, Output, i);
      if (!outputs->committed)
        g_unlink (out->staged);
      g_free (out->path);
      g_free (out->staged);
    }
  g_array_unref (outputs->outputs);
  g_free (outputs);
}

/* "data/split/.train.safetensors.staged": hidden, in the same folder. */
static const char *
stage_path (DlpStageOutputs *outputs, const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *name = g_strdup_printf (".%s.staged", base);
  Output out = { g_strdup (path), g_build_filename (dir, name, NULL) };
  g_array_append_val (outputs->outputs, out);
  return out.staged;
}

gboolean
dlp_stage_outputs_add_dataset (DlpStageOutputs *outputs, const char *path, DlpDataset *dataset,
                               GError **error)
{
  return dlp_dataset_save (dataset, stage_path (outputs, path), error);
}

gboolean
dlp_stage_outputs_add_json (DlpStageOutputs *outputs, const char *path, JsonNode *node,
                            GError **error)
{
  return dlp_write_json_atomic (stage_path (outputs, path), node, error);
}

gboolean
dlp_stage_outputs_commit (DlpStageOutputs *outputs, GError **error)
{
  for (guint i = 0; i < outputs->outputs->len; i++)
    {
      Output *out = &g_array_index (outputs->outputs, Output, i);
      if (g_rename (out->staged, out->path) != 0)
        {
          int errsv = errno;
          g_set_error (error, DLP_ERROR, DLP_ERROR_IO, "%s: cannot rename into place: %s",
                       out->path, g_strerror (errsv));
          return FALSE;
        }
    }
  outputs->committed = TRUE;
  return TRUE;
}
