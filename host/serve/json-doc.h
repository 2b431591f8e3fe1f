/* json-doc.h: a small, fast JSON reader for request bodies.
 *
 * A scoring request is mostly numbers (784 pixels per Fashion-MNIST row),
 * and a general JSON tree with one allocated object per value spends more
 * time parsing them than the model spends scoring. This reader checks the
 * text against RFC 8259 (UTF-8, strict grammar, no trailing commas) and
 * lays the values out in one array, in document order: a container is
 * followed by its elements (for objects: key, value, key, value...), and
 * knows how many nodes its subtree holds, so the next sibling of a node
 * is `node + node->size`. */
#pragma once

#include <dlpipe/dlpipe-host.h>

G_BEGIN_DECLS

typedef enum {
  DLP_JSON_NULL,
  DLP_JSON_FALSE,
  DLP_JSON_TRUE,
  DLP_JSON_NUMBER,
  DLP_JSON_STRING,
  DLP_JSON_ARRAY,
  DLP_JSON_OBJECT,
} DlpJsonType;

typedef struct {
  guint32 type;   /* DlpJsonType */
  guint32 offset; /* byte offset of the value in the text */
  guint32 size;   /* nodes in this subtree, this one included */
  guint32 length; /* elements of an array, members of an object,
                            bytes of a string */
  union {
    double number;
    gsize text; /* strings: start of the decoded text */
  };
} DlpJsonNode;

typedef struct _DlpJsonDoc DlpJsonDoc;

/* Parses @length bytes of @text. Errors are DLP_ERROR_FORMAT, saying what
 * was expected at which byte, line and column; a document nested deeper
 * than DLP_LIMIT_YAML_DEPTH is DLP_ERROR_LIMIT. */
DlpJsonDoc *dlp_json_doc_parse (const char *text, gsize length, GError **error);
void dlp_json_doc_free (DlpJsonDoc *doc);

const DlpJsonNode *dlp_json_doc_get_root (const DlpJsonDoc *doc);
/* The decoded, NUL-terminated text of a string node. */
const char *dlp_json_doc_get_string (const DlpJsonDoc *doc, const DlpJsonNode *node);
/* The value of member @key of an object (the last, if repeated), or NULL. */
const DlpJsonNode *dlp_json_doc_get_member (const DlpJsonDoc *doc, const DlpJsonNode *object,
                                            const char *key);

/* "a number", "a list", ... */
const char *dlp_json_type_name (DlpJsonType type);

/* The first element of an array or object (for an object, the first key),
 * and the node after @node's subtree. */
static inline const DlpJsonNode *
dlp_json_first (const DlpJsonNode *node)
{
  return node->length > 0 ? node + 1 : NULL;
}

static inline const DlpJsonNode *
dlp_json_next (const DlpJsonNode *node)
{
  return node + node->size;
}

/* Appends @text as a JSON string, quoted and escaped: what the answers
 * need of writing JSON. */
void dlp_json_append_string (GString *out, const char *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpJsonDoc, dlp_json_doc_free)

G_END_DECLS
