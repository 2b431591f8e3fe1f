/* dlp-registry.h: the plugin types a host knows, by kind and name.
 *
 * Plugins call the dlp_registry_add_* functions from their init function.
 * Every class struct begins with the same five fields (struct_size, name,
 * description, params, flags); the host copies the struct into a zeroed one
 * of its own size, so an older plugin's missing trailing fields read as NULL
 * or 0, and checks the required callbacks of the kind.
 *
 * A plugin may also look types up, to use another plugin's type (the http
 * source parses with the csv source). Making a registry, loading plugin
 * files and listing what was loaded belong to the host
 * (<dlpipe/host/dlp-registry.h>). */
#pragma once

#include <dlpipe/dlp-plugin.h>
#include <dlpipe/dlp-param-spec.h>
#include <dlpipe/dlp-source.h>
#include <dlpipe/dlp-transform.h>
#include <dlpipe/dlp-splitter.h>
#include <dlpipe/dlp-layer.h>
#include <dlpipe/dlp-model.h>
#include <dlpipe/dlp-optimizer.h>
#include <dlpipe/dlp-tracker.h>

G_BEGIN_DECLS

typedef enum {
  DLP_KIND_SOURCE,
  DLP_KIND_TRANSFORM,
  DLP_KIND_SPLITTER,
  DLP_KIND_LAYER,
  DLP_KIND_MODEL,
  DLP_KIND_OPTIMIZER,
  DLP_KIND_TRACKER,
} DlpKind;

#define DLP_N_KINDS (DLP_KIND_TRACKER + 1)

/* The fields every class struct starts with. */
typedef struct {
  gsize struct_size;
  const char *name;
  const char *description;
  const DlpParamSpec *params;
  guint32 flags;
} DlpTypeClass;

DLP_API const char *dlp_kind_name (DlpKind kind);
DLP_API gboolean dlp_kind_from_name (const char *name, DlpKind *kind_out);

/* Registration, for plugins (from their init function). */
DLP_API gboolean dlp_registry_add (DlpRegistry *registry, DlpKind kind,
                                   gconstpointer klass, GError **error);

static inline gboolean
dlp_registry_add_source (DlpRegistry *r, const DlpSourceClass *k, GError **e)
{
  return dlp_registry_add (r, DLP_KIND_SOURCE, k, e);
}

static inline gboolean
dlp_registry_add_transform (DlpRegistry *r, const DlpTransformClass *k,
                            GError **e)
{
  return dlp_registry_add (r, DLP_KIND_TRANSFORM, k, e);
}

static inline gboolean
dlp_registry_add_splitter (DlpRegistry *r, const DlpSplitterClass *k,
                           GError **e)
{
  return dlp_registry_add (r, DLP_KIND_SPLITTER, k, e);
}

static inline gboolean
dlp_registry_add_layer (DlpRegistry *r, const DlpLayerClass *k, GError **e)
{
  return dlp_registry_add (r, DLP_KIND_LAYER, k, e);
}

static inline gboolean
dlp_registry_add_model (DlpRegistry *r, const DlpModelClass *k, GError **e)
{
  return dlp_registry_add (r, DLP_KIND_MODEL, k, e);
}

static inline gboolean
dlp_registry_add_optimizer (DlpRegistry *r, const DlpOptimizerClass *k,
                            GError **e)
{
  return dlp_registry_add (r, DLP_KIND_OPTIMIZER, k, e);
}

static inline gboolean
dlp_registry_add_tracker (DlpRegistry *r, const DlpTrackerClass *k, GError **e)
{
  return dlp_registry_add (r, DLP_KIND_TRACKER, k, e);
}

/* One registered type. */
typedef struct _DlpTypeEntry DlpTypeEntry;
DLP_API DlpKind dlp_type_entry_get_kind (const DlpTypeEntry *entry);
DLP_API const char *dlp_type_entry_get_name (const DlpTypeEntry *entry);
DLP_API const char *dlp_type_entry_get_description (const DlpTypeEntry *entry);
/* The class as a full-size struct of the host's SDK (cast by kind). */
DLP_API gconstpointer dlp_type_entry_get_class (const DlpTypeEntry *entry);
/* The param specs as full-size structs, ending with a NULL name. */
DLP_API const DlpParamSpec *dlp_type_entry_get_params (const DlpTypeEntry *entry);

/* The full-size class of a type, or NULL. */
DLP_API gconstpointer dlp_registry_lookup (DlpRegistry *registry, DlpKind kind,
                                           const char *name);
DLP_API const DlpTypeEntry *dlp_registry_lookup_entry (DlpRegistry *registry,
                                                       DlpKind kind,
                                                       const char *name);
/* Like lookup, but an unknown name is an error listing the known ones. */
DLP_API const DlpTypeEntry *dlp_registry_get_entry (DlpRegistry *registry,
                                                    DlpKind kind,
                                                    const char *name,
                                                    GError **error);
G_END_DECLS
