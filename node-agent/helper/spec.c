#define _GNU_SOURCE
#include "spec.h"

#include "caps.h"
#include "json.h"

#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

struct mount_option {
	const char *name;
	int clear;             /* the option removes the flag (rw, suid, ...) */
	unsigned long flag;
};

static const struct mount_option mount_options[] = {
	{ "ro", 0, MS_RDONLY }, { "rw", 1, MS_RDONLY },
	{ "nosuid", 0, MS_NOSUID }, { "suid", 1, MS_NOSUID },
	{ "nodev", 0, MS_NODEV }, { "dev", 1, MS_NODEV },
	{ "noexec", 0, MS_NOEXEC }, { "exec", 1, MS_NOEXEC },
	{ "sync", 0, MS_SYNCHRONOUS }, { "async", 1, MS_SYNCHRONOUS },
	{ "noatime", 0, MS_NOATIME }, { "atime", 1, MS_NOATIME },
	{ "nodiratime", 0, MS_NODIRATIME }, { "diratime", 1, MS_NODIRATIME },
	{ "relatime", 0, MS_RELATIME }, { "norelatime", 1, MS_RELATIME },
	{ "strictatime", 0, MS_STRICTATIME }, { "nostrictatime", 1, MS_STRICTATIME },
	{ "bind", 0, MS_BIND }, { "rbind", 0, MS_BIND | MS_REC },
};

static const struct mount_option propagation_options[] = {
	{ "private", 0, MS_PRIVATE }, { "rprivate", 0, MS_PRIVATE | MS_REC },
	{ "slave", 0, MS_SLAVE }, { "rslave", 0, MS_SLAVE | MS_REC },
	{ "shared", 0, MS_SHARED }, { "rshared", 0, MS_SHARED | MS_REC },
	{ "unbindable", 0, MS_UNBINDABLE }, { "runbindable", 0, MS_UNBINDABLE | MS_REC },
};

