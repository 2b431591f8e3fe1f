/* fuzz-predict-idx.c: IDX files given to `dlpipe predict`, raw or gzip:
 * the header, the decompression and its limits, and the rows' check
 * against a model that takes 2x3 images. */
#include "fuzz.h"
#include "../serve/fake-package.h"
#include "serve/input-files.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static DlpPredictor *package;
  if (package == NULL)
    package = fake_package_new_image ();
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpDataset) rows = dlp_input_idx_read (package, "input.idx", bytes, &error);
  g_assert ((rows == NULL) != (error == NULL));
  return 0;
}
