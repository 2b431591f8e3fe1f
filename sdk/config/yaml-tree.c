/* yaml-tree.c: YAML (libyaml events) to a json-glib tree.
 *
 * Plain scalars follow the YAML 1.2 core schema: null, true/false, integers
 * (decimal, 0x, 0o), floats (incl. .inf and .nan); everything else, and every
 * quoted scalar, is a string. Anchors and aliases are expanded, merge keys
 * (<<) are honoured, and the nesting depth, the number of nodes and the
 * bytes of scalar text (aliases and merges expanded) are limited, so a small
 * hostile file cannot expand into a huge tree. */
#include <math.h>
#include <string.h>
#include <yaml.h>
#include <dlpipe/dlp-error.h>
#include <dlpipe/dlp-limits.h>
#include "config-private.h"
#include "sdk-private.h"

/* What a subtree costs: its nodes and the bytes of its scalars. */
typedef struct {
  gsize nodes;
  gsize bytes;
} TreeSize;

typedef struct {
  yaml_parser_t parser;
  const char *source;
  gboolean with_lines;
  GHashTable *locations;
  GHashTable *anchors;      /* name -> JsonNode* (a reference) */
  GHashTable *anchor_sizes; /* name -> TreeSize* of the subtree */
  gsize n_nodes;
  gsize n_bytes;
  guint depth;
} Reader;

static gboolean reader_error (Reader *r, guint line, GError **error, const char *format, ...)
  G_GNUC_PRINTF (4, 5);

static gboolean
reader_error (Reader *r, guint line, GError **error, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *msg = g_strdup_vprintf (format, args);
  va_end (args);
  if (line && r->with_lines)
    g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG, "%s:%u: %s", r->source, line, msg);
  else
    g_set_error (error, DLP_ERROR, DLP_ERROR_CONFIG, "%s: %s", r->source, msg);
  return FALSE;
}

static gboolean
next_event (Reader *r, yaml_event_t *event, GError **error)
{
  if (yaml_parser_parse (&r->parser, event))
    return TRUE;
  const char *problem = r->parser.problem ? r->parser.problem : "malformed YAML";
  guint line = (guint) r->parser.problem_mark.line + 1;
  if (r->parser.context)
    return reader_error (r, line, error, "%s %s", problem, r->parser.context);
  return reader_error (r, line, error, "%s", problem);
}

static void
record (Reader *r, JsonNode *node, guint line, const char *raw)
{
  DlpLocation *loc = g_new0 (DlpLocation, 1);
  loc->source = r->source;
  loc->line = line;
  loc->raw = g_strdup (raw);
  dlp_location_table_add (r->locations, node, loc);
}

/* --- scalars --- */

static gboolean
all_in (const char *s, const char *set)
{
  if (*s == '\0')
    return FALSE;
  for (; *s; s++)
    if (!strchr (set, *s))
      return FALSE;
  return TRUE;
}

/* [-+]? ( \.[0-9]+ | [0-9]+ (\.[0-9]*)? ) ([eE][-+]?[0-9]+)? */
static gboolean
looks_like_float (const char *s)
{
  if (*s == '-' || *s == '+')
    s++;
  gboolean digits = FALSE;
  while (g_ascii_isdigit (*s))
    s++, digits = TRUE;
  if (*s == '.')
    {
      s++;
      while (g_ascii_isdigit (*s))
        s++, digits = TRUE;
    }
  if (!digits)
    return FALSE;
  if (*s == 'e' || *s == 'E')
    {
      s++;
      if (*s == '-' || *s == '+')
        s++;
      if (!g_ascii_isdigit (*s))
        return FALSE;
      while (g_ascii_isdigit (*s))
        s++;
    }
  return *s == '\0';
}

typedef enum {
  SCALAR_ANY,
  SCALAR_STR,
  SCALAR_INT,
  SCALAR_FLOAT,
  SCALAR_BOOL,
  SCALAR_NULL
} ScalarTag;

