/* fuzz-idx.c: the idx source on arbitrary files: the input's first half is
 * the images file, the second half the labels file (each raw or gzip). */
#include "fuzz.h"
#include "fuzz-source.h"

const DlpPluginDesc *dlp_plugin_source_idx_get_desc (void);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const DlpSourceClass *idx = fuzz_source_class (dlp_plugin_source_idx_get_desc (), "idx");
  size_t half = size / 2;
  const char *images = fuzz_write_file ("images", data, half);
  const char *labels = fuzz_write_file ("labels", data + half, size - half);
  g_autofree char *yaml =
    g_strdup_printf ("images: %s\nlabels: %s\nsubsets: [train]\n", images, labels);
  fuzz_load (idx, yaml);
  return 0;
}
