/* write-sample.c: writes a dataset file with every column kind, for the
 * test that reads it back with Python's safetensors and numpy. */
#include <dlpipe/dlpipe.h>

int
main (int argc, char **argv)
{
  if (argc != 2)
    return 2;
  g_autoptr (DlpDataset) ds = dlp_dataset_new (3);
  g_autoptr (DlpTensor) x = dlp_tensor_new (DLP_DTYPE_F32, 3, (gint64[]){ 3, 2, 2 }, NULL);
  float *xv = dlp_tensor_get_data_mut (x);
  for (int i = 0; i < 12; i++)
    xv[i] = (float) i * 0.5f;
  g_autoptr (DlpTensor) id = dlp_tensor_new_1d (DLP_DTYPE_I64, 3, NULL);
  gint64 *iv = dlp_tensor_get_data_mut (id);
  iv[0] = 10, iv[1] = -20, iv[2] = G_MAXINT64;
  g_autoptr (DlpTensor) y = dlp_tensor_new_1d (DLP_DTYPE_I32, 3, NULL);
  gint32 *yv = dlp_tensor_get_data_mut (y);
  yv[0] = 1, yv[1] = 0, yv[2] = -1;
  g_autoptr (DlpTensor) flag = dlp_tensor_new_1d (DLP_DTYPE_BOOL, 3, NULL);
  ((guint8 *) dlp_tensor_get_data_mut (flag))[1] = 1;
  const char *cats[] = { "cat", "dog" };
  g_autoptr (GError) error = NULL;
  if (!dlp_dataset_add_column (ds, "image", x, DLP_COLUMN_FEATURE, &error)
      || !dlp_dataset_add_column (ds, "id", id, DLP_COLUMN_AUXILIARY, &error)
      || !dlp_dataset_add_column (ds, "flag", flag, DLP_COLUMN_FEATURE, &error)
      || !dlp_dataset_add_categorical (ds, "label", y, cats, 2, DLP_COLUMN_LABEL, &error)
      || !dlp_dataset_save (ds, argv[1], &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  return 0;
}
