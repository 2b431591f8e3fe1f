/* dlpipe.h: the dlpipe SDK. Plugins include this header only. */
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
#include <dlpipe/dlp-blas.h>
#include <dlpipe/dlp-limits.h>
#include <dlpipe/dlp-rng.h>
#include <dlpipe/dlp-vecmath.h>
#include <dlpipe/dlp-loss.h>
#include <dlpipe/dlp-graph.h>
