/* fuzz-serve-json.c: JSON scoring request bodies: the reader and MLflow's
 * four input forms, against a package with an input of every kind. */
#include "fuzz.h"
#include "../serve/fake-package.h"
#include "serve/request.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static DlpPredictor *package;
  if (package == NULL)
    package = fake_package_new ();
  DlpScoreOptions options = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (DlpDataset) rows =
    dlp_request_read_json (package, (const char *) data, size, &options, &error);
  /* Either rows or a reason, never both, never neither. */
  g_assert ((rows == NULL) != (error == NULL));
  return 0;
}
