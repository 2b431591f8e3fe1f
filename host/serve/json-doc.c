/* json-doc.c: the request-body JSON reader (see json-doc.h). */
#include <errno.h>
#include <string.h>
#include "json-doc.h"

struct _DlpJsonDoc {
  const char *text; /* borrowed while parsing only */
  gsize length;
  DlpJsonNode *nodes;
  guint32 n_nodes, capacity;
  GString *strings; /* decoded strings, each NUL-terminated */
  guint max_depth;
  gsize pos;
  GError *error;
};

typedef DlpJsonDoc Parser;

void
dlp_json_doc_free (DlpJsonDoc *doc)
{
  if (doc == NULL)
    return;
  g_free (doc->nodes);
  g_string_free (doc->strings, TRUE);
  g_clear_error (&doc->error);
  g_free (doc);
}

const char *
dlp_json_type_name (DlpJsonType type)
{
  switch (type)
    {
    case DLP_JSON_NULL:
      return "null";
    case DLP_JSON_FALSE:
    case DLP_JSON_TRUE:
      return "a boolean";
    case DLP_JSON_NUMBER:
      return "a number";
    case DLP_JSON_STRING:
      return "a string";
    case DLP_JSON_ARRAY:
      return "a list";
    case DLP_JSON_OBJECT:
      return "an object";
    default:
      return "a value";
    }
}

/* Line and column of a byte offset, counting characters, from 1. */
static char *
describe (const char *text, gsize length, gsize offset)
{
  guint line = 1, column = 1;
  for (gsize i = 0; i < offset && i < length; i++)
    {
      if (text[i] == '\n')
        line++, column = 1;
      else if (((guchar) text[i] & 0xc0) != 0x80)
        column++;
    }
  return g_strdup_printf ("line %u, column %u", line, column);
}

/* Records the first error, at the current position. */
static gboolean G_GNUC_PRINTF (2, 3) fail (Parser *p, const char *format, ...)
{
  if (p->error)
    return FALSE;
  va_list args;
  va_start (args, format);
  g_autofree char *msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_autofree char *where = describe (p->text, p->length, p->pos);
  g_set_error (&p->error, DLP_ERROR, DLP_ERROR_FORMAT,
               "invalid JSON at byte %" G_GSIZE_FORMAT " (%s): %s", p->pos, where, msg);
  return FALSE;
}

/* What is at the current position, for "expected X, got Y". */
static const char *
got (Parser *p)
{
  if (p->pos >= p->length)
    return "the end of the text";
  static const char *const names[] = { "'{'", "'}'", "'['", "']'", "':'", "','", "'\"'" };
  const char *chars = "{}[]:,\"";
  const char *c = memchr (chars, p->text[p->pos], 7);
  return c ? names[c - chars] : "an unexpected character";
}

static inline void
skip_space (Parser *p)
{
  while (p->pos < p->length)
    {
      char c = p->text[p->pos];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
        break;
      p->pos++;
    }
}

static guint32
add_node (Parser *p, DlpJsonType type)
{
  if (p->n_nodes == p->capacity)
    {
      p->capacity = MAX (64, p->capacity * 2);
      p->nodes = g_renew (DlpJsonNode, p->nodes, p->capacity);
    }
  p->nodes[p->n_nodes] = (DlpJsonNode){ .type = type, .offset = (guint32) p->pos, .size = 1 };
  return p->n_nodes++;
}

static DlpJsonNode *
node_at (Parser *p, guint32 index)
{
  return &p->nodes[index];
}

static gboolean
parse_literal (Parser *p, const char *word, DlpJsonType type)
{
  gsize n = strlen (word);
  if (p->length - p->pos < n || memcmp (p->text + p->pos, word, n) != 0)
    return fail (p, "expected a value, got %s", got (p));
  add_node (p, type);
  p->pos += n;
  return TRUE;
}

static gboolean
is_digit (char c)
{
  return c >= '0' && c <= '9';
}