static gboolean
resolve_int (const char *s, JsonNode *node, gboolean *ok)
{
  const char *digits = s;
  gboolean neg = FALSE;
  if (*digits == '-' || *digits == '+')
    neg = *digits++ == '-';
  guint base = 10;
  if (g_str_has_prefix (digits, "0x") && all_in (digits + 2, "0123456789abcdefABCDEF") && !neg
      && digits == s)
    base = 16, digits += 2;
  else if (g_str_has_prefix (digits, "0o") && all_in (digits + 2, "01234567") && !neg
           && digits == s)
    base = 8, digits += 2;
  else if (!all_in (digits, "0123456789"))
    return FALSE;
  guint64 v;
  *ok = g_ascii_string_to_unsigned (digits, base, 0, G_MAXUINT64, &v, NULL)
        && v <= (neg ? (guint64) G_MAXINT64 + 1 : (guint64) G_MAXINT64);
  if (*ok)
    json_node_set_int (node, neg ? (gint64) (0 - v) : (gint64) v);
  return TRUE;
}

static gboolean
resolve_float (const char *s, JsonNode *node)
{
  const char *t = (*s == '-' || *s == '+') ? s + 1 : s;
  double sign = *s == '-' ? -1.0 : 1.0;
  if (!strcmp (t, ".inf") || !strcmp (t, ".Inf") || !strcmp (t, ".INF"))
    json_node_set_double (node, sign * INFINITY);
  else if (t == s && (!strcmp (s, ".nan") || !strcmp (s, ".NaN") || !strcmp (s, ".NAN")))
    json_node_set_double (node, NAN);
  else if (looks_like_float (s))
    json_node_set_double (node, g_ascii_strtod (s, NULL));
  else
    return FALSE;
  return TRUE;
}

static JsonNode *
resolve_scalar (Reader *r, yaml_event_t *e, GError **error)
{
  const char *s = (const char *) e->data.scalar.value;
  guint line = (guint) e->start_mark.line + 1;
  const char *tag = (const char *) e->data.scalar.tag;
  ScalarTag want = SCALAR_ANY;
  if (tag)
    {
      if (!strcmp (tag, YAML_STR_TAG) || !strcmp (tag, "!"))
        want = SCALAR_STR;
      else if (!strcmp (tag, YAML_INT_TAG))
        want = SCALAR_INT;
      else if (!strcmp (tag, YAML_FLOAT_TAG))
        want = SCALAR_FLOAT;
      else if (!strcmp (tag, YAML_BOOL_TAG))
        want = SCALAR_BOOL;
      else if (!strcmp (tag, YAML_NULL_TAG))
        want = SCALAR_NULL;
      else
        {
          reader_error (r, line, error, "unsupported tag '%s'", tag);
          return NULL;
        }
    }
  gboolean plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
  if (!plain && want == SCALAR_ANY)
    want = SCALAR_STR;

  JsonNode *node = json_node_alloc ();
  if (want == SCALAR_STR)
    return json_node_init_string (node, s);

  if ((want == SCALAR_ANY || want == SCALAR_NULL)
      && (!*s || !strcmp (s, "~") || !strcmp (s, "null") || !strcmp (s, "Null")
          || !strcmp (s, "NULL")))
    return json_node_init_null (node);
  if ((want == SCALAR_ANY || want == SCALAR_BOOL)
      && (!strcmp (s, "true") || !strcmp (s, "True") || !strcmp (s, "TRUE")))
    return json_node_init_boolean (node, TRUE);
  if ((want == SCALAR_ANY || want == SCALAR_BOOL)
      && (!strcmp (s, "false") || !strcmp (s, "False") || !strcmp (s, "FALSE")))
    return json_node_init_boolean (node, FALSE);
  if (want == SCALAR_ANY || want == SCALAR_INT)
    {
      gboolean ok;
      json_node_init (node, JSON_NODE_VALUE);
      if (resolve_int (s, node, &ok))
        {
          if (ok)
            return node;
          json_node_unref (node);
          reader_error (r, line, error, "integer %s is out of range", s);
          return NULL;
        }
    }
  if (want == SCALAR_ANY || want == SCALAR_FLOAT)
    {
      json_node_init (node, JSON_NODE_VALUE);
      if (resolve_float (s, node))
        return node;
    }
  if (want == SCALAR_ANY)
    return json_node_init_string (node, s);
  json_node_unref (node);
  reader_error (r, line, error, "'%s' does not match its tag %s", s, tag);
  return NULL;
}

