#define _GNU_SOURCE
#include "container.h"

#include "cgroup.h"
#include "process.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Devices bind-mounted from the host into the container's tmpfs /dev (as runc does in user namespaces). */
static const char *const default_devices[] = { "null", "zero", "full", "random", "urandom", "tty" };

static const struct { const char *link, *target; } dev_symlinks[] = {
	{ "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" }, { "stdout", "/proc/self/fd/1" },
	{ "stderr", "/proc/self/fd/2" }, { "ptmx", "pts/ptmx" },
};

static void wait_for_cgroup(int sync_fd)
{
	char byte;
	ssize_t n;
	do n = read(sync_fd, &byte, 1); while (n < 0 && errno == EINTR);
	if (n != 1) fail_msg("sync with monitor", "monitor went away");
	close(sync_fd);
}

static void setup_stdio(const struct container_args *a)
{
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd < 0) fail_errno("open /dev/null", errno);
	if (dup2(null_fd, STDIN_FILENO) < 0 || dup2(a->stdout_fd, STDOUT_FILENO) < 0 ||
	    dup2(a->stderr_fd, STDERR_FILENO) < 0)
		fail_errno("dup2 stdio", errno);
	close(null_fd);
	close(a->stdout_fd);
	close(a->stderr_fd);
}

/* Pods share their network, IPC and UTS namespaces: join those given by path. */
static void join_namespaces(const struct spec *spec)
{
	for (int i = 0; i < spec->n_namespaces; i++) {
		const struct spec_namespace *ns = &spec->namespaces[i];
		int fd;
		if (!ns->path) continue;
		if (ns->flag == CLONE_NEWPID || ns->flag == CLONE_NEWNS)
			fail_msg("setns", "joining a %s namespace by path is not supported",
				 ns->flag == CLONE_NEWPID ? "pid" : "mount");
		if ((fd = open(ns->path, O_RDONLY | O_CLOEXEC)) < 0) fail_msg("setns", "open %s: %s", ns->path, strerror(errno));
		if (setns(fd, ns->flag) < 0) fail_msg("setns", "%s: %s", ns->path, strerror(errno));
		close(fd);
	}
}

