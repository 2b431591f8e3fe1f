/* config.c: DlpConfig views of a parsed params file, and typed getters. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <dlpipe/dlp-error.h>
#include "config-private.h"
#include "sdk-private.h"

struct _DlpConfig {
  gatomicrefcount ref_count;
  DlpConfigDoc *doc;
  JsonNode *node; /* borrowed from doc->root's tree or @defaults */
  char *path;
  GHashTable *specs; /* name -> const DlpParamSpec*, after validate */
  DlpParamSpec *spec_array;
  GHashTable *defaults; /* name -> JsonNode*, parsed spec defaults */
};

/* --- documents and locations --- */

static void
location_free (gpointer data)
{
  DlpLocation *loc = data;
  g_free (loc->raw);
  g_free (loc);
}

/* The table holds a reference to every node it describes: while an entry
 * exists its node is alive, so no other node can be allocated at that
 * address and inherit its location or text. */
GHashTable *
dlp_location_table_new (void)
{
  return g_hash_table_new_full (g_direct_hash, g_direct_equal, (GDestroyNotify) json_node_unref,
                                location_free);
}

void
dlp_location_table_add (GHashTable *locations, JsonNode *node, DlpLocation *loc)
{
  g_hash_table_replace (locations, json_node_ref (node), loc);
}

/* Drops the entries of @node and everything below it, as it leaves the tree. */
static void
forget_tree (GHashTable *locations, JsonNode *node)
{
  if (node == NULL)
    return;
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      g_autoptr (GList) values = json_object_get_values (json_node_get_object (node));
      for (GList *l = values; l; l = l->next)
        forget_tree (locations, l->data);
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (a); i++)
        forget_tree (locations, json_array_get_element (a, i));
    }
  g_hash_table_remove (locations, node);
}

DlpConfigDoc *
dlp_config_doc_ref (DlpConfigDoc *doc)
{
  g_atomic_ref_count_inc (&doc->ref_count);
  return doc;
}

void
dlp_config_doc_unref (DlpConfigDoc *doc)
{
  if (doc == NULL || !g_atomic_ref_count_dec (&doc->ref_count))
    return;
  g_hash_table_unref (doc->locations);
  g_ptr_array_unref (doc->sources);
  json_node_unref (doc->root);
  g_free (doc->file);
  g_free (doc);
}

const DlpLocation *
dlp_config_doc_locate (DlpConfigDoc *doc, JsonNode *node)
{
  return node ? g_hash_table_lookup (doc->locations, node) : NULL;
}

char *
dlp_location_to_string (const DlpLocation *loc, const char *file)
{
  if (loc == NULL)
    return g_strdup (file);
  if (loc->line && loc->column)
    return g_strdup_printf ("%s:%u:%u", loc->source, loc->line, loc->column);
  if (loc->line)
    return g_strdup_printf ("%s:%u", loc->source, loc->line);
  return g_strdup (loc->source);
}

static DlpConfig *
view_new (DlpConfigDoc *doc, JsonNode *node, const char *path)
{
  DlpConfig *cfg = g_new0 (DlpConfig, 1);
  g_atomic_ref_count_init (&cfg->ref_count);
  cfg->doc = dlp_config_doc_ref (doc);
  cfg->node = node;
  cfg->path = g_strdup (path);
  return cfg;
}

/* A config over @root (taken) and its @locations (taken), which name
 * their source with @source (taken). */
