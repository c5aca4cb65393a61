/* SPDX-License-Identifier: MIT */
/*
 * The LMTP server: its sockets, its connections, and its end.  Sockets
 * come from systemd (socket activation: LISTEN_PID, LISTEN_FDS) or are
 * made from [lmtp] listen; a thread per connection speaks LMTP (lmtp.c)
 * and hands each message to the group commit (group-commit.c).
 *
 * Over TCP anyone who can connect could hand us mail that passed no
 * filter of the MX, forged Authentication-Results included; only the
 * addresses in [lmtp] clients may.  A UNIX socket is guarded by its file
 * mode (0660: us and our group).
 *
 * SIGTERM or SIGINT: no new connections; a connection in a transaction
 * finishes it, one between transactions gets 421; what was received is
 * stored and its mail sent, then the server returns.  kill -9 loses
 * nothing acknowledged: a 250 is given only after the commit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "maildesk/error.h"
#include "maildesk/group-commit.h"
#include "maildesk/lmtp.h"
#include "maildesk/lmtpd.h"
#include "maildesk/log.h"

/* How long a stop waits for connections in a transaction to finish. */
#define STOP_WAIT_S 30
#define MAX_RECIPIENTS 1000
#define MAX_LISTENERS 16

typedef struct {
	int fd;
	char *unlink_path;	/* owned: our UNIX socket, removed at stop */
	gboolean tcp;
} Listener;

typedef struct {
	const MdConfig *config;
	MdGroupCommit *gc;
	char *hostname;
	GArray *clients;	/* struct in6_addr, v4 as v4-mapped */
	gboolean any_client;
	gint stopping;
	gint connections;
	GMutex lock;
	GCond gone;		/* a connection ended */
} Server;

typedef struct {
	Server *srv;
	int fd;
} Connection;

static int stop_pipe[2] = { -1, -1 };

static void
on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	/* Async-signal-safe: one write(2). */
	if (write(stop_pipe[1], &c, 1) < 0) {
		/* The pipe is full: a stop is noticed already. */
	}
	errno = saved;
}

static gboolean
check_word(const char *w, GError **error)
{
	if (g_str_has_prefix(w, "unix:") && w[5] == '/' &&
	    strlen(w + 5) < sizeof(((struct sockaddr_un *)NULL)->sun_path))
		return TRUE;
	if (g_str_has_prefix(w, "inet:")) {
		const char *colon = strrchr(w + 5, ':');
		guint64 port;

		if (colon != NULL && colon > w + 5 &&
		    g_ascii_string_to_unsigned(colon + 1, 10, 1, 65535, &port,
		    NULL))
			return TRUE;
	}
	g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
	    "[lmtp] listen: \"%s\" is not unix:/PATH or inet:HOST:PORT", w);
	return FALSE;
}

