/* json-locations.c: the line and column of every node of a JSON tree in
 * the text it was parsed from.
 *
 * json-glib builds the tree but keeps no positions, and Keras writes a
 * whole architecture on one line, where a line number alone locates
 * nothing. This walks the text again beside the tree: the text is JSON
 * json-glib accepted, nested no deeper than the limit it was checked
 * against, so one recursive pass suffices. Whatever it does not expect
 * ends the walk; the nodes after that have no location, which only makes
 * messages less precise. */
#include <string.h>
#include <dlpipe/dlp-json.h>
#include "config-private.h"

typedef struct {
  const char *source;
  const char *text;
  gsize len, pos;
  guint line, column;
  GHashTable *locations;
} Scan;

static void
advance (Scan *s, gsize n)
{
  for (gsize end = MIN (s->pos + n, s->len); s->pos < end; s->pos++)
    {
      guchar c = (guchar) s->text[s->pos];
      if (c == '\n')
        s->line++, s->column = 1;
      else if ((c & 0xC0) != 0x80) /* columns count characters, not bytes */
        s->column++;
    }
}

static char
peek (Scan *s)
{
  return s->pos < s->len ? s->text[s->pos] : '\0';
}

/* White space and the C comments json-glib skips too. */
static void
skip_space (Scan *s)
{
  while (s->pos < s->len)
    {
      char c = peek (s);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
        advance (s, 1);
      else if (c == '/' && s->pos + 1 < s->len && s->text[s->pos + 1] == '*')
        {
          const char *end = g_strstr_len (s->text + s->pos + 2, s->len - s->pos - 2, "*/");
          advance (s, end ? (gsize) (end - (s->text + s->pos)) + 2 : s->len - s->pos);
        }
      else
        break;
    }
}

static void
record (Scan *s, JsonNode *node, guint line, guint column, const char *raw, gsize raw_len)
{
  if (node == NULL)
    return;
  DlpLocation *loc = g_new0 (DlpLocation, 1);
  loc->source = s->source;
  loc->line = line;
  loc->column = column;
  loc->raw = raw ? g_strndup (raw, raw_len) : NULL;
  dlp_location_table_add (s->locations, node, loc);
}

/* Moves past a quoted string (json-glib takes '...' as well as "..."). */
static gboolean
skip_string (Scan *s)
{
  char quote = peek (s);
  gsize i = s->pos + 1;
  while (i < s->len && s->text[i] != quote)
    i += s->text[i] == '\\' ? 2 : 1;
  if (i >= s->len)
    return FALSE;
  advance (s, i + 1 - s->pos);
  return TRUE;
}

/* The member name a quoted key stands for; escapes are rare, so only
 * they go through the JSON parser. */
static char *
key_name (const char *token, gsize len)
{
  if (memchr (token, '\\', len) == NULL)
    return g_strndup (token + 1, len - 2);
  g_autoptr (JsonNode) node = dlp_json_parse (token, (gssize) len, "key", NULL);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_node_get_string (node));
}

static gboolean scan_value (Scan *s, JsonNode *node, guint line, guint column);

/* After '{' or '['; ends past the closing bracket. A member is located
 * at its key, as the YAML reader does. */
static gboolean
scan_members (Scan *s, JsonNode *node, gboolean object)
{
  char close = object ? '}' : ']';
  advance (s, 1);
  skip_space (s);
  for (guint i = 0; peek (s) != close; i++)
    {
      if (i > 0)
        {
          if (peek (s) != ',')
            return FALSE;
          advance (s, 1);
          skip_space (s);
        }
      guint line = s->line, column = s->column;
      JsonNode *child = NULL;
      if (object)
        {
          gsize start = s->pos;
          if ((peek (s) != '"' && peek (s) != '\'') || !skip_string (s))
            return FALSE;
          g_autofree char *name = key_name (s->text + start, s->pos - start);
          /* A repeated key: json-glib keeps the last value, which the
           * last occurrence then locates. */
          if (name && JSON_NODE_HOLDS_OBJECT (node))
            child = json_object_get_member (json_node_get_object (node), name);
          skip_space (s);
          if (peek (s) != ':')
            return FALSE;
          advance (s, 1);
          skip_space (s);
        }
      else if (JSON_NODE_HOLDS_ARRAY (node)
               && i < json_array_get_length (json_node_get_array (node)))
        child = json_array_get_element (json_node_get_array (node), i);
      if (!scan_value (s, child, line, column))
        return FALSE;
      skip_space (s);
    }
  advance (s, 1);
  return TRUE;
}

/* Locates @node (NULL: a value the tree does not hold) at @line:@column
 * and moves past its text. */
static gboolean
scan_value (Scan *s, JsonNode *node, guint line, guint column)
{
  char c = peek (s);
  gsize start = s->pos;
  if (c == '{' || c == '[')
    {
      record (s, node, line, column, NULL, 0);
      return scan_members (s, node, c == '{');
    }
  if (c == '"' || c == '\'')
    {
      record (s, node, line, column, NULL, 0);
      return skip_string (s);
    }
  while (s->pos < s->len && (g_ascii_isalnum (peek (s)) || strchr ("+-._", peek (s))))
    advance (s, 1);
  if (s->pos == start)
    return FALSE;
  /* Numbers keep their text as written, as YAML scalars do. */
  gboolean number = g_ascii_isdigit (c) || c == '-' || c == '.';
  record (s, node, line, column, number ? s->text + start : NULL, s->pos - start);
  return TRUE;
}

void
dlp_json_locate (const char *source, const char *text, gsize length, JsonNode *root,
                 GHashTable *locations)
{
  Scan s = {
    .source = source, .text = text, .len = length, .line = 1, .column = 1, .locations = locations
  };
  skip_space (&s);
  scan_value (&s, root, s.line, s.column);
}