static gboolean
parse_number (Parser *p)
{
  const char *s = p->text;
  gsize start = p->pos, i = p->pos, end = p->length;
  gboolean negative = FALSE, integral = TRUE;
  if (i < end && s[i] == '-')
    negative = TRUE, i++;
  if (i >= end || !is_digit (s[i]))
    {
      p->pos = i;
      return fail (p, "expected a digit");
    }
  guint64 mantissa = 0;
  guint n_digits = 0;
  if (s[i] == '0')
    i++, n_digits = 1;
  else
    for (; i < end && is_digit (s[i]); i++, n_digits++)
      mantissa = mantissa * 10 + (guint64) (s[i] - '0');
  if (i < end && s[i] == '.')
    {
      integral = FALSE;
      if (++i >= end || !is_digit (s[i]))
        {
          p->pos = i;
          return fail (p, "expected a digit after the decimal point");
        }
      while (i < end && is_digit (s[i]))
        i++;
    }
  if (i < end && (s[i] == 'e' || s[i] == 'E'))
    {
      integral = FALSE;
      if (++i < end && (s[i] == '+' || s[i] == '-'))
        i++;
      if (i >= end || !is_digit (s[i]))
        {
          p->pos = i;
          return fail (p, "expected a digit in the exponent");
        }
      while (i < end && is_digit (s[i]))
        i++;
    }

  double value;
  /* Most numbers in a request are small integers (pixels, counts): exact
   * without strtod. Up to 15 digits a double holds them exactly. */
  if (integral && n_digits <= 15)
    value = negative ? -(double) mantissa : (double) mantissa;
  else
    {
      char buf[64];
      gsize n = i - start;
      g_autofree char *heap = n >= sizeof buf ? g_strndup (s + start, n) : NULL;
      if (heap == NULL)
        {
          memcpy (buf, s + start, n);
          buf[n] = '\0';
        }
      errno = 0;
      value = g_ascii_strtod (heap ? heap : buf, NULL);
      if (errno == ERANGE && (value > 1.0 || value < -1.0))
        return fail (p, "number out of range");
    }
  guint32 index = add_node (p, DLP_JSON_NUMBER);
  node_at (p, index)->number = value;
  p->pos = i;
  return TRUE;
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Reads the 4 hex digits after "\u". */
static gboolean
read_hex4 (Parser *p, gunichar *out)
{
  if (p->length - p->pos < 4)
    return fail (p, "expected 4 hexadecimal digits after \\u");
  gunichar v = 0;
  for (int k = 0; k < 4; k++)
    {
      int h = hex_value (p->text[p->pos + k]);
      if (h < 0)
        return fail (p, "expected 4 hexadecimal digits after \\u");
      v = v * 16 + (gunichar) h;
    }
  p->pos += 4;
  *out = v;
  return TRUE;
}

static gboolean
parse_escape (Parser *p, GString *out)
{
  if (p->pos >= p->length)
    return fail (p, "unfinished escape sequence");
  char c = p->text[p->pos++];
  switch (c)
    {
    case '"':
      g_string_append_c (out, '"');
      return TRUE;
    case '\\':
      g_string_append_c (out, '\\');
      return TRUE;
    case '/':
      g_string_append_c (out, '/');
      return TRUE;
    case 'b':
      g_string_append_c (out, '\b');
      return TRUE;
    case 'f':
      g_string_append_c (out, '\f');
      return TRUE;
    case 'n':
      g_string_append_c (out, '\n');
      return TRUE;
    case 'r':
      g_string_append_c (out, '\r');
      return TRUE;
    case 't':
      g_string_append_c (out, '\t');
      return TRUE;
    case 'u':
      break;
    default:
      p->pos--;
      return fail (p, "unknown escape sequence '\\%c'", g_ascii_isprint (c) ? c : '?');
    }
  gunichar u;
  if (!read_hex4 (p, &u))
    return FALSE;
  if (u >= 0xdc00 && u <= 0xdfff)
    return fail (p, "a low surrogate without a high one before it");
  if (u >= 0xd800 && u <= 0xdbff)
    {
      gunichar low;
      if (p->length - p->pos < 2 || p->text[p->pos] != '\\' || p->text[p->pos + 1] != 'u')
        return fail (p, "a high surrogate must be followed by a \\u low surrogate");
      p->pos += 2;
      if (!read_hex4 (p, &low))
        return FALSE;
      if (low < 0xdc00 || low > 0xdfff)
        return fail (p, "a high surrogate must be followed by a \\u low surrogate");
      u = 0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00);
    }
  if (u == 0)
    return fail (p, "\\u0000 is not allowed in strings here");
  g_string_append_unichar (out, u);
  return TRUE;
}