/* --- nodes --- */

static JsonNode *parse_node (Reader *r, yaml_event_t *event, GError **error);

static gsize
scalar_bytes (JsonNode *node)
{
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return strlen (json_node_get_string (node));
  return 8;
}

static void
measure_tree (JsonNode *node, TreeSize *size)
{
  size->nodes++;
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      g_autoptr (GList) members = json_object_get_members (json_node_get_object (node));
      for (GList *l = members; l; l = l->next)
        {
          size->bytes += strlen (l->data);
          measure_tree (json_object_get_member (json_node_get_object (node), l->data), size);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (a); i++)
        measure_tree (json_array_get_element (a, i), size);
    }
  else
    size->bytes += scalar_bytes (node);
}

/* Copies an anchored subtree, giving each copy its original's location. */
static JsonNode *
copy_located (Reader *r, JsonNode *node)
{
  JsonNode *copy;
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *src = json_node_get_object (node), *dst = json_object_new ();
      g_autoptr (GList) keys = json_object_get_members (src);
      for (GList *l = keys; l; l = l->next)
        json_object_set_member (dst, l->data,
                                copy_located (r, json_object_get_member (src, l->data)));
      copy = json_node_init_object (json_node_alloc (), dst);
      json_object_unref (dst);
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *src = json_node_get_array (node), *dst = json_array_new ();
      for (guint i = 0; i < json_array_get_length (src); i++)
        json_array_add_element (dst, copy_located (r, json_array_get_element (src, i)));
      copy = json_node_init_array (json_node_alloc (), dst);
      json_array_unref (dst);
    }
  else
    copy = json_node_copy (node);
  const DlpLocation *loc = g_hash_table_lookup (r->locations, node);
  if (loc)
    record (r, copy, loc->line, loc->raw);
  return copy;
}

/* Reports the limit hit, with the limit's value in the message. */
static gboolean
limit_error (Reader *r, guint line, DlpLimit limit, GError **error, const char *what_exceeds)
{
  g_autofree char *where =
    line && r->with_lines ? g_strdup_printf ("%s:%u", r->source, line) : g_strdup (r->source);
  dlp_limit_set_error (error, limit, where, "%s %" G_GUINT64_FORMAT, what_exceeds,
                       dlp_limit_get (limit));
  return FALSE;
}

/* Counts what a new node or a copy adds to the document. */
static gboolean
count_node (Reader *r, TreeSize size, guint line, GError **error)
{
  if (r->n_nodes + size.nodes > dlp_limit_get (DLP_LIMIT_YAML_NODES))
    return limit_error (r, line, DLP_LIMIT_YAML_NODES, error,
                        "document expands to more nodes than");
  if (r->n_bytes + size.bytes > dlp_limit_get (DLP_LIMIT_YAML_BYTES))
    return limit_error (r, line, DLP_LIMIT_YAML_BYTES, error,
                        "document expands to more bytes of text than");
  r->n_nodes += size.nodes;
  r->n_bytes += size.bytes;
  return TRUE;
}

/* Merge key: copy members of @src (a mapping or list of mappings) that
 * @dst does not already have, noting them in @merged. */
