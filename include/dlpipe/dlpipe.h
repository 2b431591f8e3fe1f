/* dlpipe.h: the dlpipe SDK as plugins see it. A plugin includes this
 * header only; what only a host does (loading plugins, running graphs,
 * setting threads) is in <dlpipe/dlpipe-host.h>. */
#pragma once

#include <dlpipe/dlp-version.h>
#include <dlpipe/dlp-macros.h>
#include <dlpipe/dlp-error.h>
#include <dlpipe/dlp-tensor.h>
#include <dlpipe/dlp-dataset.h>
#include <dlpipe/dlp-safetensors.h>
#include <dlpipe/dlp-atomic-file.h>
#include <dlpipe/dlp-param-spec.h>
#include <dlpipe/dlp-json.h>
#include <dlpipe/dlp-config.h>
#include <dlpipe/dlp-context.h>
#include <dlpipe/dlp-plugin.h>
#include <dlpipe/dlp-registry.h>
#include <dlpipe/dlp-limits.h>
#include <dlpipe/dlp-rng.h>
#include <dlpipe/dlp-vecmath.h>
#include <dlpipe/dlp-matmul.h>
#include <dlpipe/dlp-graph.h>
