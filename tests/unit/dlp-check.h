/* dlp-check.h: Check suites reporting TAP on stdout, for `meson test`. */
#pragma once

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <dlpipe/dlpipe-host.h>

/* Builds main() around SUITE_FN(), which returns a Suite*. */
/* clang-format off */
#define DLP_CHECK_MAIN(suite_fn)                     \
  int                                                \
  main (void)                                        \
  {                                                  \
    SRunner *sr = srunner_create (suite_fn ());      \
    srunner_set_tap (sr, "-");                       \
    srunner_run_all (sr, CK_SILENT);                 \
    int failed = srunner_ntests_failed (sr);         \
    srunner_free (sr);                               \
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE; \
  }
/* clang-format on */

/* Asserts that @err_ is set with @domain_ and @code_, and that its message
 * contains @needle_ (when not NULL). */
/* clang-format off */
#define dlp_assert_error(err_, domain_, code_, needle_)                      \
  do {                                                                       \
    const GError *e_ = (err_);                                               \
    const char *n_ = (needle_);                                              \
    ck_assert_msg (e_ != NULL, "expected an error, got none");               \
    ck_assert_msg (e_->domain == (domain_) && e_->code == (int) (code_),     \
                   "expected %s code %d, got %s code %d: %s",                \
                   g_quark_to_string (domain_), (int) (code_),               \
                   g_quark_to_string (e_->domain), e_->code, e_->message);   \
    ck_assert_msg (n_ == NULL || strstr (e_->message, n_) != NULL,           \
                   "error message \"%s\" lacks \"%s\"", e_->message,         \
                   n_ ? n_ : "");                                            \
  } while (0)
/* clang-format on */

/* clang-format off */
#define dlp_assert_no_error(error)                                           \
  ck_assert_msg ((error) == NULL, "unexpected error: %s",                    \
                 (error) ? (error)->message : "")
/* clang-format on */

/* A new temporary folder, removed with everything in it by dlp_tmpdir_free. */
char *dlp_tmpdir_new (void);
void dlp_tmpdir_free (char *dir);
/* Gives each test of @tc a new temporary folder, dlp_test_tmpdir, removed
 * after the test. */
void dlp_tcase_add_tmpdir (TCase *tc);
extern char *dlp_test_tmpdir;
/* Writes @len bytes (or a C string if @len < 0) to @dir/@name; returns the path. */
char *dlp_write_test_file (const char *dir, const char *name, const void *data, gssize len);
/* The number of entries in @dir (to check that nothing was left behind). */
guint dlp_count_dir_entries (const char *dir);

/* The built plugins (DLP_TEST_BUILTIN_PLUGINS_DIR): a new registry of
 * them, or one loaded once and kept for the whole process. */
DlpRegistry *dlp_test_registry_new (void);
DlpRegistry *dlp_test_registry (void);

/* Runs the built dlpipe (DLP_TEST_HOST) with @argv (NULL-terminated, after
 * the program) in @dir, with the build tree's plugins; returns its exit
 * status, and its standard output and error in @out and @err (each may be
 * NULL). */
int dlp_test_run_host (const char *dir, const char *const *argv, char **out, char **err);
