/* fake-package.h: a predictor made in memory, with one input of each
 * kind and no model, for the request readers (they read the inputs,
 * nothing else). */
#pragma once

#include <dlpipe/dlpipe-host.h>

/* Inputs, in order: "count" (I32), "big" (I64), "flag" (BOOL), "ratio"
 * (F64), "size" (F32), "color" (categorical: red, green, blue), "pixels"
 * (U8, shape [2, 3]). Classes: no, yes. No graph, no manifest; free with dlp_predictor_unref(). */
DlpPredictor *fake_package_new (void);

/* One input, "image" (U8, shape [2, 3]), as an IDX file of images fills;
 * classes no, yes. */
DlpPredictor *fake_package_new_image (void);
