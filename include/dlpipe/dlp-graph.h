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

/**
 * dlp_architecture_load:
 * @path: (transfer none): an architecture JSON file
 * @error: (nullable): return location for an error
 *
 * Reads an architecture file as a config view, so that every later error
 * names its file, line and column ("model.json:1:2317: ..."; Keras writes
 * a model on one line).
 *
 * Returns: (transfer full) (nullable): a view of the JSON root; %NULL with
 *   @error set to DLP_ERROR_IO (unreadable), DLP_ERROR_FORMAT (not JSON,
 *   with line and column, or not an object) or DLP_ERROR_LIMIT (nested too
 *   deep)
 */
DLP_API DlpConfig *dlp_architecture_load (const char *path, GError **error);

/**
 * dlp_architecture_parse:
 * @name: (transfer none): what stands for the file in messages
 * @text: (transfer none): architecture JSON
 * @length: bytes of @text, or -1 when it is NUL-terminated
 * @error: (nullable): return location for an error
 *
 * dlp_architecture_load() for JSON text.
 *
 * Returns: (transfer full) (nullable): a view of the JSON root; %NULL with
 *   @error set to DLP_ERROR_FORMAT or DLP_ERROR_LIMIT, as
 *   dlp_architecture_load()
 *
 * Since: API level 2
 */
DLP_API DlpConfig *dlp_architecture_parse (const char *name, const char *text, gssize length,
                                           GError **error);

/**
 * dlp_architecture_new:
 * @name: (transfer none): the Sequential's name
 * @input_rank: the number of dimensions of a sample
 * @input_shape: @input_rank dimensions, without the batch axis
 *
 * For model types: a new Sequential architecture whose first layer is an
 * InputLayer of @input_shape.
 *
 * Returns: (transfer full): the architecture's JSON root
 */
DLP_API JsonNode *dlp_architecture_new (const char *name, guint input_rank,
                                        const gint64 *input_shape);

/**
 * dlp_architecture_add_layer:
 * @architecture: (transfer none): what dlp_architecture_new() made
 * @class_name: (transfer none): the layer's Keras class ("Dense")
 *
 * Appends a layer to @architecture.
 *
 * Returns: (transfer none): the layer's "config" object, for the caller to
 *   fill; valid while @architecture lives
 */
DLP_API JsonObject *dlp_architecture_add_layer (JsonNode *architecture, const char *class_name);

/**
 * dlp_architecture_add_output:
 * @architecture: (transfer none): an architecture from dlp_architecture_new()
 * @num_classes: the number of classes
 * @kernel_initializer: (nullable): the initializer of its weights (a Keras
 *   name), or NULL for the layer's default
 *
 * Appends the output layer of a classifier: a Dense layer of @num_classes
 * units with a softmax activation.
 *
 * Returns: (transfer none): the layer's "config" object, owned by
 *   @architecture
 *
 * Since: API level 2
 */
DLP_API JsonObject *dlp_architecture_add_output (JsonNode *architecture, gint64 num_classes,
                                                 const char *kernel_initializer);

/**
 * dlp_graph_new:
 * @registry: (transfer none): where the layer classes are; the graph takes
 *   its own reference
 * @architecture: (transfer none): a view of the architecture's JSON root
 * @input_rank: the rank of @input_shape, or 0 to take the architecture's
 * @input_shape: (nullable): the shape of a sample, without the batch axis
 * @error: (nullable): return location for an error
 *
 * Builds a graph from @architecture: each layer's class is looked up by
 * its Keras class_name, its settings checked against the class's params,
 * its shape inferred from the one before. The input shape comes from
 * @input_shape when @input_rank > 0, else from the architecture (an
 * InputLayer, or batch_input_shape / batch_shape on the first layer); when
 * both give one they must agree. The parameters are allocated, not
 * initialised.
 *
 * Returns: (transfer full) (nullable): the graph, free with
 *   dlp_graph_free(); %NULL with @error set to DLP_ERROR_CONFIG (a
 *   malformed architecture, an unknown layer class, a layer setting
 *   refused, with file, line and column), DLP_ERROR_SHAPE
 *   (shapes that do not fit, naming the layer and both shapes),
 *   DLP_ERROR_LIMIT (over DLP_LIMIT_MODEL_PARAMS, or out of memory),
 *   DLP_ERROR_FAILED (a layer that set no output shape), or what a
 *   layer's create or plan sets
 */
DLP_API DlpGraph *dlp_graph_new (DlpRegistry *registry, DlpConfig *architecture, guint input_rank,
                                 const gint64 *input_shape, GError **error);