char **
md_lmtpd_parse_listen(const char *list, GError **error)
{
	g_auto(GStrv) words = g_strsplit_set(list ? list : "", " \t,;", -1);
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	for (char **w = words; *w != NULL; w++) {
		if ((*w)[0] == '\0')
			continue;
		if (!check_word(*w, error)) {
			g_ptr_array_unref(out);
			return NULL;
		}
		g_ptr_array_add(out, g_strdup(*w));
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

/* [lmtp] clients: the networks a TCP client may come from. */
static gboolean
parse_clients(Server *srv, GError **error)
{
	g_auto(GStrv) words = g_strsplit_set(srv->config->lmtp_clients,
	    " \t,;", -1);

	srv->clients = g_array_new(FALSE, TRUE, sizeof(struct in6_addr));
	for (char **w = words; *w != NULL; w++) {
		struct in6_addr a6;
		struct in_addr a4;

		if ((*w)[0] == '\0')
			continue;
		if (strcmp(*w, "*") == 0)
			srv->any_client = TRUE;
		else if (inet_pton(AF_INET6, *w, &a6) == 1)
			g_array_append_val(srv->clients, a6);
		else if (inet_pton(AF_INET, *w, &a4) == 1) {
			memset(&a6, 0, sizeof(a6));
			a6.s6_addr[10] = a6.s6_addr[11] = 0xff;
			memcpy(a6.s6_addr + 12, &a4, 4);
			g_array_append_val(srv->clients, a6);
		} else {
			g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
			    "[lmtp] clients: \"%s\" is not an IP address or *",
			    *w);
			return FALSE;
		}
	}
	return TRUE;
}

/* May the peer of @fd (a TCP connection) hand us mail? */
static gboolean
client_allowed(Server *srv, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct in6_addr a6;

	if (srv->any_client)
		return TRUE;
	if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
		return FALSE;
	if (ss.ss_family == AF_INET) {
		memset(&a6, 0, sizeof(a6));
		a6.s6_addr[10] = a6.s6_addr[11] = 0xff;
		memcpy(a6.s6_addr + 12,
		    &((struct sockaddr_in *)&ss)->sin_addr, 4);
	} else if (ss.ss_family == AF_INET6)
		a6 = ((struct sockaddr_in6 *)&ss)->sin6_addr;
	else
		return FALSE;
	for (guint i = 0; i < srv->clients->len; i++)
		if (memcmp(&g_array_index(srv->clients, struct in6_addr, i),
		    &a6, sizeof(a6)) == 0)
			return TRUE;
	return FALSE;
}

static gboolean
listen_unix(const char *path, Listener *l, GError **error)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
	/* A socket left by a server that was killed; never another file. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(path, 0660) != 0 || listen(fd, 128) != 0) {
		int saved = errno;

		if (fd >= 0)
			close(fd);
		g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
		    "lmtpd: unix:%s: %s", path, g_strerror(saved));
		return FALSE;
	}
	l->fd = fd;
	l->unlink_path = g_strdup(path);
	return TRUE;
}

static gboolean
listen_inet(const char *hostport, Listener *l, GError **error)
{
	g_autofree char *host = g_strdup(hostport);
	char *colon = strrchr(host, ':');
	struct addrinfo hints = { 0 }, *res = NULL;
	int rc, fd = -1, one = 1, saved = 0;

	*colon = '\0';
	if (host[0] == '[' && colon[-1] == ']') {
		colon[-1] = '\0';
		memmove(host, host + 1, strlen(host));
	}
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(strcmp(host, "*") == 0 ? NULL : host, colon + 1,
	    &hints, &res);
	if (rc != 0) {
		g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
		    "lmtpd: inet:%s: %s", hostport, gai_strerror(rc));
		return FALSE;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC,
	    res->ai_protocol);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) != 0 || bind(fd, res->ai_addr, res->ai_addrlen) != 0 ||
	    listen(fd, 128) != 0) {
		saved = errno;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL,
		    "lmtpd: inet:%s: %s", hostport, g_strerror(saved));
		return FALSE;
	}
	l->fd = fd;
	l->tcp = TRUE;
	return TRUE;
}

/*
 * The sockets systemd passed us: descriptors 3 .. 3 + LISTEN_FDS - 1,
 * when LISTEN_PID is our process (sd_listen_fds(3)).  Returns how many.
 */
static guint
systemd_sockets(Listener *ls, guint max)
{
	const char *pid = g_getenv("LISTEN_PID");
	const char *fds = g_getenv("LISTEN_FDS");
	guint64 n = 0, p = 0;

	if (pid == NULL || fds == NULL ||
	    !g_ascii_string_to_unsigned(pid, 10, 1, G_MAXINT, &p, NULL) ||
	    (pid_t)p != getpid() ||
	    !g_ascii_string_to_unsigned(fds, 10, 1, max, &n, NULL))
		return 0;
	g_unsetenv("LISTEN_PID");
	g_unsetenv("LISTEN_FDS");
	g_unsetenv("LISTEN_FDNAMES");
	for (guint i = 0; i < n; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);

		ls[i].fd = 3 + (int)i;
		fcntl(ls[i].fd, F_SETFD, FD_CLOEXEC);
		ls[i].tcp = getsockname(ls[i].fd, (struct sockaddr *)&ss,
		    &len) == 0 && ss.ss_family != AF_UNIX;
	}
	return (guint)n;
}

/* One message of a session, into the group commit shared by all. */
static void
deliver(MdLmtpMessage *m, gpointer data)
{
	Server *srv = data;

	md_group_commit_deliver(srv->gc, m);
}

/* Serves one connection, then counts it gone (the stop waits for that). */
static gpointer
connection_thread(gpointer data)
{
	Connection *c = data;
	Server *srv = c->srv;
	MdLmtpSession s = { c->fd, srv->hostname,
		srv->config->max_size_bytes, srv->config->lmtp_timeout_s,
		MAX_RECIPIENTS, &srv->stopping, deliver, srv };

	md_lmtp_serve(&s);
	g_free(c);
	g_mutex_lock(&srv->lock);
	srv->connections--;
	g_cond_signal(&srv->gone);
	g_mutex_unlock(&srv->lock);
	return NULL;
}

/*
 * Accepts one connection on @l and gives it a thread; refuses TCP clients
 * not allowed.
 */
static void
accept_one(Server *srv, Listener *l)
{
	int fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
	Connection *c;
	GThread *t;

	if (fd < 0)
		return;
	if (l->tcp && !client_allowed(srv, fd)) {
		md_warn("lmtpd: connection from an address not in [lmtp] "
		    "clients refused");
		md_lmtp_refuse(fd, srv->hostname, "not allowed");
		return;
	}
	g_mutex_lock(&srv->lock);
	if ((guint)srv->connections >= srv->config->lmtp_max_connections) {
		g_mutex_unlock(&srv->lock);
		md_lmtp_refuse(fd, srv->hostname, "too busy, try again later");
		return;
	}
	srv->connections++;
	g_mutex_unlock(&srv->lock);
	c = g_new0(Connection, 1);
	c->srv = srv;
	c->fd = fd;
	t = g_thread_try_new("lmtpd-conn", connection_thread, c, NULL);
	if (t == NULL) {
		g_free(c);
		md_lmtp_refuse(fd, srv->hostname, "too busy, try again later");
		g_mutex_lock(&srv->lock);
		srv->connections--;
		g_mutex_unlock(&srv->lock);
		return;
	}
	g_thread_unref(t);
}

