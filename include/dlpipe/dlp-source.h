/* dlp-source.h: data sources, used by the data_ingestion stage. */
#pragma once

#include <dlpipe/dlp-config.h>
#include <dlpipe/dlp-context.h>
#include <dlpipe/dlp-dataset.h>

G_BEGIN_DECLS

/**
 * DlpSourceClass:
 * @load: (required) (transfer full): reads the data described by @config
 *   (the data_ingestion section; borrowed, as @context is) into a new
 *   dataset. It records provenance
 *   (source, path or URL, size, sha256, rows) in the dataset's metadata.
 */
typedef struct {
  gsize struct_size;
  const char *name;
  const char *description;
  const DlpParamSpec *params;
  guint32 flags;

  DlpDataset *(*load) (DlpConfig *config, DlpContext *context, GError **error);
} DlpSourceClass;

G_END_DECLS
