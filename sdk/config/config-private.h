/* config-private.h: the parsed document behind DlpConfig views. */
#pragma once

#include <dlpipe/host/dlp-config.h>

G_BEGIN_DECLS

/* Where a node came from, and its scalar text as written. */
typedef struct {
  const char *source; /* a file name or "--set KEY=VALUE", owned by the doc */
  guint line;         /* 1-based; 0 when there is no line */
  guint column;       /* 1-based, in characters; 0 when not recorded */
  char *raw;          /* scalar text as written, or NULL */
} DlpLocation;

typedef struct {
  gatomicrefcount ref_count;
  char *file;
  JsonNode *root;
  GHashTable *locations; /* JsonNode* -> DlpLocation*, nodes of root's tree */
  GPtrArray *sources;    /* the strings locations name their source with */
} DlpConfigDoc;

DlpConfigDoc *dlp_config_doc_ref (DlpConfigDoc *doc);
void dlp_config_doc_unref (DlpConfigDoc *doc);
const DlpLocation *dlp_config_doc_locate (DlpConfigDoc *doc, JsonNode *node);
/* "params.yaml:12", "model.json:1:345", "params.yaml" or "--set a.b=1". */
char *dlp_location_to_string (const DlpLocation *loc, const char *file);
/* A table JsonNode* -> DlpLocation* that keeps its nodes alive. */
GHashTable *dlp_location_table_new (void);
/* Records @loc (taken) for @node, replacing an earlier entry. */
void dlp_location_table_add (GHashTable *locations, JsonNode *node, DlpLocation *loc);

/* Parses YAML @text into a JSON tree, recording each node's location under
 * @source in @locations. Messages name lines only if @with_lines (text
 * from the command line has none worth naming). */
JsonNode *dlp_yaml_parse (const char *source, const char *text, gsize length, gboolean with_lines,
                          GHashTable *locations, GError **error);

/* Records in @locations the line and column in JSON @text of each node of
 * @root, the tree json-glib parsed from it (json-locations.c). */
void dlp_json_locate (const char *source, const char *text, gsize length, JsonNode *root,
                      GHashTable *locations);
/* A config over @root (taken), parsed from JSON @text by dlp_json_parse():
 * messages cite the text's lines and columns. */
DlpConfig *dlp_config_new_from_json (const char *name, JsonNode *root, const char *text,
                                     gsize length, GError **error);

/* A scalar's text for messages: "ten" in quotes, 12, true, null, a list. */
char *dlp_config_describe_node (JsonNode *node);
/* Text of a scalar for params logging: as written when known. */
char *dlp_config_scalar_text (DlpConfigDoc *doc, JsonNode *node);

/* Gives a view its (normalized, owned) specs and parsed defaults. */
void dlp_config_attach_specs (DlpConfig *config, DlpParamSpec *specs, GHashTable *defaults);

/* Copies a plugin's spec array into full-size structs (the stride is the
 * first entry's struct_size), ending with a NULL name. Free with g_free. */
DlpParamSpec *dlp_param_specs_normalize (const DlpParamSpec *specs);
/* Checks that specs are well formed and their defaults match their types;
 * messages start with "parameter 'NAME'". */
gboolean dlp_param_specs_check (const DlpParamSpec *specs, GError **error);
/* TRUE if @node is acceptable for @spec; otherwise sets *expected to a
 * description such as "an integer from 1 to 10" (free it). */
gboolean dlp_param_spec_accepts (const DlpParamSpec *spec, JsonNode *node, char **expected);
/* Parses a spec default (YAML text) into a node. */
JsonNode *dlp_param_spec_parse_default (const DlpParamSpec *spec, GError **error);

G_END_DECLS
