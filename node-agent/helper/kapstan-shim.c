/* kapstan-shim: runs one OCI bundle as a container and stays outside it as its monitor.
 *
 *   kapstan-shim create --bundle DIR --id ID --state-dir SDIR [--log FILE] [--log-max-size BYTES]
 *                       [--log-max-files N] [--init]
 *   kapstan-shim state  --state-dir SDIR
 *   kapstan-shim kill   --state-dir SDIR [--signal N|NAME] [--all]
 *   kapstan-shim exec   --state-dir SDIR [--tty] [--cwd DIR] [--env K=V]... -- CMD [ARG...]
 *   kapstan-shim delete --state-dir SDIR [--force]
 *   kapstan-shim connect --netns PATH --host IP --port N [--timeout-ms N]
 *
 * The rootfs is used as given by root.path: mounting the overlay is the caller's job
 * (node-agent/runtime/overlay.ts), as containerd's snapshotters hand runc a ready rootfs. */
#define _GNU_SOURCE
#include "cgroup.h"
#include "exec.h"
#include "monitor.h"
#include "netns-connect.h"
#include "spec.h"
#include "state.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct args {
	const char *bundle, *id, *state_dir, *log, *signal_name, *cwd, *netns, *host, *port;
	long long log_max_size;
	int log_max_files, init, all, force, tty, timeout_ms;
	char *env[64];
	int n_env;
	char **command;
};

static __attribute__((noreturn)) void usage(void)
{
	fprintf(stderr,
		"usage: kapstan-shim create --bundle DIR --id ID --state-dir SDIR [--log FILE] [--log-max-size BYTES]\n"
		"                           [--log-max-files N] [--init]\n"
		"       kapstan-shim state --state-dir SDIR\n"
		"       kapstan-shim kill --state-dir SDIR [--signal N|NAME] [--all]\n"
		"       kapstan-shim exec --state-dir SDIR [--tty] [--cwd DIR] [--env K=V]... -- CMD [ARG...]\n"
		"       kapstan-shim delete --state-dir SDIR [--force]\n"
		"       kapstan-shim connect --netns PATH --host IP --port N [--timeout-ms N]\n");
	exit(2);
}

static void parse_args(int argc, char **argv, struct args *a)
{
	memset(a, 0, sizeof(*a));
	a->log_max_size = 10 * 1024 * 1024;
	a->log_max_files = 5;
	for (int i = 2; i < argc; i++) {
		const char *opt = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(opt, "--") == 0) { a->command = &argv[i + 1]; return; }
		if (strcmp(opt, "--init") == 0) { a->init = 1; continue; }
		if (strcmp(opt, "--all") == 0) { a->all = 1; continue; }
		if (strcmp(opt, "--force") == 0) { a->force = 1; continue; }
		if (strcmp(opt, "--tty") == 0 || strcmp(opt, "-t") == 0) { a->tty = 1; continue; }
		if (!val) usage();
		i++;
		if (strcmp(opt, "--bundle") == 0) a->bundle = val;
		else if (strcmp(opt, "--id") == 0) a->id = val;
		else if (strcmp(opt, "--state-dir") == 0) a->state_dir = val;
		else if (strcmp(opt, "--log") == 0) a->log = val;
		else if (strcmp(opt, "--log-max-size") == 0) a->log_max_size = atoll(val);
		else if (strcmp(opt, "--log-max-files") == 0) a->log_max_files = atoi(val);
		else if (strcmp(opt, "--signal") == 0) a->signal_name = val;
		else if (strcmp(opt, "--cwd") == 0) a->cwd = val;
		else if (strcmp(opt, "--netns") == 0) a->netns = val;
		else if (strcmp(opt, "--host") == 0) a->host = val;
		else if (strcmp(opt, "--port") == 0) a->port = val;
		else if (strcmp(opt, "--timeout-ms") == 0) a->timeout_ms = atoi(val);
		else if (strcmp(opt, "--env") == 0 && a->n_env < 63) a->env[a->n_env++] = (char *)val;
		else usage();
	}
}

