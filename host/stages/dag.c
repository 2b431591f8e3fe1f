/* dag.c: the in-process DAG runner behind `dlpipe run`. */
#include <stdio.h>
#include "dag.h"

typedef enum { JOB_SKIPPED, JOB_PENDING, JOB_RUNNING, JOB_DONE, JOB_FAILED } JobState;

typedef struct {
  const DlpStageInfo *stage;
  JobState state;
  double seconds;
  GError *error;
  GThread *thread; /* joined before the run returns */
} Job;

typedef struct {
  DlpApp *app;
  DlpConfig *params;
  Job *jobs;
  guint n_jobs;
  GMutex lock;
  GCond changed;
  guint running;
  gboolean failed;
} Dag;

typedef struct {
  Dag *dag;
  Job *job;
} Work;

static Job *
find_job (Dag *dag, const char *name)
{
  for (guint i = 0; i < dag->n_jobs; i++)
    if (g_strcmp0 (dag->jobs[i].stage->name, name) == 0)
      return &dag->jobs[i];
  return NULL;
}

/* A pending job is ready when every stage it needs is done or not part of
 * this run (--only: its outputs are expected to exist already). */
static gboolean
is_ready (Dag *dag, Job *job)
{
  if (job->state != JOB_PENDING)
    return FALSE;
  for (guint i = 0; job->stage->needs[i]; i++)
    {
      Job *need = find_job (dag, job->stage->needs[i]);
      if (need->state != JOB_DONE && need->state != JOB_SKIPPED)
        return FALSE;
    }
  return TRUE;
}

static gpointer
run_job (gpointer data)
{
  Work *work = data;
  Dag *dag = work->dag;
  Job *job = work->job;
  gint64 start = g_get_monotonic_time ();
  GError *error = NULL;
  gboolean ok = dlp_stage_execute (dag->app, job->stage, dag->params, &error);
  g_mutex_lock (&dag->lock);
  job->seconds = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  job->state = ok ? JOB_DONE : JOB_FAILED;
  job->error = error;
  dag->failed |= !ok;
  dag->running--;
  g_cond_signal (&dag->changed);
  g_mutex_unlock (&dag->lock);
  g_free (work);
  return NULL;
}

static gboolean
select_jobs (Dag *dag, char **only, GError **error)
{
  for (guint i = 0; i < dag->n_jobs; i++)
    dag->jobs[i].state = only ? JOB_SKIPPED : JOB_PENDING;
  for (guint i = 0; only && only[i]; i++)
    {
      Job *job = find_job (dag, only[i]);
      if (job == NULL)
        {
          g_autofree char *names = dlp_stages_list_names ();
          g_set_error (error, DLP_ERROR, DLP_ERROR_NOT_FOUND,
                       "--only %s: unknown stage (stages: %s)", only[i], names);
          return FALSE;
        }
      job->state = JOB_PENDING;
    }
  return TRUE;
}

/* The order the jobs would start in with one stage at a time. */
static void
print_plan (Dag *dag, guint max_parallel)
{
  printf ("would run (up to %u at a time):\n", max_parallel);
  guint remaining = 0;
  for (guint i = 0; i < dag->n_jobs; i++)
    remaining += dag->jobs[i].state == JOB_PENDING;
  for (guint wave = 1; remaining > 0; wave++)
    {
      g_autoptr (GPtrArray) ready = g_ptr_array_new ();
      for (guint i = 0; i < dag->n_jobs; i++)
        if (is_ready (dag, &dag->jobs[i]))
          g_ptr_array_add (ready, &dag->jobs[i]);
      for (guint i = 0; i < ready->len; i++)
        {
          Job *job = g_ptr_array_index (ready, i);
          printf ("  %u. %s\n", wave, job->stage->name);
          job->state = JOB_DONE;
          remaining--;
        }
    }
}

static void
print_summary (Dag *dag, double wall)
{
  fprintf (stderr, "\n%-22s %10s\n", "stage", "time");
  for (guint i = 0; i < dag->n_jobs; i++)
    {
      Job *job = &dag->jobs[i];
      const char *state = job->state == JOB_DONE      ? ""
                          : job->state == JOB_FAILED  ? "  failed"
                          : job->state == JOB_SKIPPED ? "  skipped"
                                                      : "  not run";
      if (job->state == JOB_DONE || job->state == JOB_FAILED)
        fprintf (stderr, "%-22s %8.2f s%s\n", job->stage->name, job->seconds, state);
      else
        fprintf (stderr, "%-22s %10s%s\n", job->stage->name, "-", state);
    }
  fprintf (stderr, "%-22s %8.2f s\n", "total (wall)", wall);
}

gboolean
dlp_dag_run (DlpApp *app, DlpConfig *params, const DlpDagOptions *options, GError **error)
{
  guint n;
  const DlpStageInfo *stages = dlp_stages_get_all (&n);
  Dag dag = { .app = app, .params = params, .n_jobs = n };
  dag.jobs = g_new0 (Job, n);
  for (guint i = 0; i < n; i++)
    dag.jobs[i].stage = &stages[i];
  if (!select_jobs (&dag, options->only, error))
    {
      g_free (dag.jobs);
      return FALSE;
    }
  if (options->dry_run)
    {
      print_plan (&dag, MAX (options->max_parallel, 1));
      g_free (dag.jobs);
      return TRUE;
    }

  /* Plugins load before the first stage, not inside concurrent ones. */
  dlp_app_get_registry (app);
  g_mutex_init (&dag.lock);
  g_cond_init (&dag.changed);
  gint64 start = g_get_monotonic_time ();
  g_mutex_lock (&dag.lock);
  for (;;)
    {
      while (!dag.failed && dag.running < MAX (options->max_parallel, 1))
        {
          Job *next = NULL;
          for (guint i = 0; i < n && next == NULL; i++)
            if (is_ready (&dag, &dag.jobs[i]))
              next = &dag.jobs[i];
          if (next == NULL)
            break;
          next->state = JOB_RUNNING;
          dag.running++;
          Work *work = g_new0 (Work, 1);
          work->dag = &dag;
          work->job = next;
          next->thread = g_thread_new (next->stage->name, run_job, work);
        }
      if (dag.running == 0)
        break;
      g_cond_wait (&dag.changed, &dag.lock);
    }
  g_mutex_unlock (&dag.lock);
  /* Each stage thread has ended, its thread-local state (OpenMP's, the
   * kernel libraries') freed, before the run returns. */
  for (guint i = 0; i < n; i++)
    if (dag.jobs[i].thread)
      g_thread_join (dag.jobs[i].thread);
  double wall = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  if (app->verbosity != DLP_VERBOSITY_QUIET)
    print_summary (&dag, wall);

  /* Report the first failure in stage order; others were logged. */
  gboolean ok = TRUE;
  for (guint i = 0; i < n; i++)
    {
      Job *job = &dag.jobs[i];
      if (job->error && ok)
        {
          g_propagate_error (error, job->error);
          ok = FALSE;
        }
      else if (job->error)
        {
          g_warning ("%s", job->error->message);
          g_error_free (job->error);
        }
    }
  g_mutex_clear (&dag.lock);
  g_cond_clear (&dag.changed);
  g_free (dag.jobs);
  return ok;
}
