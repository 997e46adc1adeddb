#include "cri-log.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cri_log_open(struct cri_log *log, const char *path, off_t max_size, int max_files)
{
	struct stat st;
	memset(log, 0, sizeof(*log));
	log->fd = -1;
	log->max_size = max_size;
	log->max_files = max_files < 1 ? 1 : max_files;
	if (!path) return 0;
	snprintf(log->path, sizeof(log->path), "%s", path);
	log->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (log->fd < 0) return -errno;
	if (fstat(log->fd, &st) == 0) log->size = st.st_size;
	return 0;
}

/* FILE.(n-2) -> FILE.(n-1), ..., FILE -> FILE.1, then a fresh FILE. */
static void rotate(struct cri_log *log)
{
	char from[4200], to[4200];
	close(log->fd);
	if (log->max_files == 1) {
		unlink(log->path);
	} else {
		for (int i = log->max_files - 1; i >= 1; i--) {
			if (i == 1) snprintf(from, sizeof(from), "%s", log->path);
			else snprintf(from, sizeof(from), "%s.%d", log->path, i - 1);
			snprintf(to, sizeof(to), "%s.%d", log->path, i);
			rename(from, to);
		}
	}
	log->fd = open(log->path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
	log->size = 0;
}

static void write_record(struct cri_log *log, const char *stream, char tag, const char *line, size_t len)
{
	char header[96];
	int header_len;
	if (log->fd < 0) return;
	format_timestamp(header, sizeof(header));
	header_len = (int)strlen(header);
	header_len += snprintf(header + header_len, sizeof(header) - (size_t)header_len, " %s %c ", stream, tag);
	if (log->max_size > 0 && log->size > 0 && log->size + header_len + (off_t)len + 1 > log->max_size) rotate(log);
	if (log->fd < 0) return;
	/* One record per write keeps records whole for readers tailing the file. */
	{
		char record[CRI_LINE_MAX + 128];
		memcpy(record, header, (size_t)header_len);
		memcpy(record + header_len, line, len);
		record[(size_t)header_len + len] = '\n';
		if (write_all(log->fd, record, (size_t)header_len + len + 1) == 0)
			log->size += header_len + (off_t)len + 1;
	}
}

void cri_log_feed(struct cri_log *log, struct cri_stream *s, const char *data, size_t len)
{
	while (len > 0) {
		size_t take = CRI_LINE_MAX - s->len;
		const char *newline;
		if (take > len) take = len;
		newline = memchr(data, '\n', take);
		if (newline) {
			size_t part = (size_t)(newline - data);
			memcpy(s->pending + s->len, data, part);
			write_record(log, s->name, 'F', s->pending, s->len + part);
			s->len = 0;
			data += part + 1;
			len -= part + 1;
			continue;
		}
		memcpy(s->pending + s->len, data, take);
		s->len += take;
		data += take;
		len -= take;
		if (s->len == CRI_LINE_MAX) {
			write_record(log, s->name, 'P', s->pending, s->len);
			s->len = 0;
		}
	}
}

void cri_log_flush(struct cri_log *log, struct cri_stream *s)
{
	if (s->len == 0) return;
	write_record(log, s->name, 'F', s->pending, s->len);
	s->len = 0;
}