static gboolean
parse_string (Parser *p)
{
  guint32 index = add_node (p, DLP_JSON_STRING);
  gsize text_start = p->strings->len;
  p->pos++; /* the opening quote */
  for (;;)
    {
      gsize run = p->pos;
      while (run < p->length && p->text[run] != '"' && p->text[run] != '\\'
             && (guchar) p->text[run] >= 0x20)
        run++;
      /* Only strings may hold other than ASCII; a run never splits a
       * character, whose bytes are all 0x80 and up. */
      const char *bad;
      if (!g_utf8_validate_len (p->text + p->pos, run - p->pos, &bad))
        {
          p->pos = (gsize) (bad - p->text);
          return fail (p, "not valid UTF-8");
        }
      g_string_append_len (p->strings, p->text + p->pos, (gssize) (run - p->pos));
      p->pos = run;
      if (p->pos >= p->length)
        return fail (p, "unterminated string");
      char c = p->text[p->pos];
      if (c == '"')
        break;
      if (c != '\\')
        return fail (p, "control characters must be escaped in strings");
      p->pos++;
      if (!parse_escape (p, p->strings))
        return FALSE;
    }
  p->pos++;
  DlpJsonNode *node = node_at (p, index);
  node->text = text_start;
  node->length = (guint32) (p->strings->len - text_start);
  g_string_append_c (p->strings, '\0');
  return TRUE;
}

static gboolean parse_value (Parser *p, guint depth);

/* A member's name and the ':' after it. */
static gboolean
parse_member_name (Parser *p)
{
  skip_space (p);
  if (p->pos >= p->length || p->text[p->pos] != '"')
    return fail (p, "expected a member name in quotes, got %s", got (p));
  if (!parse_string (p))
    return FALSE;
  skip_space (p);
  if (p->pos >= p->length || p->text[p->pos] != ':')
    return fail (p, "expected ':' after a member name, got %s", got (p));
  p->pos++;
  return TRUE;
}

/* A list or an object, from its opening bracket to its closing one: the
 * same loop, an object's values each after its name. */
static gboolean
parse_container (Parser *p, guint depth, DlpJsonType type)
{
  gboolean object = type == DLP_JSON_OBJECT;
  char close = object ? '}' : ']';
  guint32 index = add_node (p, type);
  guint32 n = 0;
  p->pos++;
  skip_space (p);
  if (p->pos < p->length && p->text[p->pos] == close)
    p->pos++;
  else
    for (;;)
      {
        if ((object && !parse_member_name (p)) || !parse_value (p, depth + 1))
          return FALSE;
        n++;
        skip_space (p);
        if (p->pos < p->length && p->text[p->pos] == ',')
          {
            p->pos++;
            continue;
          }
        if (p->pos < p->length && p->text[p->pos] == close)
          {
            p->pos++;
            break;
          }
        return fail (p, "expected ',' or '%c' in %s, got %s", close, dlp_json_type_name (type),
                     got (p));
      }
  DlpJsonNode *node = node_at (p, index);
  node->length = n;
  node->size = p->n_nodes - index;
  return TRUE;
}