static DlpConfig *
config_from_tree (const char *name, char *source, JsonNode *root, GHashTable *locations,
                  GError **error)
{
  if (JSON_NODE_HOLDS_NULL (root))
    {
      /* An empty file is an empty mapping. */
      g_hash_table_remove (locations, root);
      json_node_unref (root);
      root = dlp_json_node_new_object (NULL);
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_autofree char *got = dlp_config_describe_node (root);
      g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG,
                   "%s: expected a mapping of sections at the top level, got %s", name, got);
      json_node_unref (root);
      g_hash_table_unref (locations);
      g_free (source);
      return NULL;
    }
  /* The top level is reported as the file itself, without a line. */
  DlpLocation *root_loc = g_hash_table_lookup (locations, root);
  if (root_loc)
    root_loc->line = 0;
  DlpConfigDoc *doc = g_new0 (DlpConfigDoc, 1);
  g_atomic_ref_count_init (&doc->ref_count);
  doc->file = g_strdup (name);
  doc->root = root;
  doc->locations = locations;
  doc->sources = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (doc->sources, source);
  DlpConfig *cfg = view_new (doc, root, "");
  dlp_config_doc_unref (doc);
  return cfg;
}

DlpConfig *
dlp_config_parse (const char *name, const char *text, gssize length, GError **error)
{
  gsize len = length < 0 ? strlen (text) : (gsize) length;
  g_autoptr (GHashTable) locations = dlp_location_table_new ();
  /* The document keeps the string its locations point to. */
  g_autofree char *source = g_strdup (name);
  JsonNode *root = dlp_yaml_parse (source, text, len, TRUE, locations, error);
  if (root == NULL)
    return NULL;
  return config_from_tree (name, g_steal_pointer (&source), root, g_steal_pointer (&locations),
                           error);
}

DlpConfig *
dlp_config_new_from_json (const char *name, JsonNode *root, const char *text, gsize length,
                          GError **error)
{
  GHashTable *locations = dlp_location_table_new ();
  char *source = g_strdup (name);
  dlp_json_locate (source, text, length, root, locations);
  return config_from_tree (name, source, root, locations, error);
}

DlpConfig *
dlp_config_load (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize len;
  if (!dlp_read_file (path, &text, &len, error))
    return NULL;
  if (!g_utf8_validate_len (text, len, NULL))
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG, "%s: not valid UTF-8 text", path);
      return NULL;
    }
  return dlp_config_parse (path, text, (gssize) len, error);
}

DlpConfig *
dlp_config_ref (DlpConfig *config)
{
  g_atomic_ref_count_inc (&config->ref_count);
  return config;
}

void
dlp_config_unref (DlpConfig *config)
{
  if (config == NULL || !g_atomic_ref_count_dec (&config->ref_count))
    return;
  g_clear_pointer (&config->specs, g_hash_table_unref);
  g_clear_pointer (&config->defaults, g_hash_table_unref);
  g_free (config->spec_array);
  dlp_config_doc_unref (config->doc);
  g_free (config->path);
  g_free (config);
}

const char *
dlp_config_get_path (const DlpConfig *config)
{
  return config->path;
}

const char *
dlp_config_get_file (const DlpConfig *config)
{
  return config->doc->file;
}

JsonNode *
dlp_config_get_node (const DlpConfig *config)
{
  return config->node;
}

/* "params.yaml:12" for any node of the view's document. */
static char *
location_of (const DlpConfig *config, JsonNode *node)
{
  return dlp_location_to_string (dlp_config_doc_locate (config->doc, node), config->doc->file);
}

char *
dlp_config_get_location (const DlpConfig *config)
{
  return location_of (config, config->node);
}

char *
dlp_config_key_path (const DlpConfig *config, const char *key)
{
  if (key == NULL || *key == '\0')
    return g_strdup (config->path);
  if (*config->path == '\0')
    return g_strdup (key);
  return g_strconcat (config->path, ".", key, NULL);
}

/* --- describing values --- */

