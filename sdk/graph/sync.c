/* sync.c: where the engine's threads meet.
 *
 * POSIX mutexes and condition variables rather than GLib's, which are
 * futexes that thread sanitizers cannot see. */
#include "exec-private.h"

/* Threads meet several times per step; waking a sleeping thread costs
 * tens of microseconds, so a waiter first spins a little while (about
 * 20 us: longer wastes the core a co-tenant or the late thread needs). */
#define SPIN_ROUNDS 1000

void
dlp_cpu_relax (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#endif
}

/* Spins until *@value differs from @seen; FALSE if it did not in time. */
gboolean
dlp_spin_until_changed (gint *value, gint seen)
{
  for (int i = 0; i < SPIN_ROUNDS; i++)
    {
      if (g_atomic_int_get (value) != seen)
        return TRUE;
      dlp_cpu_relax ();
    }
  return FALSE;
}

gboolean
dlp_spin_until_zero (gint *value)
{
  for (int i = 0; i < SPIN_ROUNDS; i++)
    {
      if (g_atomic_int_get (value) == 0)
        return TRUE;
      dlp_cpu_relax ();
    }
  return FALSE;
}

void
dlp_barrier_wait (DlpBarrier *b)
{
  if (b->parties <= 1)
    return;
  pthread_mutex_lock (&b->lock);
  gint generation = b->generation;
  if (++b->count == b->parties)
    {
      b->count = 0;
      g_atomic_int_inc (&b->generation);
      pthread_cond_broadcast (&b->cond);
      pthread_mutex_unlock (&b->lock);
      return;
    }
  pthread_mutex_unlock (&b->lock);
  if (dlp_spin_until_changed (&b->generation, generation))
    return;
  pthread_mutex_lock (&b->lock);
  while (g_atomic_int_get (&b->generation) == generation)
    pthread_cond_wait (&b->cond, &b->lock);
  pthread_mutex_unlock (&b->lock);
}
