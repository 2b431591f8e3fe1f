/* kinds.h: the table of plugin kinds and their required callbacks. */
#pragma once

#include <dlpipe/dlpipe-host.h>

G_BEGIN_DECLS

typedef struct {
  gsize offset;
  const char *name;
} DlpRequiredField;

typedef struct {
  const char *name;        /* "layer" */
  const char *struct_name; /* "DlpLayerClass", for messages */
  gsize size;              /* the host's sizeof */
  const DlpRequiredField *required;
} DlpKindInfo;

const DlpKindInfo *dlp_kind_info (DlpKind kind);

G_END_DECLS
