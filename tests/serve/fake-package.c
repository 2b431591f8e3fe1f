/* fake-package.c: see fake-package.h. */
#include <string.h>
#include "fake-package.h"
#include "predict/predict-private.h"

static void
set_input (DlpInputSlot *slot, const char *name, DlpDtype dtype, guint rank, const gint64 *shape,
           const char *const *categories)
{
  DlpPredictorInput *in = &slot->info;
  in->name = g_strdup (name);
  in->dtype = dtype;
  in->rank = rank;
  in->n_values = 1;
  for (guint d = 0; d < rank; d++)
    {
      in->shape[d] = shape[d];
      in->n_values *= (gsize) shape[d];
    }
  if (categories == NULL)
    return;
  in->categories = (const char *const *) g_strdupv ((char **) categories);
  in->n_categories = g_strv_length ((GStrv) in->categories);
  slot->codes = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint c = 0; c < in->n_categories; c++)
    g_hash_table_insert (slot->codes, (gpointer) in->categories[c], GINT_TO_POINTER (c + 1));
}

DlpPredictor *
fake_package_new (void)
{
  static const char *const colors[] = { "red", "green", "blue", NULL };
  static const char *const classes[] = { "no", "yes", NULL };
  const gint64 pixels[] = { 2, 3 };
  DlpPredictor *p = g_new0 (DlpPredictor, 1);
  p->ref_count = 1;
  p->dir = g_strdup ("fake");
  p->n_inputs = 7;
  p->inputs = g_new0 (DlpInputSlot, p->n_inputs);
  set_input (&p->inputs[0], "count", DLP_DTYPE_I32, 0, NULL, NULL);
  set_input (&p->inputs[1], "big", DLP_DTYPE_I64, 0, NULL, NULL);
  set_input (&p->inputs[2], "flag", DLP_DTYPE_BOOL, 0, NULL, NULL);
  set_input (&p->inputs[3], "ratio", DLP_DTYPE_F64, 0, NULL, NULL);
  set_input (&p->inputs[4], "size", DLP_DTYPE_F32, 0, NULL, NULL);
  set_input (&p->inputs[5], "color", DLP_DTYPE_I32, 0, NULL, colors);
  set_input (&p->inputs[6], "pixels", DLP_DTYPE_U8, 2, pixels, NULL);
  p->classes = g_strdupv ((char **) classes);
  p->n_classes = 2;
  return p;
}

DlpPredictor *
fake_package_new_image (void)
{
  static const char *const classes[] = { "no", "yes", NULL };
  const gint64 image[] = { 2, 3 };
  DlpPredictor *p = g_new0 (DlpPredictor, 1);
  p->ref_count = 1;
  p->dir = g_strdup ("fake");
  p->n_inputs = 1;
  p->inputs = g_new0 (DlpInputSlot, 1);
  set_input (&p->inputs[0], "image", DLP_DTYPE_U8, 2, image, NULL);
  p->classes = g_strdupv ((char **) classes);
  p->n_classes = 2;
  return p;
}
