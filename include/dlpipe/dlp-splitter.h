/* dlp-splitter.h: ways to split a dataset into train, test and validation. */
#pragma once

#include <dlpipe/dlp-config.h>
#include <dlpipe/dlp-context.h>
#include <dlpipe/dlp-dataset.h>

G_BEGIN_DECLS

/**
 * DlpSplitterClass:
 * @split: (required) divides @dataset as @config (the data_split section)
 *   says. Sets *@train_out and *@test_out, and *@val_out when a validation
 *   part is asked for (it stays NULL otherwise), each (transfer full).
 */
typedef struct {
  gsize struct_size;
  const char *name;
  const char *description;
  const DlpParamSpec *params;
  guint32 flags;

  gboolean (*split) (DlpConfig *config, DlpDataset *dataset, DlpContext *context,
                     DlpDataset **train_out, DlpDataset **test_out, DlpDataset **val_out,
                     GError **error);
} DlpSplitterClass;

G_END_DECLS
