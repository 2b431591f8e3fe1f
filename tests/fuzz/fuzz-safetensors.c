/* fuzz-safetensors.c: the safetensors reader and the dataset schema on top
 * of it, on arbitrary bytes. */
#include <dlpipe/dlpipe.h>
#include "fuzz.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (DlpSafetensors) st = dlp_safetensors_parse (bytes, "input", NULL);
  if (st)
    {
      /* Touch every byte the reader claims is there. */
      guint8 sum = 0;
      for (guint i = 0; i < dlp_safetensors_get_n_tensors (st); i++)
        {
          DlpTensor *t = dlp_safetensors_get_tensor (st, dlp_safetensors_get_name (st, i));
          const guint8 *p = dlp_tensor_get_data (t);
          for (gsize j = 0; j < dlp_tensor_get_nbytes (t); j++)
            sum ^= p[j];
        }
      (void) sum;
    }
  g_autoptr (DlpDataset) ds = dlp_dataset_load_bytes (bytes, "input", NULL);
  return 0;
}
