/* soup-listen.c: SoupServer listening through a GSocketService. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include "soup-listen.h"

static gboolean
incoming (GSocketService *service, GSocketConnection *connection, GObject *source, gpointer data)
{
  SoupServer *soup = data;
  (void) service, (void) source;
  /* Answers go out at once, not after the client's delayed ACK. */
  g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP, TCP_NODELAY, TRUE,
                       NULL);
  g_autoptr (GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr (GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  soup_server_accept_iostream (soup, G_IO_STREAM (connection), local, remote, NULL);
  return TRUE;
}

guint
dlp_test_soup_listen (SoupServer *soup, GSocketService **service_out, GError **error)
{
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  GSocketService *service = g_socket_service_new ();
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), any, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &bound, error))
    {
      g_object_unref (service);
      return 0;
    }
  g_signal_connect (service, "incoming", G_CALLBACK (incoming), soup);
  g_socket_service_start (service);
  *service_out = service;
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

void
dlp_test_soup_stop (SoupServer *soup, GSocketService *service)
{
  GMainContext *context = g_main_context_get_thread_default ();
  if (service)
    {
      g_socket_service_stop (service);
      g_socket_listener_close (G_SOCKET_LISTENER (service));
      g_signal_handlers_disconnect_by_data (service, soup);
    }
  while (g_main_context_iteration (context, FALSE))
    ;
  soup_server_disconnect (soup);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_clear_object (&service);
}
