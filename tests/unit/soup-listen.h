/* soup-listen.h: a test's SoupServer listening on 127.0.0.1.
 *
 * Connections are accepted here and handed to libsoup: libsoup 3.2's own
 * listener (soup_server_listen_*) leaks every socket it accepts, which
 * the sanitizers' leak checker reports in every test that uses it. */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Listens on a free port of 127.0.0.1 in the thread-default main context
 * and returns the port (0 on error). Stop with dlp_test_soup_stop. */
guint dlp_test_soup_listen (SoupServer *soup, GSocketService **service_out, GError **error);
/* Stops listening and closes the connections; runs the thread-default
 * context until they are gone. */
void dlp_test_soup_stop (SoupServer *soup, GSocketService *service);

G_END_DECLS