char *
dlp_config_format_double (double v, char *buf)
{
  if (isnan (v))
    return strcpy (buf, "nan");
  if (isinf (v))
    return strcpy (buf, v > 0 ? "inf" : "-inf");
  /* The fewest significant digits that read back as @v, then written
   * without an exponent where Python would (1e-4 <= |v| < 1e16). */
  char format[8];
  int digits = 1;
  for (; digits < 17; digits++)
    {
      g_snprintf (format, sizeof format, "%%.%de", digits - 1);
      g_ascii_formatd (buf, G_ASCII_DTOSTR_BUF_SIZE, format, v);
      if (g_ascii_strtod (buf, NULL) == v)
        break;
    }
  g_snprintf (format, sizeof format, "%%.%de", digits - 1);
  g_ascii_formatd (buf, G_ASCII_DTOSTR_BUF_SIZE, format, v);
  int exponent = atoi (strchr (buf, 'e') + 1);
  if (v != 0 && (exponent < -4 || exponent >= 16))
    return buf;
  g_snprintf (format, sizeof format, "%%.%df", MAX (digits - 1 - exponent, 0));
  return g_ascii_formatd (buf, G_ASCII_DTOSTR_BUF_SIZE, format, v);
}

char *
dlp_config_describe_node (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      return g_strdup ("a mapping");
    case JSON_NODE_ARRAY:
      return g_strdup ("a list");
    case JSON_NODE_NULL:
      return g_strdup ("null");
    case JSON_NODE_VALUE:
    default:
      break;
    }
  GType type = json_node_get_value_type (node);
  if (type == G_TYPE_STRING)
    {
      const char *s = json_node_get_string (node);
      if (g_utf8_strlen (s, -1) > 40)
        {
          g_autofree char *head = g_utf8_substring (s, 0, 37);
          return g_strdup_printf ("\"%s...\"", head);
        }
      return g_strdup_printf ("\"%s\"", s);
    }
  if (type == G_TYPE_BOOLEAN)
    return g_strdup (json_node_get_boolean (node) ? "true" : "false");
  if (type == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup (dlp_config_format_double (json_node_get_double (node), buf));
}

char *
dlp_config_scalar_text (DlpConfigDoc *doc, JsonNode *node)
{
  const DlpLocation *loc = dlp_config_doc_locate (doc, node);
  if (loc && loc->raw)
    return g_strdup (loc->raw);
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  return dlp_config_describe_node (node);
}

/* --- lookup --- */

static gboolean
parse_index (const char *s, guint *index)
{
  guint64 v;
  if (!g_ascii_string_to_unsigned (s, 10, 0, G_MAXUINT, &v, NULL))
    return FALSE;
  *index = (guint) v;
  return TRUE;
}

static JsonNode *
child_of (JsonNode *node, const char *segment)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    return json_object_get_member (json_node_get_object (node), segment);
  guint index;
  if (JSON_NODE_HOLDS_ARRAY (node) && parse_index (segment, &index)
      && index < json_array_get_length (json_node_get_array (node)))
    return json_array_get_element (json_node_get_array (node), index);
  return NULL;
}

/* Walks a dotted key; also returns the deepest node that exists. */
static JsonNode *
walk (JsonNode *node, const char *key, JsonNode **deepest)
{
  g_auto (GStrv) parts = g_strsplit (key, ".", -1);
  for (guint i = 0; parts[i] && node; i++)
    {
      if (deepest)
        *deepest = node;
      node = child_of (node, parts[i]);
    }
  return node;
}

JsonNode *
dlp_config_lookup (const DlpConfig *config, const char *key)
{
  if (key == NULL || *key == '\0')
    return config->node;
  return walk (config->node, key, NULL);
}

gboolean
dlp_config_has (const DlpConfig *config, const char *key)
{
  return dlp_config_lookup (config, key) != NULL;
}

void
dlp_config_set_error (const DlpConfig *config, const char *key, GError **error, const char *format,
                      ...)
{
  JsonNode *deepest = config->node;
  JsonNode *node = key && *key ? walk (config->node, key, &deepest) : config->node;
  const DlpLocation *loc = dlp_config_doc_locate (config->doc, node ? node : deepest);
  if (loc == NULL)
    loc = dlp_config_doc_locate (config->doc, config->node);
  g_autofree char *where = dlp_location_to_string (loc, config->doc->file);
  g_autofree char *path = dlp_config_key_path (config, key);

  va_list args;
  va_start (args, format);
  g_autofree char *msg = g_strdup_vprintf (format, args);
  va_end (args);
  if (*path)
    g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG, "%s: %s: %s", where, path, msg);
  else
    g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG, "%s: %s", where, msg);
}

