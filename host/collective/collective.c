/* collective.c: the ranks of a training job, over a collective plugin
 * type (see collective.h). */
#include <stdio.h>
#include <stdlib.h>
#include "collective.h"

struct _DlpCollective {
  const DlpCollectiveClass *klass;
  gpointer self;
  char *type;
  char *description;
  int rank;
  int size;
};

/* What a type without allreduce_start returns: the sum is done. */
static DlpCollectiveRequest *const done_request = (DlpCollectiveRequest *) &done_request;

DlpCollective *
dlp_collective_open (const DlpTypeEntry *entry, DlpConfig *settings, GError **error)
{
  const DlpCollectiveClass *klass = dlp_type_entry_get_class (entry);
  const char *type = dlp_type_entry_get_name (entry);
  if (klass->allreduce_start && klass->wait == NULL)
    {
      g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_SUPPORTED,
                   "collective %s: it has allreduce_start but no wait", type);
      return NULL;
    }
  g_autoptr (DlpConfig) none = NULL;
  if (settings == NULL)
    settings = none = dlp_config_parse ("collective", "{}", -1, error);
  if (settings == NULL)
    return NULL;
  g_autoptr (GError) local = NULL;
  gpointer self = klass->create (settings, &local);
  if (self == NULL)
    {
      g_set_error (error, local->domain, local->code, "collective %s: cannot join the job: %s",
                   type, local->message);
      return NULL;
    }
  DlpCollective *c = g_new0 (DlpCollective, 1);
  c->klass = klass;
  c->self = self;
  c->type = g_strdup (type);
  c->rank = klass->rank (self);
  c->size = klass->size (self);
  /* Every rank is here at once: describe may communicate. */
  char *description = klass->describe ? klass->describe (self) : NULL;
  c->description = description ? description : g_strdup_printf ("%s, %d ranks", type, c->size);
  return c;
}

void
dlp_collective_close (DlpCollective *c)
{
  if (c == NULL)
    return;
  c->klass->destroy (c->self);
  g_free (c->type);
  g_free (c->description);
  g_free (c);
}

int
dlp_collective_rank (DlpCollective *c)
{
  return c->rank;
}

int
dlp_collective_size (DlpCollective *c)
{
  return c->size;
}

const char *
dlp_collective_type (DlpCollective *c)
{
  return c->type;
}

const char *
dlp_collective_describe (DlpCollective *c)
{
  return c->description;
}

/* @ok as it is, with the rank put before a failure's message. */
static gboolean
name_rank (DlpCollective *c, gboolean ok, GError **error)
{
  if (!ok && error && *error)
    g_prefix_error (error, "rank %d of %d: ", c->rank, c->size);
  return ok;
}

gboolean
dlp_collective_allreduce_sum (DlpCollective *c, DlpDtype dtype, void *data, gsize count,
                              GError **error)
{
  return name_rank (c, c->klass->allreduce_sum (c->self, dtype, data, count, error), error);
}

DlpCollectiveRequest *
dlp_collective_allreduce_start (DlpCollective *c, DlpDtype dtype, void *data, gsize count,
                                GError **error)
{
  if (c->klass->allreduce_start == NULL)
    return dlp_collective_allreduce_sum (c, dtype, data, count, error) ? done_request : NULL;
  DlpCollectiveRequest *request = c->klass->allreduce_start (c->self, dtype, data, count, error);
  name_rank (c, request != NULL, error);
  return request;
}

gboolean
dlp_collective_wait (DlpCollective *c, DlpCollectiveRequest *request, GError **error)
{
  if (request == done_request)
    return TRUE;
  return name_rank (c, c->klass->wait (c->self, request, error), error);
}

gboolean
dlp_collective_broadcast (DlpCollective *c, void *data, gsize n_bytes, int root, GError **error)
{
  return name_rank (c, c->klass->broadcast (c->self, data, n_bytes, root, error), error);
}

gboolean
dlp_collective_barrier (DlpCollective *c, GError **error)
{
  return name_rank (c, c->klass->barrier (c->self, error), error);
}

void
dlp_collective_abort (DlpCollective *c, const char *message, int exit_code)
{
  fprintf (stderr, "dlpipe: rank %d of %d: %s\n", c->rank, c->size, message);
  fflush (stderr);
  c->klass->abort (c->self, message, exit_code);
  /* A type whose abort returned: this rank at least ends. */
  exit (exit_code);
}
