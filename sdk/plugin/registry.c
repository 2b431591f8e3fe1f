/* registry.c: registered plugin types, checked and copied at registration. */
#include <string.h>
#include "kinds.h"
#include "registry-private.h"
#include "../config/config-private.h"

static void
plugin_info_free (gpointer data)
{
  DlpPluginInfo *info = data;
  g_free (info->name);
  g_free (info->version);
  g_free (info->license);
  g_free (info->description);
  g_free (info->filename);
  g_free (info);
}

static void
type_entry_free (gpointer data)
{
  DlpTypeEntry *entry = data;
  g_free (entry->klass);
  g_free (entry->params);
  g_free (entry);
}

DlpRegistry *
dlp_registry_new (void)
{
  DlpRegistry *r = g_new0 (DlpRegistry, 1);
  g_atomic_ref_count_init (&r->ref_count);
  g_rec_mutex_init (&r->lock);
  for (guint k = 0; k < DLP_N_KINDS; k++)
    r->types[k] = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, type_entry_free);
  r->plugins = g_ptr_array_new_with_free_func (plugin_info_free);
  r->plugin_names = g_hash_table_new (g_str_hash, g_str_equal);
  r->failures = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  return r;
}

DlpRegistry *
dlp_registry_ref (DlpRegistry *registry)
{
  g_atomic_ref_count_inc (&registry->ref_count);
  return registry;
}

void
dlp_registry_unref (DlpRegistry *registry)
{
  if (registry == NULL || !g_atomic_ref_count_dec (&registry->ref_count))
    return;
  for (guint k = 0; k < DLP_N_KINDS; k++)
    g_hash_table_unref (registry->types[k]);
  g_hash_table_unref (registry->plugin_names);
  g_ptr_array_unref (registry->plugins);
  g_ptr_array_unref (registry->failures);
  g_rec_mutex_clear (&registry->lock);
  g_free (registry);
}

/* --- registration (called from a plugin's init) --- */

static gboolean
valid_type_name (const char *name)
{
  if (name == NULL || *name == '\0')
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-')
      return FALSE;
  return TRUE;
}

static const DlpTypeEntry *
find_pending (DlpRegistry *r, DlpKind kind, const char *name)
{
  for (guint i = 0; r->pending && i < r->pending->len; i++)
    {
      const DlpTypeEntry *e = g_ptr_array_index (r->pending, i);
      if (e->kind == kind && strcmp (dlp_type_entry_get_name (e), name) == 0)
        return e;
    }
  return NULL;
}