/* Unshared only now, after the monitor moved us into our cgroup, so it becomes the namespace root. */
static void unshare_cgroup_namespace(const struct spec *spec)
{
	if ((spec_new_namespace_flags(spec) & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0)
		fail_errno("unshare(CLONE_NEWCGROUP)", errno);
}

static void set_hostname(const struct spec *spec)
{
	if (spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		fail_errno("sethostname", errno);
}

static void target_path(const struct spec *spec, const char *dest, char *out, size_t size)
{
	snprintf(out, size, "%s%s%s", spec->rootfs, dest[0] == '/' ? "" : "/", dest);
}

/* Refuses mount points that symlinks in the image lead out of the rootfs. */
static void check_inside_rootfs(const struct spec *spec, const char *dest, const char *target)
{
	char resolved[PATH_MAX];
	size_t root_len = strlen(spec->rootfs);
	if (!realpath(target, resolved)) fail_msg("mount", "resolve %s: %s", dest, strerror(errno));
	if (strncmp(resolved, spec->rootfs, root_len) != 0 || (resolved[root_len] != '/' && resolved[root_len] != '\0'))
		fail_msg("mount", "%s resolves outside the rootfs (%s)", dest, resolved);
}

static void create_mount_point(const char *target, int is_file)
{
	int rc = 0;
	if (is_file) {
		char parent[PATH_MAX];
		snprintf(parent, sizeof(parent), "%s", target);
		*strrchr(parent, '/') = '\0';
		if ((rc = mkdir_p(parent, 0755)) == 0) {
			int fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
			if (fd < 0) rc = -errno;
			else close(fd);
		}
	} else {
		rc = mkdir_p(target, 0755);
	}
	if (rc < 0) fail_msg("mount", "create mount point %s: %s", target, strerror(-rc));
}

static void bind_mount(const struct spec *spec, const struct spec_mount *m, const char *target)
{
	struct stat st;
	unsigned long extra = m->flags & ~(unsigned long)(MS_BIND | MS_REC);
	if (stat(m->source, &st) < 0) fail_msg("mount", "bind source %s: %s", m->source, strerror(errno));
	create_mount_point(target, !S_ISDIR(st.st_mode));
	check_inside_rootfs(spec, m->destination, target);
	if (mount(m->source, target, NULL, MS_BIND | (m->flags & MS_REC), NULL) < 0)
		fail_msg("mount", "bind %s on %s: %s", m->source, m->destination, strerror(errno));
	/* Bind mounts ignore flags like ro on the first call; they need a remount. */
	if (extra && mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | extra, NULL) < 0)
		fail_msg("mount", "remount %s: %s", m->destination, strerror(errno));
}

/* A "cgroup" mount: cgroup2 on a v2 host; on v1, a tmpfs with each hierarchy mounted inside, as crun does
 * (the hierarchies get the mount's flags, ro included; the tmpfs stays writable, as crun leaves it).
 * We are in our own cgroup namespace already, so each hierarchy shows the container's cgroup as its root. */
static void mount_cgroup_tree(const struct spec_mount *m, const char *target)
{
	static char mounts[MAX_HIERARCHIES][PATH_MAX], options[MAX_HIERARCHIES][256];
	unsigned long flags = m->flags & ~(unsigned long)MS_RDONLY;
	int n;
	if (cgroup_host_is_v2()) {
		if (mount("cgroup2", target, "cgroup2", m->flags, NULL) < 0) fail_msg("mount", "cgroup2 on %s: %s", m->destination, strerror(errno));
		return;
	}
	if ((n = cgroup_v1_hierarchies(mounts, options, MAX_HIERARCHIES)) < 0) fail_msg("mount", "list cgroup hierarchies: %s", strerror(-n));
	if (mount("tmpfs", target, "tmpfs", flags, "mode=755") < 0) fail_msg("mount", "tmpfs on %s: %s", m->destination, strerror(errno));
	for (int i = 0; i < n; i++) {
		char dir[PATH_MAX + 64];
		snprintf(dir, sizeof(dir), "%s/%s", target, strrchr(mounts[i], '/') + 1);
		create_mount_point(dir, 0);
		if (mount("cgroup", dir, "cgroup", m->flags, options[i]) < 0)
			fail_msg("mount", "cgroup %s on %s: %s", options[i], dir, strerror(errno));
	}
}

static void mount_one(const struct spec *spec, const struct spec_mount *m)
{
	char target[PATH_MAX];
	target_path(spec, m->destination, target, sizeof(target));
	if (m->bind) {
		bind_mount(spec, m, target);
	} else if (strcmp(m->type, "cgroup") == 0) {
		create_mount_point(target, 0);
		check_inside_rootfs(spec, m->destination, target);
		mount_cgroup_tree(m, target);
	} else {
		create_mount_point(target, 0);
		check_inside_rootfs(spec, m->destination, target);
		if (mount(m->source, target, m->type, m->flags, m->data[0] ? m->data : NULL) < 0)
			fail_msg("mount", "%s on %s (type %s): %s", m->source, m->destination, m->type, strerror(errno));
	}
	if (m->propagation && mount(NULL, target, NULL, m->propagation, NULL) < 0)
		fail_msg("mount", "set propagation of %s: %s", m->destination, strerror(errno));
}

static int has_tmpfs_dev(const struct spec *spec)
{
	for (int i = 0; i < spec->n_mounts; i++)
		if (strcmp(spec->mounts[i].destination, "/dev") == 0 && !spec->mounts[i].bind) return 1;
	return 0;
}

static void populate_dev(const struct spec *spec)
{
	char target[PATH_MAX], source[64];
	for (size_t i = 0; i < sizeof(default_devices) / sizeof(default_devices[0]); i++) {
		snprintf(target, sizeof(target), "%s/dev/%s", spec->rootfs, default_devices[i]);
		snprintf(source, sizeof(source), "/dev/%s", default_devices[i]);
		create_mount_point(target, 1);
		if (mount(source, target, NULL, MS_BIND, NULL) < 0) fail_msg("mount", "bind %s: %s", source, strerror(errno));
	}
	for (size_t i = 0; i < sizeof(dev_symlinks) / sizeof(dev_symlinks[0]); i++) {
		snprintf(target, sizeof(target), "%s/dev/%s", spec->rootfs, dev_symlinks[i].link);
		if (symlink(dev_symlinks[i].target, target) < 0 && errno != EEXIST)
			fail_msg("symlink", "/dev/%s: %s", dev_symlinks[i].link, strerror(errno));
	}
}

static void prepare_rootfs(const struct spec *spec)
{
	/* Nothing we mount may propagate back to the host. */
	if (mount(NULL, "/", NULL, spec->rootfs_propagation, NULL) < 0) fail_errno("mount: rootfs propagation", errno);
	/* pivot_root needs the new root to be a mount point. */
	if (mount(spec->rootfs, spec->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		fail_msg("mount", "bind rootfs %s: %s", spec->rootfs, strerror(errno));
	for (int i = 0; i < spec->n_mounts; i++) mount_one(spec, &spec->mounts[i]);
	if (has_tmpfs_dev(spec)) populate_dev(spec);
}

static void pivot_into_rootfs(const struct spec *spec)
{
	/* pivot_root(".", ".") stacks the old root on top of the new one; detach it right away. */
	if (chdir(spec->rootfs) < 0) fail_errno("chdir rootfs", errno);
	if (syscall(SYS_pivot_root, ".", ".") < 0) fail_errno("pivot_root", errno);
	if (umount2(".", MNT_DETACH) < 0) fail_errno("umount old root", errno);
	if (chdir("/") < 0) fail_errno("chdir /", errno);
}

static void mask_paths(const struct spec *spec)
{
	for (int i = 0; i < spec->n_masked; i++) {
		const char *p = spec->masked_paths[i];
		struct stat st;
		int rc;
		if (stat(p, &st) < 0) continue;   /* nothing to hide */
		if (S_ISDIR(st.st_mode)) rc = mount("tmpfs", p, "tmpfs", MS_RDONLY, NULL);
		else if ((rc = mount("/dev/null", p, NULL, MS_BIND, NULL)) == 0)
			rc = mount(NULL, p, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
		if (rc < 0) fail_msg("mask path", "%s: %s", p, strerror(errno));
	}
}

static void make_paths_readonly(const struct spec *spec)
{
	for (int i = 0; i < spec->n_readonly; i++) {
		const char *p = spec->readonly_paths[i];
		if (access(p, F_OK) < 0) continue;
		if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0 ||
		    mount(NULL, p, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			fail_msg("readonly path", "%s: %s", p, strerror(errno));
	}
	if (spec->root_readonly && mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		fail_errno("remount / read-only", errno);
}

static void enter_cwd(const struct spec *spec)
{
	if (chdir(spec->cwd) < 0) fail_msg("chdir", "%s: %s", spec->cwd, strerror(errno));
}

static void write_status(int fd, int status)
{
	if (fd >= 0) write_all(fd, &status, sizeof(status));
}

/* Init mode: PID 1 stays ours, forwards signals to the entrypoint and reaps every zombie.
 * Exits when the entrypoint exits, after telling the monitor its exact wait status. */
static void run_init(const struct container_args *a)
{
	sigset_t all, old;
	pid_t child;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	child = fork();
	if (child < 0) fail_errno("fork entrypoint", errno);
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		close(a->init_status_fd);
		process_exec(a->spec->args, a->spec->env);
	}
	close(a->error_fd);   /* only the entrypoint's exec closes the error pipe now */
	for (;;) {
		siginfo_t info;
		int sig = sigwaitinfo(&all, &info), status;
		pid_t pid;
		if (sig < 0) continue;
		if (sig != SIGCHLD) {
			kill(child, sig);
			continue;
		}
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			if (pid != child) continue;
			write_status(a->init_status_fd, status);
			_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		}
	}
}

int container_main(void *arg)
{
	const struct container_args *a = arg;
	const struct spec *spec = a->spec;
	failure_fd = a->error_fd;
	wait_for_cgroup(a->sync_fd);
	setup_stdio(a);
	join_namespaces(spec);
	unshare_cgroup_namespace(spec);
	set_hostname(spec);
	prepare_rootfs(spec);
	pivot_into_rootfs(spec);
	mask_paths(spec);
	make_paths_readonly(spec);
	enter_cwd(spec);
	process_apply_rlimits(spec);
	process_apply_identity(spec);
	if (spec->init) run_init(a);
	process_exec(spec->args, spec->env);
}