/* The node a getter reads: the value, else the spec default. NULL with no
 * error when the key is absent and optional; explicit nulls count as absent. */
/* Each value read is logged at debug level (dlpipe -v) in the domain
 * "dlpipe-params" with where it came from, so a user sees exactly which
 * settings a stage used:  model.cnn.activation = relu (default). */
static void
log_read (DlpConfig *config, const char *key, JsonNode *node, gboolean is_default)
{
  /* Formatting costs; skipped unless debug output is on (dlpipe -v turns
   * it on, G_MESSAGES_DEBUG does for other hosts). */
  if (!g_log_get_debug_enabled () && g_getenv ("G_MESSAGES_DEBUG") == NULL)
    return;
  g_autofree char *path = dlp_config_key_path (config, key);
  g_autofree char *text = JSON_NODE_HOLDS_VALUE (node) ? dlp_config_scalar_text (config->doc, node)
                                                       : dlp_json_to_string (node, FALSE);
  g_autofree char *where = is_default ? g_strdup ("default") : location_of (config, node);
  g_log ("dlpipe-params", G_LOG_LEVEL_DEBUG, "%s = %s (%s)", path, text, where);
}

static JsonNode *
get_value (DlpConfig *config, const char *key, GError **error)
{
  JsonNode *node = dlp_config_lookup (config, key);
  if (node && !JSON_NODE_HOLDS_NULL (node))
    {
      log_read (config, key, node, FALSE);
      return node;
    }
  if (config->defaults)
    {
      JsonNode *def = g_hash_table_lookup (config->defaults, key);
      if (def)
        {
          log_read (config, key, def, TRUE);
          return def;
        }
    }
  const DlpParamSpec *spec = config->specs ? g_hash_table_lookup (config->specs, key) : NULL;
  if (spec && spec->required)
    dlp_config_set_error (config, key, error, "required key is missing");
  return NULL;
}

static gboolean
type_error (DlpConfig *config, const char *key, JsonNode *node, const char *expected,
            GError **error)
{
  g_autofree char *got = dlp_config_describe_node (node);
  dlp_config_set_error (config, key, error, "expected %s, got %s", expected, got);
  return FALSE;
}

/* clang-format off */
#define GET_VALUE_OR_RETURN(node)                  \
  g_autoptr (GError) local = NULL;                 \
  JsonNode *node = get_value (config, key, &local); \
  if (local)                                       \
    {                                              \
      g_propagate_error (error, g_steal_pointer (&local)); \
      return FALSE;                                \
    }                                              \
  if (node == NULL)                                \
    return TRUE
/* clang-format on */

