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
#include <dlpipe/dlp-collective.h>

G_BEGIN_DECLS

typedef enum {
  DLP_KIND_SOURCE,
  DLP_KIND_TRANSFORM,
  DLP_KIND_SPLITTER,
  DLP_KIND_LAYER,
  DLP_KIND_MODEL,
  DLP_KIND_OPTIMIZER,
  DLP_KIND_TRACKER,
  DLP_KIND_COLLECTIVE, /* Since: API level 4 */
} DlpKind;

#define DLP_N_KINDS (DLP_KIND_COLLECTIVE + 1)

/* The fields every class struct starts with. */
typedef struct {
  gsize struct_size;
  const char *name;
  const char *description;
  const DlpParamSpec *params;
  guint32 flags;
} DlpTypeClass;

/**
 * dlp_kind_name:
 * @kind: a kind
 *
 * Returns: (transfer none): its name ("source", "layer"), "?" for a value
 *   outside DlpKind
 */
DLP_API const char *dlp_kind_name (DlpKind kind);

/**
 * dlp_kind_from_name:
 * @name: (transfer none) (nullable): a kind's name
 * @kind_out: return location for the kind
 *
 * Returns: %TRUE and sets *@kind_out if @name names a kind; %FALSE
 *   otherwise, leaving it unchanged
 */
DLP_API gboolean dlp_kind_from_name (const char *name, DlpKind *kind_out);

/**
 * dlp_registry_add:
 * @registry: the registry given to the plugin's init
 * @kind: the kind of the type
 * @klass: (transfer none): the class struct of @kind, usually static; the
 *   registry copies it, and borrows the strings and specs it points to
 *   for the life of the process
 * @error: (nullable): return location for an error
 *
 * Registers a type, from a plugin's init function only. The
 * dlp_registry_add_KIND() functions below call it with their kind. A
 * failed registration refuses the whole plugin, even if init goes on.
 *
 * Returns: %TRUE on success; %FALSE with @error set to
 *   DLP_LOADER_ERROR_INVALID (outside init, a bad name, struct_size 0, a
 *   required field or description missing, a malformed param spec),
 *   DLP_LOADER_ERROR_API_LEVEL (a class struct larger than this host's)
 *   or DLP_LOADER_ERROR_DUPLICATE (the name is taken in @kind)
 */
DLP_API gboolean dlp_registry_add (DlpRegistry *registry, DlpKind kind, gconstpointer klass,
                                   GError **error);

/**
 * dlp_registry_add_source:
 * @r: the registry given to the plugin's init
 * @k: (transfer none): the DlpSourceClass, as for dlp_registry_add()
 * @e: (nullable): return location for an error
 *
 * dlp_registry_add() for DLP_KIND_SOURCE, the class type checked by the
 * compiler.
 *
 * Returns: as dlp_registry_add()
 */
static inline gboolean
dlp_registry_add_source (DlpRegistry *r, const DlpSourceClass *k, GError **e)
{
  return dlp_registry_add (r, DLP_KIND_SOURCE, k, e);
}

/**
 * dlp_registry_add_transform:
 * @r: the registry given to the plugin's init
 * @k: (transfer none): the DlpTransformClass, as for dlp_registry_add()
 * @e: (nullable): return location for an error
 *
 * dlp_registry_add() for DLP_KIND_TRANSFORM, the class type checked by the
 * compiler.
 *
 * Returns: as dlp_registry_add()
 */
static inline gboolean
dlp_registry_add_transform (DlpRegistry *r, const DlpTransformClass *k, GError **e)
{
  return dlp_registry_add (r, DLP_KIND_TRANSFORM, k, e);
}

/**
 * dlp_registry_add_splitter:
 * @r: the registry given to the plugin's init
 * @k: (transfer none): the DlpSplitterClass, as for dlp_registry_add()
 * @e: (nullable): return location for an error
 *
 * dlp_registry_add() for DLP_KIND_SPLITTER, the class type checked by the
 * compiler.
 *
 * Returns: as dlp_registry_add()
 */
static inline gboolean
dlp_registry_add_splitter (DlpRegistry *r, const DlpSplitterClass *k, GError **e)
{
  return dlp_registry_add (r, DLP_KIND_SPLITTER, k, e);
}

/**
 * dlp_registry_add_layer:
 * @r: the registry given to the plugin's init
 * @k: (transfer none): the DlpLayerClass, as for dlp_registry_add()
 * @e: (nullable): return location for an error
 *
 * dlp_registry_add() for DLP_KIND_LAYER, the class type checked by the
 * compiler.
 *
 * Returns: as dlp_registry_add()
 */
static inline gboolean
dlp_registry_add_layer (DlpRegistry *r, const DlpLayerClass *k, GError **e)
{
  return dlp_registry_add (r, DLP_KIND_LAYER, k, e);
}

/**
 * dlp_registry_add_model:
 * @r: the registry given to the plugin's init
 * @k: (transfer none): the DlpModelClass, as for dlp_registry_add()
 * @e: (nullable): return location for an error
 *
 * dlp_registry_add() for DLP_KIND_MODEL, the class type checked by the
 * compiler.
 *
 * Returns: as dlp_registry_add()
 */
