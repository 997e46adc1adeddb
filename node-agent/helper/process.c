#define _GNU_SOURCE
#include "process.h"

#include "caps.h"
#include "util.h"

#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

void process_apply_rlimits(const struct spec *spec)
{
	for (int i = 0; i < spec->n_rlimits; i++) {
		const struct spec_rlimit *r = &spec->rlimits[i];
		struct rlimit current, wanted = { r->soft, r->hard };
		if (getrlimit(r->resource, &current) < 0) fail_errno("getrlimit", errno);
		/* Raising a hard limit needs CAP_SYS_RESOURCE, which we may not have: clamp instead. */
		if (wanted.rlim_max > current.rlim_max) wanted.rlim_max = current.rlim_max;
		if (wanted.rlim_cur > wanted.rlim_max) wanted.rlim_cur = wanted.rlim_max;
		if (setrlimit(r->resource, &wanted) < 0) fail_errno("setrlimit", errno);
	}
}

static void drop_bounding_set(const struct spec *spec)
{
	int rc = caps_drop_bounding(spec->cap_bounding);
	if (rc < 0) fail_errno("capabilities: drop bounding set", -rc);
}

static void switch_user(const struct spec *spec)
{
	/* Keep the permitted set across setuid; capset below trims it to what the spec asks. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) fail_errno("prctl(PR_SET_KEEPCAPS)", errno);
	if (setgroups((size_t)spec->n_additional_gids, spec->additional_gids) < 0) fail_errno("setgroups", errno);
	if (setresgid(spec->gid, spec->gid, spec->gid) < 0) fail_errno("setgid", errno);
	if (setresuid(spec->uid, spec->uid, spec->uid) < 0) fail_errno("setuid", errno);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) fail_errno("prctl(PR_SET_KEEPCAPS)", errno);
}

static void set_capabilities(const struct spec *spec)
{
	int rc = caps_set(spec->cap_effective, spec->cap_permitted, spec->cap_inheritable);
	if (rc < 0) fail_errno("capset", -rc);
	rc = caps_set_ambient(spec->cap_ambient);
	if (rc < 0) fail_errno("capabilities: ambient", -rc);
}

void process_apply_identity(const struct spec *spec)
{
	drop_bounding_set(spec);
	switch_user(spec);
	set_capabilities(spec);
	if (spec->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail_errno("prctl(PR_SET_NO_NEW_PRIVS)", errno);
}

void process_exec(char *const argv[], char *const env[])
{
	extern char **environ;
	/* execvp searches the PATH of environ, so the container's PATH must be in place first. */
	environ = (char **)env;
	execvp(argv[0], argv);
	fail_msg("exec", "%s: %s", argv[0], strerror(errno));
}
