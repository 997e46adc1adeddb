#define _GNU_SOURCE
#include "cgroup.h"

#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define V2_ROOT "/sys/fs/cgroup"

static int is_v2_host(void)
{
	return access(V2_ROOT "/cgroup.controllers", F_OK) == 0;
}

int cgroup_v1_hierarchies(char mounts[][PATH_MAX], char options[][256], int max)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int n = 0;
	if (!f) return -errno;
	while (n < max && fgets(line, sizeof(line), f)) {
		char mount_point[PATH_MAX], fstype[64], super_opts[256];
		char *sep = strstr(line, " - ");
		if (!sep || sscanf(sep + 3, "%63s %*s %255s", fstype, super_opts) != 2 || strcmp(fstype, "cgroup") != 0) continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mount_point) != 1) continue;
		snprintf(mounts[n], PATH_MAX, "%s", mount_point);
		/* "rw,memory" -> "memory": the options that name the hierarchy. */
		if (options) {
			const char *o = super_opts;
			if (strncmp(o, "rw,", 3) == 0 || strncmp(o, "ro,", 3) == 0) o += 3;
			snprintf(options[n], 256, "%s", o);
		}
		n++;
	}
	fclose(f);
	return n;
}

int cgroup_host_is_v2(void)
{
	return is_v2_host();
}

int cgroup_resolve(const char *cgroups_path, struct cgroup *cg)
{
	char mounts[MAX_HIERARCHIES][PATH_MAX];
	const char *rel = cgroups_path;
	memset(cg, 0, sizeof(*cg));
	while (*rel == '/') rel++;
	if (!*rel) return -EINVAL;
	if (is_v2_host()) {
		cg->v2 = 1;
		cg->n = 1;
		snprintf(cg->dirs[0], PATH_MAX, "%s/%s", V2_ROOT, rel);
		snprintf(cg->memory_dir, PATH_MAX, "%s", cg->dirs[0]);
		return 0;
	}
	int n = cgroup_v1_hierarchies(mounts, NULL, MAX_HIERARCHIES);
	if (n < 0) return n;
	for (int i = 0; i < n; i++) {
		snprintf(cg->dirs[cg->n++], PATH_MAX, "%s/%s", mounts[i], rel);
		if (strcmp(strrchr(mounts[i], '/'), "/memory") == 0)
			snprintf(cg->memory_dir, PATH_MAX, "%s/%s", mounts[i], rel);
	}
	return 0;
}

static int fail_file(char *err, size_t err_size, const char *step, const char *path, int rc)
{
	snprintf(err, err_size, "%s %s: %s", step, path, strerror(-rc));
	return -1;
}

/* A new cpuset cgroup starts with empty cpus/mems; copy them from the parent at each level. */
static int init_cpuset(const char *dir, char *err, size_t err_size)
{
	const char *files[] = { "cpuset.cpus", "cpuset.mems" };
	char parent[PATH_MAX], path[PATH_MAX + 32], value[4096];
	if (!strstr(dir, "/cpuset/")) return 0;
	for (int f = 0; f < 2; f++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[f]);
		if (read_small(path, value, sizeof(value)) > 1) continue;
		snprintf(parent, sizeof(parent), "%s", dir);
		*strrchr(parent, '/') = '\0';
		if (init_cpuset(parent, err, err_size) < 0) return -1;
		snprintf(path, sizeof(path), "%s/%s", parent, files[f]);
		int rc = read_small(path, value, sizeof(value));
		if (rc < 0) return fail_file(err, err_size, "read", path, rc);
		snprintf(path, sizeof(path), "%s/%s", dir, files[f]);
		if ((rc = write_string(path, value)) < 0) return fail_file(err, err_size, "write", path, rc);
	}
	return 0;
}

/* cgroup v2 only lets a child use the controllers its ancestors enabled in subtree_control. */
static int enable_v2_controllers(const char *dir, char *err, size_t err_size)
{
	char path[PATH_MAX];
	const char *controllers[] = { "+cpu", "+memory", "+pids" };
	snprintf(path, sizeof(path), "%s", dir);
	for (char *p = path + strlen(V2_ROOT); (p = strchr(p + 1, '/')) != NULL;) {
		char file[PATH_MAX + 32];
		*p = '\0';
		snprintf(file, sizeof(file), "%s/cgroup.subtree_control", path);
		*p = '/';
		for (int i = 0; i < 3; i++) {
			int rc = write_string(file, controllers[i]);
			if (rc < 0 && rc != -ENOENT) return fail_file(err, err_size, "enable controller in", file, rc);
		}
	}
	{
		char file[PATH_MAX + 32];
		snprintf(file, sizeof(file), "%s/cgroup.subtree_control", V2_ROOT);
		for (int i = 0; i < 3; i++) write_string(file, controllers[i]);
	}
	return 0;
}

int cgroup_create(const struct cgroup *cg, char *err, size_t err_size)
{
	for (int i = 0; i < cg->n; i++) {
		int rc = mkdir_p(cg->dirs[i], 0755);
		if (rc < 0) return fail_file(err, err_size, "mkdir", cg->dirs[i], rc);
		if (!cg->v2 && init_cpuset(cg->dirs[i], err, err_size) < 0) return -1;
	}
	if (cg->v2) return enable_v2_controllers(cg->dirs[0], err, err_size);
	return 0;
}