static gboolean
check_class (DlpRegistry *r, DlpKind kind, const DlpTypeClass *head, GError **error)
{
  const DlpKindInfo *info = dlp_kind_info (kind);
  if (head->struct_size == 0)
    {
      g_set_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_INVALID,
                   "%s type has struct_size 0; set it to sizeof (%s)", info->name,
                   info->struct_name);
      return FALSE;
    }
  if (head->struct_size < sizeof (DlpTypeClass))
    {
      g_set_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_INVALID,
                   "%s type has struct_size %" G_GSIZE_FORMAT ", smaller than "
                   "the common class fields",
                   info->name, head->struct_size);
      return FALSE;
    }
  if (head->struct_size > info->size)
    {
      g_set_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_API_LEVEL,
                   "%s type '%s' has a %" G_GSIZE_FORMAT "-byte %s, larger "
                   "than this host's %" G_GSIZE_FORMAT " bytes (built against "
                   "a newer SDK)",
                   info->name, head->name ? head->name : "?", head->struct_size, info->struct_name,
                   info->size);
      return FALSE;
    }
  if (!valid_type_name (head->name))
    {
      g_set_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_INVALID,
                   "%s type name '%s' is not made of letters, digits, '_' and '-'", info->name,
                   head->name ? head->name : "(null)");
      return FALSE;
    }
  if (head->description == NULL)
    {
      g_set_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_INVALID,
                   "%s type '%s' has no description", info->name, head->name);
      return FALSE;
    }
  for (const DlpRequiredField *f = info->required; f->name; f++)
    {
      gboolean present = f->offset + sizeof (gpointer) <= head->struct_size
                         && *(gpointer const *) ((const guint8 *) head + f->offset) != NULL;
      if (!present)
        {
          g_set_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_INVALID,
                       "%s type '%s': required field '%s' of %s is not set", info->name, head->name,
                       f->name, info->struct_name);
          return FALSE;
        }
    }
  const DlpTypeEntry *dup = g_hash_table_lookup (r->types[kind], head->name);
  if (dup == NULL)
    dup = find_pending (r, kind, head->name);
  if (dup)
    {
      g_set_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_DUPLICATE,
                   "%s type '%s' is already registered by plugin '%s'", info->name, head->name,
                   dup->plugin->name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
add_class (DlpRegistry *r, DlpKind kind, gconstpointer klass, GError **error)
{
  if ((guint) kind >= DLP_N_KINDS)
    {
      g_set_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_INVALID, "unknown plugin kind %d",
                   (int) kind);
      return FALSE;
    }
  if (r->loading == NULL)
    {
      g_set_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_INVALID,
                   "types can only be registered from a plugin's init function");
      return FALSE;
    }
  if (klass == NULL)
    {
      g_set_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_INVALID,
                   "a NULL %s class was registered", dlp_kind_name (kind));
      return FALSE;
    }
  const DlpTypeClass *head = klass;
  if (!check_class (r, kind, head, error))
    return FALSE;

  const DlpKindInfo *info = dlp_kind_info (kind);
  g_autofree DlpParamSpec *params = dlp_param_specs_normalize (head->params);
  if (!dlp_param_specs_check (params, error))
    {
      g_prefix_error (error, "%s type '%s': ", info->name, head->name);
      return FALSE;
    }
  DlpTypeEntry *entry = g_new0 (DlpTypeEntry, 1);
  entry->kind = kind;
  entry->klass = g_malloc0 (info->size);
  memcpy (entry->klass, klass, head->struct_size);
  ((DlpTypeClass *) entry->klass)->struct_size = info->size;
  entry->params = g_steal_pointer (&params);
  ((DlpTypeClass *) entry->klass)->params = entry->params;
  entry->plugin = r->loading;
  g_ptr_array_add (r->pending, entry);
  return TRUE;
}

