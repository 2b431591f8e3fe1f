/* graph-query.c: questions about a built graph that its users ask. */
#include "graph-private.h"

gboolean
dlp_graph_ends_with_softmax (DlpGraph *graph)
{
  guint n = graph->nodes->len;
  return n > 0 && dlp_graph_node (graph, n - 1)->softmax;
}