static __attribute__((noreturn)) void die(const char *command, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void die(const char *command, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "kapstan-shim %s: ", command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static int process_alive(int pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

/* A state whose monitor died before recording the exit is reported as stopped, with the reason. */
static void refresh_state(struct container_state *st)
{
	if (strcmp(st->status, "stopped") == 0) return;
	if (process_alive(st->monitor_pid) || process_alive(st->pid)) return;
	snprintf(st->status, sizeof(st->status), "stopped");
	st->exit_code = 255;
	snprintf(st->error, sizeof(st->error), "monitor exited without recording the container's exit");
}

static void load_state(const char *command, const char *state_dir, struct container_state *st)
{
	int rc;
	if (!state_dir) usage();
	if ((rc = state_read(state_dir, st)) < 0) die(command, "read state in %s: %s", state_dir, strerror(-rc));
	refresh_state(st);
}

static void absolute_path(const char *command, const char *path, char *out, size_t size)
{
	char cwd[PATH_MAX];
	if (path[0] == '/') { snprintf(out, size, "%s", path); return; }
	if (!getcwd(cwd, sizeof(cwd))) die(command, "getcwd: %s", strerror(errno));
	snprintf(out, size, "%s/%s", cwd, path);
}

static void refuse_duplicate(const char *state_dir)
{
	struct container_state st;
	if (state_read(state_dir, &st) < 0) return;
	refresh_state(&st);
	if (strcmp(st.status, "stopped") != 0) die("create", "container %s already exists in %s", st.id, state_dir);
}

/* Double fork: the monitor is re-parented to init and in a session of its own, so it outlives us. */
static void spawn_monitor(struct monitor_options *opts, int report[2])
{
	pid_t middle = fork();
	if (middle < 0) die("create", "fork: %s", strerror(errno));
	if (middle == 0) {
		int null_fd;
		close(report[0]);
		if (setsid() < 0) _exit(1);
		pid_t monitor = fork();
		if (monitor != 0) _exit(monitor < 0 ? 1 : 0);
		if (chdir("/") < 0) _exit(1);
		if ((null_fd = open("/dev/null", O_RDWR)) >= 0) {
			dup2(null_fd, 0);
			dup2(null_fd, 1);
			dup2(null_fd, 2);
			if (null_fd > 2) close(null_fd);
		}
		opts->report_fd = report[1];
		monitor_run(opts);
	}
	close(report[1]);
	waitpid(middle, NULL, 0);
}

/* Reads the monitor's one-line answer: "ok PID" or "error: ...". */
static int read_report(int fd, char *line, size_t size)
{
	size_t n = 0;
	while (n + 1 < size) {
		ssize_t r = read(fd, line + n, 1);
		if (r < 0 && errno == EINTR) continue;
		if (r <= 0 || line[n] == '\n') break;
		n++;
	}
	line[n] = '\0';
	return (int)n;
}

static int cmd_create(const struct args *a)
{
	static struct spec spec;
	struct monitor_options opts;
	char err[1024], state_dir[PATH_MAX], log_path[PATH_MAX], line[1200];
	int report[2], rc;

	if (!a->bundle || !a->id || !a->state_dir) usage();
	if (spec_load(a->bundle, &spec, err, sizeof(err)) < 0) die("create", "%s", err);
	if (spec.terminal) die("create", "process.terminal: not supported for the main process (exec --tty is)");
	if (a->init) spec.init = 1;
	absolute_path("create", a->state_dir, state_dir, sizeof(state_dir));
	if ((rc = mkdir_p(state_dir, 0700)) < 0) die("create", "mkdir %s: %s", state_dir, strerror(-rc));
	refuse_duplicate(state_dir);
	if (a->log) absolute_path("create", a->log, log_path, sizeof(log_path));
	if (pipe2(report, O_CLOEXEC) < 0) die("create", "pipe: %s", strerror(errno));

	memset(&opts, 0, sizeof(opts));
	opts.spec = &spec;
	opts.id = a->id;
	opts.state_dir = state_dir;
	opts.log_path = a->log ? log_path : NULL;
	opts.log_max_size = a->log_max_size;
	opts.log_max_files = a->log_max_files;
	spawn_monitor(&opts, report);

	if (read_report(report[0], line, sizeof(line)) == 0) die("create", "monitor exited without a report");
	if (strncmp(line, "ok ", 3) != 0) die("create", "%s", strncmp(line, "error: ", 7) == 0 ? line + 7 : line);
	printf("%s\n", line + 3);
	return 0;
}

static int cmd_state(const struct args *a)
{
	struct container_state st;
	char *json;
	load_state("state", a->state_dir, &st);
	json = state_to_json(&st);
	fputs(json, stdout);
	free(json);
	return 0;
}

static int parse_signal(const char *name)
{
	static const struct { const char *name; int sig; } names[] = {
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 },
		{ "USR2", SIGUSR2 }, { "TERM", SIGTERM }, { "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "WINCH", SIGWINCH },
	};
	if (!name) return SIGTERM;
	if (name[0] >= '0' && name[0] <= '9') return atoi(name);
	if (strncmp(name, "SIG", 3) == 0) name += 3;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i].name) == 0) return names[i].sig;
	return -1;
}