/*
 * Opens every listener --listen or [lmtp] listen names: a path or host:port
 * each.
 */
static gboolean
open_listeners(const MdConfig *config, const char *listen, Listener *ls,
    guint *n, GError **error)
{
	g_auto(GStrv) words = NULL;

	*n = systemd_sockets(ls, MAX_LISTENERS);
	if (*n > 0)
		return TRUE;
	words = md_lmtpd_parse_listen(listen ? listen : config->lmtp_listen,
	    error);
	if (words == NULL)
		return FALSE;
	if (words[0] == NULL) {
		g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
		    "lmtpd: nowhere to listen: set [lmtp] listen, use --listen "
		    "or start it from a systemd socket");
		return FALSE;
	}
	for (char **w = words; *w != NULL; w++) {
		if (*n == MAX_LISTENERS) {
			g_set_error(error, MD_ERROR, MD_ERROR_CONFIG,
			    "lmtpd: more than %d listen addresses",
			    MAX_LISTENERS);
			return FALSE;
		}
		if (!(g_str_has_prefix(*w, "unix:") ? listen_unix(*w + 5,
		    &ls[*n], error) : listen_inet(*w + 5, &ls[*n], error)))
			return FALSE;
		(*n)++;
	}
	return TRUE;
}

static void
close_listeners(Listener *ls, guint n)
{
	for (guint i = 0; i < n; i++) {
		if (ls[i].fd >= 0)
			close(ls[i].fd);
		ls[i].fd = -1;
		if (ls[i].unlink_path != NULL)
			unlink(ls[i].unlink_path);
		g_clear_pointer(&ls[i].unlink_path, g_free);
	}
}

/* Waits for the connections to end, at most STOP_WAIT_S. */
static void
wait_connections(Server *srv)
{
	gint64 until = g_get_monotonic_time() + STOP_WAIT_S * G_USEC_PER_SEC;

	g_mutex_lock(&srv->lock);
	while (srv->connections > 0 &&
	    g_cond_wait_until(&srv->gone, &srv->lock, until))
		;
	if (srv->connections > 0)
		md_warn("lmtpd: %d connections still busy after %d s; what "
		    "they did not get a reply for will be sent again",
		    srv->connections, STOP_WAIT_S);
	g_mutex_unlock(&srv->lock);
}

gboolean
md_lmtpd_run(MdStore *store, const MdConfig *config, const char *listen,
    GError **error)
{
	Listener ls[MAX_LISTENERS];
	struct pollfd pfd[MAX_LISTENERS + 1];
	struct sigaction sa;
	Server srv = { 0 };
	guint n = 0;
	gboolean clean;

	memset(ls, 0, sizeof(ls));
	for (guint i = 0; i < MAX_LISTENERS; i++)
		ls[i].fd = -1;
	srv.config = config;
	if (!parse_clients(&srv, error) ||
	    !open_listeners(config, listen, ls, &n, error)) {
		close_listeners(ls, n);
		g_clear_pointer(&srv.clients, g_array_unref);
		return FALSE;
	}
	if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		g_set_error(error, MD_ERROR, MD_ERROR_TEMPFAIL, "lmtpd: pipe: "
		    "%s", g_strerror(errno));
		close_listeners(ls, n);
		g_array_unref(srv.clients);
		return FALSE;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	g_mutex_init(&srv.lock);
	g_cond_init(&srv.gone);
	srv.hostname = g_strdup(g_get_host_name());
	srv.gc = md_group_commit_new(store, config, config->lmtp_workers);
	md_info("lmtpd started listeners=%u", n);

	for (guint i = 0; i < n; i++)
		pfd[i] = (struct pollfd){ ls[i].fd, POLLIN, 0 };
	pfd[n] = (struct pollfd){ stop_pipe[0], POLLIN, 0 };
	for (;;) {
		if (poll(pfd, n + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			md_warn("lmtpd: poll: %s", g_strerror(errno));
			break;
		}
		if (pfd[n].revents != 0)
			break;
		for (guint i = 0; i < n; i++)
			if (pfd[i].revents & POLLIN)
				accept_one(&srv, &ls[i]);
	}

	/* The end: no new connections, the current ones finish. */
	g_atomic_int_set(&srv.stopping, 1);
	close_listeners(ls, n);
	wait_connections(&srv);
	g_mutex_lock(&srv.lock);
	clean = srv.connections == 0;
	g_mutex_unlock(&srv.lock);
	/* Busy connections may still call the group commit: keep it then. */
	if (clean)
		md_group_commit_free(srv.gc);
	md_info("lmtpd stopped");
	close(stop_pipe[0]);
	close(stop_pipe[1]);
	g_free(srv.hostname);
	g_array_unref(srv.clients);
	return TRUE;
}