gboolean
dlp_config_get_bool (DlpConfig *config, const char *key, gboolean *out, GError **error)
{
  GET_VALUE_OR_RETURN (node);
  if (json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return type_error (config, key, node, "true or false", error);
  *out = json_node_get_boolean (node);
  return TRUE;
}

gboolean
dlp_config_get_int (DlpConfig *config, const char *key, gint64 *out, GError **error)
{
  GET_VALUE_OR_RETURN (node);
  if (json_node_get_value_type (node) != G_TYPE_INT64)
    return type_error (config, key, node, "an integer", error);
  *out = json_node_get_int (node);
  return TRUE;
}

gboolean
dlp_config_get_double (DlpConfig *config, const char *key, double *out, GError **error)
{
  GET_VALUE_OR_RETURN (node);
  GType type = json_node_get_value_type (node);
  if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
    return type_error (config, key, node, "a number", error);
  *out = json_node_get_double (node);
  return TRUE;
}

/* Strings, and numbers or booleans as written (a run name of 2024). */
static char *
scalar_as_string (DlpConfig *config, JsonNode *node)
{
  if (!JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  return dlp_config_scalar_text (config->doc, node);
}

gboolean
dlp_config_get_string (DlpConfig *config, const char *key, char **out, GError **error)
{
  GET_VALUE_OR_RETURN (node);
  char *s = scalar_as_string (config, node);
  if (s == NULL)
    return type_error (config, key, node, "a string", error);
  g_free (*out);
  *out = s;
  return TRUE;
}

gboolean
dlp_config_get_path_value (DlpConfig *config, const char *key, char **out, GError **error)
{
  g_autofree char *s = NULL;
  if (!dlp_config_get_string (config, key, &s, error))
    return FALSE;
  if (s == NULL)
    return TRUE;
  if (*s == '\0')
    {
      dlp_config_set_error (config, key, error, "expected a path, got an empty string");
      return FALSE;
    }
  g_free (*out);
  *out = g_canonicalize_filename (s, NULL);
  return TRUE;
}

char *
dlp_config_path_for_record (const char *path)
{
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *abs = g_canonicalize_filename (path, cwd);
  gsize n = strlen (cwd);
  if (strcmp (cwd, "/") != 0 && strncmp (abs, cwd, n) == 0 && abs[n] == G_DIR_SEPARATOR)
    return g_strdup (abs + n + 1);
  if (strcmp (abs, cwd) == 0)
    return g_strdup (".");
  return g_steal_pointer (&abs);
}

gboolean
dlp_config_get_strv (DlpConfig *config, const char *key, GStrv *out, GError **error)
{
  GET_VALUE_OR_RETURN (node);
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          g_autofree char *s = scalar_as_string (config, json_array_get_element (a, i));
          if (s == NULL)
            return type_error (config, key, node, "a list of strings", error);
          g_strv_builder_add (b, s);
        }
    }
  else
    {
      g_autofree char *s = scalar_as_string (config, node);
      if (s == NULL)
        return type_error (config, key, node, "a list of strings", error);
      g_strv_builder_add (b, s);
    }
  g_strfreev (*out);
  *out = g_strv_builder_end (b);
  return TRUE;
}

static gboolean
get_number_list (DlpConfig *config, const char *key, gboolean integers, GArray **out,
                 GError **error)
{
  GET_VALUE_OR_RETURN (node);
  const char *expected = integers ? "a list of integers" : "a list of numbers";
  g_autoptr (GArray) values =
    g_array_new (FALSE, FALSE, integers ? sizeof (gint64) : sizeof (double));
  g_autoptr (GPtrArray) items = g_ptr_array_new ();
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (a); i++)
        g_ptr_array_add (items, json_array_get_element (a, i));
    }
  else
    g_ptr_array_add (items, node);
  for (guint i = 0; i < items->len; i++)
    {
      JsonNode *item = g_ptr_array_index (items, i);
      GType type = json_node_get_value_type (item);
      if (integers && type == G_TYPE_INT64)
        {
          gint64 v = json_node_get_int (item);
          g_array_append_val (values, v);
        }
      else if (!integers && (type == G_TYPE_INT64 || type == G_TYPE_DOUBLE))
        {
          double v = json_node_get_double (item);
          g_array_append_val (values, v);
        }
      else
        return type_error (config, key, node, expected, error);
    }
  if (*out)
    g_array_unref (*out);
  *out = g_steal_pointer (&values);
  return TRUE;
}

gboolean
dlp_config_get_int_list (DlpConfig *config, const char *key, GArray **out, GError **error)
{
  return get_number_list (config, key, TRUE, out, error);
}

gboolean
dlp_config_get_double_list (DlpConfig *config, const char *key, GArray **out, GError **error)
{
  return get_number_list (config, key, FALSE, out, error);
}

/* --- sections and lists --- */