static inline gboolean
dlp_registry_add_model (DlpRegistry *r, const DlpModelClass *k, GError **e)
{
  return dlp_registry_add (r, DLP_KIND_MODEL, k, e);
}

/**
 * dlp_registry_add_optimizer:
 * @r: the registry given to the plugin's init
 * @k: (transfer none): the DlpOptimizerClass, as for dlp_registry_add()
 * @e: (nullable): return location for an error
 *
 * dlp_registry_add() for DLP_KIND_OPTIMIZER, the class type checked by the
 * compiler.
 *
 * Returns: as dlp_registry_add()
 */
static inline gboolean
dlp_registry_add_optimizer (DlpRegistry *r, const DlpOptimizerClass *k, GError **e)
{
  return dlp_registry_add (r, DLP_KIND_OPTIMIZER, k, e);
}

/**
 * dlp_registry_add_tracker:
 * @r: the registry given to the plugin's init
 * @k: (transfer none): the DlpTrackerClass, as for dlp_registry_add()
 * @e: (nullable): return location for an error
 *
 * dlp_registry_add() for DLP_KIND_TRACKER, the class type checked by the
 * compiler.
 *
 * Returns: as dlp_registry_add()
 */
static inline gboolean
dlp_registry_add_tracker (DlpRegistry *r, const DlpTrackerClass *k, GError **e)
{
  return dlp_registry_add (r, DLP_KIND_TRACKER, k, e);
}

/**
 * dlp_registry_add_collective:
 * @r: the registry given to the plugin's init
 * @k: (transfer none): the DlpCollectiveClass, as for dlp_registry_add()
 * @e: (nullable): return location for an error
 *
 * dlp_registry_add() for DLP_KIND_COLLECTIVE, the class type checked by
 * the compiler.
 *
 * Returns: as dlp_registry_add()
 *
 * Since: API level 4
 */
static inline gboolean
dlp_registry_add_collective (DlpRegistry *r, const DlpCollectiveClass *k, GError **e)
{
  return dlp_registry_add (r, DLP_KIND_COLLECTIVE, k, e);
}

/* One registered type. */
typedef struct _DlpTypeEntry DlpTypeEntry;

/**
 * dlp_type_entry_get_kind:
 * @entry: a registered type
 *
 * Returns: its kind
 */
DLP_API DlpKind dlp_type_entry_get_kind (const DlpTypeEntry *entry);

/**
 * dlp_type_entry_get_name:
 * @entry: a registered type
 *
 * Returns: (transfer none): its name
 */
DLP_API const char *dlp_type_entry_get_name (const DlpTypeEntry *entry);

/**
 * dlp_type_entry_get_description:
 * @entry: a registered type
 *
 * Returns: (transfer none): its one-line description
 */
DLP_API const char *dlp_type_entry_get_description (const DlpTypeEntry *entry);

/**
 * dlp_type_entry_get_class:
 * @entry: a registered type
 *
 * Returns: (transfer none): the class as a full-size struct of this host's
 *   SDK, to cast by kind (fields the plugin was built without are 0)
 */
DLP_API gconstpointer dlp_type_entry_get_class (const DlpTypeEntry *entry);

/**
 * dlp_type_entry_get_params:
 * @entry: a registered type
 *
 * Returns: (transfer none): the param specs as full-size structs, ending
 *   with a %NULL name
 */
DLP_API const DlpParamSpec *dlp_type_entry_get_params (const DlpTypeEntry *entry);

/**
 * dlp_registry_lookup:
 * @registry: the registry
 * @kind: the kind
 * @name: (transfer none) (nullable): a type's name
 *
 * Returns: (transfer none) (nullable): the full-size class of the type, as
 *   dlp_type_entry_get_class(); %NULL if there is none
 */
DLP_API gconstpointer dlp_registry_lookup (DlpRegistry *registry, DlpKind kind, const char *name);

/**
 * dlp_registry_lookup_entry:
 * @registry: the registry
 * @kind: the kind
 * @name: (transfer none) (nullable): a type's name
 *
 * Returns: (transfer none) (nullable): the type, valid while @registry
 *   lives; %NULL if there is none
 */
DLP_API const DlpTypeEntry *dlp_registry_lookup_entry (DlpRegistry *registry, DlpKind kind,
                                                       const char *name);

/**
 * dlp_registry_get_entry:
 * @registry: the registry
 * @kind: the kind
 * @name: (transfer none) (nullable): a type's name
 * @error: (nullable): return location for an error
 *
 * Returns: (transfer none) (nullable): the type, as
 *   dlp_registry_lookup_entry(); %NULL with @error set to
 *   DLP_ERROR_NOT_FOUND, the message listing the known types of @kind and
 *   the closest one
 */
DLP_API const DlpTypeEntry *dlp_registry_get_entry (DlpRegistry *registry, DlpKind kind,
                                                    const char *name, GError **error);

G_END_DECLS