gboolean
dlp_registry_add (DlpRegistry *registry, DlpKind kind, gconstpointer klass, GError **error)
{
  g_autoptr (GError) local = NULL;
  if (add_class (registry, kind, klass, &local))
    return TRUE;
  if (registry->loading && registry->pending_error == NULL)
    registry->pending_error = g_error_copy (local);
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

/* --- plugin descriptors --- */

static gboolean desc_error (GError **error, int code, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
desc_error (GError **error, int code, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, DLP_LOADER_ERROR, code, msg);
  return FALSE;
}

static gboolean
check_desc (DlpRegistry *r, const DlpPluginDesc *desc, const char *expected_name, GError **error)
{
  gsize min_size = G_STRUCT_OFFSET (DlpPluginDesc, init) + sizeof (gpointer);
  if (desc == NULL)
    return desc_error (error, DLP_LOADER_ERROR_INVALID, "the plugin returned no descriptor");
  if (desc->struct_size < min_size)
    return desc_error (error, DLP_LOADER_ERROR_INVALID,
                       "descriptor is %" G_GSIZE_FORMAT " bytes; at least %" G_GSIZE_FORMAT
                       " expected",
                       desc->struct_size, min_size);
  if (desc->abi_version != DLP_ABI_VERSION)
    return desc_error (error, DLP_LOADER_ERROR_ABI,
                       "built for ABI version %u, but this host has ABI version %d",
                       desc->abi_version, DLP_ABI_VERSION);
  if (desc->api_level > DLP_API_LEVEL)
    return desc_error (error, DLP_LOADER_ERROR_API_LEVEL,
                       "needs API level %u, but this host provides level %d "
                       "(upgrade dlpipe or rebuild the plugin)",
                       desc->api_level, DLP_API_LEVEL);
  if (desc->struct_size > sizeof (DlpPluginDesc))
    return desc_error (error, DLP_LOADER_ERROR_API_LEVEL,
                       "descriptor is larger than this host's (built against a newer SDK)");
  if (desc->build_signature == NULL || strcmp (desc->build_signature, DLP_BUILD_SIGNATURE) != 0)
    return desc_error (
      error, DLP_LOADER_ERROR_SIGNATURE, "build signature '%s' does not match this host's '%s'",
      desc->build_signature ? desc->build_signature : "(none)", DLP_BUILD_SIGNATURE);
  if (desc->name == NULL || !valid_type_name (desc->name))
    return desc_error (error, DLP_LOADER_ERROR_INVALID, "descriptor has no valid name");
  if (expected_name && strcmp (desc->name, expected_name) != 0)
    return desc_error (error, DLP_LOADER_ERROR_NAME_MISMATCH,
                       "descriptor names the plugin '%s', but its file is for plugin '%s'",
                       desc->name, expected_name);
  const struct {
    const char *value, *field;
  } fields[] = {
    { desc->version, "version" },
    { desc->license, "license" },
    { desc->description, "description" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (fields[i].value == NULL || *fields[i].value == '\0')
      return desc_error (error, DLP_LOADER_ERROR_INVALID, "descriptor of '%s' has no %s",
                         desc->name, fields[i].field);
  if (desc->init == NULL)
    return desc_error (error, DLP_LOADER_ERROR_INVALID, "descriptor of '%s' has no init function",
                       desc->name);
  DlpPluginInfo *other = g_hash_table_lookup (r->plugin_names, desc->name);
  if (other)
    return desc_error (error, DLP_LOADER_ERROR_DUPLICATE,
                       "a plugin named '%s' is already loaded from %s", desc->name,
                       other->filename ? other->filename : "this program");
  return TRUE;
}

gboolean
dlp_registry_register_desc (DlpRegistry *r, const DlpPluginDesc *desc, const char *expected_name,
                            const char *filename, gboolean *init_ran, GError **error)
{
  *init_ran = FALSE;
  if (!check_desc (r, desc, expected_name, error))
    return FALSE;

  DlpPluginInfo *info = g_new0 (DlpPluginInfo, 1);
  info->name = g_strdup (desc->name);
  info->version = g_strdup (desc->version);
  info->license = g_strdup (desc->license);
  info->description = g_strdup (desc->description);
  info->filename = g_strdup (filename);
  info->api_level = desc->api_level;

  r->loading = info;
  r->pending = g_ptr_array_new ();
  g_autoptr (GError) local = NULL;
  *init_ran = TRUE;
  gboolean ok = desc->init (r, &local);
  GPtrArray *pending = g_steal_pointer (&r->pending);
  GError *pending_error = g_steal_pointer (&r->pending_error);
  r->loading = NULL;

  if (pending_error)
    {
      /* A registration failed: refuse the plugin even if init ignored it,
       * and report that failure unless init reported its own. */
      if (local == NULL)
        local = g_steal_pointer (&pending_error);
      g_clear_error (&pending_error);
      ok = FALSE;
    }
  if (!ok)
    {
      if (local == NULL)
        g_set_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_INIT_FAILED,
                     "init of plugin '%s' failed without saying why", desc->name);
      else if (local->domain == DLP_LOADER_ERROR)
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, DLP_LOADER_ERROR, DLP_LOADER_ERROR_INIT_FAILED,
                     "init of plugin '%s' failed: %s", desc->name, local->message);
      for (guint i = 0; i < pending->len; i++)
        type_entry_free (g_ptr_array_index (pending, i));
      g_ptr_array_unref (pending);
      plugin_info_free (info);
      return FALSE;
    }
  for (guint i = 0; i < pending->len; i++)
    {
      DlpTypeEntry *entry = g_ptr_array_index (pending, i);
      g_hash_table_insert (r->types[entry->kind], (gpointer) dlp_type_entry_get_name (entry),
                           entry);
    }
  g_ptr_array_unref (pending);
  g_ptr_array_add (r->plugins, info);
  g_hash_table_insert (r->plugin_names, info->name, info);
  return TRUE;
}

gboolean
dlp_registry_add_plugin (DlpRegistry *registry, const DlpPluginDesc *desc, GError **error)
{
  gboolean init_ran;
  g_rec_mutex_lock (&registry->lock);
  gboolean ok = dlp_registry_register_desc (registry, desc, NULL, NULL, &init_ran, error);
  g_rec_mutex_unlock (&registry->lock);
  if (!ok)
    g_prefix_error (error, "plugin '%s': ", desc && desc->name ? desc->name : "?");
  return ok;
}

/* --- lookup --- */

const DlpTypeEntry *
dlp_registry_lookup_entry (DlpRegistry *registry, DlpKind kind, const char *name)
{
  if ((guint) kind >= DLP_N_KINDS || name == NULL)
    return NULL;
  return g_hash_table_lookup (registry->types[kind], name);
}

gconstpointer
dlp_registry_lookup (DlpRegistry *registry, DlpKind kind, const char *name)
{
  const DlpTypeEntry *entry = dlp_registry_lookup_entry (registry, kind, name);
  return entry ? entry->klass : NULL;
}

static int
compare_entries (gconstpointer a, gconstpointer b)
{
  const DlpTypeEntry *x = *(const DlpTypeEntry *const *) a;
  const DlpTypeEntry *y = *(const DlpTypeEntry *const *) b;
  if (x->kind != y->kind)
    return x->kind < y->kind ? -1 : 1;
  return strcmp (dlp_type_entry_get_name (x), dlp_type_entry_get_name (y));
}

GPtrArray *
dlp_registry_list_types (DlpRegistry *registry, int kind)
{
  GPtrArray *out = g_ptr_array_new ();
  for (guint k = 0; k < DLP_N_KINDS; k++)
    {
      if (kind >= 0 && (guint) kind != k)
        continue;
      GHashTableIter it;
      gpointer value;
      g_hash_table_iter_init (&it, registry->types[k]);
      while (g_hash_table_iter_next (&it, NULL, &value))
        g_ptr_array_add (out, value);
    }
  g_ptr_array_sort (out, compare_entries);
  return out;
}

const DlpTypeEntry *
dlp_registry_get_entry (DlpRegistry *registry, DlpKind kind, const char *name, GError **error)
{
  const DlpTypeEntry *entry = dlp_registry_lookup_entry (registry, kind, name);
  if (entry)
    return entry;
  g_autoptr (GPtrArray) all = dlp_registry_list_types (registry, (int) kind);
  g_autoptr (GString) known = g_string_new (NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  for (guint i = 0; i < all->len; i++)
    {
      const char *type = dlp_type_entry_get_name (g_ptr_array_index (all, i));
      g_string_append_printf (known, "%s%s", i ? ", " : "", type);
      g_ptr_array_add (names, (gpointer) type);
    }
  g_ptr_array_add (names, NULL);
  const char *close = name ? dlp_config_suggest (name, (const char *const *) names->pdata) : NULL;
  g_autofree char *hint = close ? g_strdup_printf ("; did you mean '%s'?", close) : g_strdup ("");
  g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND, "unknown %s type '%s'%s (known: %s)",
               dlp_kind_name (kind), name ? name : "(none)", hint,
               known->len ? known->str : "none; is the plugin path right?");
  return NULL;
}

GPtrArray *
dlp_registry_list_plugins (DlpRegistry *registry)
{
  GPtrArray *out = g_ptr_array_new ();
  for (guint i = 0; i < registry->plugins->len; i++)
    g_ptr_array_add (out, g_ptr_array_index (registry->plugins, i));
  return out;
}

GPtrArray *
dlp_registry_get_failures (DlpRegistry *registry)
{
  return registry->failures;
}

/* --- accessors --- */

DlpKind
dlp_type_entry_get_kind (const DlpTypeEntry *e)
{
  return e->kind;
}
const char *
dlp_type_entry_get_name (const DlpTypeEntry *e)
{
  return ((const DlpTypeClass *) e->klass)->name;
}
const char *
dlp_type_entry_get_description (const DlpTypeEntry *e)
{
  return ((const DlpTypeClass *) e->klass)->description;
}
gconstpointer
dlp_type_entry_get_class (const DlpTypeEntry *e)
{
  return e->klass;
}
const DlpParamSpec *
dlp_type_entry_get_params (const DlpTypeEntry *e)
{
  return e->params;
}
const DlpPluginInfo *
dlp_type_entry_get_plugin (const DlpTypeEntry *e)
{
  return e->plugin;
}

const char *
dlp_plugin_info_get_name (const DlpPluginInfo *i)
{
  return i->name;
}
const char *
dlp_plugin_info_get_version (const DlpPluginInfo *i)
{
  return i->version;
}
const char *
dlp_plugin_info_get_license (const DlpPluginInfo *i)
{
  return i->license;
}
const char *
dlp_plugin_info_get_description (const DlpPluginInfo *i)
{
  return i->description;
}
const char *
dlp_plugin_info_get_filename (const DlpPluginInfo *i)
{
  return i->filename;
}
guint
dlp_plugin_info_get_api_level (const DlpPluginInfo *i)
{
  return i->api_level;
}
