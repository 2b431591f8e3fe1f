/* fuzz-serve-csv.c: CSV scoring request bodies: the reader and the
 * mapping of named columns to inputs, against a package with an input of
 * every kind. */
#include "fuzz.h"
#include "../serve/fake-package.h"
#include "serve/request.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static DlpPredictor *package;
  if (package == NULL)
    package = fake_package_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpDataset) rows = dlp_request_read_csv (package, (const char *) data, size, &error);
  g_assert ((rows == NULL) != (error == NULL));
  return 0;
}