static gboolean
parse_value (Parser *p, guint depth)
{
  skip_space (p);
  if (p->pos >= p->length)
    return fail (p, "expected a value, got the end of the text");
  char c = p->text[p->pos];
  if ((c == '[' || c == '{') && depth >= p->max_depth)
    {
      if (p->error == NULL)
        {
          g_autofree char *what = g_strdup_printf ("JSON body, byte %" G_GSIZE_FORMAT, p->pos);
          dlp_limit_set_error (&p->error, DLP_LIMIT_YAML_DEPTH, what,
                               "nested deeper than %u levels", p->max_depth);
        }
      return FALSE;
    }
  switch (c)
    {
    case '{':
      return parse_container (p, depth, DLP_JSON_OBJECT);
    case '[':
      return parse_container (p, depth, DLP_JSON_ARRAY);
    case '"':
      return parse_string (p);
    case 't':
      return parse_literal (p, "true", DLP_JSON_TRUE);
    case 'f':
      return parse_literal (p, "false", DLP_JSON_FALSE);
    case 'n':
      return parse_literal (p, "null", DLP_JSON_NULL);
    default:
      if (c == '-' || is_digit (c))
        return parse_number (p);
      return fail (p, "expected a value, got %s", got (p));
    }
}

DlpJsonDoc *
dlp_json_doc_parse (const char *text, gsize length, GError **error)
{
  g_autoptr (DlpJsonDoc) p = g_new0 (DlpJsonDoc, 1);
  p->text = text;
  p->length = length;
  /* Every value takes at least one byte, so this is enough for most. */
  p->strings = g_string_new (NULL);
  /* The SDK's check says how deep is too deep, as for every JSON read;
   * the parser's own bound only keeps its recursion finite. */
  p->max_depth = (guint) dlp_limit_get (DLP_LIMIT_YAML_DEPTH);
  if (length >= G_MAXUINT32)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_LIMIT,
                   "a JSON body of %" G_GSIZE_FORMAT " bytes is too large (at most 4 GiB)", length);
      return NULL;
    }
  if (!dlp_json_check_depth (text, length, "JSON body", error))
    return NULL;
  /* A byte order mark is not JSON, but some tools write one. */
  if (length >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
    p->pos = 3;
  if (parse_value (p, 0))
    {
      skip_space (p);
      if (p->pos < p->length)
        fail (p, "expected the end of the text after the value, got %s", got (p));
    }
  if (p->error)
    {
      g_propagate_error (error, g_steal_pointer (&p->error));
      return NULL;
    }
  p->text = NULL;
  return g_steal_pointer (&p);
}

const DlpJsonNode *
dlp_json_doc_get_root (const DlpJsonDoc *doc)
{
  return &doc->nodes[0];
}

const char *
dlp_json_doc_get_string (const DlpJsonDoc *doc, const DlpJsonNode *node)
{
  g_return_val_if_fail (node->type == DLP_JSON_STRING, "");
  return doc->strings->str + node->text;
}

const DlpJsonNode *
dlp_json_doc_get_member (const DlpJsonDoc *doc, const DlpJsonNode *object, const char *key)
{
  g_return_val_if_fail (object->type == DLP_JSON_OBJECT, NULL);
  const DlpJsonNode *found = NULL;
  const DlpJsonNode *k = dlp_json_first (object);
  for (guint32 i = 0; i < object->length; i++)
    {
      const DlpJsonNode *value = k + 1;
      if (strcmp (dlp_json_doc_get_string (doc, k), key) == 0)
        found = value;
      k = dlp_json_next (value);
    }
  return found;
}

void
dlp_json_append_string (GString *out, const char *text)
{
  g_string_append_c (out, '"');
  for (const guchar *c = (const guchar *) text; *c; c++)
    {
      switch (*c)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if (*c < 0x20)
            g_string_append_printf (out, "\\u%04x", *c);
          else
            g_string_append_c (out, (char) *c);
        }
    }
  g_string_append_c (out, '"');
}
