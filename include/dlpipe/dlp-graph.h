/* dlp-graph.h: architectures, and the graphs built from them.
 *
 * A DlpGraph is a sequence of layers built from Keras-style Sequential
 * architecture JSON: each layer's class is looked up in the registry by
 * its Keras class_name, its shape inferred from the one before. A model
 * type writes an architecture with dlp_architecture_new and
 * dlp_architecture_add_layer, or reads one (dlp_architecture_load), and
 * may build a graph from it to check it and to normalize it. Training and
 * running a graph belong to the host (<dlpipe/host/dlp-graph.h>). */
#pragma once

#include <dlpipe/dlp-config.h>
#include <dlpipe/dlp-registry.h>

G_BEGIN_DECLS

typedef struct _DlpGraph DlpGraph;

/* Reads an architecture JSON file as a config view, so that every later
 * error names its file, line and column ("model.json:1:2317: ..."; Keras
 * writes a model on one line). Malformed JSON is a DLP_ERROR_FORMAT
 * error with line and column. */
DLP_API DlpConfig *dlp_architecture_load (const char *path, GError **error);
/* The same for architecture JSON @text (@length -1: NUL-terminated), its
 * errors naming @name. Added at API level 2. */
DLP_API DlpConfig *dlp_architecture_parse (const char *name, const char *text, gssize length,
                                           GError **error);

/* For model types: a new Sequential architecture whose first layer is an
 * InputLayer of @input_shape, and a layer appended to it, whose "config"
 * object is returned (borrowed) for the caller to fill. */
DLP_API JsonNode *dlp_architecture_new (const char *name, guint input_rank,
                                        const gint64 *input_shape);
DLP_API JsonObject *dlp_architecture_add_layer (JsonNode *architecture,
                                                const char *class_name);

/* Builds a graph from @architecture, a view of the JSON root. The input
 * shape (per sample) comes from @input_shape when @input_rank > 0, else
 * from the architecture (an InputLayer, or batch_input_shape / batch_shape
 * on the first layer); when both give one they must agree. Errors name
 * the layer and, for shapes, both shapes. */
DLP_API DlpGraph *dlp_graph_new (DlpRegistry *registry, DlpConfig *architecture,
                                 guint input_rank, const gint64 *input_shape,
                                 GError **error);
/* The same from a JSON tree; @what names it in messages. */
DLP_API DlpGraph *dlp_graph_new_from_json (DlpRegistry *registry,
                                           JsonNode *architecture,
                                           const char *what, guint input_rank,
                                           const gint64 *input_shape,
                                           GError **error);
/* The same from an architecture file. */
DLP_API DlpGraph *dlp_graph_load (DlpRegistry *registry, const char *path,
                                  GError **error);
DLP_API void dlp_graph_free (DlpGraph *graph);

/* The architecture as normalized JSON: every layer named, its settings'
 * defaults written out, an InputLayer first. Loading it gives the same
 * graph, and writing that again the same JSON. */
DLP_API JsonNode *dlp_graph_to_json (DlpGraph *graph);
/* Writes dlp_graph_to_json atomically. */
DLP_API gboolean dlp_graph_save_architecture (DlpGraph *graph, const char *path,
                                              GError **error);
/* A table of layers, output shapes and parameter counts, with a total. */
DLP_API char *dlp_graph_summary (DlpGraph *graph);

DLP_API const char *dlp_graph_get_name (DlpGraph *graph);
DLP_API guint dlp_graph_get_input_rank (DlpGraph *graph);
DLP_API const gint64 *dlp_graph_get_input_shape (DlpGraph *graph);
/* Floats per input row (the product of the input shape). */
DLP_API gint64 dlp_graph_get_input_size (DlpGraph *graph);
DLP_API guint dlp_graph_get_output_rank (DlpGraph *graph);
DLP_API const gint64 *dlp_graph_get_output_shape (DlpGraph *graph);
DLP_API gint64 dlp_graph_get_output_size (DlpGraph *graph);
/* TRUE if the last layer is a softmax: the outputs of an evaluation are
 * then probabilities, otherwise logits. */
DLP_API gboolean dlp_graph_ends_with_softmax (DlpGraph *graph);

G_END_DECLS