static const struct { const char *name; int resource; } rlimit_names[] = {
	{ "RLIMIT_CPU", RLIMIT_CPU }, { "RLIMIT_FSIZE", RLIMIT_FSIZE }, { "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_STACK", RLIMIT_STACK }, { "RLIMIT_CORE", RLIMIT_CORE }, { "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_NPROC", RLIMIT_NPROC }, { "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_AS", RLIMIT_AS }, { "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE }, { "RLIMIT_RTPRIO", RLIMIT_RTPRIO }, { "RLIMIT_RTTIME", RLIMIT_RTTIME },
};

static const struct { const char *name; int flag; } namespace_names[] = {
	{ "pid", CLONE_NEWPID }, { "network", CLONE_NEWNET }, { "mount", CLONE_NEWNS },
	{ "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS }, { "cgroup", CLONE_NEWCGROUP },
	{ "user", CLONE_NEWUSER },
};

static char **string_array(const struct json *arr)
{
	int n = 0, i = 0;
	char **out;
	for (const struct json *c = arr ? arr->child : NULL; c; c = c->next) n++;
	out = calloc((size_t)n + 1, sizeof(char *));
	for (const struct json *c = arr ? arr->child : NULL; c && out; c = c->next)
		if (c->type == JSON_STRING) out[i++] = strdup(c->str);
	return out;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void append_data(char *data, size_t size, const char *opt)
{
	size_t len = strlen(data);
	snprintf(data + len, size - len, "%s%s", len ? "," : "", opt);
}

static void parse_mount_option(struct spec_mount *m, const char *opt)
{
	for (size_t i = 0; i < sizeof(mount_options) / sizeof(mount_options[0]); i++) {
		if (strcmp(opt, mount_options[i].name) != 0) continue;
		if (mount_options[i].clear) m->flags &= ~mount_options[i].flag;
		else m->flags |= mount_options[i].flag;
		if (mount_options[i].flag & MS_BIND) m->bind = 1;
		return;
	}
	for (size_t i = 0; i < sizeof(propagation_options) / sizeof(propagation_options[0]); i++) {
		if (strcmp(opt, propagation_options[i].name) == 0) {
			m->propagation = propagation_options[i].flag;
			return;
		}
	}
	append_data(m->data, sizeof(m->data), opt);
}

static int load_mounts(const struct json *root, struct spec *spec, char *err, size_t err_size)
{
	for (const struct json *c = json_get_array(root, "mounts") ? json_get_array(root, "mounts")->child : NULL; c; c = c->next) {
		struct spec_mount *m;
		const char *dest = json_get_str(c, "destination");
		if (!dest) { snprintf(err, err_size, "mounts: destination missing"); return -1; }
		if (spec->n_mounts == MAX_LIST) { snprintf(err, err_size, "mounts: too many"); return -1; }
		m = &spec->mounts[spec->n_mounts++];
		memset(m, 0, sizeof(*m));
		m->destination = strdup(dest);
		m->type = strdup(json_get_str(c, "type") ? json_get_str(c, "type") : "none");
		m->source = strdup(json_get_str(c, "source") ? json_get_str(c, "source") : m->type);
		if (strcmp(m->type, "bind") == 0) m->bind = 1, m->flags |= MS_BIND;
		for (const struct json *o = json_get_array(c, "options") ? json_get_array(c, "options")->child : NULL; o; o = o->next)
			if (o->type == JSON_STRING) parse_mount_option(m, o->str);
	}
	return 0;
}

static int load_capabilities(const struct json *caps, struct spec *spec, char *err, size_t err_size)
{
	struct { const char *key; uint64_t *mask; } sets[] = {
		{ "bounding", &spec->cap_bounding }, { "effective", &spec->cap_effective },
		{ "permitted", &spec->cap_permitted }, { "inheritable", &spec->cap_inheritable },
		{ "ambient", &spec->cap_ambient },
	};
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		for (const struct json *c = json_get_array(caps, sets[i].key) ? json_get_array(caps, sets[i].key)->child : NULL; c; c = c->next) {
			int cap = c->type == JSON_STRING ? cap_from_name(c->str) : -1;
			if (cap < 0) { snprintf(err, err_size, "capabilities: unknown capability %s", c->type == JSON_STRING ? c->str : "?"); return -1; }
			*sets[i].mask |= 1ULL << cap;
		}
	}
	return 0;
}

static int load_rlimits(const struct json *process, struct spec *spec, char *err, size_t err_size)
{
	for (const struct json *c = json_get_array(process, "rlimits") ? json_get_array(process, "rlimits")->child : NULL; c; c = c->next) {
		const char *type = json_get_str(c, "type");
		long long soft = 0, hard = 0;
		int found = -1;
		for (size_t i = 0; type && i < sizeof(rlimit_names) / sizeof(rlimit_names[0]); i++)
			if (strcmp(type, rlimit_names[i].name) == 0) found = rlimit_names[i].resource;
		if (found < 0) { snprintf(err, err_size, "rlimits: unknown type %s", type ? type : "(none)"); return -1; }
		if (spec->n_rlimits == 32) { snprintf(err, err_size, "rlimits: too many"); return -1; }
		json_get_int(c, "soft", &soft);
		json_get_int(c, "hard", &hard);
		spec->rlimits[spec->n_rlimits].resource = found;
		spec->rlimits[spec->n_rlimits].soft = (unsigned long long)soft;
		spec->rlimits[spec->n_rlimits].hard = (unsigned long long)hard;
		spec->n_rlimits++;
	}
	return 0;
}

static int load_process(const struct json *process, struct spec *spec, char *err, size_t err_size)
{
	const struct json *user = json_get_object(process, "user");
	long long v;
	if (!process) { snprintf(err, err_size, "process: missing"); return -1; }
	spec->terminal = json_get_bool(process, "terminal", 0);
	spec->args = string_array(json_get_array(process, "args"));
	if (!spec->args || !spec->args[0]) { snprintf(err, err_size, "process.args: empty"); return -1; }
	spec->env = string_array(json_get_array(process, "env"));
	spec->cwd = strdup(json_get_str(process, "cwd") ? json_get_str(process, "cwd") : "/");
	if (json_get_int(user, "uid", &v)) spec->uid = (uid_t)v;
	if (json_get_int(user, "gid", &v)) spec->gid = (gid_t)v;
	for (const struct json *g = json_get_array(user, "additionalGids") ? json_get_array(user, "additionalGids")->child : NULL; g; g = g->next)
		if (g->type == JSON_NUMBER && spec->n_additional_gids < MAX_LIST)
			spec->additional_gids[spec->n_additional_gids++] = (gid_t)g->inum;
	spec->no_new_privileges = json_get_bool(process, "noNewPrivileges", 0);
	if (load_capabilities(json_get_object(process, "capabilities"), spec, err, err_size) < 0) return -1;
	return load_rlimits(process, spec, err, err_size);
}

static void load_paths(const struct json *arr, char **out, int *n)
{
	for (const struct json *c = arr ? arr->child : NULL; c && *n < MAX_LIST; c = c->next)
		if (c->type == JSON_STRING) out[(*n)++] = strdup(c->str);
}

static int load_namespaces(const struct json *linux_section, struct spec *spec, char *err, size_t err_size)
{
	for (const struct json *c = json_get_array(linux_section, "namespaces") ? json_get_array(linux_section, "namespaces")->child : NULL; c; c = c->next) {
		const char *type = json_get_str(c, "type");
		int flag = 0;
		for (size_t i = 0; type && i < sizeof(namespace_names) / sizeof(namespace_names[0]); i++)
			if (strcmp(type, namespace_names[i].name) == 0) flag = namespace_names[i].flag;
		if (!flag) { snprintf(err, err_size, "namespaces: unknown type %s", type ? type : "(none)"); return -1; }
		if (flag == CLONE_NEWUSER) { snprintf(err, err_size, "namespaces: user namespaces are not supported"); return -1; }
		if (spec->n_namespaces == 8) { snprintf(err, err_size, "namespaces: too many"); return -1; }
		spec->namespaces[spec->n_namespaces].flag = flag;
		spec->namespaces[spec->n_namespaces].path = dup_or_null(json_get_str(c, "path"));
		spec->n_namespaces++;
	}
	return 0;
}

static void load_resources(const struct json *res, struct spec_resources *r)
{
	const struct json *cpu = json_get_object(res, "cpu"), *mem = json_get_object(res, "memory");
	const struct json *pids = json_get_object(res, "pids");
	json_get_int(cpu, "shares", &r->cpu_shares);
	json_get_int(cpu, "quota", &r->cpu_quota);
	json_get_int(cpu, "period", &r->cpu_period);
	json_get_int(mem, "limit", &r->memory_limit);
	json_get_int(mem, "swap", &r->memory_swap);
	if (json_get_int(pids, "limit", &r->pids_limit) && r->pids_limit <= 0) r->pids_limit = -1;
}

static int load_linux(const struct json *linux_section, struct spec *spec, char *err, size_t err_size)
{
	const char *prop = json_get_str(linux_section, "rootfsPropagation");
	if (load_namespaces(linux_section, spec, err, err_size) < 0) return -1;
	load_paths(json_get_array(linux_section, "maskedPaths"), spec->masked_paths, &spec->n_masked);
	load_paths(json_get_array(linux_section, "readonlyPaths"), spec->readonly_paths, &spec->n_readonly);
	spec->cgroups_path = dup_or_null(json_get_str(linux_section, "cgroupsPath"));
	load_resources(json_get_object(linux_section, "resources"), &spec->resources);
	spec->rootfs_propagation = MS_SLAVE | MS_REC;
	for (size_t i = 0; prop && i < sizeof(propagation_options) / sizeof(propagation_options[0]); i++)
		if (strcmp(prop, propagation_options[i].name) == 0) spec->rootfs_propagation = propagation_options[i].flag;
	return 0;
}

int spec_load(const char *bundle, struct spec *spec, char *err, size_t err_size)
{
	char path[PATH_MAX], abs_bundle[PATH_MAX];
	const char *parse_err = NULL, *root_path, *init;
	struct json *doc, *root;
	char *text;
	int rc = -1;

	memset(spec, 0, sizeof(*spec));
	if (!realpath(bundle, abs_bundle)) { snprintf(err, err_size, "bundle %s: not found", bundle); return -1; }
	spec->bundle = strdup(abs_bundle);
	snprintf(path, sizeof(path), "%s/config.json", abs_bundle);
	if (!(text = read_file(path, NULL))) { snprintf(err, err_size, "read %s: cannot open", path); return -1; }
	doc = json_parse(text, &parse_err);
	free(text);
	if (!doc) { snprintf(err, err_size, "parse config.json: %s", parse_err); return -1; }

	root = json_get_object(doc, "root");
	root_path = json_get_str(root, "path");
	if (!root_path) { snprintf(err, err_size, "root.path: missing"); goto out; }
	if (root_path[0] == '/') snprintf(path, sizeof(path), "%s", root_path);
	else snprintf(path, sizeof(path), "%s/%s", abs_bundle, root_path);
	{
		char resolved[PATH_MAX];
		if (!realpath(path, resolved)) { snprintf(err, err_size, "root.path %s: not found", path); goto out; }
		spec->rootfs = strdup(resolved);
	}
	spec->root_readonly = json_get_bool(root, "readonly", 0);
	spec->hostname = dup_or_null(json_get_str(doc, "hostname"));
	init = json_get_str(json_get_object(doc, "annotations"), "io.kapstan.init");
	spec->init = init && strcmp(init, "true") == 0;

	if (load_process(json_get_object(doc, "process"), spec, err, err_size) < 0) goto out;
	if (load_mounts(doc, spec, err, err_size) < 0) goto out;
	if (load_linux(json_get_object(doc, "linux"), spec, err, err_size) < 0) goto out;
	rc = 0;
out:
	json_free(doc);
	return rc;
}

int spec_new_namespace_flags(const struct spec *spec)
{
	int flags = 0;
	for (int i = 0; i < spec->n_namespaces; i++)
		if (!spec->namespaces[i].path) flags |= spec->namespaces[i].flag;
	return flags;
}

int spec_has_namespace(const struct spec *spec, int flag)
{
	for (int i = 0; i < spec->n_namespaces; i++)
		if (spec->namespaces[i].flag == flag) return 1;
	return 0;
}