static gboolean
merge_into (Reader *r, JsonObject *dst, GHashTable *merged, JsonNode *src, guint line,
            GError **error)
{
  if (JSON_NODE_HOLDS_ARRAY (src))
    {
      JsonArray *a = json_node_get_array (src);
      for (guint i = 0; i < json_array_get_length (a); i++)
        if (!merge_into (r, dst, merged, json_array_get_element (a, i), line, error))
          return FALSE;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (src))
    return reader_error (r, line, error, "a merge key (<<) needs a mapping or a list of mappings");
  JsonObject *o = json_node_get_object (src);
  g_autoptr (GList) keys = json_object_get_members (o);
  for (GList *l = keys; l; l = l->next)
    if (!json_object_has_member (dst, l->data))
      {
        JsonNode *member = json_object_get_member (o, l->data);
        TreeSize size = { 0, strlen (l->data) };
        measure_tree (member, &size);
        if (!count_node (r, size, line, error))
          return FALSE;
        json_object_set_member (dst, l->data, copy_located (r, member));
        g_hash_table_add (merged, g_strdup (l->data));
      }
  return TRUE;
}

static JsonNode *
parse_mapping (Reader *r, GError **error)
{
  g_autoptr (JsonObject) obj = json_object_new ();
  /* Keys that came from a merge (<<); explicit keys may override them. */
  g_autoptr (GHashTable) merged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (;;)
    {
      yaml_event_t key;
      if (!next_event (r, &key, error))
        return NULL;
      if (key.type == YAML_MAPPING_END_EVENT)
        {
          yaml_event_delete (&key);
          break;
        }
      guint line = (guint) key.start_mark.line + 1;
      if (key.type != YAML_SCALAR_EVENT)
        {
          yaml_event_delete (&key);
          reader_error (r, line, error, "mapping keys must be plain strings");
          return NULL;
        }
      g_autofree char *name = g_strdup ((const char *) key.data.scalar.value);
      gboolean merge = key.data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !strcmp (name, "<<");
      yaml_event_delete (&key);

      yaml_event_t value;
      if (!next_event (r, &value, error))
        return NULL;
      g_autoptr (JsonNode) node = parse_node (r, &value, error);
      yaml_event_delete (&value);
      if (node == NULL)
        return NULL;
      if (merge)
        {
          if (!merge_into (r, obj, merged, node, line, error))
            return NULL;
          continue;
        }
      if (json_object_has_member (obj, name) && !g_hash_table_remove (merged, name))
        {
          reader_error (r, line, error, "duplicate key '%s'", name);
          return NULL;
        }
      /* A member is reported at its key's line. */
      DlpLocation *loc = g_hash_table_lookup (r->locations, node);
      if (loc)
        loc->line = line;
      json_object_set_member (obj, name, g_steal_pointer (&node));
    }
  return json_node_init_object (json_node_alloc (), obj);
}

static JsonNode *
parse_sequence (Reader *r, GError **error)
{
  g_autoptr (JsonArray) array = json_array_new ();
  for (;;)
    {
      yaml_event_t item;
      if (!next_event (r, &item, error))
        return NULL;
      if (item.type == YAML_SEQUENCE_END_EVENT)
        {
          yaml_event_delete (&item);
          break;
        }
      JsonNode *node = parse_node (r, &item, error);
      yaml_event_delete (&item);
      if (node == NULL)
        return NULL;
      json_array_add_element (array, node);
    }
  return json_node_init_array (json_node_alloc (), array);
}

