/* graph-info.c: freeing a graph, and what it tells of itself. */
#include <stdlib.h>
#include "graph-private.h"

void
dlp_graph_free (DlpGraph *graph)
{
  if (graph == NULL)
    return;
  g_clear_pointer (&graph->exec, dlp_exec_free);
  g_ptr_array_unref (graph->nodes);
  g_clear_pointer (&graph->json, json_node_unref);
  free (graph->params);
  free (graph->grads);
  free (graph->state);
  g_free (graph->class_weights);
  g_free (graph->name);
  dlp_registry_unref (graph->registry);
  g_free (graph);
}

JsonNode *
dlp_graph_to_json (DlpGraph *graph)
{
  return dlp_json_deep_copy (graph->json);
}

gboolean
dlp_graph_save_architecture (DlpGraph *graph, const char *path, GError **error)
{
  return dlp_write_json_atomic (path, graph->json, error);
}

char *
dlp_graph_summary (DlpGraph *graph)
{
  GString *s = g_string_new (NULL);
  g_autofree char *input = dlp_shape_to_string (graph->in_rank, graph->in_shape);
  g_string_append_printf (s, "Model \"%s\", input %s\n", graph->name, input);
  g_string_append_printf (s, "%-4s %-36s %-16s %10s\n", "#", "layer (class)", "output shape", "params");
  gsize total = 0;
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      DlpNode *node = g_ptr_array_index (graph->nodes, i);
      gsize n = 0;
      for (guint p = 0; p < node->params->len; p++)
        n += g_array_index (node->params, DlpParamDecl, p).size;
      total += n;
      g_autofree char *what = g_strdup_printf ("%s (%s)", node->name, node->keras_class);
      g_autofree char *shape = dlp_shape_to_string (node->out_rank, node->out_shape);
      g_string_append_printf (s, "%-4u %-36s %-16s %10" G_GSIZE_FORMAT "\n", node->module, what,
                              shape, n);
    }
  g_string_append_printf (s, "Trainable parameters: %" G_GSIZE_FORMAT "\n", total);
  return g_string_free (s, FALSE);
}

const char *dlp_graph_get_name (DlpGraph *g) { return g->name; }
guint dlp_graph_get_input_rank (DlpGraph *g) { return g->in_rank; }
const gint64 *dlp_graph_get_input_shape (DlpGraph *g) { return g->in_shape; }
gint64 dlp_graph_get_input_size (DlpGraph *g) { return g->in_size; }

DlpNode *
dlp_graph_node (DlpGraph *graph, guint index)
{
  return g_ptr_array_index (graph->nodes, index);
}

static DlpNode *
last_node (DlpGraph *graph)
{
  return g_ptr_array_index (graph->nodes, graph->nodes->len - 1);
}

guint dlp_graph_get_output_rank (DlpGraph *g) { return last_node (g)->out_rank; }
const gint64 *dlp_graph_get_output_shape (DlpGraph *g) { return last_node (g)->out_shape; }
gint64 dlp_graph_get_output_size (DlpGraph *g) { return last_node (g)->out_size; }
