/* input-files.h: the files `dlpipe predict` scores.
 *
 *   .csv          a header row naming the columns (as a text/csv request)
 *   .json         a scoring request body (any of MLflow's four forms)
 *   .safetensors  a dlpipe dataset (data/raw, or a split, whose rows went
 *                 through the package's preprocessing already), or plain
 *                 tensors named after the inputs, rows first
 *   IDX           an MNIST-style images file, raw or gzip-compressed
 *                 (told by its first bytes, whatever its name) */
#pragma once

#include "request.h"

G_BEGIN_DECLS

/* Reads @path into rows of @predictor's inputs; *@preprocessed is set when
 * the rows went through the package's preprocessing already (a split
 * written by data_split), so that they are scored as they are. */
DlpDataset *dlp_input_file_read (DlpPredictor *predictor, const char *path,
                                 DlpScoreOptions *options, gboolean *preprocessed, GError **error);

/* An IDX file's bytes, raw or gzip-compressed, as rows of @predictor's one
 * input; @what names the file in errors. */
DlpDataset *dlp_input_idx_read (DlpPredictor *predictor, const char *what, GBytes *bytes,
                                GError **error);

G_END_DECLS