static int set_file(const struct cgroup *cg, const char *controller, const char *file, long long value,
		    char *err, size_t err_size)
{
	char path[PATH_MAX + 64], text[32];
	if (value < 0) snprintf(text, sizeof(text), "max");
	else snprintf(text, sizeof(text), "%lld", value);
	for (int i = 0; i < cg->n; i++) {
		char suffix[64];
		snprintf(suffix, sizeof(suffix), "/%s/", controller);
		if (!cg->v2 && !strstr(cg->dirs[i], suffix)) continue;
		snprintf(path, sizeof(path), "%s/%s", cg->dirs[i], file);
		int rc = write_string(path, text);
		if (rc < 0) return fail_file(err, err_size, "write", path, rc);
		return 0;
	}
	snprintf(err, err_size, "cgroup: no %s controller for %s", controller, file);
	return -1;
}

static int apply_v1(const struct cgroup *cg, const struct spec_resources *r, char *err, size_t err_size)
{
	if (r->cpu_shares && set_file(cg, "cpu", "cpu.shares", r->cpu_shares, err, err_size) < 0) return -1;
	if (r->cpu_period && set_file(cg, "cpu", "cpu.cfs_period_us", r->cpu_period, err, err_size) < 0) return -1;
	if (r->cpu_quota && set_file(cg, "cpu", "cpu.cfs_quota_us", r->cpu_quota, err, err_size) < 0) return -1;
	if (r->memory_limit && set_file(cg, "memory", "memory.limit_in_bytes", r->memory_limit, err, err_size) < 0) return -1;
	if (r->memory_swap) {
		char path[PATH_MAX + 32];
		snprintf(path, sizeof(path), "%s/memory.memsw.limit_in_bytes", cg->memory_dir);
		if (access(path, F_OK) == 0 &&
		    set_file(cg, "memory", "memory.memsw.limit_in_bytes", r->memory_swap, err, err_size) < 0) return -1;
	}
	if (r->pids_limit && set_file(cg, "pids", "pids.max", r->pids_limit, err, err_size) < 0) return -1;
	return 0;
}

static int apply_v2(const struct cgroup *cg, const struct spec_resources *r, char *err, size_t err_size)
{
	char path[PATH_MAX + 32], text[64];
	if (r->cpu_shares) {
		/* The conversion runc and crun use: shares [2, 262144] -> weight [1, 10000]. */
		long long weight = 1 + ((r->cpu_shares - 2) * 9999) / 262142;
		if (set_file(cg, "cpu", "cpu.weight", weight, err, err_size) < 0) return -1;
	}
	if (r->cpu_quota || r->cpu_period) {
		long long period = r->cpu_period ? r->cpu_period : 100000;
		if (r->cpu_quota > 0) snprintf(text, sizeof(text), "%lld %lld", r->cpu_quota, period);
		else snprintf(text, sizeof(text), "max %lld", period);
		snprintf(path, sizeof(path), "%s/cpu.max", cg->dirs[0]);
		int rc = write_string(path, text);
		if (rc < 0) return fail_file(err, err_size, "write", path, rc);
	}
	if (r->memory_limit && set_file(cg, "memory", "memory.max", r->memory_limit, err, err_size) < 0) return -1;
	if (r->memory_swap > 0 && r->memory_limit > 0 &&
	    set_file(cg, "memory", "memory.swap.max", r->memory_swap - r->memory_limit, err, err_size) < 0) return -1;
	if (r->pids_limit && set_file(cg, "pids", "pids.max", r->pids_limit, err, err_size) < 0) return -1;
	return 0;
}

int cgroup_apply(const struct cgroup *cg, const struct spec_resources *res, char *err, size_t err_size)
{
	return cg->v2 ? apply_v2(cg, res, err, err_size) : apply_v1(cg, res, err, err_size);
}

int cgroup_add_pid(const struct cgroup *cg, pid_t pid, char *err, size_t err_size)
{
	char path[PATH_MAX + 32], text[32];
	snprintf(text, sizeof(text), "%d", (int)pid);
	for (int i = 0; i < cg->n; i++) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", cg->dirs[i]);
		int rc = write_string(path, text);
		if (rc < 0) return fail_file(err, err_size, "join cgroup", path, rc);
	}
	return 0;
}

long long cgroup_oom_kills(const struct cgroup *cg)
{
	char path[PATH_MAX + 32], text[4096];
	const char *key = "oom_kill ";
	if (!cg->memory_dir[0]) return -1;
	snprintf(path, sizeof(path), "%s/%s", cg->memory_dir, cg->v2 ? "memory.events" : "memory.oom_control");
	if (read_small(path, text, sizeof(text)) < 0) return -1;
	for (char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (strncmp(line, key, strlen(key)) == 0) return atoll(line + strlen(key));
	return -1;
}

static void kill_members(const char *dir)
{
	char path[PATH_MAX + 32];
	FILE *f;
	int pid;
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if (!(f = fopen(path, "re"))) return;
	while (fscanf(f, "%d", &pid) == 1)
		kill(pid, SIGKILL);
	fclose(f);
}

int cgroup_destroy(const struct cgroup *cg)
{
	int result = 0;
	for (int i = 0; i < cg->n; i++) kill_members(cg->dirs[i]);
	for (int i = 0; i < cg->n; i++) {
		int rc = -EBUSY;
		/* Killed processes leave the cgroup asynchronously; retry for up to ~2 s. */
		for (int attempt = 0; attempt < 200; attempt++) {
			if (rmdir(cg->dirs[i]) == 0 || errno == ENOENT) { rc = 0; break; }
			rc = -errno;
			if (rc != -EBUSY) break;
			kill_members(cg->dirs[i]);
			usleep(10000);
		}
		if (rc < 0) result = rc;
	}
	return result;
}
