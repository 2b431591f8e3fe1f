/* dlpipe-host.h: the dlpipe SDK as a host sees it: everything a plugin
 * sees (<dlpipe/dlpipe.h>), and what only a host does, in dlpipe/host/:
 * making registries and contexts, loading plugin files, training and
 * running graphs, scoring with model packages, OpenBLAS's threads.
 * Plugins do not include it. */
#pragma once

#include <dlpipe/dlpipe.h>
#include <dlpipe/host/dlp-blas.h>
#include <dlpipe/host/dlp-kernels.h>
#include <dlpipe/host/dlp-config.h>
#include <dlpipe/host/dlp-context.h>
#include <dlpipe/host/dlp-loss.h>
#include <dlpipe/host/dlp-graph.h>
#include <dlpipe/host/dlp-registry.h>
#include <dlpipe/host/dlp-predictor.h>
