/* engine-test-util.h: helpers of the network engine's tests. */
#pragma once

#include "../unit/dlp-check.h"

/* A graph from architecture JSON text; fails the test on error. */
DlpGraph *engine_graph (const char *json);
/* The error building a graph from @json gives (the test fails if none). */
GError *engine_graph_error (const char *json);
/* Fills @n floats uniformly in [low, high) from @seed. */
void engine_fill (float *data, gsize n, guint64 seed, double low, double high);
