#include "state.h"

#include "json.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void append_json_string(char *out, size_t size, const char *s)
{
	size_t n = strlen(out);
	if (n + 1 < size) out[n++] = '"';
	for (; *s && n + 8 < size; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') { out[n++] = '\\'; out[n++] = (char)c; }
		else if (c < 0x20) n += (size_t)snprintf(out + n, size - n, "\\u%04x", c);
		else out[n++] = (char)c;
	}
	if (n + 1 < size) out[n++] = '"';
	out[n] = '\0';
}

static void append_field(char *out, size_t size, const char *key, const char *value)
{
	size_t n = strlen(out);
	snprintf(out + n, size - n, "%s\"%s\":", n > 1 ? "," : "", key);
	if (value) append_json_string(out, size, value);
	else { n = strlen(out); snprintf(out + n, size - n, "null"); }
}

static void append_raw(char *out, size_t size, const char *key, const char *raw)
{
	size_t n = strlen(out);
	snprintf(out + n, size - n, "%s\"%s\":%s", n > 1 ? "," : "", key, raw);
}

char *state_to_json(const struct container_state *st)
{
	size_t size = 4 * PATH_MAX + 4096;
	char *out = calloc(1, size), num[32];
	if (!out) return NULL;
	strcpy(out, "{");
	append_field(out, size, "id", st->id);
	append_field(out, size, "status", st->status);
	snprintf(num, sizeof(num), "%d", st->pid);
	append_raw(out, size, "pid", num);
	snprintf(num, sizeof(num), "%d", st->monitor_pid);
	append_raw(out, size, "monitorPid", num);
	append_field(out, size, "bundle", st->bundle);
	append_field(out, size, "cgroupsPath", st->cgroups_path);
	append_field(out, size, "logPath", st->log_path);
	append_field(out, size, "startedAt", st->started_at[0] ? st->started_at : NULL);
	append_field(out, size, "finishedAt", st->finished_at[0] ? st->finished_at : NULL);
	if (strcmp(st->status, "stopped") == 0) {
		snprintf(num, sizeof(num), "%d", st->exit_code);
		append_raw(out, size, "exitCode", num);
	} else {
		append_raw(out, size, "exitCode", "null");
	}
	snprintf(num, sizeof(num), "%d", st->signal);
	append_raw(out, size, "signal", num);
	append_raw(out, size, "oomKilled", st->oom_killed ? "true" : "false");
	if (st->error[0]) append_field(out, size, "error", st->error);
	strcat(out, "}\n");
	return out;
}

int state_write(const char *state_dir, const struct container_state *st)
{
	char path[PATH_MAX];
	char *json = state_to_json(st);
	int rc;
	if (!json) return -ENOMEM;
	snprintf(path, sizeof(path), "%s/state.json", state_dir);
	rc = write_file_atomic(path, json, strlen(json));
	free(json);
	return rc;
}

static void copy_str(char *dst, size_t size, const struct json *obj, const char *key)
{
	const char *v = json_get_str(obj, key);
	snprintf(dst, size, "%s", v ? v : "");
}

static int get_int(const struct json *obj, const char *key)
{
	long long v = 0;
	json_get_int(obj, key, &v);
	return (int)v;
}

int state_read(const char *state_dir, struct container_state *st)
{
	char path[PATH_MAX];
	char *text;
	struct json *doc;
	memset(st, 0, sizeof(*st));
	snprintf(path, sizeof(path), "%s/state.json", state_dir);
	if (!(text = read_file(path, NULL))) return -errno;
	doc = json_parse(text, NULL);
	free(text);
	if (!doc) return -EINVAL;
	copy_str(st->id, sizeof(st->id), doc, "id");
	copy_str(st->status, sizeof(st->status), doc, "status");
	copy_str(st->bundle, sizeof(st->bundle), doc, "bundle");
	copy_str(st->cgroups_path, sizeof(st->cgroups_path), doc, "cgroupsPath");
	copy_str(st->log_path, sizeof(st->log_path), doc, "logPath");
	copy_str(st->started_at, sizeof(st->started_at), doc, "startedAt");
	copy_str(st->finished_at, sizeof(st->finished_at), doc, "finishedAt");
	copy_str(st->error, sizeof(st->error), doc, "error");
	st->pid = get_int(doc, "pid");
	st->monitor_pid = get_int(doc, "monitorPid");
	st->exit_code = get_int(doc, "exitCode");
	st->signal = get_int(doc, "signal");
	st->oom_killed = json_get_bool(doc, "oomKilled", 0);
	json_free(doc);
	return 0;
}