DlpConfig *
dlp_config_get_section (DlpConfig *config, const char *key, gboolean allow_missing, GError **error)
{
  /* A key with no value ("train:") is present: an empty section. */
  JsonNode *node = dlp_config_lookup (config, key);
  if (node == NULL)
    {
      if (!allow_missing)
        dlp_config_set_error (config, key, error, "required section is missing");
      return NULL;
    }
  g_autofree char *path = dlp_config_key_path (config, key);
  return view_new (config->doc, node, path);
}

GPtrArray *
dlp_config_get_list (DlpConfig *config, const char *key, GError **error)
{
  GPtrArray *views = g_ptr_array_new_with_free_func ((GDestroyNotify) dlp_config_unref);
  g_autoptr (GError) local = NULL;
  JsonNode *node = get_value (config, key, &local);
  if (local)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      g_ptr_array_unref (views);
      return NULL;
    }
  if (node == NULL)
    return views;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      type_error (config, key, node, "a list", error);
      g_ptr_array_unref (views);
      return NULL;
    }
  g_autofree char *path = dlp_config_key_path (config, key);
  JsonArray *a = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      g_autofree char *item_path = g_strdup_printf ("%s%s%u", path, *path ? "." : "", i);
      g_ptr_array_add (views, view_new (config->doc, json_array_get_element (a, i), item_path));
    }
  return views;
}

GPtrArray *
dlp_config_get_keys (const DlpConfig *config)
{
  GPtrArray *keys = g_ptr_array_new_with_free_func (g_free);
  if (!JSON_NODE_HOLDS_OBJECT (config->node))
    return keys;
  g_autoptr (GList) members = json_object_get_members (json_node_get_object (config->node));
  for (GList *l = members; l; l = l->next)
    g_ptr_array_add (keys, g_strdup (l->data));
  return keys;
}

/* --- overrides --- */

/* json-glib cannot replace a list element in place: rebuild the list. */
static void
replace_element (GHashTable *locations, JsonNode *array_node, guint index, JsonNode *value)
{
  JsonArray *old = json_node_get_array (array_node);
  forget_tree (locations, json_array_get_element (old, index));
  JsonArray *rebuilt = json_array_new ();
  for (guint j = 0; j < json_array_get_length (old); j++)
    json_array_add_element (rebuilt,
                            j == index ? value : json_node_ref (json_array_get_element (old, j)));
  json_node_take_array (array_node, rebuilt);
}

gboolean
dlp_config_set_override (DlpConfig *config, const char *assignment, GError **error)
{
  const char *eq = strchr (assignment, '=');
  g_autofree char *key = eq ? g_strndup (assignment, (gsize) (eq - assignment)) : NULL;
  g_auto (GStrv) parts = key ? g_strsplit (key, ".", -1) : NULL;
  gboolean valid = key && *key;
  for (guint i = 0; valid && parts[i]; i++)
    valid = *parts[i] != '\0';
  if (!valid)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG,
                   "--set %s: expected KEY=VALUE with a dotted KEY such as "
                   "train.epochs=5",
                   assignment);
      return FALSE;
    }

  g_autofree char *label = g_strdup_printf ("--set %s", assignment);
  const char *source = label;
  g_autoptr (GHashTable) locations = dlp_location_table_new ();
  JsonNode *value = dlp_yaml_parse (source, eq + 1, strlen (eq + 1), FALSE, locations, error);
  if (value == NULL)
    return FALSE;

  JsonNode *node = config->node;
  for (guint i = 0; parts[i]; i++)
    {
      gboolean last = parts[i + 1] == NULL;
      JsonNode *child = child_of (node, parts[i]);
      if (JSON_NODE_HOLDS_ARRAY (node) && child)
        {
          if (last)
            {
              guint index = 0;
              parse_index (parts[i], &index);
              replace_element (config->doc->locations, node, index, value);
              break;
            }
          node = child;
          continue;
        }
      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_autofree char *prefix = g_strjoinv (".", (char **) parts);
          json_node_unref (value);
          g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG,
                       "--set %s: cannot set '%s' inside a value that is not a mapping", assignment,
                       prefix);
          return FALSE;
        }
      JsonObject *obj = json_node_get_object (node);
      if (last)
        {
          forget_tree (config->doc->locations, child);
          json_object_set_member (obj, parts[i], value);
          break;
        }
      if (child == NULL || JSON_NODE_HOLDS_NULL (child))
        {
          child = dlp_json_node_new_object (NULL);
          DlpLocation *loc = g_new0 (DlpLocation, 1);
          loc->source = source;
          dlp_location_table_add (locations, child, loc);
          forget_tree (config->doc->locations, json_object_get_member (obj, parts[i]));
          json_object_set_member (obj, parts[i], child);
        }
      node = child;
    }
  /* The parse succeeded: its locations join the document's, without line
   * numbers (the command line has none). */
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, locations);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      ((DlpLocation *) v)->line = 0;
      g_hash_table_iter_steal (&it);
      g_hash_table_replace (config->doc->locations, k, v);
    }
  g_ptr_array_add (config->doc->sources, g_steal_pointer (&label));
  return TRUE;
}

