/* graph-copy.c: one trained model run by several threads.
 *
 * A graph is used by one thread at a time, because its activations and
 * scratch live in it. A server that scores on several threads gives each
 * thread a copy: same layers, parameters and state, its own buffers. */
#include <string.h>
#include "graph-private.h"

DlpGraph *
dlp_graph_copy (DlpGraph *graph, GError **error)
{
  g_return_val_if_fail (graph != NULL, NULL);
  DlpGraph *copy = dlp_graph_new_from_json (graph->registry, graph->json, graph->name,
                                            graph->in_rank, graph->in_shape, error);
  if (copy == NULL)
    return NULL;
  /* The same JSON plans the same layout; anything else is an engine bug. */
  g_assert (copy->n_params == graph->n_params && copy->n_state == graph->n_state);
  memcpy (copy->params, graph->params, graph->n_params * sizeof (float));
  memcpy (copy->state, graph->state, graph->n_state * sizeof (float));
  copy->seed = graph->seed;
  copy->step = graph->step;
  dlp_graph_set_loss (copy, &graph->loss);
  return copy;
}