/**
 * dlp_graph_new_from_json:
 * @registry: (transfer none): as for dlp_graph_new()
 * @architecture: (transfer none): the architecture's JSON root
 * @what: (transfer none): what stands for the architecture in messages
 * @input_rank: as for dlp_graph_new()
 * @input_shape: (nullable): as for dlp_graph_new()
 * @error: (nullable): return location for an error
 *
 * dlp_graph_new() from a JSON tree.
 *
 * Returns: (transfer full) (nullable): the graph; %NULL with @error set as
 *   dlp_graph_new() sets it
 */
DLP_API DlpGraph *dlp_graph_new_from_json (DlpRegistry *registry, JsonNode *architecture,
                                           const char *what, guint input_rank,
                                           const gint64 *input_shape, GError **error);

/**
 * dlp_graph_load:
 * @registry: (transfer none): as for dlp_graph_new()
 * @path: (transfer none): an architecture file, its input shape in it
 * @error: (nullable): return location for an error
 *
 * dlp_graph_new() from an architecture file.
 *
 * Returns: (transfer full) (nullable): the graph; %NULL with @error set as
 *   dlp_architecture_load() or dlp_graph_new() sets it
 */
DLP_API DlpGraph *dlp_graph_load (DlpRegistry *registry, const char *path, GError **error);

/**
 * dlp_graph_free:
 * @graph: (nullable) (transfer full): the graph
 *
 * Frees @graph, stopping its threads.
 */
DLP_API void dlp_graph_free (DlpGraph *graph);

/**
 * dlp_graph_to_json:
 * @graph: the graph
 *
 * The architecture as normalized JSON: every layer named, its settings'
 * defaults written out, an InputLayer first. Loading it gives the same
 * graph, and writing that again the same JSON.
 *
 * Returns: (transfer full): a new JSON tree
 */
DLP_API JsonNode *dlp_graph_to_json (DlpGraph *graph);

/**
 * dlp_graph_save_architecture:
 * @graph: the graph
 * @path: (transfer none): the file to write
 * @error: (nullable): return location for an error
 *
 * Writes dlp_graph_to_json() atomically.
 *
 * Returns: %TRUE on success; %FALSE with @error set to DLP_ERROR_IO
 */
DLP_API gboolean dlp_graph_save_architecture (DlpGraph *graph, const char *path, GError **error);

/**
 * dlp_graph_summary:
 * @graph: the graph
 *
 * Returns: (transfer full): a table of layers, output shapes and parameter
 *   counts, with a total
 */
DLP_API char *dlp_graph_summary (DlpGraph *graph);

/**
 * dlp_graph_get_name:
 * @graph: the graph
 *
 * Returns: (transfer none): the model's name
 */
DLP_API const char *dlp_graph_get_name (DlpGraph *graph);

/**
 * dlp_graph_get_input_rank:
 * @graph: the graph
 *
 * Returns: the rank of a sample
 */
DLP_API guint dlp_graph_get_input_rank (DlpGraph *graph);

/**
 * dlp_graph_get_input_shape:
 * @graph: the graph
 *
 * Returns: (transfer none): the shape of a sample, without the batch axis
 */
DLP_API const gint64 *dlp_graph_get_input_shape (DlpGraph *graph);

/**
 * dlp_graph_get_input_size:
 * @graph: the graph
 *
 * Returns: the floats of an input row (the product of the input shape)
 */
DLP_API gint64 dlp_graph_get_input_size (DlpGraph *graph);

/**
 * dlp_graph_get_output_rank:
 * @graph: the graph
 *
 * Returns: the rank of an output row
 */
DLP_API guint dlp_graph_get_output_rank (DlpGraph *graph);

/**
 * dlp_graph_get_output_shape:
 * @graph: the graph
 *
 * Returns: (transfer none): the shape of an output row, without the batch
 *   axis
 */
DLP_API const gint64 *dlp_graph_get_output_shape (DlpGraph *graph);

/**
 * dlp_graph_get_output_size:
 * @graph: the graph
 *
 * Returns: the floats of an output row; for a classifier, its classes
 */
DLP_API gint64 dlp_graph_get_output_size (DlpGraph *graph);

/**
 * dlp_graph_ends_with_softmax:
 * @graph: the graph
 *
 * Returns: %TRUE if the last layer is a softmax: the outputs of an
 *   evaluation are then probabilities, otherwise logits
 */
DLP_API gboolean dlp_graph_ends_with_softmax (DlpGraph *graph);

/* Since: API level 2 */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpGraph, dlp_graph_free)

G_END_DECLS
