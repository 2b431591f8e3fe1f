/* dlp-model.h: model types, which turn params.yaml into an architecture. */
#pragma once

#include <dlpipe/dlp-config.h>
#include <dlpipe/dlp-context.h>

G_BEGIN_DECLS

/**
 * DlpModelClass:
 * @build: (required) returns the architecture described by @config (the
 *   model section) as a Keras-style Sequential JSON tree:
 *   {"class_name": "Sequential", "config": {"name": ..., "layers": [...]}}
 */
typedef struct {
  gsize struct_size;
  const char *name;
  const char *description;
  const DlpParamSpec *params;
  guint32 flags;

  JsonNode *(*build) (DlpConfig *config, DlpContext *context, GError **error);
} DlpModelClass;

G_END_DECLS