/* --- flattening --- */

static void
leaf_free (gpointer data)
{
  DlpConfigLeaf *leaf = data;
  g_free (leaf->key);
  g_free (leaf->value);
  g_free (leaf);
}

static void
flatten (DlpConfigDoc *doc, JsonNode *node, const char *path, GPtrArray *out)
{
  if (JSON_NODE_HOLDS_OBJECT (node) || JSON_NODE_HOLDS_ARRAY (node))
    {
      gboolean is_object = JSON_NODE_HOLDS_OBJECT (node);
      guint n = is_object ? json_object_get_size (json_node_get_object (node))
                          : json_array_get_length (json_node_get_array (node));
      if (n == 0 && *path)
        {
          DlpConfigLeaf *leaf = g_new0 (DlpConfigLeaf, 1);
          leaf->key = g_strdup (path);
          leaf->value = g_strdup (is_object ? "{}" : "[]");
          g_ptr_array_add (out, leaf);
          return;
        }
      if (is_object)
        {
          g_autoptr (GList) keys = json_object_get_members (json_node_get_object (node));
          for (GList *l = keys; l; l = l->next)
            {
              g_autofree char *child =
                *path ? g_strconcat (path, ".", l->data, NULL) : g_strdup (l->data);
              flatten (doc, json_object_get_member (json_node_get_object (node), l->data), child,
                       out);
            }
        }
      else
        for (guint i = 0; i < n; i++)
          {
            g_autofree char *child = g_strdup_printf ("%s%s%u", path, *path ? "." : "", i);
            flatten (doc, json_array_get_element (json_node_get_array (node), i), child, out);
          }
      return;
    }
  DlpConfigLeaf *leaf = g_new0 (DlpConfigLeaf, 1);
  leaf->key = g_strdup (path);
  leaf->value =
    JSON_NODE_HOLDS_NULL (node) ? g_strdup ("null") : dlp_config_scalar_text (doc, node);
  g_ptr_array_add (out, leaf);
}

GPtrArray *
dlp_config_flatten (const DlpConfig *config)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (leaf_free);
  flatten (config->doc, config->node, config->path, out);
  return out;
}

/* --- specs (used by validate.c) --- */

void
dlp_config_attach_specs (DlpConfig *config, DlpParamSpec *specs, GHashTable *defaults)
{
  g_clear_pointer (&config->specs, g_hash_table_unref);
  g_clear_pointer (&config->defaults, g_hash_table_unref);
  g_free (config->spec_array);
  config->spec_array = specs;
  config->specs = g_hash_table_new (g_str_hash, g_str_equal);
  for (DlpParamSpec *s = specs; s->name; s++)
    g_hash_table_insert (config->specs, (gpointer) s->name, s);
  config->defaults = defaults;
}
