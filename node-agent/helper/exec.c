#define _GNU_SOURCE
#include "exec.h"

#include "cgroup.h"
#include "process.h"
#include "spec.h"
#include "state.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* Order matters: the mount namespace last, since it changes what /proc/PID/ns paths resolve to. */
static const struct { const char *name; int flag; } ns_order[] = {
	{ "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS }, { "net", CLONE_NEWNET },
	{ "pid", CLONE_NEWPID }, { "cgroup", CLONE_NEWCGROUP }, { "mnt", CLONE_NEWNS },
};
#define N_NS (sizeof(ns_order) / sizeof(ns_order[0]))

static pid_t exec_child;
static struct termios saved_termios;
static int restore_termios;

static void forward_signal(int sig)
{
	if (exec_child > 0) kill(exec_child, sig);
}

static void open_namespaces(pid_t pid, int fds[N_NS])
{
	for (size_t i = 0; i < N_NS; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns_order[i].name);
		if ((fds[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0) fail_msg("open namespace", "%s: %s", path, strerror(errno));
	}
}

static void join_cgroup(const struct container_state *st)
{
	struct cgroup cg;
	char err[1024];
	if (!st->cgroups_path[0]) return;
	if (cgroup_resolve(st->cgroups_path, &cg) < 0) fail_msg("join cgroup", "cannot resolve %s", st->cgroups_path);
	if (cgroup_add_pid(&cg, getpid(), err, sizeof(err)) < 0) fail_msg("join cgroup", "%s", err);
}

static void join_namespaces(const int fds[N_NS])
{
	for (size_t i = 0; i < N_NS; i++) {
		if (setns(fds[i], ns_order[i].flag) < 0) fail_msg("setns", "%s: %s", ns_order[i].name, strerror(errno));
		close(fds[i]);
	}
}

static char **merged_env(char **base, char **extra)
{
	size_t n = 0, m = 0;
	char **out;
	while (base && base[n]) n++;
	while (extra && extra[m]) m++;
	out = calloc(n + m + 1, sizeof(char *));
	if (!out) fail_errno("exec env", ENOMEM);
	memcpy(out, base, n * sizeof(char *));
	for (size_t i = 0; i < m; i++) {
		size_t key_len = strcspn(extra[i], "=") + 1;
		size_t j;
		for (j = 0; j < n; j++)
			if (strncmp(out[j], extra[i], key_len) == 0) break;
		out[j] = extra[i];
		if (j == n) n++;
	}
	return out;
}

/* Opens a pseudo-terminal pair on the container's devpts (we are already in its mount namespace). */
static void open_pty(int *master, int *slave)
{
	char name[128];
	int unlock = 0;
	if ((*master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) fail_errno("open /dev/ptmx", errno);
	if (ioctl(*master, TIOCSPTLCK, &unlock) < 0) fail_errno("unlock pty", errno);
	if (ptsname_r(*master, name, sizeof(name)) != 0) fail_errno("ptsname", errno);
	if ((*slave = open(name, O_RDWR | O_NOCTTY)) < 0) fail_msg("open pty", "%s: %s", name, strerror(errno));
	if (isatty(STDIN_FILENO)) {
		struct winsize ws;
		if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) ioctl(*master, TIOCSWINSZ, &ws);
	}
}

static void attach_terminal(int slave)
{
	if (setsid() < 0) fail_errno("setsid", errno);
	if (ioctl(slave, TIOCSCTTY, 0) < 0) fail_errno("TIOCSCTTY", errno);
	if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0) fail_errno("dup2 pty", errno);
	if (slave > 2) close(slave);
}

static void raw_mode(void)
{
	struct termios raw;
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_termios) < 0) return;
	raw = saved_termios;
	cfmakeraw(&raw);
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0) restore_termios = 1;
}

/* Copies stdin -> pty and pty -> stdout until the pty closes. */
static void relay_pty(int master)
{
	char buf[8192];
	int stdin_open = 1;
	for (;;) {
		struct pollfd fds[2] = { { stdin_open ? STDIN_FILENO : -1, POLLIN, 0 }, { master, POLLIN, 0 } };
		ssize_t n;
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR) continue;
			break;
		}
		if (fds[0].revents) {
			n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n <= 0) stdin_open = 0;
			else write_all(master, buf, (size_t)n);
		}
		if (fds[1].revents) {
			n = read(master, buf, sizeof(buf));
			if (n <= 0) break;   /* EIO once every slave fd is closed */
			write_all(STDOUT_FILENO, buf, (size_t)n);
		}
	}
}

static int wait_exit_code(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) fail_errno("waitpid", errno);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int exec_in_container(const struct exec_options *opts)
{
	struct container_state st;
	struct spec spec;
	char err[1024];
	int ns_fds[N_NS], master = -1, slave = -1, code, rc;

	if ((rc = state_read(opts->state_dir, &st)) < 0) fail_msg("read state", "%s: %s", opts->state_dir, strerror(-rc));
	if (strcmp(st.status, "running") != 0 || kill(st.pid, 0) < 0) fail_msg("exec", "container is not running");
	if (spec_load(st.bundle, &spec, err, sizeof(err)) < 0) fail_msg("load bundle", "%s", err);
	open_namespaces(st.pid, ns_fds);
	join_cgroup(&st);
	join_namespaces(ns_fds);
	if (opts->tty) open_pty(&master, &slave);

	exec_child = fork();
	if (exec_child < 0) fail_errno("fork", errno);
	if (exec_child == 0) {
		if (opts->tty) {
			close(master);
			attach_terminal(slave);
		}
		if (chdir(opts->cwd ? opts->cwd : spec.cwd) < 0) fail_msg("chdir", "%s: %s", opts->cwd ? opts->cwd : spec.cwd, strerror(errno));
		process_apply_rlimits(&spec);
		process_apply_identity(&spec);
		process_exec(opts->argv, merged_env(spec.env, opts->extra_env));
	}
	signal(SIGINT, forward_signal);
	signal(SIGTERM, forward_signal);
	signal(SIGHUP, forward_signal);
	signal(SIGQUIT, forward_signal);
	if (opts->tty) {
		close(slave);
		raw_mode();
		relay_pty(master);
		if (restore_termios) tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
	}
	code = wait_exit_code(exec_child);
	return code;
}