static JsonNode *
parse_node (Reader *r, yaml_event_t *event, GError **error)
{
  guint line = (guint) event->start_mark.line + 1;
  const char *anchor = NULL;
  JsonNode *node = NULL;

  if (event->type == YAML_ALIAS_EVENT)
    {
      const char *name = (const char *) event->data.alias.anchor;
      JsonNode *target = g_hash_table_lookup (r->anchors, name);
      if (target == NULL)
        {
          reader_error (r, line, error, "unknown anchor '%s'", name);
          return NULL;
        }
      const TreeSize *size = g_hash_table_lookup (r->anchor_sizes, name);
      if (!count_node (r, *size, line, error))
        return NULL;
      return copy_located (r, target);
    }
  TreeSize one = { 1, event->type == YAML_SCALAR_EVENT ? event->data.scalar.length : 0 };
  if (!count_node (r, one, line, error))
    return NULL;
  if (++r->depth > dlp_limit_get (DLP_LIMIT_YAML_DEPTH))
    {
      limit_error (r, line, DLP_LIMIT_YAML_DEPTH, error, "nested deeper than");
      return NULL;
    }
  switch (event->type)
    {
    case YAML_SCALAR_EVENT:
      anchor = (const char *) event->data.scalar.anchor;
      node = resolve_scalar (r, event, error);
      if (node)
        record (r, node, line, (const char *) event->data.scalar.value);
      break;
    case YAML_SEQUENCE_START_EVENT:
      anchor = (const char *) event->data.sequence_start.anchor;
      node = parse_sequence (r, error);
      if (node)
        record (r, node, line, NULL);
      break;
    case YAML_MAPPING_START_EVENT:
      anchor = (const char *) event->data.mapping_start.anchor;
      node = parse_mapping (r, error);
      if (node)
        record (r, node, line, NULL);
      break;
    default:
      reader_error (r, line, error, "unexpected YAML event");
      break;
    }
  r->depth--;
  if (node && anchor)
    {
      /* Registered once complete, so an alias cannot refer to its own
       * anchor's node while it is being read (no cycles). */
      g_hash_table_replace (r->anchors, g_strdup (anchor), json_node_ref (node));
      TreeSize *size = g_new0 (TreeSize, 1);
      measure_tree (node, size);
      g_hash_table_replace (r->anchor_sizes, g_strdup (anchor), size);
    }
  return node;
}

JsonNode *
dlp_yaml_parse (const char *source, const char *text, gsize length, gboolean with_lines,
                GHashTable *locations, GError **error)
{
  Reader r = { .source = source, .with_lines = with_lines, .locations = locations };
  r.anchors =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_node_unref);
  r.anchor_sizes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  yaml_parser_initialize (&r.parser);
  yaml_parser_set_input_string (&r.parser, (const unsigned char *) text, length);

  JsonNode *root = NULL;
  gboolean ok = TRUE, seen_document = FALSE;
  while (ok)
    {
      yaml_event_t e;
      if (!(ok = next_event (&r, &e, error)))
        break;
      yaml_event_type_t type = e.type;
      guint line = (guint) e.start_mark.line + 1;
      if (type == YAML_STREAM_END_EVENT)
        {
          yaml_event_delete (&e);
          break;
        }
      if (type == YAML_DOCUMENT_START_EVENT && seen_document)
        ok = reader_error (&r, line, error, "expected a single YAML document");
      else if (type == YAML_DOCUMENT_START_EVENT)
        seen_document = TRUE;
      else if (type == YAML_SCALAR_EVENT || type == YAML_SEQUENCE_START_EVENT
               || type == YAML_MAPPING_START_EVENT || type == YAML_ALIAS_EVENT)
        ok = (root = parse_node (&r, &e, error)) != NULL;
      yaml_event_delete (&e);
    }
  yaml_parser_delete (&r.parser);
  g_hash_table_unref (r.anchors);
  g_hash_table_unref (r.anchor_sizes);
  if (!ok)
    {
      g_clear_pointer (&root, json_node_unref);
      return NULL;
    }
  if (root == NULL)
    {
      root = json_node_init_null (json_node_alloc ());
      DlpLocation *loc = g_new0 (DlpLocation, 1);
      loc->source = source;
      dlp_location_table_add (locations, root, loc);
    }
  return root;
}