static void signal_cgroup(const char *cgroups_path, int sig)
{
	struct cgroup cg;
	char path[PATH_MAX + 32];
	FILE *f;
	int pid;
	if (!cgroups_path[0] || cgroup_resolve(cgroups_path, &cg) < 0) return;
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg.memory_dir[0] ? cg.memory_dir : cg.dirs[0]);
	if (!(f = fopen(path, "re"))) return;
	while (fscanf(f, "%d", &pid) == 1) kill(pid, sig);
	fclose(f);
}

static int cmd_kill(const struct args *a)
{
	struct container_state st;
	int sig = parse_signal(a->signal_name);
	if (sig <= 0 || sig >= 65) die("kill", "unknown signal %s", a->signal_name);
	load_state("kill", a->state_dir, &st);
	if (strcmp(st.status, "stopped") == 0) die("kill", "container %s is not running", st.id);
	if (kill(st.pid, sig) < 0) die("kill", "kill %d: %s", st.pid, strerror(errno));
	if (a->all) signal_cgroup(st.cgroups_path, sig);
	return 0;
}

static int cmd_exec(const struct args *a)
{
	struct exec_options opts = { a->state_dir, a->tty, a->cwd, NULL, a->command };
	char *env[64];
	if (!a->state_dir || !a->command || !a->command[0]) usage();
	memcpy(env, a->env, sizeof(char *) * (size_t)a->n_env);
	env[a->n_env] = NULL;
	opts.extra_env = env;
	return exec_in_container(&opts);
}

/* Waits (up to ~10 s) for the monitor to record the exit after a forced kill. */
static void wait_stopped(const char *state_dir, struct container_state *st)
{
	for (int i = 0; i < 1000 && strcmp(st->status, "stopped") != 0; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		if (state_read(state_dir, st) < 0) break;
		refresh_state(st);
	}
}

static int cmd_delete(const struct args *a)
{
	struct container_state st;
	char path[PATH_MAX];
	load_state("delete", a->state_dir, &st);
	if (strcmp(st.status, "stopped") != 0) {
		if (!a->force) die("delete", "container %s is still running (use --force)", st.id);
		kill(st.pid, SIGKILL);
		wait_stopped(a->state_dir, &st);
	}
	if (st.cgroups_path[0]) {
		struct cgroup cg;
		int rc = cgroup_resolve(st.cgroups_path, &cg);
		if (rc == 0) rc = cgroup_destroy(&cg);
		if (rc < 0) die("delete", "remove cgroup %s: %s", st.cgroups_path, strerror(-rc));
	}
	snprintf(path, sizeof(path), "%s/state.json", a->state_dir);
	if (unlink(path) < 0 && errno != ENOENT) die("delete", "unlink %s: %s", path, strerror(errno));
	rmdir(a->state_dir);   /* only if nothing else was kept there */
	return 0;
}

int main(int argc, char **argv)
{
	struct args a;
	if (argc < 2) usage();
	parse_args(argc, argv, &a);
	if (strcmp(argv[1], "create") == 0) return cmd_create(&a);
	if (strcmp(argv[1], "state") == 0) return cmd_state(&a);
	if (strcmp(argv[1], "kill") == 0) return cmd_kill(&a);
	if (strcmp(argv[1], "exec") == 0) return cmd_exec(&a);
	if (strcmp(argv[1], "delete") == 0) return cmd_delete(&a);
	if (strcmp(argv[1], "connect") == 0) {
		if (!a.netns || !a.host || !a.port) usage();
		return netns_connect(a.netns, a.host, a.port, a.timeout_ms);
	}
	usage();
}
